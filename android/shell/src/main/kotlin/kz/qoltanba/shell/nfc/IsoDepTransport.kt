package kz.qoltanba.shell.nfc

import android.nfc.TagLostException
import android.nfc.tech.IsoDep
import java.io.Closeable
import java.io.IOException
import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.TransportFailure

/**
 * The ID card over NFC as the core's [CardTransport]: the core speaks APDUs,
 * PACE and secure messaging; this class only moves their bytes through
 * [IsoDep].
 *
 * Constructing it connects the tag (if the platform has not already),
 * raises the timeout to [timeoutMs] (on-card RSA key generation and signing
 * take seconds, Android's default is about 600 ms) and reads whether this
 * phone can send extended-length APDUs. Every call blocks on the radio: use
 * it off the main thread, as the core does (its worker threads call
 * [transmit]).
 *
 * Failures become the core's [TransportFailure]: a tag that left the field
 * is [TransportFailure.TagLost] (a renewal then waits for the next tap and
 * resumes); an I/O failure that took the whole timeout is
 * [TransportFailure.Timeout]; anything else is [TransportFailure.Other] with
 * a detail naming the failure, the command's length and the timings, never
 * the command's or the answer's bytes (they can carry a PIN or CAN under
 * secure messaging).
 *
 * @param isoDep the IsoDep technology of a discovered tag (`IsoDep.get(tag)`).
 * @param timeoutMs the transceive timeout to set; [RSA_TIMEOUT_MS] by default.
 * @throws TransportFailure when the tag cannot be connected (it left the
 *   field already: [TransportFailure.TagLost]).
 */
class IsoDepTransport(
    private val isoDep: IsoDep,
    timeoutMs: Int = RSA_TIMEOUT_MS,
) : CardTransport, Closeable {

    /**
     * Whether this phone's NFC controller sends extended-length APDUs
     * (`IsoDep.isExtendedLengthApduSupported`). Without it the core keeps to
     * short APDUs and command chaining; the app may tell a citizen whose
     * card needs them that this phone cannot renew on the card.
     */
    val extendedLengthSupported: Boolean

    /** The longest command this phone transceives (`IsoDep.getMaxTransceiveLength`). */
    val maxTransceiveLength: Int

    init {
        ensureConnected()
        // After connect: Android resets the timeout when a tag connects and
        // when the technology is closed.
        isoDep.timeout = timeoutMs
        extendedLengthSupported = isoDep.isExtendedLengthApduSupported
        maxTransceiveLength = isoDep.maxTransceiveLength
    }

    /**
     * Sends one command APDU and returns the card's whole answer (data and
     * status word).
     *
     * @throws TransportFailure as described on the class.
     */
    override fun transmit(command: ByteArray): ByteArray {
        if (command.size > maxTransceiveLength) {
            throw TransportFailure.Other(
                "a command of ${command.size} bytes is longer than this phone's NFC maximum of " +
                    "$maxTransceiveLength bytes (extended length supported: $extendedLengthSupported)",
            )
        }
        val started = System.nanoTime()
        try {
            ensureConnected()
            return isoDep.transceive(command)
        } catch (e: IOException) {
            throw failure(e, command.size, (System.nanoTime() - started) / 1_000_000)
        } catch (e: SecurityException) {
            // Android throws SecurityException ("Tag ... is out of date") for a
            // tag object whose card left and was discovered anew: this tag is gone.
            throw TransportFailure.TagLost()
        }
    }

    /**
     * The card's answer to its selection as NFC gives it, which tells the
     * core the card profile: the historical bytes (NFC-A) or the higher
     * layer response (NFC-B); null when the platform has neither.
     */
    override fun atr(): ByteArray? = isoDep.historicalBytes ?: isoDep.hiLayerResponse

    /** Closes the IsoDep connection (the tag's technology); failures are ignored. */
    override fun close() {
        try {
            isoDep.close()
        } catch (_: IOException) {
            // Closing a tag that is gone fails; nothing to do about it.
        }
    }

    private fun ensureConnected() {
        if (isoDep.isConnected) return
        try {
            isoDep.connect()
        } catch (e: IOException) {
            throw failure(e, null, null)
        } catch (e: SecurityException) {
            throw TransportFailure.TagLost()
        }
    }

    /**
     * The core's failure for an I/O exception of the radio. Android's messages
     * for these are fixed texts ("Transceive failed", "Tag was lost."): they
     * name no data; the detail adds lengths and times only.
     */
    private fun failure(e: IOException, commandLength: Int?, elapsedMs: Long?): TransportFailure {
        if (e is TagLostException) return TransportFailure.TagLost()
        val timeout = isoDep.timeout
        if (elapsedMs != null && timeout > 0 && elapsedMs >= timeout) return TransportFailure.Timeout()
        val what = e.message?.take(MAX_MESSAGE)?.let { "${e.javaClass.simpleName}: $it" } ?: e.javaClass.simpleName
        val doing = if (commandLength == null) "connecting the tag" else "a command of $commandLength bytes"
        val after = if (elapsedMs == null) "" else " after $elapsedMs ms (timeout $timeout ms)"
        return TransportFailure.Other("NFC failed on $doing$after: $what")
    }

    /** Constants of the transport. */
    companion object {
        /**
         * The transceive timeout for the card's RSA and GOST work: generating
         * an RSA-2048 key on an ID card takes up to about 15 s, so 25 s leaves
         * room without leaving a citizen waiting on a dead tag for long.
         */
        const val RSA_TIMEOUT_MS: Int = 25_000

        /** How much of the platform's exception message a detail keeps. */
        private const val MAX_MESSAGE = 80
    }
}
