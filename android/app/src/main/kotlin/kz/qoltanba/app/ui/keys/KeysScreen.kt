package kz.qoltanba.app.ui.keys

import android.content.Context
import android.net.Uri
import android.provider.OpenableColumns
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.app.R
import kz.qoltanba.app.Services
import kz.qoltanba.app.nav.Screen
import kz.qoltanba.app.ui.Busy
import kz.qoltanba.app.ui.CanFields
import kz.qoltanba.app.ui.Field
import kz.qoltanba.app.ui.KeySecrets
import kz.qoltanba.app.ui.KeySummary
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.SectionTitle
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.WideButton
import kz.qoltanba.app.ui.rememberCanAsChosen
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.core.device.CabinetEvent
import kz.qoltanba.core.device.CabinetListener
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.keyActionText
import java.io.File

/**
 * The citizen's keys as the core lists them (usable first, soonest end
 * first), each with its status and exactly the actions the core allows now;
 * adding an NCA key file and reading the ID card's keys.
 */
class KeysModel(services: Services) : ScreenModel(services) {
    var keys by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    /** A key file chosen to import, waiting for its password. */
    var importing by mutableStateOf<File?>(null)
        private set
    var readingCard by mutableStateOf(false)
        private set
    val secrets = KeySecrets(services.canStore.remembered())

    private val listener = object : CabinetListener {
        override fun changed(event: CabinetEvent) {
            viewModelScope.launch { refresh() }
        }
    }
    private val listenerId = services.app.addListener(listener)

    init {
        viewModelScope.launch { refresh() }
    }

    suspend fun refresh() {
        keys = withContext(Dispatchers.IO) { services.app.citizenKeys() }
    }

    /** A key file the system's picker gave: copied into the cache under its own name, then its password is asked. */
    fun picked(context: Context, uri: Uri) = work {
        importing = withContext(Dispatchers.IO) { copyToCache(context, uri) }
    }

    fun importKeyFile() {
        val file = importing ?: return
        work {
            withContext(Dispatchers.IO) {
                // Opening the file runs its key derivation: slow by design.
                services.app.importKeyFile(file.path, secrets.password, services.keyFilesDir.path)
            }
            cancelImport()
            services.replanReminders()
            refresh()
        }
    }

    fun cancelImport() {
        importing?.parentFile?.deleteRecursively()
        importing = null
        secrets.clear()
    }

    fun startReadingCard() {
        readingCard = true
    }

    /** The keys on the ID card join the list (PACE, PIN, then the core reads the slots). */
    fun readCard() = work {
        services.cards.withSession(secrets.can, secrets.pin) { session ->
            services.rememberCanAsChosen(secrets)
            services.app.rememberCard(session)
        }
        readingCard = false
        secrets.clear()
        services.replanReminders()
        refresh()
    }

    fun cancelCard() {
        readingCard = false
        secrets.clear()
    }

    override fun onCleared() {
        services.app.removeListener(listenerId)
        importing?.parentFile?.deleteRecursively()
    }
}

private fun copyToCache(context: Context, uri: Uri): File {
    val name = context.contentResolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use { cursor ->
        if (cursor.moveToFirst()) cursor.getString(0) else null
    }?.substringAfterLast('/')?.takeIf { it.isNotBlank() } ?: "key.p12"
    val dir = File(context.cacheDir, "import-" + System.nanoTime()).apply { mkdirs() }
    val file = File(dir, name)
    val input = context.contentResolver.openInputStream(uri) ?: throw java.io.FileNotFoundException(uri.toString())
    input.use { from -> file.outputStream().use { to -> from.copyTo(to) } }
    return file
}

/** Where each of the core's actions leads. */
fun screenFor(action: KeyAction, key: CitizenKey): Screen = when (action) {
    KeyAction.RENEW, KeyAction.RESUME_RENEWAL -> Screen.Renew(key.serial)
    KeyAction.SIGN_DOCUMENT -> Screen.Documents(key.serial)
    KeyAction.REVOKE -> Screen.Revoke(key.serial)
    KeyAction.CHANGE_PASSWORD, KeyAction.CHANGE_PIN, KeyAction.UNBLOCK_PIN -> Screen.Credentials(key.serial, action)
}

@Composable
fun KeysScreen(open: (Screen) -> Unit, onBack: () -> Unit) {
    val model = screenModel { KeysModel(it) }
    val context = LocalContext.current
    val pick = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) model.picked(context, uri)
    }
    LaunchedEffect(Unit) { model.refresh() }
    ScreenScaffold(stringResource(R.string.keys_title), onBack = onBack) {
        ProblemText(model.problem)
        val importing = model.importing
        when {
            importing != null -> {
                SectionTitle(stringResource(R.string.import_title, importing.name))
                Field(model.secrets.password, { model.secrets.password = it }, stringResource(R.string.key_file_password), Tags.PASSWORD, secret = true)
                if (model.busy) Busy(stringResource(R.string.import_busy))
                WideButton(stringResource(R.string.import_do), Tags.SUBMIT, enabled = !model.busy && model.secrets.password.isNotEmpty()) { model.importKeyFile() }
                OutlinedButton(onClick = { model.cancelImport() }, modifier = Modifier.fillMaxWidth().testTag(Tags.CANCEL)) {
                    Text(stringResource(R.string.cancel))
                }
            }
            model.readingCard -> {
                SectionTitle(stringResource(R.string.read_card_title))
                CanFields(model.secrets)
                Field(model.secrets.pin, { model.secrets.pin = it }, stringResource(R.string.card_pin), Tags.PIN, secret = true, digits = true)
                if (model.busy) Busy(stringResource(R.string.tap_card_now))
                WideButton(stringResource(R.string.read_card_do), Tags.SUBMIT, enabled = !model.busy && model.secrets.complete(kz.qoltanba.core.pki.KeyStorage.ID_CARD)) { model.readCard() }
                OutlinedButton(onClick = { model.cancelCard() }, modifier = Modifier.fillMaxWidth().testTag(Tags.CANCEL)) {
                    Text(stringResource(R.string.cancel))
                }
            }
            else -> {
                if (model.keys.isEmpty()) Text(stringResource(R.string.keys_none), style = MaterialTheme.typography.bodyLarge)
                model.keys.forEach { key ->
                    KeySummary(key)
                    key.actions.forEach { action ->
                        OutlinedButton(
                            onClick = { open(screenFor(action, key)) },
                            modifier = Modifier.fillMaxWidth().testTag(Tags.ACTION_PREFIX + action.name + "-" + key.serial),
                        ) {
                            Text(keyActionText(action))
                        }
                    }
                }
                WideButton(stringResource(R.string.import_key_file), Tags.IMPORT_KEY_FILE, enabled = !model.busy) {
                    pick.launch(arrayOf("*/*"))
                }
                WideButton(stringResource(R.string.read_card), Tags.READ_CARD, enabled = !model.busy) { model.startReadingCard() }
            }
        }
    }
}
