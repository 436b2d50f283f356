package kz.qoltanba.shell.nfc

import android.nfc.StandInTags
import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import java.io.IOException
import kz.qoltanba.core.CardSession
import kz.qoltanba.core.PinState
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.SimulatorCard
import kz.qoltanba.core.TransportFailure
import kz.qoltanba.core.errorCode
import kz.qoltanba.shell.CAN
import kz.qoltanba.shell.FailingBackend
import kz.qoltanba.shell.Native
import kz.qoltanba.shell.PIN
import kz.qoltanba.shell.PUK
import kz.qoltanba.shell.SimulatorBackend
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** IsoDep as the core's card transport, with the core's real card stack (PACE, secure messaging) behind it. */
class IsoDepTransportTest {
    init {
        Native.ready()
    }

    private fun isoDep(backend: StandInTags.Backend): IsoDep = IsoDep.get(StandInTags.isoDep(backend))!!

    @Test(timeout = 60_000)
    fun aCardSessionRunsPaceAndThePinThroughIsoDep() {
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            val backend = SimulatorBackend(sim.transport())
            val iso = isoDep(backend)
            assertFalse(iso.isConnected)
            IsoDepTransport(iso).use { transport ->
                assertTrue("connected by the transport", iso.isConnected)
                assertEquals(IsoDepTransport.RSA_TIMEOUT_MS, iso.timeout)
                assertTrue(transport.extendedLengthSupported)
                CardSession.open(transport, CAN).use { session ->
                    val info = session.info()
                    assertEquals("qoltanba-ref-1", info.profile)
                    session.verifyPin(PIN)
                    assertEquals(PinState.Verified, session.info().pin)
                }
                assertTrue("the APDUs went through IsoDep: ${backend.transmits}", backend.transmits > 5)
                assertEquals("the raised timeout reached the radio", IsoDepTransport.RSA_TIMEOUT_MS, backend.lastTimeout)
            }
            assertFalse("closed", iso.isConnected)
            backend.close()
        }
    }

    @Test(timeout = 60_000)
    fun aLostTagIsTheCoresCardLost() {
        SimulatorCard.create(null, CAN, PIN, PUK).use { sim ->
            val backend = SimulatorBackend(sim.transport())
            IsoDepTransport(isoDep(backend)).use { transport ->
                CardSession.open(transport, CAN).use { session ->
                    backend.loseTagAt = backend.transmits
                    try {
                        session.verifyPin(PIN)
                        fail("the PIN was verified without a card")
                    } catch (e: QoltanbaException.CardLost) {
                        assertEquals("card_lost", errorCode(e))
                    }
                }
            }
            backend.close()
        }
    }

    @Test
    fun failuresBecomeTransportFailures() {
        val command = byteArrayOf(0x00, 0x20, 0x00, 0x81.toByte(), 0x04, 0x31, 0x32, 0x33, 0x34)
        val lost = IsoDepTransport(isoDep(FailingBackend(TagLostException())))
        expect<TransportFailure.TagLost>("TagLostException") { lost.transmit(command) }

        // A failure that took the whole timeout is a timeout.
        val slow = IsoDepTransport(isoDep(FailingBackend(IOException("Transceive failed"), delayMs = 120)), timeoutMs = 100)
        expect<TransportFailure.Timeout>("a failure after the timeout") { slow.transmit(command) }

        // A quick one is Other, with a detail that names the failure but no byte of the command.
        val quick = IsoDepTransport(isoDep(FailingBackend(IOException("Transceive failed"))))
        val other = expect<TransportFailure.Other>("a quick I/O failure") { quick.transmit(command) }
        assertTrue(other.detail, other.detail.contains("Transceive failed") && other.detail.contains("9 bytes"))
        val hex = command.joinToString("") { "%02x".format(it) }
        for (form in listOf(hex, hex.uppercase(), "1234", command.contentToString())) {
            assertFalse("no command data in '${other.detail}'", other.detail.contains(form))
        }

        // The out-of-date tag of Android 10+ is a lost tag.
        val stale = IsoDepTransport(isoDep(object : StandInTags.Backend {
            override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray =
                throw SecurityException("Permission Denial: Tag ( ID: 01 02 ) is out of date")
        }))
        expect<TransportFailure.TagLost>("SecurityException") { stale.transmit(command) }

        // Longer than the phone can send: said before anything is sent.
        val short = IsoDepTransport(isoDep(object : StandInTags.Backend {
            override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray = throw AssertionError("sent")
            override fun maxTransceiveLength(): Int = 261
            override fun extendedLength(): Boolean = false
        }))
        assertFalse(short.extendedLengthSupported)
        val tooLong = expect<TransportFailure.Other>("too long") { short.transmit(ByteArray(300)) }
        assertTrue(tooLong.detail, tooLong.detail.contains("300") && tooLong.detail.contains("261"))
    }

    @Test
    fun aTagGoneBeforeConnectingFailsTheConstructor() {
        val gone = object : StandInTags.Backend {
            override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray = throw AssertionError("sent")
            override fun connect() = throw TagLostException()
        }
        expect<TransportFailure.TagLost>("connect") { IsoDepTransport(isoDep(gone)) }
    }

    @Test
    fun atrIsTheHistoricalBytesOrTheHigherLayerResponse() {
        val nfcA = byteArrayOf(0x80.toByte(), 0x31)
        val nfcB = byteArrayOf(0x00, 0x11)
        fun backend(historical: ByteArray?, hiLayer: ByteArray?) = object : StandInTags.Backend {
            override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray = byteArrayOf(0x90.toByte(), 0)
            override fun historicalBytes() = historical
            override fun hiLayerResponse() = hiLayer
        }
        assertArrayEquals(nfcA, IsoDepTransport(isoDep(backend(nfcA, null))).atr())
        assertArrayEquals(nfcB, IsoDepTransport(isoDep(backend(null, nfcB))).atr())
        assertNull(IsoDepTransport(isoDep(backend(null, null))).atr())
    }

    private inline fun <reified E : Throwable> expect(what: String, block: () -> Unit): E {
        try {
            block()
        } catch (e: Throwable) {
            if (e is E) return e
            throw AssertionError("$what: expected ${E::class.simpleName}, got $e", e)
        }
        throw AssertionError("$what: expected ${E::class.simpleName}, nothing was thrown")
    }
}
