package kz.qoltanba.app.ui.revoke

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.ui.Busy
import kz.qoltanba.app.ui.KeyPicker
import kz.qoltanba.app.ui.KeySecrets
import kz.qoltanba.app.ui.KeySecretsForm
import kz.qoltanba.app.ui.KeySummary
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.RadioRow
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.SectionTitle
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.UnlockPrompt
import kz.qoltanba.app.ui.WideButton
import kz.qoltanba.app.ui.canLogIn
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.app.ui.withKey
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.device.LostPassword
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.core.pki.RevocationReason
import kz.qoltanba.core.revocationReasonText

/**
 * Revoking a certificate: the key (one the core lets revoke), the reason
 * (the reasons the core offers), the AUTH key that logs in and signs the
 * request. For a key file whose password is lost, the core's advice: which
 * other key can revoke it, or the service centre.
 */
class RevokeModel(services: Services, serial: String?) : ScreenModel(services) {
    var keys by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    var key by mutableStateOf<CitizenKey?>(null)
    val reasons: List<RevocationReason> = services.app.revocationReasons()
    var reason by mutableStateOf<RevocationReason?>(null)
    var signer by mutableStateOf<CitizenKey?>(null)
    val secrets = KeySecrets(services.canStore.remembered())
    var lostPassword by mutableStateOf<LostPassword?>(null)
        private set
    /** When the RA recorded the revocation (RFC 3339, the RA's words for the time). */
    var revokedAt by mutableStateOf<String?>(null)
        private set

    init {
        viewModelScope.launch {
            keys = withContext(Dispatchers.IO) { services.app.citizenKeys() }
            key = serial?.let { s -> keys.firstOrNull { it.serial == s && KeyAction.REVOKE in it.actions } }
        }
    }

    val revocable: List<CitizenKey> get() = keys.filter { KeyAction.REVOKE in it.actions }

    /** The AUTH keys that can sign the request: the lost-password advice's when it was asked, else any that can log in. */
    val signers: List<CitizenKey>
        get() = lostPassword?.canRevokeWith ?: keys.filter { it.canLogIn() }

    fun askLostPassword() = work {
        val key = key ?: return@work
        lostPassword = withContext(Dispatchers.IO) { services.app.lostPassword(key.serial) }
        signer = null
    }

    fun revoke() = work {
        val key = key ?: return@work
        val reason = reason ?: return@work
        val signer = signer ?: return@work
        revokedAt = services.withKey(signer, secrets) { keys ->
            services.app.logIn(signer.location, keys).use { session ->
                services.app.revoke(session, key.serial, reason, signer.location, keys)
            }
        }
        secrets.clear()
        services.replanReminders()
    }
}

/** A revocation reason in the citizen's words (the core's, in the locale of setLocale). */
fun reasonText(reason: RevocationReason): String = revocationReasonText(reason)

@Composable
fun RevokeScreen(serial: String?, onBack: () -> Unit) {
    val model = screenModel { RevokeModel(it, serial) }
    ScreenScaffold(stringResource(R.string.revoke_title), onBack = onBack) {
        ProblemText(model.problem)
        val key = model.key
        val revokedAt = model.revokedAt
        when {
            revokedAt != null -> {
                Text(stringResource(R.string.revoke_done, revokedAt), style = MaterialTheme.typography.bodyLarge)
                WideButton(stringResource(R.string.back), Tags.DONE, onClick = onBack)
            }
            model.needsUnlock -> UnlockPrompt(onUnlocked = { model.unlocked() })
            key == null -> KeyPicker(model.revocable, stringResource(R.string.revoke_pick)) { model.key = it }
            else -> RevokeForm(model, key)
        }
    }
}

@Composable
private fun RevokeForm(model: RevokeModel, key: CitizenKey) {
    KeySummary(key)
    Text(stringResource(R.string.revoke_warning), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyLarge)
    SectionTitle(stringResource(R.string.revoke_reason))
    Column(Modifier.selectableGroup()) {
        model.reasons.forEach { reason ->
            RadioRow(model.reason == reason, { model.reason = reason }, reasonText(reason), Tags.REASON_PREFIX + reason.name)
        }
    }
    val advice = model.lostPassword
    if (advice != null) {
        Text(stringResource(R.string.lost_password_not_recoverable), style = MaterialTheme.typography.bodyLarge)
        if (advice.visitServiceCentre) {
            Text(stringResource(R.string.lost_password_service_centre), style = MaterialTheme.typography.bodyLarge)
        }
    } else if (key.storage == KeyStorage.FILE) {
        OutlinedButton(onClick = { model.askLostPassword() }, modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.lost_password_ask))
        }
    }
    val signer = model.signer
    if (signer == null) {
        KeyPicker(model.signers, stringResource(R.string.revoke_signer)) { model.signer = it }
        return
    }
    SectionTitle(stringResource(R.string.revoke_signer))
    KeySummary(signer)
    KeySecretsForm(signer.storage, model.secrets)
    if (model.busy) Busy(stringResource(R.string.revoke_busy))
    WideButton(
        stringResource(R.string.revoke_do),
        Tags.SUBMIT,
        enabled = !model.busy && model.reason != null && model.secrets.complete(signer.storage),
    ) { model.revoke() }
}
