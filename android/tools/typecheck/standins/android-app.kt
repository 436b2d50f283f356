// STAND-IN, NOT ANDROID (see android-framework.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package android.app

open class Activity : android.content.ContextWrapper(null) {
    open val intent: android.content.Intent? get() = null
    open val application: Application get() = throw UnsupportedOperationException()
    protected open fun onCreate(savedInstanceState: android.os.Bundle?) {}
    protected open fun onNewIntent(intent: android.content.Intent) {}
    protected open fun onResume() {}
    protected open fun onPause() {}
    open fun finish() {}
}

open class Application : android.content.ContextWrapper(null) {
    open fun onCreate() {}
}

open class Service : android.content.ContextWrapper(null)

class Notification

class NotificationChannel(id: String, name: CharSequence, importance: Int) {
    var description: String? = null
}

class NotificationManager {
    fun createNotificationChannel(channel: NotificationChannel) {}
    companion object {
        const val IMPORTANCE_DEFAULT = 3
    }
}

class PendingIntent {
    companion object {
        const val FLAG_IMMUTABLE = 67108864
        const val FLAG_UPDATE_CURRENT = 134217728
        @JvmStatic fun getActivity(context: android.content.Context, requestCode: Int, intent: android.content.Intent, flags: Int): PendingIntent = PendingIntent()
    }
}
