//! The one error every exported call returns, and how core errors map onto it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use qoltanba_card::pace::PaceError;
use qoltanba_card::secret::SecretFormatError;
use qoltanba_card::{CardError, TransportError};
use qoltanba_core::ra::RaError;
use qoltanba_core::renewal::RenewalError;
use qoltanba_core::store::StoreError;
use qoltanba_pki::keyfile::{KeyFileError, PasswordRuleError};

/// Why a call failed. The variant is the stable code (see [`QoltanbaError::code`]);
/// `detail` is the core's one-line message for the citizen: what is wrong
/// and what to do. No variant carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum QoltanbaError {
    /// The key file's password is wrong (or the file was altered).
    #[error("{detail}")]
    WrongPassword { detail: String },
    /// The card refused the PIN; `tries_left` tries remain.
    #[error("{detail}")]
    WrongPin { tries_left: u8, detail: String },
    /// The PIN is blocked (unblock with the PUK, or visit a service centre).
    #[error("{detail}")]
    PinBlocked { detail: String },
    /// The CAN does not belong to this card.
    #[error("{detail}")]
    WrongCan { detail: String },
    /// The card left the field or stopped answering; tap it again and retry
    /// (a renewal resumes where it stopped).
    #[error("{detail}")]
    CardLost { detail: String },
    /// The one-time code was refused; ask the citizen again.
    #[error("{detail}")]
    WrongCode { detail: String },
    /// The registration authority cannot be reached (network, timeout, 5xx); retry later.
    #[error("{detail}")]
    RaUnreachable { detail: String },
    /// The registration authority refused the request; `problem` is its
    /// stable problem code (docs/protocol.md).
    #[error("{detail}")]
    RaRefused { problem: String, detail: String },
    /// An argument is not usable (a PIN with letters, a weak new password,
    /// an unknown renewal).
    #[error("{detail}")]
    InvalidInput { detail: String },
    /// A key file cannot be used (damaged, no certificate, unsupported).
    #[error("{detail}")]
    KeyFile { detail: String },
    /// The card answered something other than the errors above.
    #[error("{detail}")]
    Card { detail: String },
    /// The renewal cannot go on (failed for good, or its result does not check out).
    #[error("{detail}")]
    RenewalFailed { detail: String },
    /// The platform keystore needs the citizen to unlock (biometry or
    /// device credential) before the key can be used; unlock and retry.
    #[error("{detail}")]
    UserNotAuthenticated { detail: String },
    /// The platform keystore failed otherwise.
    #[error("{detail}")]
    Keystore { detail: String },
    /// The renewal was stopped on request; resume it to continue.
    #[error("{detail}")]
    Cancelled { detail: String },
    /// The local database.
    #[error("{detail}")]
    Storage { detail: String },
    /// A bug in qoltanba (a caught panic): the call had no effect the app
    /// can rely on; report it.
    #[error("{detail}")]
    Internal { detail: String },
}

impl QoltanbaError {
    /// The stable code, as logs and analytics should record it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongPassword { .. } => "wrong_password",
            Self::WrongPin { .. } => "wrong_pin",
            Self::PinBlocked { .. } => "pin_blocked",
            Self::WrongCan { .. } => "wrong_can",
            Self::CardLost { .. } => "card_lost",
            Self::WrongCode { .. } => "wrong_code",
            Self::RaUnreachable { .. } => "ra_unreachable",
            Self::RaRefused { .. } => "ra_refused",
            Self::InvalidInput { .. } => "invalid_input",
            Self::KeyFile { .. } => "key_file",
            Self::Card { .. } => "card",
            Self::RenewalFailed { .. } => "renewal_failed",
            Self::UserNotAuthenticated { .. } => "user_not_authenticated",
            Self::Keystore { .. } => "keystore",
            Self::Cancelled { .. } => "cancelled",
            Self::Storage { .. } => "storage",
            Self::Internal { .. } => "internal",
        }
    }

    pub(crate) fn invalid(detail: impl ToString) -> Self {
        Self::InvalidInput {
            detail: detail.to_string(),
        }
    }

    pub(crate) fn internal(detail: impl ToString) -> Self {
        Self::Internal {
            detail: detail.to_string(),
        }
    }
}

/// The stable code of an error (`wrong_pin`, `card_lost`, …), for logs.
#[uniffi::export]
pub fn error_code(error: &QoltanbaError) -> String {
    error.code().to_string()
}

/// Run `f`, turning a panic into [`QoltanbaError::Internal`]: nothing
/// unwinds across the FFI, and the app gets an ordinary error.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, QoltanbaError>) -> Result<T, QoltanbaError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panicked(payload)))
}

pub(crate) fn panicked(payload: Box<dyn Any + Send>) -> QoltanbaError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    QoltanbaError::internal(format!(
        "internal error in qoltanba ({what}); please report it"
    ))
}

impl From<KeyFileError> for QoltanbaError {
    fn from(e: KeyFileError) -> Self {
        let detail = e.to_string();
        match e {
            KeyFileError::WrongPassword => Self::WrongPassword { detail },
            KeyFileError::WeakPassword(_) => Self::InvalidInput { detail },
            _ => Self::KeyFile { detail },
        }
    }
}

