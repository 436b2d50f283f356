package kz.qoltanba.app.ui.renew

import android.content.Intent
import android.provider.Settings
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kz.qoltanba.app.R
import kz.qoltanba.app.ui.Busy
import kz.qoltanba.app.ui.Fact
import kz.qoltanba.app.ui.Field
import kz.qoltanba.app.ui.KeyPicker
import kz.qoltanba.app.ui.KeySecretsForm
import kz.qoltanba.app.ui.KeySummary
import kz.qoltanba.app.ui.LocalNfcPresent
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.RadioRow
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.SectionTitle
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.UnlockPrompt
import kz.qoltanba.app.ui.WideButton
import kz.qoltanba.app.ui.formatDate
import kz.qoltanba.app.ui.purposeText
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.core.device.Review
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.core.RenewalSummary
import kz.qoltanba.core.reviewWarningText
import kz.qoltanba.core.storageText
import kz.qoltanba.shell.renewal.JourneyScreen

/** The re-issuance: pick the key, fill the form, then the journey's screens. */
@Composable
fun RenewScreen(serial: String?, onBack: () -> Unit, onFinished: () -> Unit) {
    val model = screenModel { RenewModel(it, serial) }
    val state by model.screen.collectAsStateWithLifecycle()
    LaunchedEffect(state) { model.onScreen(state) }
    ScreenScaffold(stringResource(R.string.renew_title), onBack = onBack) {
        ProblemText(model.problem)
        val key = model.key
        when {
            key == null -> KeyPicker(model.candidates, stringResource(R.string.renew_pick)) { model.pick(it) }
            !model.journeyShown -> RenewForm(model)
            else -> Journey(state, model, onBack = onBack, onFinished = onFinished)
        }
    }
}

@Composable
private fun RenewForm(model: RenewModel) {
    val key = model.key ?: return
    KeySummary(key)
    if (model.resuming != null) {
        Text(stringResource(R.string.renew_resume_intro), style = MaterialTheme.typography.bodyLarge)
    }
    SectionTitle(stringResource(R.string.renew_current_keys))
    KeySecretsForm(key.storage, model.secrets)
    if (key.storage == KeyStorage.FILE) {
        SectionTitle(stringResource(R.string.renew_new_keys_home))
        Column(Modifier.selectableGroup()) {
            RadioRow(model.home == NewKeysHome.FILES, { model.home = NewKeysHome.FILES }, stringResource(R.string.renew_home_files), Tags.HOME_FILES)
            RadioRow(model.home == NewKeysHome.KEYSTORE, { model.home = NewKeysHome.KEYSTORE }, stringResource(R.string.renew_home_keystore), Tags.HOME_KEYSTORE)
        }
        if (model.home == NewKeysHome.FILES) {
            Field(model.newPassword, { model.newPassword = it }, stringResource(R.string.new_password), Tags.NEW_PASSWORD, secret = true)
            Field(model.newPasswordAgain, { model.newPasswordAgain = it }, stringResource(R.string.new_password_again), Tags.NEW_PASSWORD_AGAIN, secret = true)
        }
    }
    if (model.resuming == null) {
        SectionTitle(stringResource(R.string.renew_application))
        Field(model.email, { model.email = it }, stringResource(R.string.email), Tags.EMAIL, keyboard = KeyboardType.Email)
        Field(model.locality, { model.locality = it }, stringResource(R.string.locality), Tags.LOCALITY)
    }
    val ready = model.secrets.complete(key.storage) &&
        (key.storage != KeyStorage.FILE || model.home == NewKeysHome.KEYSTORE || model.newPassword.isNotEmpty()) &&
        (model.resuming != null || (model.email.isNotBlank() && model.locality.isNotBlank()))
    WideButton(
        stringResource(if (model.resuming != null) R.string.renew_resume else R.string.renew_start),
        Tags.START,
        enabled = ready,
    ) { model.start() }
}

@Composable
private fun Journey(state: JourneyScreen, model: RenewModel, onBack: () -> Unit, onFinished: () -> Unit) {
    when (state) {
        JourneyScreen.Idle -> Busy(stringResource(R.string.renew_starting))
        is JourneyScreen.Working -> {
            Busy(state.text)
            OutlinedButton(onClick = { model.journey.cancel() }, modifier = Modifier.fillMaxWidth().testTag(Tags.CANCEL)) {
                Text(stringResource(R.string.renew_stop))
            }
        }
        is JourneyScreen.Review -> ReviewView(state.review, onConfirm = { model.journey.confirmReview() }, onDecline = { model.journey.declineReview() })
        is JourneyScreen.Code -> CodeView(state.application, state.wrongBefore) { model.journey.submitCode(it) }
        is JourneyScreen.TapCard -> TapCardView(state.lost)
        JourneyScreen.Unlock -> UnlockPrompt(onUnlocked = { model.journey.unlocked() })
        is JourneyScreen.Question -> QuestionView(state.question, onAnswer = { yes -> model.journey.answerQuestion(yes) })
        is JourneyScreen.Done -> DoneView(state.summary, onFinished)
        JourneyScreen.Declined -> {
            Text(stringResource(R.string.renew_declined), style = MaterialTheme.typography.bodyLarge)
            WideButton(stringResource(R.string.back), Tags.DONE, onClick = onBack)
        }
        is JourneyScreen.Failed -> {
            Text(state.message, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.testTag(Tags.FAILED))
            // Retryable (the RA out of reach, say): the same call again, from
            // the last committed step; otherwise the form again, for another
            // PIN, password or CAN.
            WideButton(stringResource(R.string.retry), Tags.RETRY) {
                if (state.canRetry) model.journey.retry() else model.startOver()
            }
            OutlinedButton(onClick = onBack, modifier = Modifier.fillMaxWidth().testTag(Tags.BACK)) { Text(stringResource(R.string.back)) }
        }
    }
}

