package kz.qoltanba.shell.renewal

import android.util.Log
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kz.qoltanba.core.App
import kz.qoltanba.core.CardRenewal
import kz.qoltanba.core.CardSession
import kz.qoltanba.core.CardTransport
import kz.qoltanba.core.KeyFileRenewal
import kz.qoltanba.core.KeySource
import kz.qoltanba.core.KeystoreRenewal
import kz.qoltanba.core.PlatformKeys
import kz.qoltanba.core.QoltanbaException
import kz.qoltanba.core.RenewalListener
import kz.qoltanba.core.RenewalState
import kz.qoltanba.core.device.RenewalStep
import kz.qoltanba.core.errorCode
import kz.qoltanba.core.errorIsTransient
import kz.qoltanba.core.errorKindMessage

/**
 * The keys a resumed renewal works with ([RenewalJourney.resume]): secrets
 * are never stored, so the citizen gives them again. `toString` never shows
 * them.
 */
sealed interface JourneyKeys {
    /** Key files: their current [password] and the one for the new files. */
    class KeyFiles(val password: String, val newPassword: String) : JourneyKeys {
        /** Redacted. */
        override fun toString(): String = "JourneyKeys.KeyFiles(redacted)"
    }

    /** The ID card: its [can] (null: the core says it is missing) and [pin]. */
    class Card(val can: String?, val pin: String) : JourneyKeys {
        /** Redacted. */
        override fun toString(): String = "JourneyKeys.Card(redacted)"
    }

    /** New keys in [keystore]; [password] of current key files, if any. */
    class Keystore(val keystore: PlatformKeys, val password: String?) : JourneyKeys {
        /** Redacted. */
        override fun toString(): String = "JourneyKeys.Keystore(redacted)"
    }
}

/**
 * Drives one renewal of the core's [App] for the renewal screens, as a
 * [StateFlow] of [JourneyScreen]: start (key files, the ID card, or new keys
 * into the phone's keystore), the review, the one-time code, the card lost
 * and tapped again, the keystore's unlock, and the end.
 *
 * What happens, and every word shown, is the core's: this class only calls
 * it and turns its answers and errors into screens.
 * - A refused code ([QoltanbaException.WrongCode]) asks for the code again.
 * - A card that leaves the field ([QoltanbaException.CardLost]) shows
 *   [JourneyScreen.TapCard] with `lost`; on the next tap a new session is
 *   opened (PACE with the CAN, the PIN verified) and the interrupted call is
 *   made again with it: the renewal resumes from its last committed step,
 *   and an answer the citizen gave (the review's confirmation, the code) is
 *   given again, which the core uses only if the renewal still needs it.
 * - A keystore key that needs the unlock ([QoltanbaException.UserNotAuthenticated])
 *   shows [JourneyScreen.Unlock]; [unlocked] then makes the interrupted
 *   call again.
 * - Any other error shows [JourneyScreen.Failed] with the core's sentence.
 *
 * Secrets (passwords, CAN, PIN, the code) are held only while the journey
 * needs them, as characters wiped at its end (done, declined, failed for
 * good, cancelled, or when [scope] ends); see [Secret] for what the JVM
 * allows. The card session stays open from the tap to the end, as the card
 * does the signing and installing.
 *
 * Call the methods from the main thread; a call that does not fit the
 * current screen (a double tap) is ignored.
 *
 * @param app the core's app (the renewal's database and the RA).
 * @param cards waits for the next card tap: `CardReader::nextCard`.
 * @param scope where the journey's work runs (a ViewModel's scope); when it
 *   ends, the journey's secrets are wiped.
 * @param io where blocking calls run (card sessions, the database).
 */
