package kz.qoltanba.app

import android.Manifest
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.shell.reminders.ReminderNotifier

/**
 * Shows the core's expiry reminders (local alarms and FCM pushes alike) in
 * the channel "reminders". The reminder's id is the notification's tag, so
 * the same reminder from the alarm and from a push is one notification; a tap
 * opens its deep link (qoltanba://renew?serial=…) in MainActivity, the
 * renewal of that key.
 */
class ReminderNotifications(private val context: Context) : ReminderNotifier {
    override fun show(reminder: ReminderInfo) {
        if (!allowed(context)) return
        val open = Intent(Intent.ACTION_VIEW, Uri.parse(reminder.deepLink))
            .setClass(context, MainActivity::class.java)
            .addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP)
        val tap = PendingIntent.getActivity(
            context,
            reminder.id.hashCode(),
            open,
            PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
        )
        val notification = NotificationCompat.Builder(context, CHANNEL_REMINDERS)
            .setSmallIcon(R.drawable.ic_notification)
            .setContentTitle(reminder.title)
            .setContentText(reminder.body)
            .setStyle(NotificationCompat.BigTextStyle().bigText(reminder.body))
            .setCategory(NotificationCompat.CATEGORY_REMINDER)
            .setPriority(NotificationCompat.PRIORITY_DEFAULT)
            .setContentIntent(tap)
            .setAutoCancel(true)
            .build()
        if (ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) == PackageManager.PERMISSION_GRANTED ||
            Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU
        ) {
            NotificationManagerCompat.from(context).notify(reminder.id, NOTIFICATION_ID, notification)
        }
    }

    companion object {
        const val CHANNEL_REMINDERS = "reminders"
        private const val NOTIFICATION_ID = 1

        /** The channel, in the language the app speaks at start (Android keeps the first name until the next call). */
        fun createChannels(context: Context) {
            val channel = NotificationChannel(
                CHANNEL_REMINDERS,
                context.getString(R.string.channel_reminders),
                NotificationManager.IMPORTANCE_DEFAULT,
            ).apply { description = context.getString(R.string.channel_reminders_description) }
            context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
        }

        /** Whether the citizen lets the app post notifications (asked in Settings on Android 13+). */
        fun allowed(context: Context): Boolean =
            (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU ||
                ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) == PackageManager.PERMISSION_GRANTED) &&
                NotificationManagerCompat.from(context).areNotificationsEnabled()
    }
}
