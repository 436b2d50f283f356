// What every instrumented test of the core sets up once in the test app's
// process on the emulator (or phone): the library loaded as an app loads it,
// the temporary directories the library and the tests write to, and the
// device's lock screen, driven through the shell as a person would set it.
//
// These tests need the library built with the FFI's feature `testing`
// (EmbeddedServer, SimulatorCard, TestingAndroidKeystore):
//   ./gradlew :core:connectedDebugAndroidTest -Pqoltanba.testing=true
package kz.qoltanba.core.test

import android.app.Instrumentation
import android.content.Context
import android.os.ParcelFileDescriptor
import android.os.SystemClock
import android.system.Os
import androidx.test.platform.app.InstrumentationRegistry

object OnDevice {
    val instrumentation: Instrumentation get() = InstrumentationRegistry.getInstrumentation()

    /** The test app's context (a library module's tests run in their own app). */
    val context: Context get() = instrumentation.targetContext

    private var ready = false

    /** Once per process, before any call into the library. */
    @Synchronized
    fun setUp() {
        if (ready) return
        val cache = context.cacheDir.absolutePath
        // The library's temporary directories (the embedded RA's home:
        // tempfile reads TMPDIR; Android's default, /data/local/tmp, is not
        // the app's to write) and the tests' own (java.io.tmpdir).
        Os.setenv("TMPDIR", cache, true)
        System.setProperty("java.io.tmpdir", cache)
        // As the app does: System.loadLibrary runs the library's JNI_OnLoad,
        // which hands the core the Java VM; JNA then opens the same file.
        System.loadLibrary("qoltanba_ffi")
        // A PIN an interrupted earlier run left behind.
        LockScreen.clear(force = true)
        ready = true
    }

    /** Runs [command] as the shell user (adb shell) and returns what it printed. */
    fun shell(command: String): String {
        val output = instrumentation.uiAutomation.executeShellCommand(command)
        return ParcelFileDescriptor.AutoCloseInputStream(output).bufferedReader().use { it.readText() }
    }
}

/**
 * The device's lock screen, for the keys that need the user's unlock (the
 * core makes them with a 30-second validity after an unlock,
 * keystore-android's AUTH_VALIDITY_SECONDS): a PIN set through
 * `locksettings` makes the keystore require it (a new secure user id: no
 * unlock yet), and verifying the PIN is the unlock (Gatekeeper hands the
 * keystore the authentication token, as after BiometricPrompt's device
 * credential). Only the lapse of the validity window locks such keys again.
 */
object LockScreen {
    /** The emulator's PIN while a test needs one; never a person's device. */
    private const val DEVICE_PIN = "1357"
    private const val VALIDITY_MS = 30_000L
    private var pinSet = false
    private var unlockedAt: Long? = null

    /** From now on keys that need the unlock refuse to work, until [unlock]. */
    fun lock() {
        if (!pinSet) {
            val answer = OnDevice.shell("locksettings set-pin $DEVICE_PIN")
            check(answer.contains("set", ignoreCase = true)) { "locksettings set-pin: $answer" }
            pinSet = true
            unlockedAt = null
            return
        }
        // Keys unlocked a moment ago stay usable for their window.
        unlockedAt?.let { at ->
            val left = at + VALIDITY_MS + 2_000 - SystemClock.elapsedRealtime()
            if (left > 0) Thread.sleep(left)
        }
        unlockedAt = null
    }

    /** The user enters the device PIN. */
    fun unlock() {
        check(pinSet) { "no PIN set: lock() first" }
        val answer = OnDevice.shell("locksettings verify --old $DEVICE_PIN")
        check(answer.contains("verified", ignoreCase = true)) { "locksettings verify: $answer" }
        unlockedAt = SystemClock.elapsedRealtime()
    }

    /** No PIN any more (keys bound to it are gone with it). */
    fun clear(force: Boolean = false) {
        if (pinSet || force) OnDevice.shell("locksettings clear --old $DEVICE_PIN")
        pinSet = false
        unlockedAt = null
    }
}
