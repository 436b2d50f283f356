package kz.qoltanba.app

import android.content.Context
import android.util.Log
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.flow.updateAndGet
import kotlinx.coroutines.withContext
import kz.qoltanba.core.App
import kz.qoltanba.core.CardSession
import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.PlatformKeys
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.errorCode
import kz.qoltanba.shell.nfc.CanStore
import kz.qoltanba.shell.nfc.CardReader
import kz.qoltanba.shell.push.PushHandler
import kz.qoltanba.shell.push.PushTokens
import kz.qoltanba.shell.reminders.AlarmReminders
import java.io.Closeable
import java.io.File

/**
 * The core and the shell's helpers, one of each for the process.
 *
 * @param notifier the Application's notifications (its [kz.qoltanba.shell.reminders.RemindersHost]).
 */
class Services(context: Context, val app: App, val notifier: ReminderNotifications) {
    private val context: Context = context.applicationContext

    val cards = CardGate(CardReader())
    val canStore = CanStore(this.context)

    /**
     * FCM's notices and token: the token waits in [PushTokens] until
     * [PushHandler.registerWithRa] gives it to the RA after a login (Settings).
     */
    val push = PushHandler(app, notifier, PushTokens(this.context))
    private val alarms = AlarmReminders(this.context, notifier)

    /** Key files imported from NCA and renewed ones: the app's own folder. */
    val keyFilesDir: File = File(this.context.filesDir, "keys").apply { mkdirs() }
    /** Certificates of card renewals that the card itself cannot store. */
    val cardCertificatesDir: File = File(this.context.filesDir, "card-certificates").apply { mkdirs() }
    /** The core's records of keys in the Android keystore. */
    val keystoreDir: File = File(this.context.filesDir, "keystore").apply { mkdirs() }

    /** The Android keystore (StrongBox, else the TEE) through the core. */
    fun keystore(): PlatformKeys = PlatformKeys.system(keystoreDir.path)

    /**
     * Hands the core's reminder plan to the alarms (at start, after a
     * renewal, an import or a revocation); they show what is due now and
     * was not shown yet.
     */
    fun replanReminders() {
        try {
            alarms.replan(app.reminders(null))
        } catch (e: QoltanbaException) {
            Log.w(QoltanbaApplication.TAG, "reminders not replanned: ${errorCode(e)}")
        }
    }

    /**
     * The certificates a signed document is checked against: the operator's
     * DER files in assets/trusted/ (NCA's roots and issuing CAs).
     */
    fun trustedCertificates(): List<ByteArray> {
        val assets = context.assets
        val names = assets.list("trusted") ?: return emptyList()
        return names.sorted().map { name -> assets.open("trusted/$name").use { it.readBytes() } }
    }
}

/**
 * The NFC side of the ID card: hands out the next tapped card and tells the
 * activity when a screen waits for one, so that reader mode is on exactly
 * then (MainActivity).
 */
class CardGate(val reader: CardReader) {
    private val waiters = MutableStateFlow(0)
    private val _waiting = MutableStateFlow(false)

    /** True while a screen waits for the card. */
    val waiting: StateFlow<Boolean> = _waiting.asStateFlow()

    /** Suspends until a card is tapped; reader mode is on meanwhile. */
    suspend fun next(): CardTransport {
        waiters.update { it + 1 }
        _waiting.value = true
        try {
            return reader.nextCard()
        } finally {
            val left = waiters.updateAndGet { it - 1 }
            _waiting.value = left > 0
        }
    }

    /**
     * The next tapped card opened with [can], the PIN verified, [block] run
     * on it off the main thread; the session and the tag are closed after.
     */
    suspend fun <T> withSession(can: String, pin: String, block: suspend (CardSession) -> T): T {
        val transport = next()
        try {
            return withContext(Dispatchers.IO) {
                CardSession.open(transport, can).use { session ->
                    session.verifyPin(pin)
                    block(session)
                }
            }
        } finally {
            (transport as? Closeable)?.close()
        }
    }

    /** As [withSession] without the PIN (changing or unblocking it). */
    suspend fun <T> withSessionNoPin(can: String, block: suspend (CardSession) -> T): T {
        val transport = next()
        try {
            return withContext(Dispatchers.IO) {
                CardSession.open(transport, can).use { session -> block(session) }
            }
        } finally {
            (transport as? Closeable)?.close()
        }
    }
}
