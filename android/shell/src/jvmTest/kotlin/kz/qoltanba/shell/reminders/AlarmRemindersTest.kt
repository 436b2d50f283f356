package kz.qoltanba.shell.reminders

import android.app.PendingIntent
import android.app.StandInAlarms
import android.content.Intent
import java.io.File
import java.time.Instant
import kz.qoltanba.core.ReminderPlan
import kz.qoltanba.shell.PASSWORD
import kz.qoltanba.shell.Ra
import kz.qoltanba.shell.TestApplication
import kz.qoltanba.shell.tempDir
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The core's reminder plan as alarms (stand-in AlarmManager) and notifications, the receivers included. */
class AlarmRemindersTest {
    @Test(timeout = 120_000)
    fun thePlanBecomesAlarmsThatFireTheReminders() {
        val dir = tempDir("alarms")
        Ra.app(dir).use { app ->
            val file = Ra.server.enroll(Ra.iin(), "gost512", 7L, PASSWORD, File(dir, "citizen").path).single()
            app.importKeyFile(file, PASSWORD, File(dir, "app-keys").path)
            var now: Instant? = null
            val application = TestApplication { app.reminders(now) }
            val shown = application.reminderNotifier.shown
            val plan = app.reminders(null)
            assertEquals("the core's plan: 3, 1 days and the end", 3, plan.scheduled.size)

            val changes = AlarmReminders(application).replan(plan)
            assertEquals(plan.due, shown.toList())
            assertEquals(plan.scheduled, changes.schedule)
            val alarms = StandInAlarms.alarms(application.alarms)
            assertEquals(plan.scheduled.map { it.fireAt.toEpochMilli() }, alarms.map { it.triggerAtMillis })
            for ((alarm, reminder) in alarms.zip(plan.scheduled)) {
                assertTrue("immutable", alarm.flags and PendingIntent.FLAG_IMMUTABLE != 0)
                assertEquals(AlarmReminders.ACTION_PREFIX + reminder.id, alarm.intent.action)
                assertEquals(reminder.id, alarm.intent.getStringExtra(AlarmReminders.EXTRA_ID))
            }

            // Again: the due one is not shown twice, the alarms are the same three.
            AlarmReminders(application).replan(app.reminders(null))
            assertEquals(1, shown.size)
            assertEquals(3, StandInAlarms.alarms(application.alarms).size)

            // The first alarm fires (the clock at its time): the receiver shows it and keeps the rest.
            val first = StandInAlarms.alarms(application.alarms).first()
            now = Instant.ofEpochMilli(first.triggerAtMillis)
            StandInAlarms.fire(application.alarms, first)
            assertEquals(plan.scheduled[0].id, shown.last().id)
            assertEquals(3u, shown.last().daysLeft)
            assertEquals(plan.scheduled.drop(1).map { it.id }, StandInAlarms.alarms(application.alarms).map { it.intent.getStringExtra(AlarmReminders.EXTRA_ID) })

            // A reboot loses the alarms; BOOT_COMPLETED sets them again.
            StandInAlarms.reboot(application.alarms)
            BootReceiver().onReceive(application, Intent("android.intent.action.LOCKED_BOOT_COMPLETED"))
            assertEquals("another action does nothing", 0, StandInAlarms.alarms(application.alarms).size)
            BootReceiver().onReceive(application, Intent(Intent.ACTION_BOOT_COMPLETED))
            assertEquals(plan.scheduled.drop(1).map { it.fireAt.toEpochMilli() }, StandInAlarms.alarms(application.alarms).map { it.triggerAtMillis })
            assertEquals("nothing shown twice", 2, shown.size)

            // A plan without reminders (renewed, say): alarms and PendingIntents cancelled.
            val changed = AlarmReminders(application).replan(ReminderPlan(emptyList(), emptyList()))
            assertEquals(2, changed.cancel.size)
            assertEquals(0, StandInAlarms.alarms(application.alarms).size)
            assertEquals(0, StandInAlarms.livePendingIntents())
        }
    }

    @Test
    fun anApplicationWithoutTheHostIsToldWhatToImplement() {
        val plain = android.content.StandInContext()
        try {
            AlarmReminders(plain)
            throw AssertionError("no host, no notifier")
        } catch (e: IllegalStateException) {
            assertTrue(e.message!!, e.message!!.contains("RemindersHost"))
        }
    }
}
