package kz.qoltanba.app.ui.documents

import android.content.Context
import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
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
import kz.qoltanba.app.ui.Busy
import kz.qoltanba.app.ui.CheckRow
import kz.qoltanba.app.ui.Fact
import kz.qoltanba.app.ui.KeyPicker
import kz.qoltanba.app.ui.KeySecrets
import kz.qoltanba.app.ui.KeySecretsForm
import kz.qoltanba.app.ui.KeySummary
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.SectionTitle
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.UnlockPrompt
import kz.qoltanba.app.ui.WideButton
import kz.qoltanba.app.ui.formatDate
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.app.ui.withKey
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.DocumentCheck
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.pki.Attachment

/** A document the system's picker gave: its bytes and name. */
class PickedDocument(val name: String, val bytes: ByteArray)

/**
 * Signing a document (CMS, the content attached or detached) with a key the
 * core lets sign, and checking a signed one against the operator's trusted
 * certificates. Files come from and go to the system's pickers.
 */
class DocumentsModel(services: Services, serial: String?) : ScreenModel(services) {
    var keys by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    var key by mutableStateOf<CitizenKey?>(null)
    val secrets = KeySecrets(services.canStore.remembered())
    var document by mutableStateOf<PickedDocument?>(null)
    var detached by mutableStateOf(false)
    /** The signature made, waiting to be saved. */
    var signature by mutableStateOf<ByteArray?>(null)
        private set
    var saved by mutableStateOf(false)
        private set
    var signed by mutableStateOf<PickedDocument?>(null)
    var check by mutableStateOf<DocumentCheck?>(null)
        private set

    init {
        viewModelScope.launch {
            keys = withContext(Dispatchers.IO) { services.app.citizenKeys() }
            key = serial?.let { s -> keys.firstOrNull { it.serial == s && KeyAction.SIGN_DOCUMENT in it.actions } }
        }
    }

    val signers: List<CitizenKey> get() = keys.filter { KeyAction.SIGN_DOCUMENT in it.actions }

    fun pickDocument(context: Context, uri: Uri) = work { document = read(context, uri) }

    fun pickSigned(context: Context, uri: Uri) = work {
        signed = read(context, uri)
        check = null
    }

    fun sign() = work {
        val key = key ?: return@work
        val content = document ?: return@work
        val attachment = if (detached) Attachment.DETACHED else Attachment.ATTACHED
        signature = services.withKey(key, secrets) { keys -> services.app.signDocument(key.location, keys, content.bytes, attachment) }
        saved = false
        secrets.clear()
    }

    fun save(context: Context, uri: Uri) = work {
        val bytes = signature ?: return@work
        withContext(Dispatchers.IO) {
            val out = context.contentResolver.openOutputStream(uri) ?: throw java.io.FileNotFoundException(uri.toString())
            out.use { it.write(bytes) }
        }
        saved = true
    }

    /** Checks the signed file; a detached signature against the document picked for signing. */
    fun check() = work {
        val signed = signed ?: return@work
        check = withContext(Dispatchers.IO) {
            services.app.checkDocument(signed.bytes, document?.bytes, services.trustedCertificates())
        }
    }

    private suspend fun read(context: Context, uri: Uri): PickedDocument = withContext(Dispatchers.IO) {
        val resolver = context.contentResolver
        val name = resolver.query(uri, arrayOf(android.provider.OpenableColumns.DISPLAY_NAME), null, null, null)?.use { cursor ->
            if (cursor.moveToFirst()) cursor.getString(0) else null
        } ?: uri.lastPathSegment ?: "document"
        val input = resolver.openInputStream(uri) ?: throw java.io.FileNotFoundException(uri.toString())
        PickedDocument(name, input.use { it.readBytes() })
    }
}

@Composable
fun DocumentsScreen(serial: String?, onBack: () -> Unit) {
    val model = screenModel { DocumentsModel(it, serial) }
    val context = LocalContext.current
    val pickDocument = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) model.pickDocument(context, uri)
    }
    val pickSigned = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) model.pickSigned(context, uri)
    }
    val save = rememberLauncherForActivityResult(ActivityResultContracts.CreateDocument("application/pkcs7-signature")) { uri ->
        if (uri != null) model.save(context, uri)
    }
    ScreenScaffold(stringResource(R.string.documents_title), onBack = onBack) {
        ProblemText(model.problem)
        if (model.needsUnlock) {
            UnlockPrompt(onUnlocked = { model.unlocked() })
            return@ScreenScaffold
        }
        SectionTitle(stringResource(R.string.documents_sign))
        val document = model.document
        OutlinedButton(onClick = { pickDocument.launch(arrayOf("*/*")) }, modifier = Modifier.fillMaxWidth().testTag(Tags.PICK_DOCUMENT)) {
            Text(document?.let { stringResource(R.string.documents_picked, it.name) } ?: stringResource(R.string.documents_pick))
        }
        val key = model.key
        if (key == null) {
            KeyPicker(model.signers, stringResource(R.string.documents_pick_key)) { model.key = it }
        } else {
            KeySummary(key)
            KeySecretsForm(key.storage, model.secrets)
            CheckRow(model.detached, { model.detached = it }, stringResource(R.string.documents_detached), Tags.DETACHED)
            if (model.busy) Busy(stringResource(R.string.busy))
            WideButton(
                stringResource(R.string.documents_sign_do),
                Tags.SUBMIT,
                enabled = !model.busy && document != null && model.secrets.complete(key.storage),
            ) { model.sign() }
        }
        if (model.signature != null) {
            Text(
                stringResource(if (model.saved) R.string.documents_saved else R.string.documents_signed),
                style = MaterialTheme.typography.bodyLarge,
            )
            WideButton(stringResource(R.string.documents_save), Tags.SAVE_SIGNATURE) {
                save.launch((document?.name ?: "document") + ".p7s")
            }
        }

        SectionTitle(stringResource(R.string.documents_check))
        Text(stringResource(R.string.documents_check_intro), style = MaterialTheme.typography.bodyMedium)
        OutlinedButton(onClick = { pickSigned.launch(arrayOf("*/*")) }, modifier = Modifier.fillMaxWidth().testTag(Tags.PICK_SIGNED)) {
            Text(model.signed?.let { stringResource(R.string.documents_picked, it.name) } ?: stringResource(R.string.documents_pick_signed))
        }
        WideButton(stringResource(R.string.documents_check_do), Tags.CHECK, enabled = !model.busy && model.signed != null) { model.check() }
        model.check?.let { result ->
            Fact(stringResource(R.string.check_signer), stringResource(R.string.review_holder_iin, result.signerHolder, result.signerIin))
            Fact(stringResource(R.string.check_serial), result.signerSerial)
            result.signedAt?.let { Fact(stringResource(R.string.check_signed_at), formatDate(it)) }
            Fact(
                stringResource(R.string.check_valid_then),
                stringResource(if (result.certificateValidThen) R.string.yes else R.string.no),
            )
            Fact(
                stringResource(R.string.check_trusted),
                stringResource(if (result.chainsToTrustedRoot) R.string.yes else R.string.no),
            )
        }
    }
}
