// Renewal flows from Kotlin against the embedded reference RA: cancel and
// resume, the ID card through a Kotlin transport, and what the device knows
// afterwards (keys, reminders, push, deep links, key-file import).
package kz.qoltanba.tests

import java.io.File
import java.util.concurrent.CountDownLatch
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kz.qoltanba.core.*
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.device.ResumeSecret
import kz.qoltanba.core.device.Review
import kz.qoltanba.core.device.ReviewWarning
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.core.pki.KeyLevel

/** Key files of a new test citizen whose certificates end in 7 days. */
fun enrolled(server: EmbeddedServer, iin11: String, dir: File, password: String): List<String> =
    server.enroll(iin11, "gost512", 7L, password, File(dir, "citizen").path)

fun keyFileRequest(files: List<String>, password: String, dir: File) = KeyFileRenewal(
    keyFiles = files, password = password, newPassword = NEW_PASSWORD,
    email = "testov@example.kz", locality = "Astana", newKeysDir = File(dir, "new").path,
)

/** Resume `id` until no earlier driver of it is still running (a cancelled
 *  coroutine's worker stops at its next step boundary). */
fun resumeWhenIdle(app: App, id: Long, keys: KeySource): RenewalState {
    val deadline = System.nanoTime() + 10_000_000_000L
    while (true) {
        try {
            return runBlocking { app.resume(id, keys, null, null) }
        } catch (e: QoltanbaException.InvalidInput) {
            if (!e.detail.contains("still running") || System.nanoTime() > deadline) throw e
            Thread.sleep(20)
        }
    }
}

