//! The one error every exported call returns, and how core errors map onto it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::RwLock;

use qoltanba_card::pace::PaceError;
use qoltanba_card::secret::SecretFormatError;
use qoltanba_card::{CardError, TransportError};
use qoltanba_core::ra::RaError;
use qoltanba_core::reminders::DeepLinkError;
use qoltanba_core::renewal::RenewalError;
use qoltanba_core::store::StoreError;
use qoltanba_l10n::{Locale, Localize, Text, render};
use qoltanba_pki::keyfile::{KeyFileError, PasswordRuleError};

/// The language of every `detail`, process-wide (see [`set_locale`]).
static LOCALE: RwLock<Locale> = RwLock::new(Locale::FALLBACK);

/// The language the core speaks to the citizen from now on: every error's
/// `detail`, the renewal's progress lines and questions. A BCP 47 tag
/// (`kk`, `ru-KZ`, `en`); any other language gives English. Apps call it at
/// start with the system's language and again when the citizen changes it;
/// until then the core speaks English.
#[uniffi::export]
pub fn set_locale(tag: String) {
    let locale = Locale::from_tag_or_fallback(&tag);
    *LOCALE.write().unwrap_or_else(|p| p.into_inner()) = locale;
}

/// The language [`set_locale`] chose, as its tag (`kk`, `ru` or `en`).
#[uniffi::export]
pub fn current_locale() -> String {
    locale().tag().to_string()
}

pub(crate) fn locale() -> Locale {
    *LOCALE.read().unwrap_or_else(|p| p.into_inner())
}

/// A core text in the chosen language.
pub(crate) fn say(text: &Text) -> String {
    render(locale(), text)
}

/// A core error's words in the chosen language.
fn said(e: &impl Localize) -> String {
    say(&e.text())
}

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

    /// The catalogs' message that says what this kind of error means in
    /// general words (`error-kind-wrong-pin`): every code has one in kk, ru
    /// and en, for an app that shows the kind beside (or instead of) the
    /// `detail`.
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::WrongPassword { .. } => "error-kind-wrong-password",
            Self::WrongPin { .. } => "error-kind-wrong-pin",
            Self::PinBlocked { .. } => "error-kind-pin-blocked",
            Self::WrongCan { .. } => "error-kind-wrong-can",
            Self::CardLost { .. } => "error-kind-card-lost",
            Self::WrongCode { .. } => "error-kind-wrong-code",
            Self::RaUnreachable { .. } => "error-kind-ra-unreachable",
            Self::RaRefused { .. } => "error-kind-ra-refused",
            Self::InvalidInput { .. } => "error-kind-invalid-input",
            Self::KeyFile { .. } => "error-kind-key-file",
            Self::Card { .. } => "error-kind-card",
            Self::RenewalFailed { .. } => "error-kind-renewal-failed",
            Self::UserNotAuthenticated { .. } => "error-kind-user-not-authenticated",
            Self::Keystore { .. } => "error-kind-keystore",
            Self::Cancelled { .. } => "error-kind-cancelled",
            Self::Storage { .. } => "error-kind-storage",
            Self::Internal { .. } => "error-kind-internal",
        }
    }

    /// Whether the same call, made again with the same input, may succeed:
    /// the RA was unreachable, or the card answered with a failure that a
    /// new attempt can clear. Everything else needs something new first
    /// (another password, PIN or code, the card tapped again, the unlock)
    /// or will fail the same way.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RaUnreachable { .. } | Self::Card { .. })
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

/// Whether the same call may succeed if made again as it was (a "try
/// again" button): the RA unreachable, a passing card failure.
#[uniffi::export]
pub fn error_is_transient(error: &QoltanbaError) -> bool {
    error.is_transient()
}

/// The stable code of an error (`wrong_pin`, `card_lost`, …), for logs.
#[uniffi::export]
pub fn error_code(error: &QoltanbaError) -> String {
    error.code().to_string()
}

