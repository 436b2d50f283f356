// Object lifetimes across the boundary, and the core's log in a Kotlin sink.
package kz.qoltanba.tests

import java.io.File
import kz.qoltanba.core.*

/** The process's resident memory in KiB (Linux). */
fun rssKib(): Long = File("/proc/self/status").readLines()
    .first { it.startsWith("VmRSS:") }
    .split(Regex("\\s+"))[1].toLong()

class CollectingSink : LogSink {
    val lines = java.util.Collections.synchronizedList(mutableListOf<String>())
    override fun log(level: LogLevel, target: String, message: String) {
        lines += "$level $target $message"
    }
}

/** One card tap and one app start, everything closed: what an app does
 *  each time the citizen opens it and taps the card. */
fun oneFlow(sim: SimulatorCard, dbPath: String, root: ByteArray) {
    ForwardingTransport(sim.transport()).use { transport ->
        CardSession.open(transport, CAN).use { session ->
            session.verifyPin(PIN)
            check(session.info().pin == PinState.Verified) { "PIN verified" }
        }
    }
    App.open(dbPath, "https://127.0.0.1:9", root).use { app ->
        app.keys()
        app.reminders(null)
    }
    CancelHandle().use { it.cancel() }
}

fun lifecycleTests(t: Runner) {
    // Any certificate serves as the pinned root: these flows never connect.
    val pem = File(fixtures, "nca-test/ncanode/ca/nca_rsa_test.crt").readText()
    val root = java.util.Base64.getMimeDecoder().decode(
        pem.substringAfter("-----BEGIN CERTIFICATE-----").substringBefore("-----END CERTIFICATE-----"))

    t.test("objects: close() releases them; a closed object refuses calls") {
        val before = testingLiveObjects()
        val sim = SimulatorCard.create(null, CAN, PIN, PUK)
        val transport = ForwardingTransport(sim.transport())
        val session = CardSession.open(transport, CAN)
        // The card, its transport, the session and the Kotlin transport it holds.
        checkEq(before + 4, testingLiveObjects(), "live while open")
        session.close()
        checkEq(before + 2, testingLiveObjects(), "the session and the Kotlin transport it held are released")
        expectThrows<IllegalStateException>("a closed session") { session.info() }
        transport.close()
        sim.close()
        checkEq(before, testingLiveObjects(), "all released")
        expectThrows<IllegalStateException>("a closed card") { sim.describe() }
        // use { } closes even when the block throws.
        expectThrows<QoltanbaException.WrongCan>("wrong CAN") {
            SimulatorCard.create(null, CAN, PIN, PUK).use { s ->
                ForwardingTransport(s.transport()).use { CardSession.open(it, "000000") }
            }
        }
        checkEq(before, testingLiveObjects(), "released after a failed open")
    }

    t.test("objects: 1,000 card taps and app starts leak nothing") {
        val dir = tempDir("leak")
        val db = File(dir, "app.db").path
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            repeat(20) { oneFlow(sim, db, root) } // warm-up: caches, lazily built tables
            val live = testingLiveObjects()
            val heap = testingHeapBytes()
            val rssBefore = rssKib()
            val started = System.nanoTime()
            repeat(1_000) { oneFlow(sim, db, root) }
            val ms = (System.nanoTime() - started) / 1_000_000
            val grown = testingHeapBytes() - heap
            println("      1,000 flows in $ms ms; Rust heap ${heap / 1024} KiB before, grown by $grown bytes; " +
                "process memory (JVM included) grew by ${rssKib() - rssBefore} KiB")
            // Not more than before: objects an earlier test let go (closed
            // by the JVM's cleaner, not by `use`) may be released meanwhile,
            // and that is no leak.
            val after = testingLiveObjects()
            check(after <= live) { "live objects after 1,000 flows: $after, before $live" }
            // One leaked session (PACE and SM keys, buffers) or app (database
            // handle, TLS configuration) per flow would be well over 1 KiB each.
            check(grown < 64 * 1024) { "the Rust heap grew by $grown bytes over 1,000 flows" }
        }
    }

    t.test("log: the core's log reaches a Kotlin LogSink, with no secret in it") {
        val sink = CollectingSink()
        check(setLogSink(sink, LogLevel.TRACE)) { "the sink is installed" }
        try {
            SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
                ForwardingTransport(sim.transport()).use { transport ->
                    CardSession.open(transport, CAN).use { session ->
                        session.verifyPin(PIN)
                        session.changePin(PIN, "8765")
                    }
                }
            }
            KeyFiles().use { it.show(gost1.path, FIXTURE_PASSWORD) }
        } finally {
            setLogSink(null, LogLevel.ERROR)
        }
        val lines = sink.lines.toList()
        check(lines.any { it.startsWith("TRACE qoltanba_card") }) { "APDU trace lines: ${lines.take(5)}" }
        check(lines.any { it.contains("card session open") }) { "the session's debug line: ${lines.take(5)}" }
        val secrets = listOf(PIN, "8765", CAN, PUK, FIXTURE_PASSWORD)
        val hex = secrets.map { s -> s.toByteArray().joinToString("") { "%02x".format(it) } }
        for (line in lines) {
            for (secret in secrets + hex + hex.map { it.uppercase() }) {
                check(!line.contains(secret, ignoreCase = true)) { "a secret in the log: $line" }
            }
        }
        val count = lines.size
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            ForwardingTransport(sim.transport()).use { CardSession.open(it, CAN).close() }
        }
        checkEq(count, sink.lines.size, "nothing is forwarded once the sink is removed")
    }
}
