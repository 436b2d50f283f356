package kz.qoltanba.app.ui.settings

import android.Manifest
import android.content.Context
import android.content.Intent
import android.os.Build
import android.provider.Settings
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.lifecycle.viewModelScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.app.AppLanguage
import kz.qoltanba.app.R
import kz.qoltanba.app.ReminderNotifications
import kz.qoltanba.app.Services
import kz.qoltanba.app.ui.CheckRow
import kz.qoltanba.app.ui.Field
import kz.qoltanba.app.ui.LoginForm
import kz.qoltanba.app.ui.ProblemText
import kz.qoltanba.app.ui.RaLogin
import kz.qoltanba.app.ui.RadioRow
import kz.qoltanba.app.ui.ScreenModel
import kz.qoltanba.app.ui.ScreenScaffold
import kz.qoltanba.app.ui.SectionTitle
import kz.qoltanba.app.ui.Tags
import kz.qoltanba.app.ui.UnlockPrompt
import kz.qoltanba.app.ui.WideButton
import kz.qoltanba.app.ui.screenModel
import kz.qoltanba.core.currentLocale
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.pki.NotificationPreferences
import kz.qoltanba.core.pki.Profile

/**
 * Settings: the language (kk, ru, en or the system's), this phone's
 * notifications (Android's permission and channel), and the RA's notices
 * (the profile: contact e-mail, e-mail/SMS/push), after logging in; logging
 * in also registers this phone's FCM token for the RA's pushes.
 */
class SettingsModel(services: Services) : ScreenModel(services) {
    val login = RaLogin(services)
    var keys by mutableStateOf<List<CitizenKey>>(emptyList())
        private set
    var profile by mutableStateOf<Profile?>(null)
        private set
    var contactEmail by mutableStateOf("")
    var email by mutableStateOf(true)
    var sms by mutableStateOf(true)
    var push by mutableStateOf(true)
    var pushRegistered by mutableStateOf(false)
        private set
    var savedProfile by mutableStateOf(false)
        private set

    init {
        viewModelScope.launch { keys = withContext(Dispatchers.IO) { services.app.citizenKeys() } }
    }

    fun logIn() = work {
        login.logIn(services)
        val session = login.session ?: return@work
        show(services.app.profile(session))
        // The shell's one path: the token FCM gave (PushTokens), registered
        // once per token; null without one (a build without Firebase).
        pushRegistered = services.push.registerWithRa(session, currentLocale()) != null
    }

    fun save() = work {
        val session = login.session ?: return@work
        val contact = contactEmail.trim().ifEmpty { null }
        show(services.app.setProfile(session, contact, NotificationPreferences(email, sms, push)))
        savedProfile = true
    }

    private fun show(profile: Profile) {
        this.profile = profile
        contactEmail = profile.contactEmail ?: ""
        email = profile.notifications.email
        sms = profile.notifications.sms
        push = profile.notifications.push
    }

    override fun onCleared() {
        login.close()
    }
}

@Composable
fun SettingsScreen(onBack: () -> Unit) {
    val model = screenModel { SettingsModel(it) }
    val context = LocalContext.current
    ScreenScaffold(stringResource(R.string.settings_title), onBack = onBack) {
        ProblemText(model.problem)
        LanguageSection(context)
        NotificationsSection(context)
        SectionTitle(stringResource(R.string.settings_notices))
        if (model.needsUnlock) {
            UnlockPrompt(onUnlocked = { model.unlocked() })
            return@ScreenScaffold
        }
        val profile = model.profile
        if (profile == null) {
            Text(stringResource(R.string.settings_notices_intro), style = MaterialTheme.typography.bodyMedium)
            LoginForm(model.login, model.keys, model.busy) { model.logIn() }
            return@ScreenScaffold
        }
        profile.smsTo?.let { Text(stringResource(R.string.settings_sms_to, it), style = MaterialTheme.typography.bodyMedium) }
        profile.noticesEmail?.let { Text(stringResource(R.string.settings_notices_email, it), style = MaterialTheme.typography.bodyMedium) }
        if (model.pushRegistered) Text(stringResource(R.string.settings_push_registered), style = MaterialTheme.typography.bodyMedium)
        Field(model.contactEmail, { model.contactEmail = it }, stringResource(R.string.settings_contact_email), Tags.CONTACT_EMAIL, keyboard = KeyboardType.Email)
        CheckRow(model.email, { model.email = it }, stringResource(R.string.settings_channel_email), Tags.CHANNEL_EMAIL)
        CheckRow(model.sms, { model.sms = it }, stringResource(R.string.settings_channel_sms), Tags.CHANNEL_SMS)
        CheckRow(model.push, { model.push = it }, stringResource(R.string.settings_channel_push), Tags.CHANNEL_PUSH)
        if (model.savedProfile) Text(stringResource(R.string.settings_saved), style = MaterialTheme.typography.bodyMedium)
        WideButton(stringResource(R.string.settings_save), Tags.SAVE, enabled = !model.busy) { model.save() }
    }
}

@Composable
private fun LanguageSection(context: Context) {
    SectionTitle(stringResource(R.string.settings_language))
    val chosen = remember { AppLanguage.chosen(context)?.substringBefore('-') }
    val names = mapOf(
        "kk" to stringResource(R.string.language_kk),
        "ru" to stringResource(R.string.language_ru),
        "en" to stringResource(R.string.language_en),
    )
    Column(Modifier.selectableGroup()) {
        RadioRow(chosen == null, { AppLanguage.choose(context, null) }, stringResource(R.string.language_system), Tags.LANGUAGE_PREFIX + "system")
        AppLanguage.offered.forEach { tag ->
            RadioRow(chosen == tag, { AppLanguage.choose(context, tag) }, names.getValue(tag), Tags.LANGUAGE_PREFIX + tag)
        }
    }
}

@Composable
private fun NotificationsSection(context: Context) {
    SectionTitle(stringResource(R.string.settings_notifications))
    var allowed by remember { mutableStateOf(ReminderNotifications.allowed(context)) }
    val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        allowed = granted && ReminderNotifications.allowed(context)
    }
    Text(
        stringResource(if (allowed) R.string.notifications_on else R.string.notifications_off),
        style = MaterialTheme.typography.bodyLarge,
    )
    if (!allowed && Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
        WideButton(stringResource(R.string.notifications_allow), Tags.NOTIFICATIONS_PERMISSION) {
            ask.launch(Manifest.permission.POST_NOTIFICATIONS)
        }
    }
    OutlinedButton(
        onClick = {
            context.startActivity(
                Intent(Settings.ACTION_APP_NOTIFICATION_SETTINGS).putExtra(Settings.EXTRA_APP_PACKAGE, context.packageName),
            )
        },
        modifier = Modifier.fillMaxWidth().testTag(Tags.NOTIFICATION_SETTINGS),
    ) { Text(stringResource(R.string.notifications_settings)) }
}
