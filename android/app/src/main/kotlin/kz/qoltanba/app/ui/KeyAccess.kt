package kz.qoltanba.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.res.stringResource
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.core.KeySource
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.pki.KeyStorage

/**
 * What opens a key, by where it lives: a key file's password; the ID card's
 * CAN and PIN; nothing for the Android keystore (its unlock is the system's
 * prompt when the key needs it). Nothing here is stored: the CAN only with
 * the citizen's consent, sealed by the shell's CanStore.
 */
class KeySecrets(rememberedCan: String?) {
    var password by mutableStateOf("")
    var can by mutableStateOf(rememberedCan ?: "")
    var rememberCan by mutableStateOf(rememberedCan != null)
    var pin by mutableStateOf("")

    /** Whether what [storage] needs has been typed. */
    fun complete(storage: KeyStorage): Boolean = when (storage) {
        KeyStorage.FILE -> password.isNotEmpty()
        KeyStorage.ID_CARD -> can.isNotEmpty() && pin.isNotEmpty()
        KeyStorage.PLATFORM_KEYSTORE -> true
        KeyStorage.TOKEN -> false
    }

    /** Forgets what was typed (the CAN stays if remembered). */
    fun clear() {
        password = ""
        pin = ""
    }
}

/** The fields [storage] needs; USB tokens are for the desktop. */
@Composable
fun KeySecretsForm(storage: KeyStorage, secrets: KeySecrets) {
    when (storage) {
        KeyStorage.FILE ->
            Field(secrets.password, { secrets.password = it }, stringResource(R.string.key_file_password), Tags.PASSWORD, secret = true)
        KeyStorage.ID_CARD -> {
            CanFields(secrets)
            Field(secrets.pin, { secrets.pin = it }, stringResource(R.string.card_pin), Tags.PIN, secret = true, digits = true)
        }
        KeyStorage.PLATFORM_KEYSTORE ->
            Text(stringResource(R.string.keystore_no_secret), style = MaterialTheme.typography.bodyMedium)
        KeyStorage.TOKEN ->
            Text(stringResource(R.string.token_not_on_phone), style = MaterialTheme.typography.bodyLarge)
    }
}

/** The CAN with the guidance on where it is printed and the consent to remember it. */
@Composable
fun CanFields(secrets: KeySecrets) {
    Field(secrets.can, { secrets.can = it }, stringResource(R.string.card_can), Tags.CAN, secret = true, digits = true)
    Text(stringResource(R.string.card_can_where), style = MaterialTheme.typography.bodyMedium)
    CheckRow(secrets.rememberCan, { secrets.rememberCan = it }, stringResource(R.string.card_can_remember), Tags.REMEMBER_CAN)
}

/**
 * Runs [block] with [key] opened by [secrets]: a key file by its password; the
 * ID card on the next tap (PACE with the CAN, the PIN verified; the CAN
 * remembered or forgotten as the citizen chose); the Android keystore.
 */
suspend fun <T> Services.withKey(key: CitizenKey, secrets: KeySecrets, block: suspend (KeySource) -> T): T =
    when (key.storage) {
        KeyStorage.FILE -> block(KeySource.KeyFiles(secrets.password, ""))
        KeyStorage.ID_CARD -> cards.withSession(secrets.can, secrets.pin) { session ->
            rememberCanAsChosen(secrets)
            block(KeySource.Card(session))
        }
        KeyStorage.PLATFORM_KEYSTORE -> keystore().use { keystore -> block(KeySource.Keystore(keystore, null)) }
        KeyStorage.TOKEN -> throw UnsupportedOperationException("USB tokens are not used on a phone")
    }

/** After the card accepted the CAN: kept (sealed) only with consent. */
fun Services.rememberCanAsChosen(secrets: KeySecrets) {
    if (secrets.rememberCan) canStore.remember(secrets.can) else canStore.forget()
}
