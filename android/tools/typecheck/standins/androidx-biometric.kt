// STAND-IN, NOT ANDROIDX: shaped like androidx.biometric 1.1.0, for the type-check only.
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.biometric

class BiometricManager {
    object Authenticators {
        const val BIOMETRIC_STRONG = 0x000F
        const val BIOMETRIC_WEAK = 0x00FF
        const val DEVICE_CREDENTIAL = 0x8000
    }
}

class BiometricPrompt(activity: androidx.fragment.app.FragmentActivity, executor: java.util.concurrent.Executor, callback: AuthenticationCallback) {
    abstract class AuthenticationCallback {
        open fun onAuthenticationError(errorCode: Int, errString: CharSequence) {}
        open fun onAuthenticationSucceeded(result: AuthenticationResult) {}
        open fun onAuthenticationFailed() {}
    }
    class AuthenticationResult
    class PromptInfo {
        class Builder {
            fun setTitle(title: CharSequence): Builder = this
            fun setSubtitle(subtitle: CharSequence?): Builder = this
            fun setAllowedAuthenticators(allowedAuthenticators: Int): Builder = this
            fun build(): PromptInfo = PromptInfo()
        }
    }
    fun authenticate(info: PromptInfo) {}
}