/** The core's yes/no before something that cannot be undone (the card erasing a key slot). */
@Composable
private fun QuestionView(question: String, onAnswer: (Boolean) -> Unit) {
    Text(question, style = MaterialTheme.typography.titleMedium, modifier = Modifier.testTag(Tags.QUESTION))
    WideButton(stringResource(R.string.yes), Tags.ANSWER_YES) { onAnswer(true) }
    OutlinedButton(onClick = { onAnswer(false) }, modifier = Modifier.fillMaxWidth().testTag(Tags.ANSWER_NO)) {
        Text(stringResource(R.string.no))
    }
}

/** The application before anything is made or signed: what the citizen agrees to. */
@Composable
private fun ReviewView(review: Review, onConfirm: () -> Unit, onDecline: () -> Unit) {
    Column(modifier = Modifier.testTag(Tags.REVIEW)) {
        SectionTitle(stringResource(R.string.review_title))
        Fact(stringResource(R.string.review_holder), stringResource(R.string.review_holder_iin, review.holder, review.iin))
        Fact(stringResource(R.string.email), review.email)
        Fact(stringResource(R.string.locality), review.locality)
        Fact(stringResource(R.string.review_storage), storageText(review.storage))
        Fact(stringResource(R.string.review_algorithm), review.algorithm)
        Fact(
            stringResource(R.string.review_validity),
            review.validityDays?.let { stringResource(R.string.review_validity_days, it.toInt()) } ?: stringResource(R.string.review_validity_ra),
        )
        Fact(stringResource(R.string.review_replaces), review.replaces.joinToString(", "))
        review.warnings.forEach { warning ->
            Text(reviewWarningText(warning), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyLarge)
        }
    }
    Text(stringResource(R.string.review_question), style = MaterialTheme.typography.titleMedium)
    WideButton(stringResource(R.string.review_confirm), Tags.CONFIRM, onClick = onConfirm)
    OutlinedButton(onClick = onDecline, modifier = Modifier.fillMaxWidth().testTag(Tags.DECLINE)) {
        Text(stringResource(R.string.review_decline))
    }
}

@Composable
private fun CodeView(application: Long, wrongBefore: Boolean, onSubmit: (String) -> Unit) {
    var code by remember { mutableStateOf("") }
    SectionTitle(stringResource(R.string.code_title))
    Text(
        stringResource(R.string.code_intro, application.toString()),
        style = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.testTag(Tags.CODE_FOR_PREFIX + application),
    )
    if (wrongBefore) Text(stringResource(R.string.code_wrong), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyLarge)
    Field(code, { code = it.trim() }, stringResource(R.string.code_label), Tags.CODE, digits = true)
    WideButton(stringResource(R.string.code_submit), Tags.SUBMIT_CODE, enabled = code.isNotEmpty()) {
        onSubmit(code)
        code = ""
    }
}

/** Waiting for the ID card: where to hold it; after a lost tag, that the step resumes. */
@Composable
private fun TapCardView(lost: Boolean) {
    val context = LocalContext.current
    Column(modifier = Modifier.testTag(Tags.TAP_CARD)) {
        SectionTitle(stringResource(R.string.tap_card_title))
        if (!LocalNfcPresent.current) {
            Text(stringResource(R.string.nfc_missing), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyLarge)
        }
        Text(stringResource(if (lost) R.string.tap_card_lost else R.string.tap_card_now), style = MaterialTheme.typography.bodyLarge)
        Text(stringResource(R.string.tap_card_hold), style = MaterialTheme.typography.bodyMedium)
        Text(stringResource(R.string.card_can_where), style = MaterialTheme.typography.bodyMedium)
    }
    OutlinedButton(
        onClick = { context.startActivity(Intent(Settings.ACTION_NFC_SETTINGS)) },
        modifier = Modifier.fillMaxWidth(),
    ) { Text(stringResource(R.string.nfc_settings)) }
}

@Composable
private fun DoneView(summary: RenewalSummary, onFinished: () -> Unit) {
    Column(modifier = Modifier.testTag(Tags.DONE)) {
        SectionTitle(stringResource(R.string.done_title))
        Text(stringResource(R.string.done_application, summary.application.toString()), style = MaterialTheme.typography.bodyLarge)
        summary.newCertificates.forEach { certificate ->
            Fact(
                purposeText(certificate.purpose),
                stringResource(R.string.done_certificate, certificate.serial, formatDate(certificate.notAfter)),
            )
        }
    }
    WideButton(stringResource(R.string.done_to_keys), Tags.TO_KEYS, onClick = onFinished)
}
