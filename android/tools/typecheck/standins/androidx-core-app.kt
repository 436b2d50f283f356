// STAND-IN, NOT ANDROIDX (see androidx-core.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package androidx.core.app

import android.content.Context

object LocaleManagerCompat {
    @JvmStatic fun getApplicationLocales(context: Context): androidx.core.os.LocaleListCompat = androidx.core.os.LocaleListCompat()
    @JvmStatic fun getSystemLocales(context: Context): androidx.core.os.LocaleListCompat = androidx.core.os.LocaleListCompat()
}

class NotificationCompat {
    open class Style
    class BigTextStyle : Style() {
        fun bigText(cs: CharSequence?): BigTextStyle = this
    }
    class Builder(context: Context, channelId: String) {
        fun setSmallIcon(icon: Int): Builder = this
        fun setContentTitle(title: CharSequence?): Builder = this
        fun setContentText(text: CharSequence?): Builder = this
        fun setStyle(style: Style?): Builder = this
        fun setCategory(category: String?): Builder = this
        fun setPriority(pri: Int): Builder = this
        fun setContentIntent(intent: android.app.PendingIntent?): Builder = this
        fun setAutoCancel(autoCancel: Boolean): Builder = this
        fun build(): android.app.Notification = android.app.Notification()
    }
    companion object {
        const val CATEGORY_REMINDER = "reminder"
        const val PRIORITY_DEFAULT = 0
    }
}

class NotificationManagerCompat {
    fun notify(tag: String?, id: Int, notification: android.app.Notification) {}
    fun areNotificationsEnabled(): Boolean = true
    companion object {
        @JvmStatic fun from(context: Context): NotificationManagerCompat = NotificationManagerCompat()
    }
}