impl From<PasswordRuleError> for QoltanbaError {
    fn from(e: PasswordRuleError) -> Self {
        Self::invalid(e)
    }
}

impl From<SecretFormatError> for QoltanbaError {
    fn from(e: SecretFormatError) -> Self {
        Self::invalid(e)
    }
}

impl From<CardError> for QoltanbaError {
    fn from(e: CardError) -> Self {
        let detail = e.to_string();
        if e.is_tag_lost() {
            return Self::CardLost { detail };
        }
        match e {
            // A wrong PUK (unblocking) is the same question as a wrong PIN:
            // ask again, with the tries left; the detail says which.
            CardError::WrongPin { tries_left }
            | CardError::WrongPuk { tries_left }
            | CardError::Pace(PaceError::WrongPin { tries_left }) => {
                Self::WrongPin { tries_left, detail }
            }
            CardError::PinBlocked
            | CardError::PinBlockedNoPuk
            | CardError::PukBlocked
            | CardError::Pace(PaceError::PinBlocked) => Self::PinBlocked { detail },
            CardError::Pace(PaceError::WrongCan) => Self::WrongCan { detail },
            CardError::CanNeeded
            | CardError::SecretFormat { .. }
            | CardError::BadNewPin(_)
            | CardError::Pace(PaceError::BadPassword(_)) => Self::InvalidInput { detail },
            _ => Self::Card { detail },
        }
    }
}

impl From<TransportError> for QoltanbaError {
    fn from(e: TransportError) -> Self {
        CardError::Transport(e).into()
    }
}

impl From<RaError> for QoltanbaError {
    fn from(e: RaError) -> Self {
        let detail = e.to_string();
        match e {
            RaError::Refused { code, .. } => Self::RaRefused {
                problem: code,
                detail,
            },
            RaError::BadTrustAnchor => Self::InvalidInput { detail },
            e if e.is_transient() => Self::RaUnreachable { detail },
            _ => Self::RaRefused {
                problem: "protocol".into(),
                detail,
            },
        }
    }
}

impl From<StoreError> for QoltanbaError {
    fn from(e: StoreError) -> Self {
        let detail = e.to_string();
        match e {
            StoreError::NoSuchRenewal(_) | StoreError::RenewalInProgress(_) => {
                Self::InvalidInput { detail }
            }
            _ => Self::Storage { detail },
        }
    }
}

impl From<RenewalError> for QoltanbaError {
    fn from(e: RenewalError) -> Self {
        let detail = e.to_string();
        match e {
            RenewalError::KeyFile(_, inner) => match Self::from(inner) {
                // The path belongs in the message the citizen sees.
                Self::WrongPassword { .. } => Self::WrongPassword { detail },
                Self::InvalidInput { .. } => Self::InvalidInput { detail },
                _ => Self::KeyFile { detail },
            },
            RenewalError::NoCertificate(_) | RenewalError::Key(_) => Self::KeyFile { detail },
            RenewalError::WhichKeys | RenewalError::NoPassword | RenewalError::PinNotVerified => {
                Self::InvalidInput { detail }
            }
            RenewalError::CardLost(_) => Self::CardLost { detail },
            RenewalError::UserNotAuthenticated => Self::UserNotAuthenticated { detail },
            RenewalError::Cancelled(_) | RenewalError::Declined => Self::Cancelled { detail },
            RenewalError::PastReview(_) => Self::InvalidInput { detail },
            RenewalError::Store(s) => s.into(),
            RenewalError::Ra(r) => r.into(),
            RenewalError::Application(_)
            | RenewalError::BadIssue(_)
            | RenewalError::Failed(_)
            | RenewalError::Corrupt(_) => Self::RenewalFailed { detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let e = guard::<()>(|| panic!("boom {}", 7)).unwrap_err();
        assert_eq!(e.code(), "internal");
        assert!(e.to_string().contains("boom 7"), "{e}");
        assert_eq!(guard(|| Ok(5)), Ok(5));
    }

    #[test]
    fn card_errors_keep_their_kind() {
        let e: QoltanbaError = CardError::WrongPin { tries_left: 2 }.into();
        assert!(matches!(e, QoltanbaError::WrongPin { tries_left: 2, .. }));
        let e: QoltanbaError = CardError::Transport(TransportError::TagLost).into();
        assert_eq!(e.code(), "card_lost");
        let e: QoltanbaError = CardError::WrongPuk { tries_left: 9 }.into();
        assert!(matches!(e, QoltanbaError::WrongPin { tries_left: 9, .. }));
        assert!(e.to_string().contains("PUK"), "{e}");
        let e: QoltanbaError = CardError::PukBlocked.into();
        assert_eq!(e.code(), "pin_blocked");
        let e: QoltanbaError = CardError::Pace(PaceError::WrongCan).into();
        assert_eq!(e.code(), "wrong_can");
        let e: QoltanbaError = KeyFileError::WrongPassword.into();
        assert_eq!(e.code(), "wrong_password");
        let e: QoltanbaError = RaError::Timeout.into();
        assert_eq!(e.code(), "ra_unreachable");
    }
}
