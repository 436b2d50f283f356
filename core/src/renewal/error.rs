//! Why a renewal stopped ([`RenewalError`]), and how a key's signing
//! failure becomes one.

use std::path::PathBuf;

use crate::ra::RaError;
use crate::store::StoreError;
use qoltanba_pki::crypto::SignError;
use qoltanba_pki::keyfile::KeyFileError;
use qoltanba_pki::reissue::StorageKind;

/// Why a renewal stopped.
#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error("the key file {0} cannot be used: {1}")]
    KeyFile(PathBuf, KeyFileError),
    #[error("the key file {0} holds no certificate; use the key files NCA issued")]
    NoCertificate(PathBuf),
    #[error("give the current key files: one GOST512_ file, or the AUTH_ and the SIGN file")]
    WhichKeys,
    #[error("{0}")]
    Key(String),
    #[error("a password is needed and none was given")]
    NoPassword,
    /// A renewal on the ID card was asked for before its PIN was verified.
    #[error("the ID card's PIN is not verified in this session; verify it, then start the renewal")]
    PinNotVerified,
    /// The ID card left the field or stopped answering; resuming continues.
    #[error("the ID card: {0}; resume the renewal to continue")]
    CardLost(String),
    /// A keystore key needs the device unlocked (fingerprint, face or
    /// passcode); after the unlock, resuming continues.
    #[error("unlock the phone (fingerprint, face or passcode), then resume the renewal")]
    UserNotAuthenticated,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ra(#[from] RaError),
    #[error("the application cannot be built: {0}")]
    Application(String),
    #[error("the issued certificate does not check out: {0}; nothing was installed")]
    BadIssue(String),
    #[error("the renewal ended without new certificates: {0}; start a new one")]
    Failed(String),
    #[error("the stored renewal is unreadable ({0}); start a new one")]
    Corrupt(String),
    /// The citizen declined the review; nothing was made or signed.
    #[error("the renewal was declined at the review; nothing was signed")]
    Declined,
    /// A decline asked for after the review was confirmed.
    #[error(
        "the renewal is past its review (step {0}); resume it, or let it fail at the registration authority"
    )]
    PastReview(&'static str),
    /// A resume was given keys in another home than the one the renewal
    /// started with (and remembers).
    #[error(
        "this renewal keeps its keys elsewhere: {}; resume it with those keys (not {})",
        english(remembered),
        english(given)
    )]
    OtherHome {
        remembered: StorageKind,
        given: StorageKind,
    },
    /// A new one-time code was asked for while the renewal is not waiting
    /// for one (it is at the step named).
    #[error(
        "the renewal is not waiting for a one-time code (step {0}); resume it without asking for a new code"
    )]
    NotAwaitingCode(&'static str),
    /// Stopped on request ([`RenewalUi::cancelled`]) after committing `step`.
    #[error("the renewal was stopped after step {0}; resume it to continue")]
    Cancelled(&'static str),
}

/// Where keys live, in the English of the `Display` texts.
fn english(storage: &StorageKind) -> String {
    use qoltanba_l10n::Localize;
    qoltanba_l10n::render(qoltanba_l10n::Locale::En, &storage.text())
}

/// A key that could not sign: a card that left the field and a keystore
/// waiting for the unlock keep their kind (resuming continues after the tap
/// or the unlock); anything else is the key's failure.
pub(super) fn signing_error(e: SignError) -> RenewalError {
    match e {
        SignError::DeviceLost(why) => RenewalError::CardLost(why),
        SignError::UserNotAuthenticated => RenewalError::UserNotAuthenticated,
        e => RenewalError::Key(e.to_string()),
    }
}

impl qoltanba_l10n::Localize for RenewalError {
    /// One message per variant (`error-renewal-…`); the store's and the RA's
    /// errors say their own, and a key file's reason is its own text inside.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        let path = |p: &PathBuf| p.display().to_string();
        match self {
            Self::KeyFile(p, inner) => Text::new("error-renewal-key-file")
                .arg("path", path(p))
                .arg("reason", inner.text()),
            Self::NoCertificate(p) => {
                Text::new("error-renewal-no-certificate").arg("path", path(p))
            }
            Self::WhichKeys => Text::new("error-renewal-which-keys"),
            Self::Key(detail) => Text::new("error-renewal-key").arg("detail", detail),
            Self::NoPassword => Text::new("error-renewal-no-password"),
            Self::PinNotVerified => Text::new("error-renewal-pin-not-verified"),
            Self::CardLost(reason) => Text::new("error-renewal-card-lost").arg("reason", reason),
            Self::UserNotAuthenticated => Text::new("error-renewal-user-not-authenticated"),
            Self::Store(e) => e.text(),
            Self::Ra(e) => e.text(),
            Self::Application(detail) => {
                Text::new("error-renewal-application").arg("detail", detail)
            }
            Self::BadIssue(detail) => Text::new("error-renewal-bad-issue").arg("detail", detail),
            Self::Failed(reason) => Text::new("error-renewal-failed").arg("reason", reason),
            Self::Corrupt(detail) => Text::new("error-renewal-corrupt").arg("detail", detail),
            Self::Declined => Text::new("error-renewal-declined"),
            Self::OtherHome { remembered, given } => Text::new("error-renewal-other-home")
                .arg("remembered", remembered.text())
                .arg("given", given.text()),
            Self::PastReview(step) => Text::new("error-renewal-past-review").arg("step", *step),
            Self::NotAwaitingCode(step) => {
                Text::new("error-renewal-not-awaiting-code").arg("step", *step)
            }
            Self::Cancelled(step) => {
                let step = match super::Step::from_name(step) {
                    Some(s) => qoltanba_l10n::Arg::from(s.text()),
                    None => qoltanba_l10n::Arg::from(*step),
                };
                Text::new("error-renewal-cancelled").arg("step", step)
            }
        }
    }
}