class RenewalJourney(
    private val app: App,
    private val cards: suspend () -> CardTransport,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _screen = MutableStateFlow<JourneyScreen>(JourneyScreen.Idle)

    /** What to show now. */
    val screen: StateFlow<JourneyScreen> = _screen.asStateFlow()

    /** The renewal this journey drives, once the core has recorded it. */
    @Volatile
    var renewalId: Long? = null
        private set

    private val lock = Any()
    private var job: Job? = null
    // An action runs until it shows a screen that waits for the citizen
    // (its coroutine may still be finishing then: a tap may start the next).
    private var busy = false

    // What the journey holds between calls; only touched by the one running
    // action (or by the main thread when none runs).
    private var keys: Keys? = null
    private var start: (suspend (KeySource?) -> RenewalState)? = null
    private var knownBefore: Set<Long> = emptySet()
    private var pending: Action? = null
    private var awaitingCode: Long? = null
    @Volatile private var lastStep: RenewalStep = RenewalStep.STARTED
    private var session: CardSession? = null
    private var transport: CardTransport? = null
    @Volatile private var question: CompletableFuture<Boolean>? = null

    init {
        scope.coroutineContext[Job]?.invokeOnCompletion { release() }
    }

    /** Renew the keys in NCA key files ([KeyFileRenewal.password] opens them). */
    fun startWithKeyFiles(request: KeyFileRenewal) {
        val password = Secret(request.password)
        val newPassword = Secret(request.newPassword)
        // The request is kept without its secrets; they are put back per call.
        val kept = request.copy(password = "", newPassword = "")
        begin(Keys.KeyFiles(password, newPassword)) {
            app.startRenewalWithKeyFiles(kept.copy(password = password.reveal(), newPassword = newPassword.reveal()), null, listener)
        }
    }

    /**
     * Renew the keys on the ID card: waits for the tap ([JourneyScreen.TapCard]),
     * opens the card with [can] and verifies [pin], then starts.
     */
    fun startWithCard(request: CardRenewal, can: String?, pin: String) {
        begin(Keys.Card(can?.let(::Secret), Secret(pin))) { source ->
            val card = source as KeySource.Card
            app.startRenewalWithCard(card.session, request, null, listener)
        }
    }

    /**
     * Renew into the phone's keystore: new keys made in [keystore]; the
     * current keys are [KeystoreRenewal.currentKeys] (key files opened with
     * [KeystoreRenewal.password], or keystore keys).
     */
    fun startIntoKeystore(keystore: PlatformKeys, request: KeystoreRenewal) {
        val password = request.password?.let(::Secret)
        val kept = request.copy(password = null)
        begin(Keys.Keystore(keystore, password)) {
            app.startRenewalIntoKeystore(keystore, kept.copy(password = password?.reveal()), null, listener)
        }
    }

    /**
     * Continue the unfinished renewal [renewalId] (after a restart, or from a
     * reminder's deep link) with its [keys] given again.
     */
    fun resume(renewalId: Long, keys: JourneyKeys) {
        if (!idle()) return
        release()
        this.keys = when (keys) {
            is JourneyKeys.KeyFiles -> Keys.KeyFiles(Secret(keys.password), Secret(keys.newPassword))
            is JourneyKeys.Card -> Keys.Card(keys.can?.let(::Secret), Secret(keys.pin))
            is JourneyKeys.Keystore -> Keys.Keystore(keys.keystore, keys.password?.let(::Secret))
        }
        this.renewalId = renewalId
        launchAction(Action.Resume(renewalId), resolveStep = true)
    }

    /** The citizen confirmed the review: the keys are made, the application signed and sent. */
    fun confirmReview() {
        val id = renewalId ?: return
        if (_screen.value !is JourneyScreen.Review) return
        launchAction(Action.Confirm(id))
    }

    /** The citizen declined the review: the renewal ends with nothing made or signed. */
    fun declineReview() {
        val id = renewalId ?: return
        if (_screen.value !is JourneyScreen.Review) return
        synchronized(lock) {
            if (busy) return
            busy = true
            job = scope.launch {
                try {
                    withContext(io) { app.declineReview(id) }
                    finish(JourneyScreen.Declined)
                } catch (e: QoltanbaException) {
                    fail(e)
                }
            }
        }
    }

    /** The one-time code from the SMS. */
    fun submitCode(code: String) {
        val id = renewalId ?: return
        if (_screen.value !is JourneyScreen.Code) return
        launchAction(Action.SubmitCode(id, Secret(code)))
    }

    /** The citizen unlocked (BiometricPrompt or device credential succeeded): the interrupted call goes on. */
    fun unlocked() {
        if (_screen.value != JourneyScreen.Unlock) return
        val action = pending ?: return
        launchAction(action)
    }

    /** The answer to [JourneyScreen.Question]. */
    fun answerQuestion(yes: Boolean) {
        val asked = question ?: return
        question = null
        _screen.value = JourneyScreen.Working(lastStep, "")
        asked.complete(yes)
    }

    /** Shows a screen that waits for the citizen: the action that led here is over. */
    private fun settle(screen: JourneyScreen) {
        synchronized(lock) { busy = false }
        _screen.value = screen
    }

    /** After [JourneyScreen.Failed] with `canRetry`: the same call again. */
    fun retry() {
        val failed = _screen.value as? JourneyScreen.Failed ?: return
        if (!failed.canRetry) return
        val action = pending ?: return
        launchAction(action)
    }

    /**
     * Stops the journey: the running call is cancelled (the core stops at
     * its next step boundary; the renewal stays resumable), secrets are
     * wiped, the card session closed, and the screen is [JourneyScreen.Idle].
     */
    fun cancel() {
        val running = synchronized(lock) {
            busy = false
            job.also { job = null }
        }
        running?.cancel()
        question?.complete(false)
        release()
        _screen.value = JourneyScreen.Idle
    }

    // -- the work -----------------------------------------------------------

    /** The keys and secrets of this journey. */
    private sealed interface Keys {
        fun wipe()

        class KeyFiles(val password: Secret, val newPassword: Secret) : Keys {
            override fun wipe() {
                password.wipe()
                newPassword.wipe()
            }
        }

        class Card(val can: Secret?, val pin: Secret) : Keys {
            override fun wipe() {
                can?.wipe()
                pin.wipe()
            }
        }

        class Keystore(val keystore: PlatformKeys, val password: Secret?) : Keys {
            override fun wipe() {
                password?.wipe()
            }
        }
    }

    /** A call to the core, made again after a lost card, an unlock or a retry. */
    private sealed interface Action {
        object Start : Action
        class Resume(val id: Long) : Action
        class Confirm(val id: Long) : Action
        class SubmitCode(val id: Long, val code: Secret) : Action
    }

    private val listener = object : RenewalListener {
        override fun progress(message: String) {
            _screen.update { if (it is JourneyScreen.Working) JourneyScreen.Working(lastStep, message) else it }
        }

        override fun committed(step: RenewalStep) {
            lastStep = step
            _screen.update { if (it is JourneyScreen.Working) JourneyScreen.Working(step, it.text) else it }
        }

        // On the core's worker thread: blocking here while the citizen answers is fine.
        override fun confirm(question: String): Boolean {
            val asked = CompletableFuture<Boolean>()
            this@RenewalJourney.question = asked
            _screen.value = JourneyScreen.Question(question)
            return try {
                asked.get()
            } catch (e: InterruptedException) {
                Thread.currentThread().interrupt()
                false
            }
        }
    }

    private fun idle(): Boolean = synchronized(lock) { !busy } &&
        _screen.value.let {
            it is JourneyScreen.Idle || it is JourneyScreen.Done || it is JourneyScreen.Declined ||
                it is JourneyScreen.Failed
        }

    private fun begin(keys: Keys, start: suspend (KeySource?) -> RenewalState) {
        if (!idle()) {
            keys.wipe()
            return
        }
        release()
        this.keys = keys
        this.start = start
        launchAction(Action.Start)
    }

    private fun launchAction(action: Action, resolveStep: Boolean = false) {
        synchronized(lock) {
            if (busy) return
            busy = true
            pending = action
            job = scope.launch { run(action, resolveStep) }
        }
    }

    private suspend fun run(first: Action, resolveStep: Boolean) {
        var action = first
        var lost = false
        try {
            if (action == Action.Start) knownBefore = withContext(io) { app.unfinishedRenewals().toSet() }
            if (resolveStep && action is Action.Resume) lastStep = withContext(io) { app.renewalStep(action.id) }
            while (true) {
                try {
                    val source = keySource(lost)
                    _screen.value = JourneyScreen.Working(lastStep, "")
                    val state = perform(action, source)
                    if (action is Action.SubmitCode) action.code.wipe()
                    pending = null
                    show(state)
                    return
                } catch (e: QoltanbaException.CardLost) {
                    if (keys !is Keys.Card) throw e
                    Log.i(TAG, "the card left the field; waiting for it again")
                    closeSession()
                    action = afterInterruption(action)
                    pending = action
                    lost = true
                }
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: QoltanbaException.WrongCode) {
            if (action is Action.SubmitCode) action.code.wipe()
            pending = null
            settle(JourneyScreen.Code(awaitingCode ?: (action as? Action.SubmitCode)?.id ?: 0, wrongBefore = true))
        } catch (e: QoltanbaException.UserNotAuthenticated) {
            if (keys !is Keys.Keystore) return fail(e)
            pending = afterInterruption(action)
            settle(JourneyScreen.Unlock)
        } catch (e: QoltanbaException) {
            pending = afterInterruption(action)
            fail(e)
        } catch (e: Exception) {
            // Not the core's error: a bug here or in the platform. No detail
            // reaches the screen (it could name anything); the log has its kind.
            Log.w(TAG, "the renewal stopped on ${e.javaClass.name}")
            fail(QoltanbaException.Internal(e.javaClass.simpleName))
        }
    }

    /**
     * A start interrupted after the core recorded the renewal continues as a
     * resume of it; otherwise the call is made again as it was.
     */
    private suspend fun afterInterruption(action: Action): Action {
        if (action != Action.Start) return action
        val created = try {
            withContext(io) { app.unfinishedRenewals().toSet() } - knownBefore
        } catch (e: QoltanbaException) {
            emptySet()
        }
        val id = created.singleOrNull() ?: return Action.Start
        renewalId = id
        return Action.Resume(id)
    }

    /** The core's keys for the next call; for the card, waits for a tap and opens it. */
    private suspend fun keySource(lost: Boolean): KeySource? = when (val keys = keys) {
        is Keys.KeyFiles -> KeySource.KeyFiles(keys.password.reveal(), keys.newPassword.reveal())
        is Keys.Keystore -> KeySource.Keystore(keys.keystore, keys.password?.reveal())
        is Keys.Card -> KeySource.Card(session ?: openCard(keys, lost))
        null -> null
    }

    private suspend fun openCard(keys: Keys.Card, lost: Boolean): CardSession {
        _screen.value = JourneyScreen.TapCard(lost)
        val tapped = cards()
        _screen.value = JourneyScreen.Working(lastStep, "")
        transport = tapped
        val opened = withContext(io) { CardSession.open(tapped, keys.can?.reveal()) }
        session = opened
        withContext(io) { opened.verifyPin(keys.pin.reveal()) }
        return opened
    }

    private suspend fun perform(action: Action, source: KeySource?): RenewalState = when (action) {
        Action.Start -> (start ?: throw IllegalStateException("no renewal to start"))(source)
        is Action.Resume -> app.resume(action.id, required(source), null, listener)
        is Action.Confirm -> app.confirmReview(action.id, required(source), null, listener)
        is Action.SubmitCode -> app.submitCode(action.id, action.code.reveal(), required(source), null, listener)
    }

    private fun required(source: KeySource?): KeySource = source ?: throw IllegalStateException("no keys")

    private fun show(state: RenewalState) {
        renewalId = state.renewalId
        lastStep = state.step
        val summary = state.summary
        val review = state.review
        val code = state.needsCode
        when {
            summary != null -> finish(JourneyScreen.Done(summary))
            review != null -> settle(JourneyScreen.Review(review))
            code != null -> {
                awaitingCode = code
                settle(JourneyScreen.Code(code, wrongBefore = false))
            }
            else -> fail(QoltanbaException.Internal("the core answered a renewal state with nothing to do"))
        }
    }

    private fun fail(e: QoltanbaException) {
        val retry = canRetry(e) && pending != null
        if (!retry) release()
        if (e is QoltanbaException.CardLost || e is QoltanbaException.Card) closeSession()
        settle(JourneyScreen.Failed(detail(e), errorCode(e), retry))
    }

    private fun finish(screen: JourneyScreen) {
        release()
        settle(screen)
    }

    /** Wipes every secret and closes the card: the journey holds nothing after this. */
    private fun release() {
        keys?.wipe()
        keys = null
        start = null
        (pending as? Action.SubmitCode)?.code?.wipe()
        pending = null
        awaitingCode = null
        closeSession()
    }

    private fun closeSession() {
        session?.close()
        session = null
        (transport as? AutoCloseable)?.close()
        transport = null
    }

    private companion object {
        const val TAG = "qoltanba.renewal"

        /**
         * Errors after which the same call can succeed as it is: the core
         * says which (`errorIsTransient`: the RA out of reach, a passing card
         * failure). The others need the citizen's new input or a new renewal.
         */
        fun canRetry(e: QoltanbaException): Boolean = errorIsTransient(e)

        /**
         * The core's sentence for the citizen. Exhaustive on purpose: a new
         * error variant of the core must be looked at here.
         */
        fun detail(e: QoltanbaException): String = when (e) {
            is QoltanbaException.WrongPassword -> e.detail
            is QoltanbaException.WrongPin -> e.detail
            is QoltanbaException.PinBlocked -> e.detail
            is QoltanbaException.WrongCan -> e.detail
            is QoltanbaException.CardLost -> e.detail
            is QoltanbaException.WrongCode -> e.detail
            is QoltanbaException.RaUnreachable -> e.detail
            is QoltanbaException.RaRefused -> e.detail
            is QoltanbaException.InvalidInput -> e.detail
            is QoltanbaException.KeyFile -> e.detail
            is QoltanbaException.Card -> e.detail
            is QoltanbaException.RenewalFailed -> e.detail
            is QoltanbaException.UserNotAuthenticated -> e.detail
            is QoltanbaException.Keystore -> e.detail
            is QoltanbaException.Cancelled -> e.detail
            is QoltanbaException.Storage -> e.detail
            // A bug's detail is for the report, not the citizen: the kind's words.
            is QoltanbaException.Internal -> errorKindMessage(e)
        }
    }
}
