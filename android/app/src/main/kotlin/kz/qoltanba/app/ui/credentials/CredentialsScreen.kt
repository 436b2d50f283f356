package kz.qoltanba.app.ui.credentials

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.app.Problem
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.ui.Busy
import kz.qoltanba.app.ui.CanFields
import kz.qoltanba.app.ui.Field
import kz.qoltanba.app.ui.KeyPicker
import kz.qoltanba.app.ui.KeySecrets
import kz.qoltanba.app.ui.KeySummary
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.SectionTitle
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.WideButton
import kz.qoltanba.app.ui.rememberCanAsChosen
import kz.qoltanba.app.ui.renew.RenewModel
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.core.KeyFiles
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.keyActionText

/** The actions of this screen, as the core names them on a key. */
private val secretActions = listOf(KeyAction.CHANGE_PASSWORD, KeyAction.CHANGE_PIN, KeyAction.UNBLOCK_PIN)

/**
 * A key file's password, the ID card's PIN and its unblocking with the PUK:
 * offered for a key only when the core lists the action on it. The rules for
 * a new password or PIN are the core's (its error says what is wrong).
 */
class CredentialsModel(services: Services, serial: String?, action: KeyAction?) : ScreenModel(services) {
    var keys by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    var key by mutableStateOf<CitizenKey?>(null)
    var action by mutableStateOf(action)
    val secrets = KeySecrets(services.canStore.remembered())
    var old by mutableStateOf("")
    var new by mutableStateOf("")
    var again by mutableStateOf("")
    var done by mutableStateOf(false)
        private set

    init {
        viewModelScope.launch {
            keys = withContext(Dispatchers.IO) { services.app.citizenKeys() }
            key = serial?.let { s -> keys.firstOrNull { it.serial == s } }
        }
    }

    val eligible: List<CitizenKey> get() = keys.filter { key -> key.actions.any { it in secretActions } }

    fun submit() {
        val key = key ?: return
        val action = action ?: return
        if (new != again) {
            problem = Problem.App(if (action == KeyAction.CHANGE_PASSWORD) R.string.passwords_differ else R.string.pins_differ)
            return
        }
        work {
            when (action) {
                KeyAction.CHANGE_PASSWORD -> withContext(Dispatchers.IO) {
                    KeyFiles().use { it.changePassword(key.location.removePrefix(RenewModel.FILE_PREFIX), old, new) }
                }
                KeyAction.CHANGE_PIN -> services.cards.withSessionNoPin(secrets.can) { session ->
                    services.rememberCanAsChosen(secrets)
                    session.changePin(old, new)
                }
                KeyAction.UNBLOCK_PIN -> services.cards.withSessionNoPin(secrets.can) { session ->
                    services.rememberCanAsChosen(secrets)
                    session.unblockPin(old, new)
                }
                else -> return@work
            }
            old = ""
            new = ""
            again = ""
            done = true
        }
    }
}

@Composable
fun CredentialsScreen(serial: String?, action: KeyAction?, onBack: () -> Unit) {
    val model = screenModel { CredentialsModel(it, serial, action) }
    ScreenScaffold(stringResource(R.string.credentials_title), onBack = onBack) {
        ProblemText(model.problem)
        val key = model.key
        val chosen = model.action
        when {
            model.done -> {
                Text(stringResource(R.string.credentials_done), style = MaterialTheme.typography.bodyLarge)
                WideButton(stringResource(R.string.back), Tags.DONE, onClick = onBack)
            }
            key == null -> KeyPicker(model.eligible, stringResource(R.string.credentials_pick)) { model.key = it }
            chosen == null || chosen !in key.actions -> {
                KeySummary(key)
                key.actions.filter { it in secretActions }.forEach { action ->
                    OutlinedButton(
                        onClick = { model.action = action },
                        modifier = Modifier.fillMaxWidth().testTag(Tags.ACTION_PREFIX + action.name + "-" + key.serial),
                    ) { Text(keyActionText(action)) }
                }
            }
            else -> {
                KeySummary(key)
                SectionTitle(keyActionText(chosen))
                when (chosen) {
                    KeyAction.CHANGE_PASSWORD -> {
                        Field(model.old, { model.old = it }, stringResource(R.string.key_file_password), Tags.PASSWORD, secret = true)
                        Field(model.new, { model.new = it }, stringResource(R.string.new_password), Tags.NEW_PASSWORD, secret = true)
                        Field(model.again, { model.again = it }, stringResource(R.string.new_password_again), Tags.NEW_PASSWORD_AGAIN, secret = true)
                    }
                    KeyAction.CHANGE_PIN -> {
                        CanFields(model.secrets)
                        Field(model.old, { model.old = it }, stringResource(R.string.card_pin), Tags.PIN, secret = true, digits = true)
                        Field(model.new, { model.new = it }, stringResource(R.string.new_pin), Tags.NEW_PIN, secret = true, digits = true)
                        Field(model.again, { model.again = it }, stringResource(R.string.new_pin_again), Tags.NEW_PIN_AGAIN, secret = true, digits = true)
                    }
                    else -> {
                        CanFields(model.secrets)
                        Field(model.old, { model.old = it }, stringResource(R.string.card_puk), Tags.PUK, secret = true, digits = true)
                        Field(model.new, { model.new = it }, stringResource(R.string.new_pin), Tags.NEW_PIN, secret = true, digits = true)
                        Field(model.again, { model.again = it }, stringResource(R.string.new_pin_again), Tags.NEW_PIN_AGAIN, secret = true, digits = true)
                    }
                }
                if (model.busy) {
                    Busy(stringResource(if (chosen == KeyAction.CHANGE_PASSWORD) R.string.busy else R.string.tap_card_now))
                }
                val ready = model.old.isNotEmpty() && model.new.isNotEmpty() &&
                    (chosen == KeyAction.CHANGE_PASSWORD || model.secrets.can.isNotEmpty())
                WideButton(stringResource(R.string.credentials_do), Tags.SUBMIT, enabled = !model.busy && ready) { model.submit() }
            }
        }
    }
}
