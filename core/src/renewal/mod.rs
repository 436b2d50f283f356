//! The renewal flow: a resumable state machine the UIs drive.
//!
//! The steps mirror NCA's online renewal (the seed guide): log in with the
//! AUTH key → list the certificates → prefill the application from the
//! current certificate → the citizen's details → generate the new keys in
//! their home → CSRs and the application signed with the current SIGN key →
//! submit → the one-time code → wait for issuance → install → verify.
//!
//! Crash safety: the state is committed to the local store after every step,
//! before the next side effect, and everything a later step needs is in it:
//! the new keys are in their key files (encrypted) before the application is
//! signed, the signed application and its Idempotency-Key are stored before it
//! is submitted, so a resumed submit returns the same application. Secrets are
//! never stored; the UI is asked for them again on resume. Where the keys
//! live is stored ([`HomeRecord`]): a resume is given the secrets, not the
//! place again.

//!
//! Files: [`Step`] here; `state` (what is committed, what a run returns),
//! `flow` ([`Renewal`]), `ui` ([`RenewalUi`]), `error` ([`RenewalError`]),
//! `key_home` ([`KeyHome`], [`FileHome`]) and the other homes, `card_home`
//! and `platform_home`.

use serde::{Deserialize, Serialize};

mod card_home;
mod error;
mod flow;
mod key_home;
mod platform_home;
mod review;
mod state;
mod ui;

pub use card_home::CardHome;
pub use error::RenewalError;
pub use flow::{Renewal, log_in};
pub use key_home::{
    CardReader, CertifiedKey, FileHome, HomeRecord, KeyHome, ResumeSecret, parse_location_name,
};
pub use platform_home::PlatformHome;
pub use review::{Review, ReviewAnswer, ReviewWarning};
pub use state::{NewCertificate, NewKey, Outcome, RenewalRequest, RenewalState, Summary};
pub use ui::RenewalUi;

/// How far a renewal got. Each is committed before the next side effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "RenewalStep"))]
pub enum Step {
    /// Recorded; nothing done yet.
    Started,
    /// The new keys are in their home (key files written, encrypted).
    KeysGenerated,
    /// The application is signed and stored with its Idempotency-Key.
    Signed,
    /// The RA has the application; the one-time code is awaited.
    Submitted,
    /// The code was accepted; issuance is awaited.
    Confirmed,
    /// The new certificates are downloaded and stored.
    Issued,
    /// The certificates are in the key files and verified.
    Installed,
    /// Finished.
    Done,
    /// Ended without new certificates (the reason is in the state).
    Failed,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 9] = [
        Step::Started,
        Step::KeysGenerated,
        Step::Signed,
        Step::Submitted,
        Step::Confirmed,
        Step::Issued,
        Step::Installed,
        Step::Done,
        Step::Failed,
    ];

    /// The step's name in the local store (also its serde name).
    pub fn name(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::KeysGenerated => "keys_generated",
            Self::Signed => "signed",
            Self::Submitted => "submitted",
            Self::Confirmed => "confirmed",
            Self::Issued => "issued",
            Self::Installed => "installed",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// The step a stored [`name`](Self::name) names; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl qoltanba_l10n::Localize for Step {
    /// The step as the citizen reads it (`step-awaiting-code` for
    /// [`Step::Submitted`]: what the citizen waits for, not what the RA did).
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::Started => "step-started",
            Self::KeysGenerated => "step-keys-generated",
            Self::Signed => "step-signed",
            Self::Submitted => "step-awaiting-code",
            Self::Confirmed => "step-awaiting-issuance",
            Self::Issued => "step-issued",
            Self::Installed => "step-installed",
            Self::Done => "step-done",
            Self::Failed => "step-failed",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Step;

    #[test]
    fn every_step_comes_back_from_its_stored_name() {
        for step in Step::ALL {
            assert_eq!(Step::from_name(step.name()), Some(step));
            // The stored name is also the serde name the state's JSON uses.
            assert_eq!(
                serde_json::to_value(step).unwrap(),
                serde_json::Value::from(step.name())
            );
        }
        assert_eq!(Step::from_name("half_done"), None);
    }
}
