package kz.qoltanba.shell.reminders

import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.core.ReminderPlan

/**
 * Shows a reminder as a notification; the app implements it (notification
 * channels are API 26, beyond what :shell compiles against). Use
 * [ReminderInfo.id] as the notification's tag, so the same reminder shown
 * again (computed here and received by push) replaces itself, and put
 * [ReminderInfo.deepLink] as the data of the tap's intent (`ACTION_VIEW`),
 * which [kz.qoltanba.shell.links.DeepLinks.route] reads back.
 */
fun interface ReminderNotifier {
    /** Shows [reminder] now, with the core's title, body and deep link. */
    fun show(reminder: ReminderInfo)
}

/**
 * What the app's `Application` implements so that the reminder receivers,
 * which Android starts on their own (an alarm, a reboot), reach the app's
 * notifications and the core.
 */
interface RemindersHost {
    /** The app's notifications. */
    val reminderNotifier: ReminderNotifier

    /** The core's plan now: `app.reminders(null)` of the app's [kz.qoltanba.core.App]. */
    fun reminderPlan(): ReminderPlan
}
