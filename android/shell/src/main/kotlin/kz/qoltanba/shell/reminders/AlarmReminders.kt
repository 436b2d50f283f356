package kz.qoltanba.shell.reminders

import android.app.AlarmManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import kz.qoltanba.core.ReminderPlan

/**
 * Puts the core's reminder plan on the phone, so reminders fire without the
 * network and without the app running: an alarm per upcoming reminder
 * (`AlarmManager.setAndAllowWhileIdle`, which fires in Doze too, within
 * minutes; no exact-alarm permission is needed), each with its own
 * immutable PendingIntent to [ReminderReceiver] under the reminder's id, and
 * the reminders due now shown through the app's [ReminderNotifier]. The ids
 * scheduled and shown are kept in the app's private SharedPreferences, so
 * the next [replan] cancels what the plan dropped ([ReminderScheduler]).
 *
 * Re-plan at start, after every renewal or key import, when the language
 * changes, and (done by the receivers) when an alarm fires and after a reboot.
 *
 * @param context any context of the app.
 * @param notifier shows due reminders; by default the Application's
 *   ([RemindersHost]).
 */
class AlarmReminders(
    context: Context,
    private val notifier: ReminderNotifier = hostOf(context).reminderNotifier,
) {
    private val context: Context = context.applicationContext
    private val preferences = this.context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE)
    private val alarms = this.context.getSystemService(Context.ALARM_SERVICE) as AlarmManager

    /** Sets, cancels and shows what [plan] asks for; returns what was done. */
    fun replan(plan: ReminderPlan): ReminderChanges {
        val changes = synchronized(LOCK) {
            val changes = ReminderScheduler.diff(
                plan,
                preferences.getStringSet(SCHEDULED, null) ?: emptySet(),
                preferences.getStringSet(SHOWN, null) ?: emptySet(),
            )
            for (id in changes.cancel) {
                PendingIntent.getBroadcast(context, requestCode(id), intent(id), PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_NO_CREATE)
                    ?.let {
                        alarms.cancel(it)
                        it.cancel()
                    }
            }
            for (reminder in changes.schedule) {
                val operation = PendingIntent.getBroadcast(
                    context, requestCode(reminder.id), intent(reminder.id),
                    PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
                )
                alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, reminder.fireAt.toEpochMilli(), operation)
            }
            preferences.edit()
                .putStringSet(SCHEDULED, changes.scheduledIds)
                .putStringSet(SHOWN, changes.shownIds)
                .apply()
            changes
        }
        changes.show.forEach(notifier::show)
        return changes
    }

    private fun intent(id: String): Intent =
        // The action carries the id: PendingIntents differ by intent, not by extras.
        Intent(context, ReminderReceiver::class.java).setAction(ACTION_PREFIX + id).putExtra(EXTRA_ID, id)

    /** Constants shared with the receivers. */
    companion object {
        private const val PREFERENCES = "kz.qoltanba.shell.reminders"
        private const val SCHEDULED = "scheduled"
        private const val SHOWN = "shown"
        private val LOCK = Any()

        /** The prefix of a reminder alarm's intent action (the reminder's id follows). */
        const val ACTION_PREFIX: String = "kz.qoltanba.shell.REMINDER:"

        /** The reminder id extra of an alarm's intent. */
        const val EXTRA_ID: String = "kz.qoltanba.shell.REMINDER_ID"

        private fun requestCode(id: String): Int = id.hashCode()

        /** The app's [RemindersHost]: its Application. */
        fun hostOf(context: Context): RemindersHost =
            context.applicationContext as? RemindersHost
                ?: throw IllegalStateException("the Application must implement kz.qoltanba.shell.reminders.RemindersHost")
    }
}