fun flowTests(t: Runner, server: () -> EmbeddedServer) {
    t.test("renewal: cancel after the keys are generated, then resume") {
        val dir = tempDir("cancel")
        val password = "Citizen2026a"
        val files = enrolled(server(), "90010130011", dir, password)
        App.open(File(dir, "app.db").path, server().url(), server().rootDer()).use { app ->
            CancelHandle().use { cancel ->
                val listener = object : RecordingListener() {
                    override fun committed(step: RenewalStep) {
                        super.committed(step)
                        if (step == RenewalStep.KEYS_GENERATED) cancel.cancel()
                    }
                }
                val e = expectThrows<QoltanbaException.Cancelled>("cancelled") {
                    runBlocking { startConfirmed(app, keyFileRequest(files, password, dir), cancel, listener) }
                }
                checkEq("cancelled", errorCode(e), "code")
                check(cancel.isCancelled()) { "the handle says cancelled" }
                checkEq(RenewalStep.KEYS_GENERATED, listener.steps.last(), "last committed step")
                val id = app.unfinishedRenewals().singleOrNull() ?: throw CheckFailed("one unfinished renewal")
                checkEq(RenewalStep.KEYS_GENERATED, app.renewalStep(id), "stored step")
                check(listener.lines.none { it.contains("submitting") }) { "nothing submitted: ${listener.lines}" }

                val home = app.renewalHome(id) ?: throw CheckFailed("no remembered home")
                checkEq(KeyStorage.FILE, home.storage, "key files")
                checkEq(listOf(ResumeSecret.KEY_FILE_PASSWORD, ResumeSecret.NEW_KEY_FILE_PASSWORD), home.secrets, "both passwords")
                val keys = KeySource.KeyFiles(password, NEW_PASSWORD)
                val resumed = runBlocking { app.resume(id, keys, CancelHandle(), null) }
                checkEq(RenewalStep.SUBMITTED, resumed.step, "resumed to the code")
                checkEq(RenewalStep.DONE, finishWithCode(server(), app, resumed, keys).step, "done")
            }
        }
    }

    t.test("renewal: cancelling the coroutine stops the worker; resume continues") {
        val dir = tempDir("coroutine")
        val password = "Citizen2026a"
        val files = enrolled(server(), "90010130012", dir, password)
        App.open(File(dir, "app.db").path, server().url(), server().rootDer()).use { app ->
            val generated = CompletableDeferred<Unit>()
            val release = CountDownLatch(1)
            val listener = object : RecordingListener() {
                override fun committed(step: RenewalStep) {
                    super.committed(step)
                    if (step == RenewalStep.KEYS_GENERATED) {
                        generated.complete(Unit)
                        release.await() // the worker waits here until the coroutine is gone
                    }
                }
            }
            runBlocking {
                val job = async(Dispatchers.Default) {
                    startConfirmed(app, keyFileRequest(files, password, dir), null, listener)
                }
                generated.await()
                job.cancel()
                job.join()
                check(job.isCancelled) { "the coroutine is cancelled" }
                release.countDown()
            }
            val id = app.unfinishedRenewals().single()
            val keys = KeySource.KeyFiles(password, NEW_PASSWORD)
            val resumed = resumeWhenIdle(app, id, keys)
            checkEq(RenewalStep.SUBMITTED, resumed.step, "resumed to the code")
            check(listener.steps.none { it == RenewalStep.SIGNED }) { "the worker stopped: ${listener.steps}" }
            checkEq(RenewalStep.DONE, finishWithCode(server(), app, resumed, keys).step, "done")
        }
    }

    t.test("renewal: the ID card through a Kotlin transport; a tag lost while installing; resume on a new tap") {
        cardRenewalResumedAfterLostTag(server(), "90010130013")
    }

    t.test("renewal: new keys into the platform keystore (software here), then from it") {
        val dir = tempDir("keystore")
        val password = "Citizen2026a"
        val files = server().enroll("90010130015", "p256", 7L, password, File(dir, "citizen").path)
        checkEq(2, files.size, "AUTH and SIGN key files")
        // The library is built with jvm-keystore: system() is the Android
        // code, and this JVM has no "AndroidKeyStore" (the stand-in is
        // installed only in the Android suite's JVM).
        PlatformKeys.system(File(dir, "sealed").path).use { android ->
            checkEq("android", android.platform(), "the Android code")
            expectThrows<QoltanbaException.Keystore>("no AndroidKeyStore on this JVM") { android.list() }
        }
        PlatformKeys.software(File(dir, "keystore").path).use { keystore ->
            checkEq("software", keystore.platform(), "platform")
            App.open(File(dir, "app.db").path, server().url(), server().rootDer()).use { app ->
                val request = KeystoreRenewal(files, password, "testov@example.kz", "Astana")
                val state = runBlocking { startConfirmed(app, keystore, request, null) }
                val first = finishWithCode(server(), app, state, KeySource.Keystore(keystore, password))
                checkEq(RenewalStep.DONE, first.step, "first renewal done")
                val firstAliases = first.summary!!.newCertificates.map { it.location }
                val listed = keystore.list()
                checkEq(firstAliases.toSet(), listed.map { it.alias }.toSet(), "the new keys are in the keystore")
                check(listed.all { it.level == KeyLevel.SOFTWARE && it.hasCertificate && it.algorithm == "p256" }) {
                    "levels and certificates: $listed"
                }
                val signature = keystore.sign(firstAliases[0], "hello".toByteArray())
                check(signature.isNotEmpty()) { "a signature" }
                expectThrows<QoltanbaException.KeyFile>("a missing key") { keystore.sign("qoltanba-sign-00", byteArrayOf(1)) }
                val locations = app.keys().filter { !it.replaced }.map { it.location }.toSet()
                checkEq(firstAliases.map { "keystore:$it" }.toSet(), locations, "keys() shows the keystore")

                // The next renewal starts from the keys in the keystore: no password.
                val again = KeystoreRenewal(locations.toList(), null, "testov@example.kz", "Astana")
                val second = runBlocking { startConfirmed(app, keystore, again, null) }
                val done = finishWithCode(server(), app, second, KeySource.Keystore(keystore, null))
                checkEq(RenewalStep.DONE, done.step, "second renewal done")
                check(done.summary!!.newCertificates.none { it.location in firstAliases }) { "new keys again" }
                for (alias in firstAliases) keystore.delete(alias)
                checkEq(2, keystore.list().size, "the replaced keys deleted")
            }
        }
    }

    t.test("keys: import a key file, list keys, reminders, push and deep link") {
        val dir = tempDir("keys")
        val password = "Citizen2026a"
        val file = enrolled(server(), "90010130014", dir, password).single()
        App.open(File(dir, "app.db").path, server().url(), server().rootDer()).use { app ->
            checkEq(emptyList<KnownKey>(), app.keys(), "no keys yet")
            checkEq(ReminderPlan(emptyList(), emptyList()), app.reminders(null), "no reminders yet")
            val into = File(dir, "app-keys")
            expectThrows<QoltanbaException.WrongPassword>("wrong password") {
                app.importKeyFile(file, "Citizen2026x", into.path)
            }
            check(!into.exists() || into.list()!!.isEmpty()) { "nothing copied with a wrong password" }
            val key = app.importKeyFile(file, password, into.path)
            checkEq("file:" + File(into, File(file).name).path, key.location, "location")
            check(key.certificate.daysLeft in 6..7) { "days left ${key.certificate.daysLeft}" }
            expectThrows<QoltanbaException.KeyFile>("imported twice") { app.importKeyFile(file, password, into.path) }
            checkEq(listOf(key), app.keys(), "the imported key")

            val plan = app.reminders(null)
            val due = plan.due.singleOrNull() ?: throw CheckFailed("one reminder due: ${plan.due}")
            checkEq(key.certificate.serial, due.serial, "due serial")
            checkEq(7u, due.daysLeft, "due: 7 days left")
            check(due.title.isNotBlank() && due.body.isNotBlank()) { "words: $due" }
            checkEq(key.certificate.serial, serialFromDeepLink(due.deepLink), "deep link")
            expectThrows<QoltanbaException.InvalidInput>("another link") { serialFromDeepLink("https://example.kz/") }
            // 3 and 1 days before the end, and the end itself, are still to come.
            checkEq(listOf(3u, 1u, null), plan.scheduled.map { it.daysLeft }, "scheduled")
            val later = app.reminders(due.notAfter.minusSeconds(3600))
            checkEq(1u, later.due.single().daysLeft, "an hour before the end")

            // The RA's push for the same moment is the same reminder (same id).
            val fcm = """{"qoltanba":"1","kind":"expiry","serial":"${due.serial}","purpose":"both",""" +
                """"not_after":"${due.notAfter}","days_left":"7"}"""
            val pushed = reminderFromPush(fcm.toByteArray())
            checkEq(due.id, pushed.id, "push id")
            checkEq(due.fireAt, pushed.fireAt, "push fire_at")
            expectThrows<QoltanbaException.InvalidInput>("not JSON") { reminderFromPush("nope".toByteArray()) }
            expectThrows<QoltanbaException.InvalidInput>("another kind") {
                reminderFromPush(fcm.replace("expiry", "advert").toByteArray())
            }
        }
    }
}
