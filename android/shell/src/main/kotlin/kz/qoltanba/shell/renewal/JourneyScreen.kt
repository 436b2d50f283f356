package kz.qoltanba.shell.renewal

import kz.qoltanba.core.RenewalSummary
import kz.qoltanba.core.device.RenewalStep

/**
 * What the renewal screen shows now: [RenewalJourney.screen]. Every word in
 * it comes from the core, in the language set with `setLocale`.
 */
sealed interface JourneyScreen {
    /** Nothing started (or the journey was cancelled). */
    data object Idle : JourneyScreen

    /**
     * The core is working: [step] is the last step committed (the renewal
     * resumes from there), [text] the core's last progress line (empty
     * until it says one).
     */
    data class Working(val step: RenewalStep, val text: String) : JourneyScreen

    /**
     * The application the citizen is asked to confirm before anything is
     * made or signed: [RenewalJourney.confirmReview] or [RenewalJourney.declineReview].
     */
    data class Review(val review: kz.qoltanba.core.device.Review) : JourneyScreen

    /**
     * The one-time code sent by SMS for [application] is awaited
     * ([RenewalJourney.submitCode]); [wrongBefore]: the last code was refused.
     */
    data class Code(val application: Long, val wrongBefore: Boolean) : JourneyScreen

    /**
     * Waiting for the ID card on the phone: the first tap, or, with [lost],
     * the card left the field and the interrupted step goes on when it is
     * back.
     */
    data class TapCard(val lost: Boolean) : JourneyScreen

    /**
     * A key in the phone's keystore needs the citizen's unlock
     * (BiometricPrompt or the device credential); then [RenewalJourney.unlocked].
     */
    data object Unlock : JourneyScreen

    /**
     * The core asks a yes/no [question] before something that cannot be
     * undone (the Kazakh ID card erasing a key slot):
     * [RenewalJourney.answerQuestion].
     */
    data class Question(val question: String) : JourneyScreen

    /** Renewed: the new certificates. */
    data class Done(val summary: RenewalSummary) : JourneyScreen

    /** The citizen declined the review: nothing was made or signed. */
    data object Declined : JourneyScreen

    /**
     * The renewal stopped: [message] is the core's sentence for the citizen
     * (what is wrong and what to do), [code] the stable error code
     * (`ra_unreachable`, `wrong_pin`, …) for the app's choices and logs.
     * With [canRetry], [RenewalJourney.retry] makes the same call again (the
     * renewal resumes from its last committed step); otherwise the citizen
     * starts again (with another PIN, password or CAN, say).
     */
    data class Failed(val message: String, val code: String, val canRetry: Boolean) : JourneyScreen
}
