// Per-call overhead from Kotlin (scripts/kotlin-tests.sh --bench): a trivial
// exported call, and a callback from Rust into a Kotlin CardTransport.
package kz.qoltanba.tests

import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.testingCallTransport
import kz.qoltanba.core.testingNoop

class EchoTransport : CardTransport {
    private val ok = byteArrayOf(0x90.toByte(), 0x00)
    override fun transmit(command: ByteArray): ByteArray = ok
    override fun atr(): ByteArray? = null
}

fun bench() {
    fun perCall(label: String, calls: Int, block: (Int) -> Unit) {
        block(calls / 10) // warm-up (JIT, JNA)
        val best = (1..5).minOf {
            val started = System.nanoTime()
            block(calls)
            System.nanoTime() - started
        }
        println("%-44s %8.2f µs per call (best of 5 × %d)".format(label, best / 1000.0 / calls, calls))
    }
    perCall("Kotlin → Rust: testingNoop(u32)", 100_000) { n ->
        var v = 0u
        repeat(n) { v = testingNoop(v) }
        check(v == n.toUInt()) { "noop counted $v of $n" }
    }
    val transport = EchoTransport()
    perCall("Rust → Kotlin: CardTransport.transmit(5 B)", 100_000) { n ->
        val bytes = testingCallTransport(transport, n.toUInt())
        check(bytes == 2uL * n.toULong()) { "transport answered $bytes bytes" }
    }
}
