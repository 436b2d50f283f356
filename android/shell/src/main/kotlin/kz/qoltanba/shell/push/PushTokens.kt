package kz.qoltanba.shell.push

import android.content.Context

/**
 * The device's FCM token and whether the RA has it, in the app's private
 * SharedPreferences: FCM may hand a new token at any time (even with the app
 * closed), while registering it needs a logged-in RA session
 * ([PushHandler.registerWithRa]).
 */
class PushTokens(context: Context) {
    private val preferences = context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE)

    /** A new token from FCM: to be registered. */
    fun changed(token: String) {
        preferences.edit().putString(TOKEN, token).remove(REGISTERED_TOKEN).apply()
    }

    /** The latest token, or null before FCM gave one. */
    fun token(): String? = preferences.getString(TOKEN, null)

    /** Whether the latest token is not yet the one registered with the RA. */
    fun needsRegistration(): Boolean {
        val token = token() ?: return false
        return preferences.getString(REGISTERED_TOKEN, null) != token
    }

    /** The RA registered the latest token as device [deviceId]. */
    fun registered(deviceId: Long) {
        preferences.edit()
            .putString(REGISTERED_TOKEN, token())
            .putString(DEVICE_ID, deviceId.toString())
            .apply()
    }

    /** The device's id at the RA, once registered. */
    fun deviceId(): Long? = preferences.getString(DEVICE_ID, null)?.toLongOrNull()

    private companion object {
        const val PREFERENCES = "kz.qoltanba.shell.push"
        const val TOKEN = "token"
        const val REGISTERED_TOKEN = "registered-token"
        const val DEVICE_ID = "device-id"
    }
}
