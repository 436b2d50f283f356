// Scripted citizen journeys through the cabinet (issue 15, "Verified by"):
// each one what a citizen does in the app, through the FFI, against the
// embedded reference RA. Errors are checked by their type and stable code,
// never by their words (those are localized).
package kz.qoltanba.tests

import java.io.File
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import kz.qoltanba.core.*
import kz.qoltanba.core.device.CabinetEvent
import kz.qoltanba.core.device.CabinetListener
import kz.qoltanba.core.device.CitizenKey
import kz.qoltanba.core.device.KeyAction
import kz.qoltanba.core.device.KeyStatus
import kz.qoltanba.core.device.MenuItem
import kz.qoltanba.core.device.NextStep
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.device.ReviewWarning
import kz.qoltanba.core.pki.ApplicationState
import kz.qoltanba.core.pki.Attachment
import kz.qoltanba.core.pki.CertificateStatus
import kz.qoltanba.core.pki.KeyPurpose
import kz.qoltanba.core.pki.KeyStorage
import kz.qoltanba.core.pki.NotificationPreferences
import kz.qoltanba.core.pki.RevocationReason

const val CITIZEN_PASSWORD = "Citizen2026a"
const val HOLDER = "ТЕСТОВ ТЕСТ ТЕСТОВИЧ"

fun openApp(server: EmbeddedServer, dir: File): App =
    App.open(File(dir, "app.db").path, server.url(), server.rootDer())

/** A new P-256 citizen's AUTH and SIGN key files (ending in 7 days), copied
 *  into the app as a citizen does with files from NCA: the keys the app knows. */
fun importedKeyFiles(server: EmbeddedServer, app: App, iin11: String, dir: File, algorithm: String = "p256"): List<CitizenKey> {
    val files = server.enroll(iin11, algorithm, 7L, CITIZEN_PASSWORD, File(dir, "citizen").path)
    for (file in files) app.importKeyFile(file, CITIZEN_PASSWORD, File(dir, "app-keys").path)
    val keys = app.citizenKeys()
    checkEq(files.size, keys.size, "the imported keys are listed")
    return keys
}

fun List<CitizenKey>.bySerial(serial: String): CitizenKey =
    singleOrNull { it.serial == serial } ?: throw CheckFailed("no key $serial among ${map { it.serial }}")

fun List<CitizenKey>.auth(): CitizenKey = single { it.purpose == KeyPurpose.AUTH || it.purpose == KeyPurpose.BOTH }
fun List<CitizenKey>.sign(): CitizenKey = single { it.purpose == KeyPurpose.SIGN || it.purpose == KeyPurpose.BOTH }

/** Key-file secrets for calls that only open current keys. */
fun filePassword(password: String = CITIZEN_PASSWORD) = KeySource.KeyFiles(password, "")

fun daysUntil(instant: Instant): Long = Duration.between(Instant.now(), instant).toDays()

/** The RA's refusal with its stable problem code. */
inline fun expectRefused(problem: String, what: String, block: () -> Unit) {
    val e = expectThrows<QoltanbaException.RaRefused>(what, block)
    checkEq(problem, e.problem, "$what: problem")
    checkEq("ra_refused", errorCode(e), "$what: code")
}

/** A simulator card personalised for `iin11` (P-256 keys ending in 7 days)
 *  and renewed through the app: its new keys are the app's card keys. */
class RenewedCard(val sim: SimulatorCard, val app: App, val summary: RenewalSummary) {
    fun <T> session(block: (CardSession) -> T): T =
        CardSession.open(sim.transport(), CAN).use { session ->
            session.verifyPin(PIN)
            block(session)
        }
}

fun renewCard(server: EmbeddedServer, app: App, sim: SimulatorCard, iin11: String, dir: File): RenewedCard {
    server.enrollCard(sim, CAN, PIN, iin11, "p256", 7L)
    val summary = CardSession.open(sim.transport(), CAN).use { session ->
        session.verifyPin(PIN)
        val state = runBlocking { startConfirmed(app, session, CardRenewal("testov@example.kz", "Astana", File(dir, "certs").path), null) }
        finishWithCode(server, app, state, KeySource.Card(session)).summary ?: throw CheckFailed("no summary")
    }
    return RenewedCard(sim, app, summary)
}

class RecordingCabinet : CabinetListener {
    val events = java.util.Collections.synchronizedList(mutableListOf<CabinetEvent>())
    override fun changed(event: CabinetEvent) { events += event }
    fun snapshot(): List<CabinetEvent> = synchronized(events) { events.toList() }
}