/// What this kind of error means, in general words in the chosen language
/// (the `detail` says what happened this time).
#[uniffi::export]
pub fn error_kind_message(error: &QoltanbaError) -> String {
    say(&Text::new(error.message_id()))
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
    QoltanbaError::internal(say(&Text::new("error-internal").arg("what", what)))
}

impl From<KeyFileError> for QoltanbaError {
    fn from(e: KeyFileError) -> Self {
        let detail = said(&e);
        match e {
            KeyFileError::WrongPassword => Self::WrongPassword { detail },
            KeyFileError::WeakPassword(_) => Self::InvalidInput { detail },
            _ => Self::KeyFile { detail },
        }
    }
}

impl From<PasswordRuleError> for QoltanbaError {
    fn from(e: PasswordRuleError) -> Self {
        Self::invalid(said(&e))
    }
}

impl From<SecretFormatError> for QoltanbaError {
    fn from(e: SecretFormatError) -> Self {
        Self::invalid(said(&e))
    }
}

impl From<DeepLinkError> for QoltanbaError {
    fn from(e: DeepLinkError) -> Self {
        Self::invalid(said(&e))
    }
}

impl From<CardError> for QoltanbaError {
    fn from(e: CardError) -> Self {
        let detail = said(&e);
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
        let detail = said(&e);
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
        let detail = said(&e);
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
        let detail = said(&e);
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
            RenewalError::PastReview(_)
            | RenewalError::OtherHome { .. }
            | RenewalError::NotAwaitingCode(_) => Self::InvalidInput { detail },
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
    fn only_an_unreachable_ra_and_a_passing_card_failure_are_worth_the_same_call_again() {
        let detail = String::new;
        assert!(QoltanbaError::RaUnreachable { detail: detail() }.is_transient());
        assert!(QoltanbaError::Card { detail: detail() }.is_transient());
        for needs_something_new in [
            QoltanbaError::WrongPassword { detail: detail() },
            QoltanbaError::CardLost { detail: detail() },
            QoltanbaError::WrongCode { detail: detail() },
            QoltanbaError::UserNotAuthenticated { detail: detail() },
            QoltanbaError::RenewalFailed { detail: detail() },
            QoltanbaError::Internal { detail: detail() },
        ] {
            assert!(
                !needs_something_new.is_transient(),
                "{needs_something_new:?}"
            );
        }
    }

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

#[cfg(test)]
mod localized {
    use super::*;
    use qoltanba_core::renewal::Step;
    use qoltanba_l10n::{ErrorCode, has_message, try_render};
    use qoltanba_pki::cert::SerialProblem;

    /// One of every QoltanbaError variant.
    fn every_kind() -> Vec<QoltanbaError> {
        let d = || String::from("d");
        vec![
            QoltanbaError::WrongPassword { detail: d() },
            QoltanbaError::WrongPin {
                tries_left: 1,
                detail: d(),
            },
            QoltanbaError::PinBlocked { detail: d() },
            QoltanbaError::WrongCan { detail: d() },
            QoltanbaError::CardLost { detail: d() },
            QoltanbaError::WrongCode { detail: d() },
            QoltanbaError::RaUnreachable { detail: d() },
            QoltanbaError::RaRefused {
                problem: d(),
                detail: d(),
            },
            QoltanbaError::InvalidInput { detail: d() },
            QoltanbaError::KeyFile { detail: d() },
            QoltanbaError::Card { detail: d() },
            QoltanbaError::RenewalFailed { detail: d() },
            QoltanbaError::UserNotAuthenticated { detail: d() },
            QoltanbaError::Keystore { detail: d() },
            QoltanbaError::Cancelled { detail: d() },
            QoltanbaError::Storage { detail: d() },
            QoltanbaError::Internal { detail: d() },
        ]
    }

    #[test]
    fn every_code_has_its_message_in_all_three_catalogs() {
        let kinds = every_kind();
        let codes: std::collections::BTreeSet<_> = kinds.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), kinds.len(), "a code is listed twice");
        for e in &kinds {
            for locale in Locale::ALL {
                let out = try_render(locale, &Text::new(e.message_id()))
                    .unwrap_or_else(|err| panic!("{}: {err}", e.code()));
                assert!(!out.is_empty());
            }
        }
    }

