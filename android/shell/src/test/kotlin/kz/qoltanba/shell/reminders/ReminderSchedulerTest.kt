package kz.qoltanba.shell.reminders

import java.time.Instant
import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.core.ReminderPlan
import kz.qoltanba.core.pki.KeyPurpose
import org.junit.Assert.assertEquals
import org.junit.Test

/** The pure diff from the core's plan to alarms and notifications (no Android, no core call). */
class ReminderSchedulerTest {
    private val end = Instant.parse("2030-01-08T00:00:00Z")

    private fun reminder(serial: String, daysLeft: Int?) = ReminderInfo(
        id = "$serial:${daysLeft ?: "end"}", serial = serial, purpose = KeyPurpose.SIGN, notAfter = end,
        fireAt = end.minusSeconds(86_400L * (daysLeft ?: 0)), daysLeft = daysLeft?.toUInt(),
        title = "t", body = "b", deepLink = "qoltanba://renew?serial=$serial",
    )

    @Test
    fun firstPlanSchedulesAllAndShowsTheDueOnes() {
        val due = reminder("AA", 7)
        val later = listOf(reminder("AA", 3), reminder("AA", 1), reminder("AA", null))
        val changes = ReminderScheduler.diff(ReminderPlan(listOf(due), later), emptySet(), emptySet())
        assertEquals(emptyList<String>(), changes.cancel)
        assertEquals(later, changes.schedule)
        assertEquals(listOf(due), changes.show)
        assertEquals(setOf("AA:3", "AA:1", "AA:end"), changes.scheduledIds)
        assertEquals(setOf("AA:7"), changes.shownIds)
    }

    @Test
    fun aDueReminderIsShownOnceWhileItStaysDue() {
        val due = reminder("AA", 7)
        val plan = ReminderPlan(listOf(due), listOf(reminder("AA", 3)))
        val first = ReminderScheduler.diff(plan, emptySet(), emptySet())
        val again = ReminderScheduler.diff(plan, first.scheduledIds, first.shownIds)
        assertEquals(emptyList<ReminderInfo>(), again.show)
        assertEquals(setOf("AA:7"), again.shownIds)
        // Setting the alarms again is harmless (it replaces them) and takes up new words.
        assertEquals(listOf(reminder("AA", 3)), again.schedule)
    }

    @Test
    fun whatThePlanDroppedIsCancelledAndForgotten() {
        // After a renewal the old certificate's reminders are gone; a new one's come.
        val before = setOf("AA:3", "AA:1", "AA:end")
        val plan = ReminderPlan(emptyList(), listOf(reminder("BB", 30)))
        val changes = ReminderScheduler.diff(plan, before, setOf("AA:7"))
        assertEquals(listOf("AA:1", "AA:3", "AA:end"), changes.cancel)
        assertEquals(listOf(reminder("BB", 30)), changes.schedule)
        assertEquals(emptyList<ReminderInfo>(), changes.show)
        assertEquals(setOf("BB:30"), changes.scheduledIds)
        assertEquals(emptySet<String>(), changes.shownIds)
    }

    @Test
    fun aScheduledReminderThatBecameDueIsShownAndLosesItsAlarm() {
        val three = reminder("AA", 3)
        val changes = ReminderScheduler.diff(
            ReminderPlan(listOf(three), listOf(reminder("AA", 1))), setOf("AA:3", "AA:1"), setOf("AA:7"),
        )
        assertEquals(listOf("AA:3"), changes.cancel)
        assertEquals(listOf(three), changes.show)
        assertEquals(setOf("AA:3"), changes.shownIds)
    }

    @Test
    fun duplicateIdsInAPlanCountOnce() {
        val one = reminder("AA", 3)
        val changes = ReminderScheduler.diff(ReminderPlan(listOf(reminder("AA", 7), reminder("AA", 7)), listOf(one, one)), emptySet(), emptySet())
        assertEquals(listOf(one), changes.schedule)
        assertEquals(1, changes.show.size)
    }
}
