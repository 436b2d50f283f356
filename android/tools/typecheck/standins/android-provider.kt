// STAND-IN, NOT ANDROID (see android-framework.kt).
package android.provider

object OpenableColumns {
    const val DISPLAY_NAME = "_display_name"
}

object Settings {
    const val ACTION_NFC_SETTINGS = "android.settings.NFC_SETTINGS"
    const val ACTION_APP_NOTIFICATION_SETTINGS = "android.settings.APP_NOTIFICATION_SETTINGS"
    const val EXTRA_APP_PACKAGE = "android.provider.extra.APP_PACKAGE"
}
