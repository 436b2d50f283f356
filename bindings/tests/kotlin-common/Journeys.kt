// What the journeys of the Kotlin tests share, on the desktop JVM and on a
// device (android/core/src/androidTest): the simulator card's secrets, a
// Kotlin card transport, a recording listener, and starting a renewal with
// its review confirmed, then finishing it with the RA's one-time code.
package kz.qoltanba.tests

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import kz.qoltanba.core.*
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.device.ResumeSecret
import kz.qoltanba.core.device.ReviewWarning
import kz.qoltanba.core.pki.KeyStorage

const val CAN = "123456"
const val PIN = "4321"
const val PUK = "12345678"
const val NEW_PASSWORD = "NewKeys2026b"

fun tempDir(prefix: String): File = Files.createTempDirectory("qoltanba-kt-$prefix").toFile()

/** A Kotlin transport, as an app's IsoDep one would be: it forwards every APDU
 *  to another transport (here the simulator card's) and can lose the tag. */
class ForwardingTransport(private val card: CardTransport) : CardTransport, AutoCloseable {
    var transmits = 0
        private set
    /** The transmit (0-based, counted from now) that fails as a lost tag. */
    var loseTagAt: Int? = null
    var throwAt: Int? = null

    override fun transmit(command: ByteArray): ByteArray {
        val index = transmits++
        if (index == loseTagAt) throw TransportFailure.TagLost()
        if (index == throwAt) throw IllegalStateException("IsoDep is closed")
        return card.transmit(command)
    }

    override fun atr(): ByteArray? = card.atr()

    /** Releases the transport it forwards to (a Rust object when it is the simulator's). */
    override fun close() {
        (card as? AutoCloseable)?.close()
    }
}

open class RecordingListener(private val answer: Boolean = true) : RenewalListener {
    val lines = java.util.Collections.synchronizedList(mutableListOf<String>())
    val steps = java.util.Collections.synchronizedList(mutableListOf<RenewalStep>())
    val questions = java.util.Collections.synchronizedList(mutableListOf<String>())
    override fun progress(message: String) { lines += message }
    override fun committed(step: RenewalStep) { steps += step }
    override fun confirm(question: String): Boolean {
        questions += question
        return answer
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

/**
 * A renewal with the simulator ID card behind a Kotlin transport (as the
 * app's IsoDep one): PACE with the CAN, the PIN, the review confirmed, the
 * code; the tag leaves the field a few APDUs into installing (CardLost, the
 * step kept), and a new tap resumes and finishes with the new keys current
 * on the card.
 */
fun cardRenewalResumedAfterLostTag(server: EmbeddedServer, iin11: String) {
    val dir = tempDir("card-renewal")
    SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
        val oldSerials = server.enrollCard(sim, CAN, PIN, iin11, "p256", 7L)
        checkEq(2, oldSerials.size, "AUTH and SIGN on the card")
        App.open(File(dir, "app.db").path, server.url(), server.rootDer()).use { app ->
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
            val code = server.codeFor(number) ?: throw CheckFailed("no SMS")

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

            // The renewal remembers where its keys are: the app asks for the
            // CAN and the PIN only, and keys of another kind are refused.
            val home = app.renewalHome(state.renewalId) ?: throw CheckFailed("no remembered home")
            checkEq(KeyStorage.ID_CARD, home.storage, "the keys are on the card")
            checkEq("qoltanba-ref-1", home.cardProfile, "the card's profile")
            checkEq(listOf(ResumeSecret.CAN, ResumeSecret.CARD_PIN), home.secrets, "what to ask for")
            val other = expectThrows<QoltanbaException.InvalidInput>("key files for a card renewal") {
                runBlocking { app.resume(state.renewalId, KeySource.KeyFiles("Citizen2026a", NEW_PASSWORD), null, null) }
            }
            check(other.message?.contains("the ID card") == true) { "${other.message}" }
            checkEq(RenewalStep.ISSUED, app.renewalStep(state.renewalId), "nothing done")

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