    /// A sample of every variant of every error the FFI maps (and the
    /// steps): each text's id is in all three catalogs and renders there
    /// without a Fluent problem, so no argument is missing.
    fn samples() -> Vec<(String, Text)> {
        let mut out: Vec<(String, Text)> = Vec::new();
        let mut add = |e: &dyn std::fmt::Debug, text: Text| out.push((format!("{e:?}"), text));
        let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let key_files = vec![
            KeyFileError::NotPkcs12,
            KeyFileError::WrongPassword,
            KeyFileError::NoMac,
            KeyFileError::Malformed,
            KeyFileError::NoPrivateKey,
            KeyFileError::NoCertificate,
            KeyFileError::UnsupportedAlgorithm("1.2.3".into()),
            KeyFileError::WeakPassword(PasswordRuleError::TooShort),
            KeyFileError::AlreadyExists("a.p12".into()),
            KeyFileError::Io {
                path: "a.p12".into(),
                source: io(),
            },
            KeyFileError::DiskFull("a.p12".into()),
            KeyFileError::Random,
        ];
        for e in &key_files {
            add(e, e.text());
        }
        for e in [
            PasswordRuleError::TooShort,
            PasswordRuleError::TooLong,
            PasswordRuleError::NoUppercase,
            PasswordRuleError::NoLowercase,
            PasswordRuleError::NoDigit,
            PasswordRuleError::Cyrillic,
            PasswordRuleError::NonAscii,
            PasswordRuleError::Whitespace,
        ] {
            add(&e, e.text());
        }
        for e in [
            SecretFormatError::NotDigits { kind: "PIN" },
            SecretFormatError::WrongLength {
                kind: "CAN",
                expected: "6".into(),
            },
            SecretFormatError::WrongLength {
                kind: "PIN",
                expected: "4 to 12".into(),
            },
        ] {
            add(&e, e.text());
        }
        let transports = [
            TransportError::TagLost,
            TransportError::Timeout,
            TransportError::Other("gone".into()),
        ];
        let sw = qoltanba_card::apdu::StatusWord(0x6A82);
        let paces = [
            PaceError::WrongCan,
            PaceError::WrongPin { tries_left: 2 },
            PaceError::PinBlocked,
            PaceError::UnsupportedProtocol,
            PaceError::NoPaceInfo,
            PaceError::ChipAuthenticationFailed,
            PaceError::InvalidPoint,
            PaceError::Malformed("x".into()),
            PaceError::Card(sw),
            PaceError::Transport(TransportError::Timeout),
            PaceError::BadPassword("the CAN must be the 6 digits printed on the card"),
            PaceError::BadPassword("the PIN must be 4 to 12 digits"),
            PaceError::Random,
        ];
        let mut cards: Vec<CardError> = transports
            .iter()
            .cloned()
            .map(CardError::Transport)
            .collect();
        cards.extend(paces.iter().cloned().map(CardError::Pace));
        cards.extend([
            CardError::Channel(qoltanba_card::channel::ChannelError::Unprotected),
            CardError::Channel(qoltanba_card::channel::ChannelError::SessionEnded),
            CardError::Channel(qoltanba_card::channel::ChannelError::EndlessResponse),
            CardError::Channel(qoltanba_card::channel::ChannelError::OverlongResponse(256)),
            CardError::UnknownCard,
            CardError::CanNeeded,
            CardError::SecretFormat {
                kind: "PUK",
                expected: "8".into(),
            },
            CardError::WrongPin { tries_left: 1 },
            CardError::PinBlocked,
            CardError::PinBlockedNoPuk,
            CardError::WrongPuk { tries_left: 3 },
            CardError::PukBlocked,
            CardError::PinNeeded,
            CardError::BadNewPin("4 to 12".into()),
            CardError::EmptySlot(1),
            CardError::NoSuchSlot(9),
            CardError::SlotInUse(2),
            CardError::Unsupported("RSA 4096".into()),
            CardError::NotConfirmed(3),
            CardError::CertificateRefused(3),
            CardError::CertificateTooLarge(3000, 2048),
            CardError::Key(qoltanba_card::keys::CardKeyError::MalformedPublicKey(
                "x".into(),
            )),
            CardError::Key(qoltanba_card::keys::CardKeyError::MalformedSignature(
                "x".into(),
            )),
            CardError::Unexpected {
                operation: "VERIFY",
                sw,
            },
            CardError::Malformed {
                operation: "READ BINARY",
                detail: "x".into(),
            },
        ]);
        for e in &cards {
            add(e, e.text());
        }
        let ras = vec![
            RaError::Unreachable("refused".into()),
            RaError::Timeout,
            RaError::Dropped,
            RaError::Refused {
                status: 422,
                code: "wrong-code".into(),
                detail: "2 tries left".into(),
            },
            RaError::Refused {
                status: 400,
                code: "novel-code".into(),
                detail: "x".into(),
            },
            RaError::ServerError(503),
            RaError::Protocol("x".into()),
            RaError::BadTrustAnchor,
        ];
        for e in &ras {
            add(e, e.text());
        }
        let stores = vec![
            StoreError::Open {
                path: "db".into(),
                detail: "x".into(),
            },
            StoreError::TooNew { found: 9, known: 3 },
            StoreError::RenewalInProgress(4),
            StoreError::NoSuchRenewal(4),
        ];
        for e in &stores {
            add(e, e.text());
        }
        let renewals = vec![
            RenewalError::KeyFile("a.p12".into(), KeyFileError::WrongPassword),
            RenewalError::NoCertificate("a.p12".into()),
            RenewalError::WhichKeys,
            RenewalError::Key("x".into()),
            RenewalError::NoPassword,
            RenewalError::PinNotVerified,
            RenewalError::CardLost("x".into()),
            RenewalError::UserNotAuthenticated,
            RenewalError::Store(StoreError::NoSuchRenewal(1)),
            RenewalError::Ra(RaError::Timeout),
            RenewalError::Application("x".into()),
            RenewalError::BadIssue("x".into()),
            RenewalError::Failed("x".into()),
            RenewalError::Corrupt("x".into()),
            RenewalError::Cancelled("submitted"),
            RenewalError::Cancelled("not-a-step"),
        ];
        for e in &renewals {
            add(e, e.text());
        }
        for e in [
            DeepLinkError::TooLong,
            DeepLinkError::NotQoltanba,
            DeepLinkError::UnknownAction("x".into()),
            DeepLinkError::BadQuery,
            DeepLinkError::BadSerial(SerialProblem::Empty),
            DeepLinkError::BadSerial(SerialProblem::TooLong),
            DeepLinkError::BadSerial(SerialProblem::NotHex),
        ] {
            add(&e, e.text());
        }
        for step in Step::ALL {
            add(&step, step.text());
        }
        out
    }

    #[test]
    fn every_localized_error_renders_in_all_three_catalogs() {
        let samples = samples();
        assert!(samples.len() > 90, "{}", samples.len());
        for (what, text) in &samples {
            for locale in Locale::ALL {
                assert!(
                    has_message(locale, text.id()),
                    "{what}: {} not in {locale}",
                    text.id()
                );
                let out = try_render(locale, text).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(
                    !out.contains('\n') && !out.is_empty(),
                    "{what} in {locale}: {out}"
                );
            }
        }
    }

    #[test]
    fn the_english_words_are_the_english_display() {
        // The en catalog is the errors' Display: tests and logs that read
        // English keep working, and the words have one source each.
        let card = CardError::WrongPin { tries_left: 1 };
        assert_eq!(card.localize(Locale::En), card.to_string());
        let e = KeyFileError::WrongPassword;
        assert_eq!(e.localize(Locale::En), e.to_string());
        let e = RenewalError::KeyFile("a.p12".into(), KeyFileError::NoMac);
        assert_eq!(e.localize(Locale::En), e.to_string());
        assert_eq!(ErrorCode::code(&e), "error-renewal-key-file");
    }
}
