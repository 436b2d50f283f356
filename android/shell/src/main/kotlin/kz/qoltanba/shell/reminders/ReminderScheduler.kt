package kz.qoltanba.shell.reminders

import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.core.ReminderPlan

/**
 * What to change so the phone's alarms and notifications follow a new plan.
 *
 * @property cancel ids of alarms set before that the plan no longer has.
 * @property schedule the reminders to set alarms for (all the plan's
 *   upcoming ones: setting an alarm again replaces it, so a changed time or
 *   language is taken up).
 * @property show the reminders due now that were not shown yet.
 * @property scheduledIds what is scheduled after the change: keep it for the next diff.
 * @property shownIds the due reminders shown so far: keep it for the next diff.
 */
data class ReminderChanges(
    val cancel: List<String>,
    val schedule: List<ReminderInfo>,
    val show: List<ReminderInfo>,
    val scheduledIds: Set<String>,
    val shownIds: Set<String>,
)

/**
 * The pure part of reminders: which alarms to set and cancel and which
 * notifications to show, given the core's [ReminderPlan] and what was done
 * before. The core decides what is due and when; this only compares ids.
 */
object ReminderScheduler {
    /**
     * The changes from [scheduledBefore] (alarm ids set before) and
     * [shownBefore] (due ids shown before) to [plan].
     *
     * A due reminder is shown once: while the plan keeps it due, it is not
     * shown again; ids the plan no longer has are forgotten, so a reminder
     * that comes back (a new certificate with the same serial, unlikely) is
     * shown again. A reminder due now has no alarm any more.
     */
    fun diff(plan: ReminderPlan, scheduledBefore: Set<String>, shownBefore: Set<String>): ReminderChanges {
        val upcoming = plan.scheduled.distinctBy { it.id }
        val due = plan.due.distinctBy { it.id }
        val upcomingIds = upcoming.map { it.id }.toSet()
        val dueIds = due.map { it.id }.toSet()
        val show = due.filter { it.id !in shownBefore }
        return ReminderChanges(
            cancel = scheduledBefore.filter { it !in upcomingIds }.sorted(),
            schedule = upcoming,
            show = show,
            scheduledIds = upcomingIds,
            shownIds = shownBefore.filter { it in dueIds }.toSet() + show.map { it.id },
        )
    }
}
