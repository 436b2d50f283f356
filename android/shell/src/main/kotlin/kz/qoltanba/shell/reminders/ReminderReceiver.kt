package kz.qoltanba.shell.reminders

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.errorCode

/**
 * A reminder's alarm fired: re-plans from the core's plan now, which shows
 * the reminder (it is due now) with the core's current words, and sets the
 * next alarms. A reminder the plan no longer has (renewed meanwhile) shows
 * nothing. Declared in :shell's manifest, not exported.
 */
class ReminderReceiver : BroadcastReceiver() {
    /** Android's entry point. */
    override fun onReceive(context: Context, intent: Intent) {
        val id = intent.getStringExtra(AlarmReminders.EXTRA_ID)
        replanFrom(context, "alarm of reminder $id")
    }
}

/**
 * After a reboot (alarms do not survive one), sets the reminder alarms
 * again from the core's plan and shows what became due meanwhile. Declared
 * in :shell's manifest for `BOOT_COMPLETED`.
 */
class BootReceiver : BroadcastReceiver() {
    /** Android's entry point. */
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Intent.ACTION_BOOT_COMPLETED) return
        // Every re-plan sets all upcoming alarms again, which is what a reboot needs.
        replanFrom(context, "boot")
    }
}

private fun replanFrom(context: Context, why: String) {
    val host = AlarmReminders.hostOf(context)
    try {
        val changes = AlarmReminders(context, host.reminderNotifier).replan(host.reminderPlan())
        Log.i("qoltanba.reminders", "re-planned on $why: ${changes.show.size} shown, ${changes.schedule.size} set, ${changes.cancel.size} cancelled")
    } catch (e: QoltanbaException) {
        Log.w("qoltanba.reminders", "no re-plan on $why: ${errorCode(e)}")
    }
}
