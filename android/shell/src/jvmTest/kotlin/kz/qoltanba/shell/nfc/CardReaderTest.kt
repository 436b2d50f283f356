package kz.qoltanba.shell.nfc

import android.nfc.StandInTags
import android.nfc.TagLostException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kz.qoltanba.core.CardTransport
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/** Reader mode's callback as a suspending wait for the next card. */
class CardReaderTest {
    /** A tag whose card answers with its own name, to tell cards apart. */
    private fun card(name: String) = StandInTags.isoDep(object : StandInTags.Backend {
        override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray = name.toByteArray()
    })

    private fun CardTransport.name() = String(transmit(byteArrayOf(0)))

    @Test
    fun theReaderFlagsAreNfcAAndBWithoutNdefCheckOrSound() {
        assertEquals(0x1 or 0x2 or 0x80 or 0x100, CardReader.READER_FLAGS)
    }

    @Test(timeout = 10_000)
    fun aWaiterGetsTheNextCardTapped() = runBlocking {
        val reader = CardReader()
        val waiting = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { reader.nextCard() }
        yield()
        assertFalse("nothing tapped yet", waiting.isCompleted)
        reader.onTagDiscovered(card("first"))
        val transport = waiting.await()
        assertTrue(transport is IsoDepTransport)
        assertEquals("first", transport.name())
    }

    @Test(timeout = 10_000)
    fun aCardTappedBeforeTheWaitIsKeptTheLatestOnly() = runBlocking {
        val reader = CardReader()
        reader.onTagDiscovered(card("early"))
        reader.onTagDiscovered(card("later"))
        assertEquals("the latest tap", "later", reader.nextCard().name())
        reader.onTagDiscovered(card("dropped"))
        reader.clear()
        reader.onTagDiscovered(card("after clear"))
        assertEquals("after clear", reader.nextCard().name())
    }

    @Test(timeout = 10_000)
    fun otherTagsAndTagsGoneAtOnceAreIgnored() = runBlocking {
        val reader = CardReader()
        reader.onTagDiscovered(StandInTags.other())
        reader.onTagDiscovered(StandInTags.isoDep(object : StandInTags.Backend {
            override fun transceive(command: ByteArray, timeoutMs: Int): ByteArray = throw AssertionError("sent")
            override fun connect() = throw TagLostException()
        }))
        reader.onTagDiscovered(card("card"))
        assertEquals("card", reader.nextCard().name())
    }

    @Test(timeout = 10_000)
    fun twoWaitersAreServedInOrderOneCardEach() = runBlocking {
        val reader = CardReader()
        val first = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { reader.nextCard() }
        val second = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { reader.nextCard() }
        reader.onTagDiscovered(card("one"))
        assertEquals("one", first.await().name())
        assertFalse("the second waits for its own card", second.isCompleted)
        reader.onTagDiscovered(card("two"))
        assertEquals("two", second.await().name())
    }

    @Test(timeout = 10_000)
    fun aCancelledWaiterTakesNoCard() = runBlocking {
        val reader = CardReader()
        val cancelled = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { reader.nextCard() }
        val next = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { reader.nextCard() }
        cancelled.cancel()
        cancelled.join()
        reader.onTagDiscovered(card("card"))
        assertEquals("the card goes to the waiter still there", "card", withTimeout(5_000) { next.await() }.name())
        // And with nobody waiting, a cancelled wait leaves the next tap for the next call.
        val gone = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) { reader.nextCard() }
        gone.cancel()
        gone.join()
        reader.onTagDiscovered(card("kept"))
        assertEquals("kept", reader.nextCard().name())
    }

    @Test(timeout = 60_000)
    fun cardsRacingCancellationsAreNeverLost() = runBlocking {
        // A waiter cancelled while a card arrives: the card ends up with the
        // waiter it reached before the cancel (which then owns it, as the
        // journey does: nothing suspends between the return and its use), or
        // goes on to the other waiter.
        val reader = CardReader()
        repeat(300) { round ->
            val doomedGot = java.util.concurrent.atomic.AtomicReference<CardTransport?>()
            val doomed = launch(Dispatchers.Default) { doomedGot.set(reader.nextCard()) }
            val kept = async(Dispatchers.Default) { reader.nextCard() }
            val tap = async(Dispatchers.Default) { reader.onTagDiscovered(card("c$round")) }
            doomed.cancel()
            tap.await()
            doomed.join()
            val early = doomedGot.get()
            if (early != null) {
                assertEquals("it got the card before the cancel", "c$round", early.name())
                reader.onTagDiscovered(card("extra$round"))
                assertEquals("extra$round", withTimeout(5_000) { kept.await() }.name())
            } else {
                assertEquals("the card went on to the other waiter", "c$round", withTimeout(5_000) { kept.await() }.name())
            }
        }
    }
}
