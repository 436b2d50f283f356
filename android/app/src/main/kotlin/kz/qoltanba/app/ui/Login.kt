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
import kz.qoltanba.core.RaSession
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.pki.KeyPurpose

/** An AUTH key the core still lets act (its actions list is not empty): one that can log in to the RA. */
fun CitizenKey.canLogIn(): Boolean =
    (purpose == KeyPurpose.AUTH || purpose == KeyPurpose.BOTH) && actions.isNotEmpty()

/**
 * Logging in to the RA with one of the citizen's AUTH keys: which key, what
 * opens it, and the session once logged in (closed with the screen).
 */
class RaLogin(services: Services) {
    var key by mutableStateOf<CitizenKey?>(null)
    val secrets = KeySecrets(services.canStore.remembered())
    var session by mutableStateOf<RaSession?>(null)
        private set

    /** Logs in with [key] (a card: on the next tap). */
    suspend fun logIn(services: Services) {
        val key = key ?: return
        val opened = services.withKey(key, secrets) { keys -> services.app.logIn(key.location, keys) }
        secrets.clear()
        session?.close()
        session = opened
    }

    fun close() {
        session?.close()
        session = null
    }
}

/** Pick the AUTH key, give what opens it, log in. */
@Composable
fun LoginForm(login: RaLogin, keys: List<CitizenKey>, busy: Boolean, onLogIn: () -> Unit) {
    val chosen = login.key
    if (chosen == null) {
        Text(stringResource(R.string.login_intro), style = MaterialTheme.typography.bodyLarge)
        KeyPicker(keys.filter { it.canLogIn() }, stringResource(R.string.login_pick)) { login.key = it }
        return
    }
    KeySummary(chosen)
    KeySecretsForm(chosen.storage, login.secrets)
    if (busy) Busy(stringResource(R.string.login_busy))
    WideButton(stringResource(R.string.login_do), Tags.LOG_IN, enabled = !busy && login.secrets.complete(chosen.storage), onClick = onLogIn)
}
