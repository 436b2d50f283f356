package kz.qoltanba.shell.push

import android.content.StandInContext
import android.util.StandInLog
import java.io.File
import java.time.Instant
import kotlinx.coroutines.runBlocking
import kz.qoltanba.core.KeySource
import kz.qoltanba.core.pki.KeyPurpose
import kz.qoltanba.shell.PASSWORD
import kz.qoltanba.shell.Ra
import kz.qoltanba.shell.RecordingNotifier
import kz.qoltanba.shell.flatJsonObject
import kz.qoltanba.shell.tempDir
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The RA's FCM push, end to end: token registered, the notice sent, the map handed to the core, shown. */
class PushHandlerTest {
    @Test(timeout = 120_000)
    fun theRasPushBecomesTheSameReminderAsTheLocalOne() {
        val dir = tempDir("push")
        Ra.app(dir).use { app ->
            val files = Ra.server.enroll(Ra.iin(), "p256", 7L, PASSWORD, File(dir, "citizen").path)
            for (file in files) app.importKeyFile(file, PASSWORD, File(dir, "app-keys").path)
            val notifier = RecordingNotifier()
            val tokens = PushTokens(StandInContext())
            val handler = PushHandler(app, notifier, tokens)

            val auth = app.citizenKeys().single { it.purpose == KeyPurpose.AUTH }
            val session = runBlocking { app.logIn(auth.location, KeySource.KeyFiles(PASSWORD, "")) }
            assertNull("no token yet", runBlocking { handler.registerWithRa(session, "kk-KZ") })
            val token = "fcm-" + java.util.UUID.randomUUID()
            handler.onNewToken(token)
            val device = runBlocking { handler.registerWithRa(session, "kk-KZ") }!!
            assertEquals("registered once", device, runBlocking { handler.registerWithRa(session, "kk-KZ") })

            val pushes = Ra.server.runNotifier(Instant.now()).filter { it.token == token }
            assertEquals("a push per certificate", files.size, pushes.size)
            val local = app.reminders(null).due
            for (push in pushes) {
                // FCM hands the app the data payload as a map of strings.
                val shown = handler.onMessage(flatJsonObject(String(push.data, Charsets.UTF_8)))!!
                val same = local.single { it.serial == shown.serial }
                assertEquals("the local reminder's id", same.id, shown.id)
                assertEquals(same.deepLink, shown.deepLink)
                assertEquals(7u, shown.daysLeft)
            }
            assertEquals(pushes.size, notifier.shown.size)

            // A new token: the old registration goes, the new one comes.
            val newToken = "fcm-" + java.util.UUID.randomUUID()
            handler.onNewToken(newToken)
            assertTrue(tokens.needsRegistration())
            val newDevice = runBlocking { handler.registerWithRa(session, "ru-KZ") }!!
            assertEquals(newDevice, tokens.deviceId())
            assertFalse(tokens.needsRegistration())
            val later = Ra.server.runNotifier(Instant.now().plusSeconds(4 * 86_400L))
            assertTrue("nothing to the old token", later.none { it.token == token })
            assertEquals("the 3-days notice to the new one", files.size, later.count { it.token == newToken })
        }
    }

    @Test
    fun aMalformedPushIsDroppedAndItsPayloadNotLogged() {
        val notifier = RecordingNotifier()
        Ra.app(tempDir("push-bad")).use { app ->
            val handler = PushHandler(app, notifier)
            val advert = mapOf("qoltanba" to "1", "kind" to "advert", "serial" to "5E0001", "secret-looking" to "S3CR3T")
            assertNull(handler.onMessage(advert))
            assertNull(handler.onMessage(mapOf("hello" to "world")))
            assertNull(handler.onMessage(emptyMap()))
            val wrongVersion = mapOf("qoltanba" to "2", "kind" to "expiry", "serial" to "5E0001", "purpose" to "sign",
                "not_after" to "2030-01-01T00:00:00Z", "days_left" to "7")
            assertNull(handler.onMessage(wrongVersion))
            // The same payload in the version the core reads is accepted: the refusals above were the payloads'.
            assertEquals("5E0001", handler.onMessage(wrongVersion + ("qoltanba" to "1"))!!.serial)
        }
        assertEquals("only the good one shown", 1, notifier.shown.size)
        val dropped = StandInLog.lines.filter { it.contains("push message was dropped") }
        assertEquals(4, dropped.size)
        assertTrue("no payload in the log: $dropped", dropped.none { it.contains("5E0001") || it.contains("S3CR3T") || it.contains("advert") || it.contains("world") })
        assertTrue("the error code is: $dropped", dropped.all { it.contains("invalid_input") })
    }
}
