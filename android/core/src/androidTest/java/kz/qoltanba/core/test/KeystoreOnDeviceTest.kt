// The core's Android keystore suite on the emulator (or a phone) against the
// real AndroidKeyStore: the cases of bindings/tests/kotlin-common/
// KeystoreCases.kt, which the desktop JVM runs against the stand-in, here
// each on the calling thread and on a new thread the VM has never seen (the
// core attaches it, as tokio's blocking threads). On an emulator there is no
// StrongBox, so generation falls back to the TEE (and its attestation says
// software); the user-authentication case sets and verifies a device PIN.
package kz.qoltanba.core.test

import kz.qoltanba.tests.android.checkVmFoundWithoutOnLoad
import kz.qoltanba.tests.android.checkVmFromOnLoad
import kz.qoltanba.tests.android.keystoreCases
import kz.qoltanba.tests.android.runKeystoreCase
import org.junit.AfterClass
import org.junit.BeforeClass
import org.junit.Test
import org.junit.runner.RunWith
import org.junit.runners.Parameterized

@RunWith(Parameterized::class)
class KeystoreOnDeviceTest(private val case: String, private val thread: String) {
    companion object {
        private val device by lazy { DeviceKeystore() }

        @JvmStatic
        @Parameterized.Parameters(name = "{0} ({1})")
        fun cases(): List<Array<Any>> =
            listOf("calling thread", "new thread").flatMap { thread ->
                keystoreCases().map { arrayOf<Any>(it.name, thread) }
            }

        @JvmStatic
        @BeforeClass
        fun setUp() = OnDevice.setUp()

        @JvmStatic
        @AfterClass
        fun tearDown() = device.reset()
    }

    @Test
    fun keystore() {
        val shared = keystoreCases().single { it.name == case }
        runKeystoreCase(device, shared, newThreads = thread == "new thread")
    }
}

/** How the core reaches the Java VM on Android: JNI_OnLoad, else JNI_GetCreatedJavaVMs (libnativehelper or libart). */
class JavaVmOnDeviceTest {
    companion object {
        @JvmStatic
        @BeforeClass
        fun setUp() = OnDevice.setUp()
    }

    // One test: the second half makes the core forget the VM JNI_OnLoad gave it.
    @Test
    fun vmFromOnLoadThenFoundWithoutIt() {
        checkVmFromOnLoad()
        val device = DeviceKeystore()
        checkVmFoundWithoutOnLoad(device)
        device.reset()
    }
}