fun cabinetTests(t: Runner, server: () -> EmbeddedServer) {
    t.test("cabinet: renew a key file: the review, the code, a 1-year certificate, the keys list") {
        val dir = tempDir("cab-renew-file")
        openApp(server(), dir).use { app ->
            val old = importedKeyFiles(server(), app, "90010140001", dir)
            val files = old.map { it.location.removePrefix("file:") }
            val request = KeyFileRenewal(files, CITIZEN_PASSWORD, NEW_PASSWORD, "testov@example.kz", "Astana", File(dir, "new").path)
            val started = runBlocking { app.startRenewalWithKeyFiles(request, null, null) }
            val review = started.review ?: throw CheckFailed("no review before signing: $started")
            checkEq(RenewalStep.STARTED, started.step, "paused before anything is made")
            checkEq(null, started.needsCode, "no code yet")
            checkEq(HOLDER, review.holder, "holder")
            checkEq(old[0].iin, review.iin, "IIN")
            check(review.iin.length == 12 && review.iin.startsWith("90010140001")) { "IIN ${review.iin}" }
            checkEq("testov@example.kz", review.email, "e-mail")
            checkEq("Astana", review.locality, "locality")
            checkEq(KeyStorage.FILE, review.storage, "storage")
            checkEq("p256", review.algorithm, "algorithm")
            checkEq(365u, review.validityDays, "validity from the RA's policy")
            checkEq(old.map { it.serial }.toSet(), review.replaces.toSet(), "replaces")
            check(ReviewWarning.UNPROTECTED_STORAGE in review.warnings) { "warnings ${review.warnings}" }
            check(ReviewWarning.ENDS_SOON in review.warnings) { "7 days left: ${review.warnings}" }
            check(ReviewWarning.EMAIL_CHANGED !in review.warnings) { "same e-mail: ${review.warnings}" }
            // While it waits for the citizen, both keys of the pair show the renewal.
            for (key in app.citizenKeys()) {
                checkEq(KeyStatus.Renewing(started.renewalId, RenewalStep.STARTED), key.status, "${key.purpose} status")
                checkEq(KeyAction.RESUME_RENEWAL, key.actions.first(), "${key.purpose} first action")
                check(KeyAction.RENEW !in key.actions) { "no second renewal: ${key.actions}" }
            }

            val keys = KeySource.KeyFiles(CITIZEN_PASSWORD, NEW_PASSWORD)
            val submitted = runBlocking { app.confirmReview(started.renewalId, keys, null, null) }
            checkEq(RenewalStep.SUBMITTED, submitted.step, "submitted after confirming")
            val done = finishWithCode(server(), app, submitted, keys)
            checkEq(RenewalStep.DONE, done.step, "done")
            val summary = done.summary ?: throw CheckFailed("no summary")
            checkEq(2, summary.newCertificates.size, "AUTH and SIGN")
            for (cert in summary.newCertificates) {
                check(daysUntil(cert.notAfter) in 364..365) { "${cert.purpose}: ~1 year, ${daysUntil(cert.notAfter)} days" }
                checkEq(cert.serial, KeyFiles().use { it.show(cert.location, NEW_PASSWORD) }.serial, "installed in ${cert.location}")
            }

            val after = app.citizenKeys()
            checkEq(4, after.size, "two new keys, two replaced")
            val newSign = after.bySerial(summary.newCertificates.single { it.purpose == KeyPurpose.SIGN }.serial)
            val newAuth = after.bySerial(summary.newCertificates.single { it.purpose == KeyPurpose.AUTH }.serial)
            for (key in listOf(newSign, newAuth)) {
                val status = key.status as? KeyStatus.Valid ?: throw CheckFailed("${key.purpose}: ${key.status}")
                check(status.daysLeft in 364..365) { "days left ${status.daysLeft}" }
                checkEq(KeyStorage.FILE, key.storage, "storage")
                checkEq(HOLDER, key.holder, "holder")
                check(key.location.startsWith("file:" + File(dir, "new").path)) { "location ${key.location}" }
            }
            checkEq(listOf(KeyAction.RENEW, KeyAction.SIGN_DOCUMENT, KeyAction.REVOKE, KeyAction.CHANGE_PASSWORD), newSign.actions, "SIGN actions")
            checkEq(listOf(KeyAction.RENEW, KeyAction.REVOKE, KeyAction.CHANGE_PASSWORD), newAuth.actions, "AUTH actions")
            for (o in old) {
                val key = after.bySerial(o.serial)
                checkEq(KeyStatus.Replaced, key.status, "old ${o.purpose}")
                checkEq(emptyList<KeyAction>(), key.actions, "old ${o.purpose} actions")
            }
            checkEq(listOf(newSign.serial, newAuth.serial).toSet(), after.take(2).map { it.serial }.toSet(), "usable keys first")
        }
    }

    t.test("cabinet: renew on the ID card: review ID_CARD, 1095 days, 3-year certificates") {
        val dir = tempDir("cab-renew-card")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            val oldSerials = server().enrollCard(sim, CAN, PIN, "90010140002", "p256", 7L)
            openApp(server(), dir).use { app ->
                CardSession.open(sim.transport(), CAN).use { session ->
                    session.verifyPin(PIN)
                    val request = CardRenewal("testov@example.kz", "Astana", File(dir, "certs").path)
                    val started = runBlocking { app.startRenewalWithCard(session, request, null, null) }
                    val review = started.review ?: throw CheckFailed("no review: $started")
                    checkEq(KeyStorage.ID_CARD, review.storage, "storage")
                    checkEq(1095u, review.validityDays, "3 years on protected media")
                    checkEq(HOLDER, review.holder, "holder")
                    check(ReviewWarning.UNPROTECTED_STORAGE !in review.warnings) { "the card is protected: ${review.warnings}" }
                    checkEq(oldSerials.toSet(), review.replaces.toSet(), "replaces the card's keys")
                    val submitted = runBlocking { app.confirmReview(started.renewalId, KeySource.Card(session), null, null) }
                    val summary = finishWithCode(server(), app, submitted, KeySource.Card(session)).summary
                        ?: throw CheckFailed("no summary")
                    checkEq(2, summary.newCertificates.size, "AUTH and SIGN")
                    for (cert in summary.newCertificates) {
                        check(daysUntil(cert.notAfter) in 1094..1095) { "${cert.purpose}: ~3 years, ${daysUntil(cert.notAfter)} days" }
                    }
                    val keys = app.citizenKeys()
                    val auth = keys.bySerial(summary.newCertificates.single { it.purpose == KeyPurpose.AUTH }.serial)
                    val sign = keys.bySerial(summary.newCertificates.single { it.purpose == KeyPurpose.SIGN }.serial)
                    for (key in listOf(auth, sign)) {
                        checkEq(KeyStorage.ID_CARD, key.storage, "storage")
                        check(key.location.startsWith("card:slot-")) { "location ${key.location}" }
                        check((key.status as? KeyStatus.Valid)?.daysLeft in 1094L..1095L) { "status ${key.status}" }
                    }
                    checkEq(listOf(KeyAction.RENEW, KeyAction.REVOKE, KeyAction.CHANGE_PIN, KeyAction.UNBLOCK_PIN), auth.actions, "AUTH actions")
                    checkEq(listOf(KeyAction.RENEW, KeyAction.SIGN_DOCUMENT, KeyAction.REVOKE, KeyAction.CHANGE_PIN, KeyAction.UNBLOCK_PIN), sign.actions, "SIGN actions")
                    for (serial in oldSerials) checkEq(KeyStatus.Replaced, keys.bySerial(serial).status, "old $serial")
                }
            }
        }
    }

    t.test("cabinet: log in; applications and certificates at the RA; unknown and foreign application numbers") {
        val dir = tempDir("cab-ra-view")
        openApp(server(), dir).use { app ->
            val old = importedKeyFiles(server(), app, "90010140003", dir)
            val request = KeyFileRenewal(old.map { it.location.removePrefix("file:") }, CITIZEN_PASSWORD, NEW_PASSWORD,
                "testov@example.kz", "Astana", File(dir, "new").path)
            val keys = KeySource.KeyFiles(CITIZEN_PASSWORD, NEW_PASSWORD)
            val done = finishWithCode(server(), app, runBlocking { startConfirmed(app, request, null, null) }, keys)
            val summary = done.summary ?: throw CheckFailed("no summary")

            val auth = app.citizenKeys().filter { it.status is KeyStatus.Valid }.auth()
            val session = runBlocking { app.logIn(auth.location, filePassword(NEW_PASSWORD)) }
            checkEq(auth.iin, session.iin(), "the RA logged in the key's IIN")
            val applications = runBlocking { app.applications(session) }
            val application = applications.singleOrNull() ?: throw CheckFailed("one application: $applications")
            checkEq(summary.application, application.number, "number")
            checkEq(ApplicationState.ISSUED, application.state, "state")
            checkEq(NextStep.NOTHING, application.nextStep, "issued and installed")
            checkEq(done.renewalId, application.renewalId, "made by this device's renewal")
            checkEq(application, runBlocking { app.application(session, application.number) }, "one application by number")

            val certificates = runBlocking { app.raCertificates(session) }
            checkEq((old.map { it.serial } + summary.newCertificates.map { it.serial }).toSet(),
                certificates.map { it.serial }.toSet(), "the RA's certificates")
            for (c in certificates) {
                val isNew = summary.newCertificates.any { it.serial == c.serial }
                checkEq(!isNew, c.replaced, "${c.serial} replaced")
                check(c.onThisDevice) { "${c.serial} is on this device" }
                if (isNew) checkEq(CertificateStatus.VALID, c.status, "${c.serial} status")
            }

            expectRefused("no-such-application", "an unknown number") {
                runBlocking { app.application(session, 987_654_321L) }
            }
            // Another citizen's application (waiting for its code): the same answer.
            val otherDir = tempDir("cab-ra-view-other")
            openApp(server(), otherDir).use { other ->
                val theirs = importedKeyFiles(server(), other, "90010140004", otherDir)
                val theirRequest = KeyFileRenewal(theirs.map { it.location.removePrefix("file:") }, CITIZEN_PASSWORD,
                    NEW_PASSWORD, "testov@example.kz", "Astana", File(otherDir, "new").path)
                val waiting = runBlocking { startConfirmed(other, theirRequest, null, null) }
                val number = waiting.needsCode ?: throw CheckFailed("no code asked: $waiting")
                val theirSession = runBlocking { other.logIn(theirs.auth().location, filePassword()) }
                val their = runBlocking { other.application(theirSession, number) }
                checkEq(ApplicationState.AWAITING_CODE, their.state, "their state")
                checkEq(NextStep.ENTER_CODE, their.nextStep, "their next step")
                expectRefused("no-such-application", "another citizen's application") {
                    runBlocking { app.application(session, number) }
                }
            }
            // An AUTH key logs in, a SIGN key does not.
            val sign = app.citizenKeys().filter { it.status is KeyStatus.Valid }.sign()
            expectThrows<QoltanbaException.InvalidInput>("log in with a SIGN key") {
                runBlocking { app.logIn(sign.location, filePassword(NEW_PASSWORD)) }
            }
            expectThrows<QoltanbaException.WrongPassword>("log in with a wrong password") {
                runBlocking { app.logIn(auth.location, filePassword(CITIZEN_PASSWORD)) }
            }
        }
    }

    t.test("cabinet: the menu: every section in order; renewal, applications and revocation open with a valid key (renewed as a pair), close when it is revoked") {
        val dir = tempDir("cab-menu")
        openApp(server(), dir).use { app ->
            val order = listOf(MenuItem.KEYS, MenuItem.RENEW, MenuItem.APPLICATIONS, MenuItem.REVOKE,
                MenuItem.CREDENTIALS, MenuItem.DOCUMENTS, MenuItem.SETTINGS)
            fun open(): Set<MenuItem> {
                val menu = app.menu()
                checkEq(order, menu.map { it.item }, "every section, in order")
                return menu.filter { it.enabled }.map { it.item }.toSet()
            }
            val needKeys = setOf(MenuItem.RENEW, MenuItem.APPLICATIONS, MenuItem.REVOKE)
            checkEq(order.toSet() - needKeys, open(), "no keys yet")
            val keys = importedKeyFiles(server(), app, "90010140007", dir)
            checkEq(order.toSet(), open(), "a valid AUTH and SIGN pair")
            checkEq(listOf(keys.sign().serial, keys.auth().serial), app.renewalSet(keys.sign().serial).map { it.serial },
                "the pair renews together, the chosen key first")
            val session = runBlocking { app.logIn(keys.auth().location, filePassword()) }
            for (key in listOf(keys.sign(), keys.auth())) {
                runBlocking { app.revoke(session, key.serial, RevocationReason.SUPERSEDED, keys.auth().location, filePassword()) }
            }
            checkEq(order.toSet() - needKeys, open(), "both keys revoked")
            expectThrows<QoltanbaException.InvalidInput>("renewing a revoked key") { app.renewalSet(keys.sign().serial) }
            try {
                setLocale("kk")
                checkEq("Менің кілттерім", menuItemText(MenuItem.KEYS), "the title in Kazakh")
                checkEq("Менің деректерім өзгерді", revocationReasonText(RevocationReason.AFFILIATION_CHANGED), "a reason in Kazakh")
            } finally {
                setLocale("en")
            }
        }
    }

    t.test("cabinet: revoke a key with a reason; the RA and the keys list show it; again is refused") {
        val dir = tempDir("cab-revoke")
        openApp(server(), dir).use { app ->
            val keys = importedKeyFiles(server(), app, "90010140005", dir)
            val (auth, sign) = keys.auth() to keys.sign()
            check(RevocationReason.KEY_COMPROMISE in app.revocationReasons()) { "reasons ${app.revocationReasons()}" }
            val session = runBlocking { app.logIn(auth.location, filePassword()) }
            val revokedAt = runBlocking {
                app.revoke(session, sign.serial, RevocationReason.KEY_COMPROMISE, auth.location, filePassword())
            }
            check(Instant.parse(revokedAt) <= Instant.now()) { "revoked at $revokedAt" }
            val atRa = runBlocking { app.raCertificates(session) }
            checkEq(CertificateStatus.REVOKED, atRa.single { it.serial == sign.serial }.status, "the RA: revoked")
            check(atRa.single { it.serial == auth.serial }.status != CertificateStatus.REVOKED) { "the AUTH key stays: $atRa" }
            val after = app.citizenKeys()
            checkEq(KeyStatus.Revoked, after.bySerial(sign.serial).status, "keys: revoked")
            checkEq(emptyList<KeyAction>(), after.bySerial(sign.serial).actions, "a revoked key allows nothing")
            check(after.bySerial(auth.serial).status is KeyStatus.Expiring) { "AUTH ${after.bySerial(auth.serial).status}" }
            checkEq(auth.serial, after.first().serial, "usable keys first")

            expectRefused("already-revoked", "revoking again") {
                runBlocking { app.revoke(session, sign.serial, RevocationReason.KEY_COMPROMISE, auth.location, filePassword()) }
            }
            // The revoked key signs nothing: not a document, not a request.
            val e = expectThrows<QoltanbaException.InvalidInput>("a document signed with the revoked key") {
                runBlocking { app.signDocument(sign.location, filePassword(), "x".toByteArray(), Attachment.ATTACHED) }
            }
            checkEq("invalid_input", errorCode(e), "code")
            expectThrows<QoltanbaException.RaRefused>("a revocation signed with the revoked key") {
                runBlocking { app.revoke(session, auth.serial, RevocationReason.SUPERSEDED, sign.location, filePassword()) }
            }
            expectThrows<QoltanbaException.InvalidInput>("a serial that is no serial") {
                runBlocking { app.revoke(session, "not-hex", RevocationReason.KEY_COMPROMISE, auth.location, filePassword()) }
            }
        }
    }

    t.test("cabinet: lost password: not recoverable; the card's AUTH key logs in and revokes the key file") {
        val dir = tempDir("cab-lost")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            openApp(server(), dir).use { app ->
                // The same citizen (one IIN) has a GOST key file and the ID card.
                val file = importedKeyFiles(server(), app, "90010140006", dir, "gost512").single()
                val card = renewCard(server(), app, sim, "90010140006", dir)
                val cardAuth = app.citizenKeys().bySerial(card.summary.newCertificates.single { it.purpose == KeyPurpose.AUTH }.serial)
                checkEq(file.iin, cardAuth.iin, "one citizen")

                val advice = app.lostPassword(file.serial)
                checkEq(file.serial, advice.serial, "serial")
                checkEq(false, advice.recoverable, "a lost password cannot be recovered")
                checkEq(false, advice.visitServiceCentre, "the card is a way out")
                checkEq(cardAuth.serial, advice.canRevokeWith.firstOrNull()?.serial, "the card's AUTH key first")
                check(advice.canRevokeWith.none { it.serial == file.serial }) { "not the lost key itself" }
                expectThrows<QoltanbaException.InvalidInput>("an unknown serial") { app.lostPassword("0BADC0DE") }

                card.session { session ->
                    val ra = runBlocking { app.logIn(cardAuth.location, KeySource.Card(session)) }
                    checkEq(file.iin, ra.iin(), "logged in with the card")
                    runBlocking {
                        app.revoke(ra, file.serial, RevocationReason.KEY_COMPROMISE, cardAuth.location, KeySource.Card(session))
                    }
                    checkEq(CertificateStatus.REVOKED,
                        runBlocking { app.raCertificates(ra) }.single { it.serial == file.serial }.status, "the RA: revoked")
                }
                val keys = app.citizenKeys()
                checkEq(KeyStatus.Revoked, keys.bySerial(file.serial).status, "the key file is revoked")
                check(keys.bySerial(cardAuth.serial).status is KeyStatus.Valid) { "the card stays valid" }
            }
            // Without another key: the service centre.
            val alone = tempDir("cab-lost-alone")
            openApp(server(), alone).use { app ->
                val only = importedKeyFiles(server(), app, "90010140007", alone, "gost512").single()
                val advice = app.lostPassword(only.serial)
                checkEq(false, advice.recoverable, "not recoverable")
                checkEq(emptyList<CitizenKey>(), advice.canRevokeWith, "no other key")
                checkEq(true, advice.visitServiceCentre, "a service centre")
            }
        }
    }

    t.test("cabinet: change a key file's password; change the card's PIN, block it, unblock with the PUK") {
        val dir = tempDir("cab-secrets")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            openApp(server(), dir).use { app ->
                val sign = importedKeyFiles(server(), app, "90010140008", dir).sign()
                check(KeyAction.CHANGE_PASSWORD in sign.actions) { "actions ${sign.actions}" }
                val path = sign.location.removePrefix("file:")
                KeyFiles().use { files ->
                    expectThrows<QoltanbaException.WrongPassword>("a wrong old password") {
                        files.changePassword(path, "Wrong2026a", "Changed2026c")
                    }
                    expectThrows<QoltanbaException.InvalidInput>("a new password breaking NCA's rule") {
                        files.changePassword(path, CITIZEN_PASSWORD, "short")
                    }
                    files.changePassword(path, CITIZEN_PASSWORD, "Changed2026c")
                }
                val signed = runBlocking { app.signDocument(sign.location, filePassword("Changed2026c"), "doc".toByteArray(), Attachment.ATTACHED) }
                checkEq(sign.serial, app.checkDocument(signed, null, server().caCertificates()).signerSerial, "signed with the new password")
                expectThrows<QoltanbaException.WrongPassword>("the old password") {
                    runBlocking { app.signDocument(sign.location, filePassword(), "doc".toByteArray(), Attachment.ATTACHED) }
                }

                val card = renewCard(server(), app, sim, "90010140008", dir)
                val cardSign = app.citizenKeys().bySerial(card.summary.newCertificates.single { it.purpose == KeyPurpose.SIGN }.serial)
                check(cardSign.actions.containsAll(listOf(KeyAction.CHANGE_PIN, KeyAction.UNBLOCK_PIN))) { "actions ${cardSign.actions}" }
                CardSession.open(sim.transport(), CAN).use { session ->
                    expectThrows<QoltanbaException.WrongPin>("a wrong old PIN") { session.changePin("0000", "8765") }
                    session.changePin(PIN, "8765")
                }
                CardSession.open(sim.transport(), CAN).use { session ->
                    checkEq(2.toUByte(), expectThrows<QoltanbaException.WrongPin>("old PIN 1") { session.verifyPin(PIN) }.triesLeft, "tries")
                    checkEq(1.toUByte(), expectThrows<QoltanbaException.WrongPin>("old PIN 2") { session.verifyPin(PIN) }.triesLeft, "tries")
                    val blocked = expectThrows<QoltanbaException.PinBlocked>("old PIN 3") { session.verifyPin(PIN) }
                    checkEq("pin_blocked", errorCode(blocked), "code")
                    expectThrows<QoltanbaException.PinBlocked>("the right PIN, blocked") { session.verifyPin("8765") }
                    checkEq(PinState.Blocked, session.info().pin, "blocked")
                    // A blocked card signs nothing.
                    expectThrows<QoltanbaException.InvalidInput>("sign while blocked: the PIN is not verified") {
                        runBlocking { app.signDocument(cardSign.location, KeySource.Card(session), "doc".toByteArray(), Attachment.ATTACHED) }
                    }
                    val wrongPuk = expectThrows<QoltanbaException.WrongPin>("a wrong PUK") { session.unblockPin("87654321", "1357") }
                    checkEq("wrong_pin", errorCode(wrongPuk), "code")
                    check(wrongPuk.triesLeft > 0u) { "PUK tries left ${wrongPuk.triesLeft}" }
                    expectThrows<QoltanbaException.InvalidInput>("a PUK with letters") { session.unblockPin("1234abcd", "1357") }
                    session.unblockPin(PUK, "1357")
                }
                CardSession.open(sim.transport(), CAN).use { session ->
                    checkEq(PinState.TriesLeft(3u), session.info().pin, "unblocked, counter reset")
                    session.verifyPin("1357")
                    val signed = runBlocking { app.signDocument(cardSign.location, KeySource.Card(session), "doc".toByteArray(), Attachment.ATTACHED) }
                    checkEq(cardSign.serial, app.checkDocument(signed, null, server().caCertificates()).signerSerial, "the card signs again")
                }
            }
        }
    }

    t.test("cabinet: push: register the device, the RA's expiry push leads to the key to renew; the profile") {
        val dir = tempDir("cab-push")
        openApp(server(), dir).use { app ->
            val keys = importedKeyFiles(server(), app, "90010140009", dir)
            val session = runBlocking { app.logIn(keys.auth().location, filePassword()) }
            val token = "fcm-" + java.util.UUID.randomUUID()
            val device = runBlocking { app.registerDevice(session, "android", token, "kk-KZ") }
            check(device > 0) { "device id $device" }
            expectRefused("invalid-input", "an unknown platform") {
                runBlocking { app.registerDevice(session, "symbian", token, "kk-KZ") }
            }

            val pushes = server().runNotifier(Instant.now()).filter { it.token == token }
            checkEq(keys.map { it.serial }.toSet(), pushes.map { reminderFromPush(it.data).serial }.toSet(), "a push per certificate")
            for (push in pushes) {
                check(push.title.isNotBlank() && push.body.isNotBlank()) { "words $push" }
                val reminder = reminderFromPush(push.data)
                checkEq(7u, reminder.daysLeft, "7 days before the end")
                val serial = serialFromDeepLink(reminder.deepLink)
                val key = app.citizenKeys().bySerial(serial)
                check(KeyAction.RENEW in key.actions) { "the link leads to a key to renew: ${key.actions}" }
                check(key.status is KeyStatus.Expiring) { "status ${key.status}" }
            }
            checkEq(emptyList<SentPush>(), server().runNotifier(Instant.now()).filter { it.token == token }, "sent once")

            // The profile: a contact e-mail for notices, SMS off.
            val before = runBlocking { app.profile(session) }
            checkEq(keys[0].iin, before.iin, "profile IIN")
            checkEq(NotificationPreferences(true, true, true), before.notifications, "every channel, by default")
            checkEq("testov@example.kz", before.noticesEmail, "the registration centre's e-mail")
            val prefs = NotificationPreferences(email = true, sms = false, push = true)
            val set = runBlocking { app.setProfile(session, "citizen@example.kz", prefs) }
            checkEq("citizen@example.kz", set.contactEmail, "contact e-mail")
            checkEq("citizen@example.kz", set.noticesEmail, "notices go to the contact e-mail")
            checkEq(prefs, set.notifications, "channels")
            checkEq(set, runBlocking { app.profile(session) }, "read back")
            expectRefused("bad-email", "a malformed e-mail") {
                runBlocking { app.setProfile(session, "not an e-mail", prefs) }
            }
            checkEq(set, runBlocking { app.profile(session) }, "unchanged after the refusal")

            // Unregistered: the next notice (3 days before the end) finds no device.
            runBlocking { app.unregisterDevice(session, device) }
            val later = server().runNotifier(Instant.now().plus(Duration.ofDays(4)))
            checkEq(emptyList<SentPush>(), later.filter { it.token == token }, "no push after unregistering")
            expectRefused("not-found", "unregistering twice") { runBlocking { app.unregisterDevice(session, device) } }
        }
    }

    t.test("cabinet: sign and verify a document with a key file, the card and the keystore; attached and detached") {
        val dir = tempDir("cab-documents")
        val trusted = server().caCertificates()
        val content = "Өтініш: a document to sign, ${Instant.now()}".toByteArray()
        fun checkBoth(app: App, location: String, source: KeySource, serial: String) {
            val attached = runBlocking { app.signDocument(location, source, content, Attachment.ATTACHED) }
            val result = app.checkDocument(attached, null, trusted)
            checkEq(serial, result.signerSerial, "$location: signer")
            checkEq(HOLDER, result.signerHolder, "$location: holder")
            check(result.content.contentEquals(content)) { "$location: the content travels inside" }
            check(result.chainsToTrustedRoot && result.certificateValidThen) { "$location: trusted $result" }
            val signedAt = result.signedAt ?: throw CheckFailed("$location: no signing time")
            check(Duration.between(signedAt, Instant.now()).abs() < Duration.ofMinutes(2)) { "signed at $signedAt" }
            checkEq(false, app.checkDocument(attached, null, emptyList()).chainsToTrustedRoot, "$location: nothing trusted")
            checkEq(false, app.checkDocument(attached, null, listOf(server().rootDer())).chainsToTrustedRoot,
                "$location: the root alone does not link the signer")
            // A changed byte of the content inside the CMS.
            val at = indexOf(attached, content)
            check(at >= 0) { "$location: the content is inside" }
            val tampered = attached.copyOf().also { it[at] = (it[at] + 1).toByte() }
            expectThrows<QoltanbaException.InvalidInput>("$location: changed attached") { app.checkDocument(tampered, null, trusted) }

            val detached = runBlocking { app.signDocument(location, source, content, Attachment.DETACHED) }
            check(indexOf(detached, content) < 0) { "$location: detached carries no content" }
            checkEq(serial, app.checkDocument(detached, content, trusted).signerSerial, "$location: detached signer")
            val changed = content.copyOf().also { it[0] = (it[0] + 1).toByte() }
            expectThrows<QoltanbaException.InvalidInput>("$location: changed document") { app.checkDocument(detached, changed, trusted) }
            expectThrows<QoltanbaException.InvalidInput>("$location: detached without the document") { app.checkDocument(detached, null, trusted) }
        }
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            openApp(server(), dir).use { app ->
                val files = importedKeyFiles(server(), app, "90010140010", dir)
                checkBoth(app, files.sign().location, filePassword(), files.sign().serial)
                expectThrows<QoltanbaException.InvalidInput>("an AUTH key signs no document") {
                    runBlocking { app.signDocument(files.auth().location, filePassword(), content, Attachment.ATTACHED) }
                }
                expectThrows<QoltanbaException.InvalidInput>("not a key location") {
                    runBlocking { app.signDocument("somewhere", filePassword(), content, Attachment.ATTACHED) }
                }
                expectThrows<QoltanbaException.InvalidInput>("not a CMS") { app.checkDocument("nope".toByteArray(), null, trusted) }

                val card = renewCard(server(), app, sim, "90010140010", dir)
                val cardSign = card.summary.newCertificates.single { it.purpose == KeyPurpose.SIGN }
                card.session { session -> checkBoth(app, "card:" + cardSign.location, KeySource.Card(session), cardSign.serial) }
            }
        }
        PlatformKeys.software(File(dir, "keystore").path).use { keystore ->
            openApp(server(), tempDir("cab-documents-keystore")).use { app ->
                val files = server().enroll("90010140011", "p256", 7L, CITIZEN_PASSWORD, File(dir, "ks-citizen").path)
                val state = runBlocking { startConfirmed(app, keystore, KeystoreRenewal(files, CITIZEN_PASSWORD, "testov@example.kz", "Astana"), null) }
                val summary = finishWithCode(server(), app, state, KeySource.Keystore(keystore, CITIZEN_PASSWORD)).summary
                    ?: throw CheckFailed("no summary")
                val sign = app.citizenKeys().bySerial(summary.newCertificates.single { it.purpose == KeyPurpose.SIGN }.serial)
                checkEq(KeyStorage.PLATFORM_KEYSTORE, sign.storage, "in the keystore")
                checkBoth(app, sign.location, KeySource.Keystore(keystore, null), sign.serial)
            }
        }
    }

    t.test("cabinet: listeners get renewal steps and key changes; a removed one hears nothing") {
        val dir = tempDir("cab-listeners")
        openApp(server(), dir).use { app ->
            val old = importedKeyFiles(server(), app, "90010140012", dir)
            val screen = RecordingCabinet()
            val other = RecordingCabinet()
            val screenId = app.addListener(screen)
            val otherId = app.addListener(other)
            check(screenId != otherId) { "ids differ" }

            val request = KeyFileRenewal(old.map { it.location.removePrefix("file:") }, CITIZEN_PASSWORD, NEW_PASSWORD,
                "testov@example.kz", "Astana", File(dir, "new").path)
            val keys = KeySource.KeyFiles(CITIZEN_PASSWORD, NEW_PASSWORD)
            val done = finishWithCode(server(), app, runBlocking { startConfirmed(app, request, null, null) }, keys)
            val id = done.renewalId
            val steps = screen.snapshot().filterIsInstance<CabinetEvent.RenewalStep>()
            check(steps.all { it.renewalId == id }) { "one renewal: $steps" }
            checkEq(listOf(RenewalStep.STARTED, RenewalStep.KEYS_GENERATED, RenewalStep.SIGNED, RenewalStep.SUBMITTED),
                steps.map { it.step }.filter { it in setOf(RenewalStep.STARTED, RenewalStep.KEYS_GENERATED, RenewalStep.SIGNED, RenewalStep.SUBMITTED) }.distinct(),
                "the steps in order")
            check(steps.any { it.step == RenewalStep.INSTALLED }) { "installed: $steps" }
            checkEq(CabinetEvent.KeysChanged, screen.snapshot().last(), "the keys changed after installing")
            val installedAt = screen.snapshot().indexOfLast { it is CabinetEvent.RenewalStep && it.step == RenewalStep.INSTALLED }
            check(screen.snapshot().indexOf(CabinetEvent.KeysChanged) > installedAt) { "KeysChanged after the install: ${screen.snapshot()}" }
            checkEq(screen.snapshot(), other.snapshot(), "every listener hears the same")

            val current = app.citizenKeys().filter { it.status is KeyStatus.Valid }
            val session = runBlocking { app.logIn(current.auth().location, filePassword(NEW_PASSWORD)) }
            val beforeRevoke = screen.snapshot().size
            runBlocking { app.revoke(session, current.sign().serial, RevocationReason.SUPERSEDED, current.auth().location, filePassword(NEW_PASSWORD)) }
            checkEq(listOf<CabinetEvent>(CabinetEvent.KeysChanged), screen.snapshot().drop(beforeRevoke), "KeysChanged after revoking")

            checkEq(true, app.removeListener(screenId), "removed")
            checkEq(false, app.removeListener(screenId), "removed once")
            val heard = screen.snapshot().size
            val otherHeard = other.snapshot().size
            runBlocking { app.revoke(session, current.auth().serial, RevocationReason.SUPERSEDED, current.auth().location, filePassword(NEW_PASSWORD)) }
            checkEq(heard, screen.snapshot().size, "the removed listener hears nothing")
            checkEq(listOf<CabinetEvent>(CabinetEvent.KeysChanged), other.snapshot().drop(otherHeard), "the other one still hears")
            checkEq(true, app.removeListener(otherId), "the other removed")
        }
    }

    t.test("cabinet: the ID card as last seen joins the keys; the same screen's words in kk, ru and en") {
        val dir = tempDir("cabinet-words")
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            val enrolled = server().enrollCard(sim, CAN, PIN, "90010140013", "p256", 200L)
            openApp(server(), dir).use { app ->
                checkEq(0, app.citizenKeys().size, "nothing known before the tap")
                val seen = CardSession.open(sim.transport(), CAN).use { session ->
                    session.verifyPin(PIN)
                    runBlocking { app.rememberCard(session) }
                }
                checkEq(enrolled.toSet(), seen.map { it.serial }.toSet(), "the card's two keys")
                check(seen.all { it.storage == KeyStorage.ID_CARD && it.location.startsWith("card:") }) { "$seen" }
                check(seen.all { KeyAction.CHANGE_PIN in it.actions && KeyAction.UNBLOCK_PIN in it.actions }) { "$seen" }
                checkEq(seen.map { it.serial }.toSet(), app.citizenKeys().map { it.serial }.toSet(), "listed")
                val status = seen.first().status
                check(status is KeyStatus.Valid) { "$status" }
                try {
                    setLocale("kk")
                    check(keyStatusText(status).contains("жарамды")) { keyStatusText(status) }
                    check(keyActionText(KeyAction.RENEW) == "Жаңарту") { keyActionText(KeyAction.RENEW) }
                    check(storageText(KeyStorage.ID_CARD) == "жеке куәлік") { storageText(KeyStorage.ID_CARD) }
                    val kk = expectThrows<QoltanbaException.InvalidInput>("unknown key, kk") { app.lostPassword("ABCDEF") }
                    check(kk.detail.contains("белгісіз")) { kk.detail }
                    setLocale("ru-KZ")
                    check(keyStatusText(status).contains("действует")) { keyStatusText(status) }
                    check(reviewWarningText(ReviewWarning.UNPROTECTED_STORAGE).contains("не защищено")) {
                        reviewWarningText(ReviewWarning.UNPROTECTED_STORAGE)
                    }
                    checkEq("введите код из SMS", nextStepText(NextStep.ENTER_CODE), "next step, ru")
                    val ru = expectThrows<QoltanbaException.InvalidInput>("unknown key, ru") { app.lostPassword("ABCDEF") }
                    check(ru.detail.contains("неизвестен")) { ru.detail }
                    setLocale("en")
                    check(keyStatusText(status).startsWith("valid, ")) { keyStatusText(status) }
                    val en = expectThrows<QoltanbaException.InvalidInput>("unknown key, en") { app.lostPassword("ABCDEF") }
                    check(en.detail.contains("refresh the list of keys")) { en.detail }
                } finally {
                    setLocale("en")
                }
            }
        }
    }
}

fun indexOf(haystack: ByteArray, needle: ByteArray): Int {
    outer@ for (i in 0..haystack.size - needle.size) {
        for (j in needle.indices) if (haystack[i + j] != needle[j]) continue@outer
        return i
    }
    return -1
}
