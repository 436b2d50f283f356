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
import kz.qoltanba.core.device.Review
import kz.qoltanba.core.device.ReviewWarning
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.core.pki.KeyLevel

const val CAN = "123456"
const val PIN = "4321"
const val PUK = "12345678"
const val NEW_PASSWORD = "NewKeys2026b"

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

/** Start a key-file renewal and confirm its review (which must warn that
 *  key files are unprotected storage), as a citizen tapping "sign" would. */
suspend fun startConfirmed(app: App, request: KeyFileRenewal, cancel: CancelHandle?, listener: RenewalListener?): RenewalState {
    val state = app.startRenewalWithKeyFiles(request, cancel, listener)
    val review = state.review ?: throw CheckFailed("no review before signing: $state")
    checkEq(KeyStorage.FILE, review.storage, "review storage")
    check(ReviewWarning.UNPROTECTED_STORAGE in review.warnings) { "key files are unprotected: ${review.warnings}" }
    return app.confirmReview(state.renewalId, KeySource.KeyFiles(request.password, request.newPassword), cancel, listener)
}

/** [startConfirmed] for the ID card. */
suspend fun startConfirmed(app: App, session: CardSession, request: CardRenewal, listener: RenewalListener?): RenewalState {
    val state = app.startRenewalWithCard(session, request, null, listener)
    val review = state.review ?: throw CheckFailed("no review before signing: $state")
    checkEq(KeyStorage.ID_CARD, review.storage, "review storage")
    return app.confirmReview(state.renewalId, KeySource.Card(session), null, listener)
}

/** [startConfirmed] for new keys in the platform keystore. */
suspend fun startConfirmed(app: App, keystore: PlatformKeys, request: KeystoreRenewal, listener: RenewalListener?): RenewalState {
    val state = app.startRenewalIntoKeystore(keystore, request, null, listener)
    val review = state.review ?: throw CheckFailed("no review before signing: $state")
    checkEq(KeyStorage.PLATFORM_KEYSTORE, review.storage, "review storage")
    return app.confirmReview(state.renewalId, KeySource.Keystore(keystore, request.password), null, listener)
}

fun finishWithCode(server: EmbeddedServer, app: App, state: RenewalState, keys: KeySource): RenewalState {
    val number = state.needsCode ?: throw CheckFailed("no code asked: $state")
    val code = server.codeFor(number) ?: throw CheckFailed("no SMS for $number")
    return runBlocking { app.submitCode(state.renewalId, code, keys, null, null) }
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
        val dir = tempDir("card-renewal")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            val oldSerials = server().enrollCard(sim, CAN, PIN, "90010130013", "p256", 7L)
            checkEq(2, oldSerials.size, "AUTH and SIGN on the card")
            App.open(File(dir, "app.db").path, server().url(), server().rootDer()).use { app ->
                val request = CardRenewal("testov@example.kz", "Astana", File(dir, "certs").path)
                val first = ForwardingTransport(sim.transport())
                val state = CardSession.open(first, CAN).use { session ->
                    expectThrows<QoltanbaException.InvalidInput>("no PIN yet") {
                        runBlocking { app.startRenewalWithCard(session, request, null, null) }
                    }
                    session.verifyPin(PIN)
                    runBlocking { startConfirmed(app, session, request, RecordingListener()) }
                }
                first.close()
                checkEq(RenewalStep.SUBMITTED, state.step, "waiting for the code")
                val number = state.needsCode ?: throw CheckFailed("no code asked")
                val code = server().codeFor(number) ?: throw CheckFailed("no SMS")

                // The tag leaves the field a few APDUs into installing.
                val second = ForwardingTransport(sim.transport())
                CardSession.open(second, CAN).use { session ->
                    session.verifyPin(PIN)
                    val listener = object : RecordingListener() {
                        override fun committed(step: RenewalStep) {
                            super.committed(step)
                            if (step == RenewalStep.ISSUED) second.loseTagAt = second.transmits + 3
                        }
                    }
                    val lost = expectThrows<QoltanbaException.CardLost>("lost tag") {
                        runBlocking { app.submitCode(state.renewalId, code, KeySource.Card(session), null, listener) }
                    }
                    checkEq("card_lost", errorCode(lost), "code")
                }
                second.close()
                checkEq(RenewalStep.ISSUED, app.renewalStep(state.renewalId), "stored step")

                // A new tap: PACE and the PIN again, and the install finishes.
                val summary = ForwardingTransport(sim.transport()).use { third ->
                    CardSession.open(third, CAN).use { session ->
                        session.verifyPin(PIN)
                        val done = runBlocking { app.resume(state.renewalId, KeySource.Card(session), null, null) }
                        checkEq(RenewalStep.DONE, done.step, "done")
                        val summary = done.summary ?: throw CheckFailed("no summary")
                        checkEq(oldSerials.toSet(), summary.oldSerials.toSet(), "old serials")
                        checkEq(2, summary.newCertificates.size, "new certificates")
                        check(summary.newCertificates.all { it.location.startsWith("slot-") }) {
                            "keys on the card: ${summary.newCertificates.map { it.location }}"
                        }
                        val info = session.info()
                        val auth = info.slots.single { it.isAuth }
                        val sign = info.slots.single { it.isSign }
                        val newSlots = summary.newCertificates.map { it.location.substring(5, 7).toInt(16) }.toSet()
                        checkEq(newSlots, setOf(auth.slot.toInt(), sign.slot.toInt()), "the new keys are current")
                        check(auth.hasCertificate && sign.hasCertificate) { "certificates on the card: $info" }
                        summary
                    }
                }
                val keys = app.keys()
                val current = keys.filter { !it.replaced }.map { it.certificate.serial }.toSet()
                checkEq(summary.newCertificates.map { it.serial }.toSet(), current, "current keys")
                check(keys.filter { it.replaced }.map { it.certificate.serial }.toSet() == oldSerials.toSet()) {
                    "the old certificates are replaced: $keys"
                }
                check(keys.filter { !it.replaced }.all { it.location.startsWith("card:slot-") }) { "locations $keys" }
            }
        }
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
