package kz.qoltanba.app.ui.applications

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Card
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
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.nav.Screen
import kz.qoltanba.app.ui.LoginForm
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.RaLogin
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.UnlockPrompt
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.KeyStatus
import kz.qoltanba.core.device.NextStep
import kz.qoltanba.core.device.RaApplication
import kz.qoltanba.core.nextStepText

/** The citizen's applications at the RA, newest first, each with what comes next in the core's words. */
class ApplicationsModel(services: Services) : ScreenModel(services) {
    val login = RaLogin(services)
    var keys by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    var applications by mutableStateOf<List<RaApplication>?>(null)
        private set

    init {
        viewModelScope.launch { keys = withContext(Dispatchers.IO) { services.app.citizenKeys() } }
    }

    fun logIn() = work {
        login.logIn(services)
        load()
    }

    private suspend fun load() {
        val session = login.session ?: return
        applications = services.app.applications(session)
        keys = withContext(Dispatchers.IO) { services.app.citizenKeys() }
    }

    /** The key whose unfinished renewal made this application, to continue it. */
    fun keyOf(application: RaApplication): CitizenKey? {
        val renewal = application.renewalId ?: return null
        return keys.firstOrNull { (it.status as? KeyStatus.Renewing)?.renewalId == renewal }
    }

    override fun onCleared() {
        login.close()
    }
}

@Composable
fun ApplicationsScreen(open: (Screen) -> Unit, onBack: () -> Unit) {
    val model = screenModel { ApplicationsModel(it) }
    ScreenScaffold(stringResource(R.string.applications_title), onBack = onBack) {
        ProblemText(model.problem)
        if (model.needsUnlock) {
            UnlockPrompt(onUnlocked = { model.unlocked() })
            return@ScreenScaffold
        }
        val applications = model.applications
        if (applications == null) {
            LoginForm(model.login, model.keys, model.busy) { model.logIn() }
            return@ScreenScaffold
        }
        if (applications.isEmpty()) Text(stringResource(R.string.applications_none), style = MaterialTheme.typography.bodyLarge)
        applications.forEach { application ->
            Card(modifier = Modifier.fillMaxWidth().testTag(Tags.APPLICATION_PREFIX + application.number)) {
                Column(
                    modifier = Modifier.padding(16.dp).semantics(mergeDescendants = true) {},
                    verticalArrangement = Arrangement.spacedBy(4.dp),
                ) {
                    Text(stringResource(R.string.application_number, application.number.toString()), style = MaterialTheme.typography.titleMedium)
                    Text(stringResource(R.string.application_dates, application.createdAt, application.updatedAt), style = MaterialTheme.typography.bodyMedium)
                    Text(nextStepText(application.nextStep), style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.primary)
                }
            }
            val key = model.keyOf(application)
            if (key != null && application.nextStep != NextStep.NOTHING) {
                OutlinedButton(onClick = { open(Screen.Renew(key.serial)) }, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.application_continue))
                }
            }
        }
    }
}
