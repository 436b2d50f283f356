// STAND-IN FOR :shell (see nfc.kt).
@file:Suppress("unused", "UNUSED_PARAMETER")
package kz.qoltanba.shell.reminders

import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.core.ReminderPlan

interface ReminderNotifier {
    fun show(reminder: ReminderInfo)
}

class AlarmReminders(context: android.content.Context) {
    fun replan(plan: ReminderPlan) {}
}
