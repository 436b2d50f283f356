import Foundation
import Qoltanba

/// What the renewal screen shows now ([RenewalJourney.screen]). Every word
/// in it comes from the core, in the language set with `setLocale`.
public enum JourneyScreen: Equatable {
    /// Nothing started (or the journey was cancelled).
    case idle
    /// The core is working: `step` is the last step committed (the renewal
    /// resumes from there), `text` the core's last progress line (empty
    /// until it says one).
    case working(step: RenewalStep, text: String)
    /// The application the citizen is asked to confirm before anything is
    /// made or signed: `confirmReview()` or `declineReview()`.
    case review(Review)
    /// The one-time code sent by SMS for `application` is awaited
    /// (`submitCode(_:)`); `wrongBefore`: the last code was refused.
    case code(application: Int64, wrongBefore: Bool)
    /// Waiting for the ID card on the phone: the first tap, or, with `lost`,
    /// the card left the field and the interrupted step goes on when it is
    /// back.
    case tapCard(lost: Bool)
    /// A key in the phone's keystore needs the citizen's unlock (Face ID,
    /// Touch ID or the passcode); then `unlocked()`.
    case unlock
    /// The core asks a yes/no question before something that cannot be
    /// undone (the ID card erasing a key slot): `answerQuestion(_:)`.
    case question(String)
    /// Renewed: the new certificates.
    case done(RenewalSummary)
    /// The citizen declined the review: nothing was made or signed.
    case declined
    /// The renewal stopped: `message` is the core's sentence for the citizen
    /// (what is wrong and what to do), `code` the stable error code
    /// (`ra_unreachable`, `wrong_pin`, …) for the app's choices and logs.
    /// With `canRetry`, `retry()` makes the same call again (the renewal
    /// resumes from its last committed step); otherwise the citizen starts
    /// again (with another PIN, password or CAN, say).
    case failed(message: String, code: String, canRetry: Bool)
}
