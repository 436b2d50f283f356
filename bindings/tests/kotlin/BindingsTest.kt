// Kotlin tests of the qoltanba bindings on the JVM, against the real library
// (built with features `testing` and `simulator`). Run by scripts/kotlin-tests.sh.
package kz.qoltanba.tests

import java.io.File
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.time.Instant
import kotlinx.coroutines.runBlocking
import kz.qoltanba.core.*
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.pki.KeyPurpose

val fixtures: File = File(System.getenv("QOLTANBA_FIXTURES") ?: "testdata")
val gost1: File = File(fixtures, "nca-test/gokalkan/gost1.p12")
const val FIXTURE_PASSWORD = "Qwerty12"

fun main(args: Array<String>) {
    if (args.firstOrNull() == "--bench") {
        bench()
        return
    }
    check(gost1.isFile) { "the NCA fixture $gost1 is missing (set QOLTANBA_FIXTURES)" }
    val t = Runner(args.firstOrNull())

    t.test("key file: show with the right password") {
        KeyFiles().use { files ->
            val info = files.show(gost1.path, FIXTURE_PASSWORD)
            checkEq("123456789011", info.iin, "IIN")
            check(!info.iinValid) { "the fixture's IIN fails its control digit" }
            checkEq(KeyPurpose.BOTH, info.purpose, "purpose")
            check(info.algorithm.contains("GOST", ignoreCase = true)) { "algorithm ${info.algorithm}" }
            check(info.holder?.isNotBlank() == true) { "holder ${info.holder}" }
            // Valid 2023-11-09 .. 2024-11-08 (SOURCES.md).
            checkEq(Instant.parse("2024-11-08T00:00:00Z").epochSecond / 86400,
                info.notAfter.epochSecond / 86400, "not_after day")
            check(info.daysLeft < 0) { "expired, days left ${info.daysLeft}" }
        }
    }

    t.test("key file: wrong password is WrongPassword") {
        val e = expectThrows<QoltanbaException.WrongPassword>("show") {
            KeyFiles().use { it.show(gost1.path, "Qwerty13") }
        }
        check(e.detail.contains("wrong password")) { e.detail }
        checkEq("wrong_password", errorCode(e), "code")
        check(!errorIsTransient(e)) { "a wrong password needs a new one, not the same call" }
        expectThrows<QoltanbaException.KeyFile>("a missing file") {
            KeyFiles().use { it.show(File(tempDir("none"), "none.p12").path, FIXTURE_PASSWORD) }
        }
    }

    t.test("key file: change password") {
        val copy = File(tempDir("chpw"), "GOST512_copy.p12")
        Files.copy(gost1.toPath(), copy.toPath(), StandardCopyOption.REPLACE_EXISTING)
        KeyFiles().use { files ->
            expectThrows<QoltanbaException.InvalidInput>("weak new password") {
                files.changePassword(copy.path, FIXTURE_PASSWORD, "short")
            }
            files.changePassword(copy.path, FIXTURE_PASSWORD, "Kotlin2026x")
            checkEq("123456789011", files.show(copy.path, "Kotlin2026x").iin, "IIN after")
            expectThrows<QoltanbaException.WrongPassword>("old password") {
                files.show(copy.path, FIXTURE_PASSWORD)
            }
        }
    }

    t.test("card: a Kotlin transport forwarding to the simulator card") {
        SimulatorCard.create(null, "123456", "4321", "12345678").use { sim ->
            val transport = ForwardingTransport(sim.transport())
            CardSession.open(transport, "123456").use { session ->
                val info = session.info()
                checkEq("qoltanba-ref-1", info.profile, "profile")
                checkEq(listOf<UByte>(0x81u, 0x82u, 0x83u, 0x84u), info.slots.map { it.slot }, "slots")
                checkEq(PinState.TriesLeft(3u), info.pin, "PIN state")
                check(transport.transmits > 5) { "the APDUs went through Kotlin (${transport.transmits})" }

                val wrong = expectThrows<QoltanbaException.WrongPin>("wrong PIN") { session.verifyPin("1111") }
                checkEq(2.toUByte(), wrong.triesLeft, "tries left")
                checkEq("wrong_pin", errorCode(wrong), "code")
                expectThrows<QoltanbaException.InvalidInput>("letters") { session.verifyPin("12a4") }
                session.verifyPin("4321")
                checkEq(PinState.Verified, session.info().pin, "PIN state after")
                session.changePin("4321", "8765")
            }
            // A new tap: the changed PIN holds, and the counter was reset.
            CardSession.open(ForwardingTransport(sim.transport()), "123456").use { session ->
                checkEq(PinState.TriesLeft(3u), session.info().pin, "PIN state, new session")
                expectThrows<QoltanbaException.WrongPin>("old PIN") { session.verifyPin("4321") }
                session.verifyPin("8765")
            }
        }
    }

    t.test("card: wrong CAN, missing CAN, blocked PIN") {
        SimulatorCard.create(null, "123456", "4321", "12345678").use { sim ->
            expectThrows<QoltanbaException.WrongCan>("wrong CAN") {
                CardSession.open(ForwardingTransport(sim.transport()), "654321")
            }
            expectThrows<QoltanbaException.InvalidInput>("no CAN") {
                CardSession.open(ForwardingTransport(sim.transport()), null)
            }
            CardSession.open(sim.transport(), "123456").use { session ->
                expectThrows<QoltanbaException.WrongPin>("1") { session.verifyPin("0000") }
                expectThrows<QoltanbaException.WrongPin>("2") { session.verifyPin("0000") }
                expectThrows<QoltanbaException.PinBlocked>("3") { session.verifyPin("0000") }
                expectThrows<QoltanbaException.PinBlocked>("right PIN, blocked") { session.verifyPin("4321") }
                checkEq(PinState.Blocked, session.info().pin, "PIN state")
            }
        }
    }

    t.test("card: a tag lost in Kotlin is CardLost; the next tap works") {
        SimulatorCard.create(null, "123456", "4321", "12345678").use { sim ->
            val transport = ForwardingTransport(sim.transport())
            CardSession.open(transport, "123456").use { session ->
                transport.loseTagAt = transport.transmits
                val e = expectThrows<QoltanbaException.CardLost>("lost tag") { session.verifyPin("4321") }
                checkEq("card_lost", errorCode(e), "code")
            }
            val flaky = ForwardingTransport(sim.transport()).apply { throwAt = 0 }
            expectThrows<QoltanbaException.Card>("a Kotlin exception in the transport") {
                CardSession.open(flaky, "123456")
            }
            CardSession.open(ForwardingTransport(sim.transport()), "123456").use { it.verifyPin("4321") }
        }
    }

    t.test("panic: a panic in Rust is QoltanbaException.Internal, not a crash") {
        val e = expectThrows<QoltanbaException.Internal>("guarded") { testingPanic("core bug 42") }
        check(e.detail.contains("core bug 42")) { e.detail }
        checkEq("internal", errorCode(e), "code")
        // Without our guard, uniffi itself turns the panic into InternalException.
        val raw = expectThrows<InternalException>("unguarded") { testingPanicUnguarded("raw bug") }
        check(raw.message?.contains("raw bug") == true) { "${raw.message}" }
        // The library still works.
        checkEq("123456789011", KeyFiles().use { it.show(gost1.path, FIXTURE_PASSWORD) }.iin, "after")
    }

    // One reference RA for the renewal tests (starting one creates its CAs:
    // most of these tests' time); the last test stops it.
    val server by lazy { EmbeddedServer.start() }

    t.test("renewal: key files against the reference RA, wrong then right code") {
        run {
            val dir = tempDir("renewal")
            val password = "Citizen2026a"
            val files = server.enroll("90010130001", "gost512", 7L, password, File(dir, "citizen").path)
            checkEq(1, files.size, "GOST: one key file")
            App.open(File(dir, "app.db").path, server.url(), server.rootDer()).use { app ->
                val listener = RecordingListener()
                val request = KeyFileRenewal(
                    keyFiles = files, password = password, newPassword = "NewKeys2026b",
                    email = "testov@example.kz", locality = "Astana", newKeysDir = File(dir, "new").path,
                )
                val state = runBlocking { startConfirmed(app, request, null, listener) }
                val number = state.needsCode ?: throw CheckFailed("no code asked: $state")
                checkEq(RenewalStep.SUBMITTED, state.step, "step")
                checkEq(RenewalStep.SUBMITTED, app.renewalStep(state.renewalId), "stored step")
                checkEq(listOf(state.renewalId), app.unfinishedRenewals(), "unfinished")
                check(listener.steps.containsAll(listOf(RenewalStep.STARTED, RenewalStep.KEYS_GENERATED,
                    RenewalStep.SIGNED, RenewalStep.SUBMITTED))) { "committed ${listener.steps}" }
                check(listener.lines.any { it.contains("submitting") }) { "progress ${listener.lines}" }

                val code = server.codeFor(number) ?: throw CheckFailed("no SMS for $number")
                val wrongCode = if (code == "000000") "111111" else "000000"
                expectThrows<QoltanbaException.WrongCode>("wrong code") {
                    runBlocking { app.submitCode(state.renewalId, wrongCode, KeySource.KeyFiles(password, "NewKeys2026b"), null, null) }
                }
                val done = runBlocking { app.submitCode(state.renewalId, code, KeySource.KeyFiles(password, "NewKeys2026b"), null, listener) }
                checkEq(RenewalStep.DONE, done.step, "step")
                val summary = done.summary ?: throw CheckFailed("no summary")
                checkEq(number, summary.application, "application")
                checkEq(1, summary.newCertificates.size, "new certificates")
                val cert = summary.newCertificates[0]
                checkEq(KeyPurpose.BOTH, cert.purpose, "purpose")
                val newInfo = KeyFiles().use { it.show(cert.location, "NewKeys2026b") }
                checkEq(cert.serial, newInfo.serial, "installed serial")
                check(newInfo.daysLeft > 300) { "new certificate days left ${newInfo.daysLeft}" }
                checkEq(emptyList<Long>(), app.unfinishedRenewals(), "unfinished after")
            }
        }
    }

    flowTests(t) { server }
    cabinetTests(t) { server }

    t.test("renewal: a dropped server is RaUnreachable; bad inputs are InvalidInput") {
        val dir = tempDir("dropped")
        val password = "Citizen2026a"
        val files = server.enroll("90010130002", "gost512", 7L, password, File(dir, "citizen").path)
        val url = server.url()
        val root = server.rootDer()
        server.stop()
        server.close()
        App.open(File(dir, "app.db").path, url, root).use { app ->
            val request = KeyFileRenewal(files, password, "NewKeys2026b", "a@b.kz", "Astana", File(dir, "new").path)
            val e = expectThrows<QoltanbaException.RaUnreachable>("stopped server") {
                runBlocking { app.startRenewalWithKeyFiles(request, null, null) }
            }
            checkEq("ra_unreachable", errorCode(e), "code")
            expectThrows<QoltanbaException.InvalidInput>("weak new password") {
                runBlocking { app.startRenewalWithKeyFiles(request.copy(newPassword = "weak"), null, null) }
            }
            expectThrows<QoltanbaException.InvalidInput>("no such renewal") {
                runBlocking { app.resume(9999L, KeySource.KeyFiles(password, "NewKeys2026b"), null, null) }
            }
        }
        expectThrows<QoltanbaException.InvalidInput>("a root that is no certificate") {
            App.open(File(dir, "app2.db").path, url, byteArrayOf(1, 2, 3))
        }
    }

    lifecycleTests(t)

    kotlin.system.exitProcess(t.finish())
}
