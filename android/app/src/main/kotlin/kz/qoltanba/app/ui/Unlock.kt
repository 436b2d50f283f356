package kz.qoltanba.app.ui

import android.content.Context
import android.content.ContextWrapper
import android.os.Build
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_STRONG
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_WEAK
import androidx.biometric.BiometricManager.Authenticators.DEVICE_CREDENTIAL
import androidx.biometric.BiometricPrompt
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import kz.qoltanba.app.R

/**
 * The unlock of keys in the Android keystore: the core made them to need the
 * citizen's authentication (a strong biometric or the screen lock, valid for
 * 30 s; docs/platform-keystores.md). Shows the system prompt at once and a
 * button to show it again; [onUnlocked] then lets the core retry.
 */
@Composable
fun UnlockPrompt(onUnlocked: () -> Unit) {
    val context = LocalContext.current
    val title = stringResource(R.string.unlock_title)
    val subtitle = stringResource(R.string.unlock_subtitle)
    var error by remember { mutableStateOf<String?>(null) }
    val show = {
        val activity = context.findFragmentActivity()
        if (activity != null) {
            showUnlockPrompt(activity, title, subtitle, onUnlocked) { error = it }
        }
    }
    LaunchedEffect(Unit) { show() }
    SectionTitle(title)
    Text(subtitle, style = MaterialTheme.typography.bodyLarge)
    error?.let { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium) }
    WideButton(stringResource(R.string.unlock_again), Tags.UNLOCK, onClick = show)
}

/**
 * Strong biometrics or the device credential. Android 9 and 10 cannot offer
 * that pair in one prompt (androidx.biometric refuses it), so there the
 * biometric may be of class 2: if it does not unlock the key, the core asks
 * again and the citizen can use the screen lock.
 */
private fun authenticators(): Int =
    if (Build.VERSION.SDK_INT == Build.VERSION_CODES.P || Build.VERSION.SDK_INT == Build.VERSION_CODES.Q) {
        BIOMETRIC_WEAK or DEVICE_CREDENTIAL
    } else {
        BIOMETRIC_STRONG or DEVICE_CREDENTIAL
    }

private fun showUnlockPrompt(
    activity: FragmentActivity,
    title: String,
    subtitle: String,
    onUnlocked: () -> Unit,
    onError: (String) -> Unit,
) {
    val callback = object : BiometricPrompt.AuthenticationCallback() {
        override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) {
            onUnlocked()
        }

        override fun onAuthenticationError(errorCode: Int, errString: CharSequence) {
            // The system's words (cancelled, locked out, no screen lock set).
            onError(errString.toString())
        }
    }
    val prompt = BiometricPrompt(activity, ContextCompat.getMainExecutor(activity), callback)
    // No negative button: the device credential is allowed, and the prompt
    // offers it instead.
    val info = BiometricPrompt.PromptInfo.Builder()
        .setTitle(title)
        .setSubtitle(subtitle)
        .setAllowedAuthenticators(authenticators())
        .build()
    prompt.authenticate(info)
}

/** The activity behind a Compose context (it may be wrapped, e.g. for the app's language). */
fun Context.findFragmentActivity(): FragmentActivity? {
    var context: Context = this
    while (true) {
        if (context is FragmentActivity) return context
        context = (context as? ContextWrapper)?.baseContext ?: return null
    }
}
