// Whole renewals inside the emulator (or a phone) against the reference RA
// running in the test's own process (EmbeddedServer, the FFI's feature
// `testing`, HTTPS on 127.0.0.1): new keys in the real AndroidKeyStore, and
// the simulator ID card behind the core's CardTransport. The journeys are
// bindings/tests/kotlin-common's, which the desktop JVM runs too.
package kz.qoltanba.core.test

import kz.qoltanba.core.EmbeddedServer
import kz.qoltanba.tests.android.keystoreRenewalLockedThenUnlocked
import kz.qoltanba.tests.cardRenewalResumedAfterLostTag
import org.junit.BeforeClass
import org.junit.Test

class RenewalOnDeviceTest {
    companion object {
        @JvmStatic
        @BeforeClass
        fun setUp() = OnDevice.setUp()
    }

    /**
     * Into the keystore: the phone locked when the keys are made
     * (UserNotAuthenticated), the PIN entered, the renewal resumed and
     * finished; the RA checks each key's attestation with the login's
     * challenge. It trusts this device's attestation root and, as an
     * emulator's keystore is software, software keys: a production RA pins
     * Google's roots and refuses those.
     */
    @Test
    fun renewalIntoTheKeystore() {
        val device = DeviceKeystore()
        device.reset()
        val root = device.attestationRoot()
        EmbeddedServer.startTrusting(listOf(root), acceptSoftware = true).use { server ->
            try {
                keystoreRenewalLockedThenUnlocked(server, device, "90010130021")
            } finally {
                device.reset()
            }
        }
    }

    /** With the simulator ID card behind a Kotlin CardTransport; the tag lost while installing, resumed on a new tap. */
    @Test
    fun cardRenewalWithALostTag() {
        EmbeddedServer.start().use { server ->
            cardRenewalResumedAfterLostTag(server, "90010130022")
        }
    }
}
