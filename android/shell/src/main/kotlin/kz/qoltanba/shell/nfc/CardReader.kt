package kz.qoltanba.shell.nfc

import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import android.util.Log
import java.util.ArrayDeque
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.TransportFailure

/**
 * Turns NFC reader mode's callbacks into a suspending [nextCard]: one per
 * activity. The activity enables reader mode with [READER_FLAGS] and this
 * reader's [onTagDiscovered] as the callback (`NfcAdapter.enableReaderMode(
 * activity, reader::onTagDiscovered, CardReader.READER_FLAGS, null)`), and
 * whatever waits for the card (a renewal journey) calls [nextCard].
 *
 * Waiting: callers of [nextCard] are served in the order they started
 * waiting, one card each; a caller whose coroutine is cancelled stops
 * waiting, and a card that reached it just as it was cancelled goes on to
 * the next caller (or waits for one) rather than being lost. A card tapped
 * while nobody waits is kept for the next caller, replacing (and closing) an
 * earlier one; [clear] drops it (call it when reader mode is disabled).
 */
class CardReader {
    private val lock = Any()
    private val waiters = ArrayDeque<Waiter>()
    private var pending: CardTransport? = null

    /** One caller of [nextCard]: the card handed to it, and the signal. */
    private class Waiter {
        var card: CardTransport? = null
        val handed = CompletableDeferred<Unit>()
    }

    /**
     * NfcAdapter.ReaderCallback's method, called on an NFC thread when a tag
     * enters the field: a tag with IsoDep is connected ([IsoDepTransport])
     * and handed to the first waiting [nextCard] (or kept for the next one).
     * Other tags, and a tag gone before it could be connected, are ignored
     * with a log line.
     */
    fun onTagDiscovered(tag: Tag) {
        val isoDep = IsoDep.get(tag)
        if (isoDep == null) {
            Log.i(TAG, "a tag without IsoDep was ignored (not an ID card)")
            return
        }
        val transport = try {
            IsoDepTransport(isoDep)
        } catch (e: TransportFailure) {
            Log.i(TAG, "a tag left before it could be connected (${e.javaClass.simpleName})")
            return
        }
        deliver(transport)
    }

    /**
     * Suspends until a card is tapped (or returns at once the card tapped
     * since the last call), as the core's transport. The caller owns it:
     * close it (it is [java.io.Closeable]) when done. Cancellable.
     */
    suspend fun nextCard(): CardTransport {
        val waiter = Waiter()
        synchronized(lock) {
            pending?.let {
                pending = null
                return it
            }
            waiters.addLast(waiter)
        }
        try {
            waiter.handed.await()
        } catch (e: CancellationException) {
            val missed = synchronized(lock) {
                waiters.remove(waiter)
                waiter.card.also { waiter.card = null }
            }
            // Handed over just as this caller was cancelled: the next one gets it.
            if (missed != null) deliver(missed)
            throw e
        }
        val card = synchronized(lock) { waiter.card.also { waiter.card = null } }
            ?: throw CancellationException("the card was passed on")
        // A caller cancelled as the card arrived does not take it (await()
        // returns at once for a card already handed over, without looking).
        if (!currentCoroutineContext().isActive) {
            deliver(card)
            throw CancellationException("cancelled while the card arrived")
        }
        return card
    }

    /** Drops (and closes) a card tapped while nobody waited. */
    fun clear() {
        val dropped = synchronized(lock) { pending.also { pending = null } }
        (dropped as? AutoCloseable)?.close()
    }

    private fun deliver(card: CardTransport) {
        val replaced = synchronized(lock) {
            val waiter = waiters.pollFirst()
            if (waiter != null) {
                waiter.card = card
                waiter.handed.complete(Unit)
                return
            }
            pending.also { pending = card }
        }
        (replaced as? AutoCloseable)?.close()
    }

    /** Constants for reader mode. */
    companion object {
        /**
         * The flags for `NfcAdapter.enableReaderMode`: NFC-A and NFC-B (the
         * Kazakh ID card answers on either), no NDEF check (the card has no
         * NDEF, and the check costs time and APDUs), no platform sound (the
         * app says when the card may be taken away, which is later).
         */
        const val READER_FLAGS: Int = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or
            NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS

        private const val TAG = "qoltanba.nfc"
    }
}
