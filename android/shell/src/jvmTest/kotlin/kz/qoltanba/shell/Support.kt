// Test support for :shell's tests on the desktop JVM (scripts/android-tests.sh):
// the real core library (feature `testing`: the embedded RA, the simulator
// card), the AndroidKeyStore stand-in of bindings/tests/kotlin-android, and
// the framework stand-ins of src/jvmTest/standins.
package kz.qoltanba.shell

import android.content.StandInContext
import android.nfc.StandInTags
import java.io.File
import java.io.IOException
import java.nio.file.Files
import java.util.Collections
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kz.qoltanba.core.App
import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.EmbeddedServer
import kz.qoltanba.core.ReminderInfo
import kz.qoltanba.core.ReminderPlan
import kz.qoltanba.shell.reminders.ReminderNotifier
import kz.qoltanba.shell.reminders.RemindersHost
import kz.qoltanba.tests.android.StandIn

const val CAN = "123456"
const val PIN = "4321"
const val PUK = "12345678"
const val PASSWORD = "Citizen2026a"
const val NEW_PASSWORD = "NewKeys2026b"

/** The library loaded as an app loads it (JNI_OnLoad gives the core the VM) and the AndroidKeyStore stand-in. */
object Native {
    init {
        System.loadLibrary("qoltanba_ffi")
        StandIn.install()
    }

    /** Loads once. */
    fun ready() = Unit
}

/** One reference RA on loopback for every test of the run (starting one makes its CAs). */
object Ra {
    val server: EmbeddedServer by lazy {
        Native.ready()
        EmbeddedServer.start()
    }

    private var nextIin = 90010150000L + (System.nanoTime() / 1000 % 1000) * 10

    /**
     * A fresh 11-digit IIN stem per citizen: one the IIN rule gives a
     * control digit (about one stem in eleven has none, and the RA refuses it).
     */
    @Synchronized
    fun iin(): String {
        while (true) {
            val stem = (nextIin++).toString()
            if (hasControlDigit(stem)) return stem
        }
    }

    /** The IIN rule: the weighted sum mod 11 with weights 1..11, else 3..11, 1, 2; 10 twice is none. */
    private fun hasControlDigit(stem: String): Boolean {
        val digits = stem.map { it - '0' }
        fun weigh(weight: (Int) -> Int) = digits.indices.sumOf { weight(it) * digits[it] } % 11
        return weigh { it + 1 } != 10 || weigh { (it + 2) % 11 + 1 } != 10
    }

    /** A new app database talking to the RA. */
    fun app(dir: File): App = App.open(File(dir, "app.db").path, server.url(), server.rootDer())
}

fun tempDir(prefix: String): File = Files.createTempDirectory("qoltanba-shell-$prefix").toFile()

/**
 * What a stand-in tag's IsoDep talks to: the simulator card's transport (a
 * fresh tap each), counting the commands, and losing the tag or failing on
 * request, as the radio does.
 */
class SimulatorBackend(
    private val card: CardTransport,
    private val historical: ByteArray? = byteArrayOf(0x80.toByte(), 0x31, 0x80.toByte()),
    private val hiLayer: ByteArray? = null,
    private val extended: Boolean = true,
) : StandInTags.Backend {
    @Volatile var transmits = 0
        private set
    /** The transmit (counted from the first) that finds the tag gone. */
    @Volatile var loseTagAt: Int? = null
    /** Every command sent, for checks on what crossed. */
    val commands: MutableList<ByteArray> = Collections.synchronizedList(mutableListOf())
    @Volatile var lastTimeout = 0

    override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray {
        val index = transmits++
        lastTimeout = timeoutMs
        if (loseTagAt != null && index >= loseTagAt!!) throw android.nfc.TagLostException("Tag was lost.")
        commands += command
        return card.transmit(command)
    }

    override fun historicalBytes(): ByteArray? = historical
    override fun hiLayerResponse(): ByteArray? = hiLayer
    override fun extendedLength(): Boolean = extended

    /** Releases the simulator's transport. */
    fun close() {
        (card as? AutoCloseable)?.close()
    }
}

/** A backend whose every command fails with [failure] after [delayMs]. */
class FailingBackend(private val failure: IOException, private val delayMs: Long = 0) : StandInTags.Backend {
    override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray {
        if (delayMs > 0) Thread.sleep(delayMs)
        throw failure
    }
}

/** A notifier that keeps what it was asked to show. */
class RecordingNotifier : ReminderNotifier {
    val shown: MutableList<ReminderInfo> = Collections.synchronizedList(mutableListOf())
    override fun show(reminder: ReminderInfo) {
        shown += reminder
    }
}

/** The app's Application as the reminder receivers reach it. */
class TestApplication(var plan: () -> ReminderPlan) : StandInContext(), RemindersHost {
    override val reminderNotifier = RecordingNotifier()
    override fun reminderPlan(): ReminderPlan = plan()
}

/** A scope for a journey, and every screen it showed, in order. */
class Screens<T>(private val flow: StateFlow<T>, private val scope: CoroutineScope) {
    val seen: MutableList<T> = Collections.synchronizedList(mutableListOf())

    init {
        scope.launch(Dispatchers.Unconfined) { flow.collect { seen += it } }
    }

    /** Waits (up to [seconds]) for a screen that [matches]. */
    fun await(seconds: Long = 60, what: String = "the screen", matches: (T) -> Boolean): T = runBlocking {
        try {
            withTimeout(seconds * 1000) { flow.first(matches) }
        } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
            throw AssertionError("timed out waiting for $what; screens: ${seen.toList()}")
        }
    }
}

/** A coroutine scope for a test, cancelled by [close]. */
class TestScope : AutoCloseable {
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    override fun close() = scope.cancel()
}

/** A flat JSON object of strings (the RA's FCM data) as the map FCM hands the app. */
fun flatJsonObject(json: String): Map<String, String> {
    val out = LinkedHashMap<String, String>()
    var i = 0
    fun skip() { while (i < json.length && json[i].isWhitespace()) i++ }
    fun expect(c: Char) { skip(); check(json[i] == c) { "expected '$c' at $i in $json" }; i++ }
    fun string(): String {
        expect('"')
        val s = StringBuilder()
        while (json[i] != '"') {
            if (json[i] == '\\') {
                i++
                when (json[i]) {
                    'n' -> s.append('\n'); 't' -> s.append('\t'); 'r' -> s.append('\r')
                    'b' -> s.append('\b'); 'f' -> s.append('\u000C')
                    'u' -> { s.append(json.substring(i + 1, i + 5).toInt(16).toChar()); i += 4 }
                    else -> s.append(json[i])
                }
            } else {
                s.append(json[i])
            }
            i++
        }
        i++
        return s.toString()
    }
    expect('{')
    skip()
    if (json[i] == '}') return out
    while (true) {
        val key = string()
        expect(':')
        out[key] = string()
        skip()
        if (json[i] == ',') { i++; continue }
        expect('}')
        return out
    }
}
