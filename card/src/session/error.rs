//! Why a card operation failed ([`CardError`]), and the helpers that turn a
//! card's answer into one.

use crate::apdu::StatusWord;
use crate::channel::ChannelError;
use crate::keys::CardKeyError;
use crate::pace::PaceError;
use crate::transport::TransportError;

/// Why a card operation failed. Each variant's message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Transport(TransportError),
    #[error(transparent)]
    Pace(PaceError),
    #[error("{0}")]
    Channel(ChannelError),
    #[error("the card is not one qoltanba knows (no known profile answered); use a Kazakh ID card")]
    UnknownCard,
    #[error("the card needs its CAN (the 6 digits printed on the card) to connect")]
    CanNeeded,
    #[error("the {kind} must have {expected} digits; check it and enter it again")]
    SecretFormat {
        kind: &'static str,
        expected: String,
    },
    #[error("wrong PIN; {}", tries(*tries_left, "the next wrong PIN blocks the card"))]
    WrongPin { tries_left: u8 },
    #[error("the PIN is blocked; unblock it with the PUK")]
    PinBlocked,
    #[error("the PIN is blocked and this card has no known PUK; visit a public service centre")]
    PinBlockedNoPuk,
    #[error("wrong PUK; {}", tries(*tries_left, "the next wrong PUK blocks it for good"))]
    WrongPuk { tries_left: u8 },
    #[error(
        "the PUK is blocked; the card's keys can no longer be used; visit a public service centre"
    )]
    PukBlocked,
    #[error("the card wants the PIN first; enter the PIN")]
    PinNeeded,
    #[error("the new PIN must have {0} digits")]
    BadNewPin(String),
    #[error("key slot {0:02X} is empty")]
    EmptySlot(u8),
    #[error("key slot {0:02X} does not exist on this card")]
    NoSuchSlot(u8),
    #[error("key slot {0:02X} holds a current key and cannot be overwritten")]
    SlotInUse(u8),
    #[error("the card does not support {0}")]
    Unsupported(String),
    #[error("generating a key in slot {0:02X} was not confirmed; nothing was changed")]
    NotConfirmed(u8),
    #[error(
        "the card refused the certificate for slot {0:02X}: it is missing, incomplete or not for that slot's key; write it again"
    )]
    CertificateRefused(u8),
    #[error("the certificate is {0} bytes; the card's file holds at most {1}")]
    CertificateTooLarge(usize, usize),
    #[error(
        "the certificate file of key slot {slot:02X} is damaged ({detail}); take the card to a public service centre"
    )]
    CertificateFile { slot: u8, detail: String },
    #[error(transparent)]
    Key(#[from] CardKeyError),
    #[error(
        "the card answered {operation} with status word {sw}, which qoltanba does not expect; try again, and report it if it repeats"
    )]
    Unexpected {
        operation: &'static str,
        sw: StatusWord,
    },
    #[error("the card's answer to {operation} is malformed: {detail}")]
    Malformed {
        operation: &'static str,
        detail: String,
    },
}

/// "2 tries left", "1 try left (warning)".
pub(super) fn tries(n: u8, last_warning: &str) -> String {
    match n {
        1 => format!("1 try left ({last_warning})"),
        n => format!("{n} tries left"),
    }
}

impl From<ChannelError> for CardError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Transport(t) => CardError::Transport(t),
            other => CardError::Channel(other),
        }
    }
}

impl From<PaceError> for CardError {
    fn from(e: PaceError) -> Self {
        match e {
            PaceError::Transport(t) => CardError::Transport(t),
            other => CardError::Pace(other),
        }
    }
}

impl CardError {
    /// Whether the card left the field or stopped answering: the operation
    /// can be started again from the top once the card is back.
    pub fn is_tag_lost(&self) -> bool {
        matches!(
            self,
            CardError::Transport(TransportError::TagLost | TransportError::Timeout)
        )
    }
}

pub(super) fn unexpected(operation: &'static str, sw: StatusWord) -> CardError {
    CardError::Unexpected { operation, sw }
}

pub(super) fn byte(value: &[u8], operation: &'static str) -> Result<u8, CardError> {
    match value {
        [b] => Ok(*b),
        _ => Err(CardError::Malformed {
            operation,
            detail: format!("a {}-byte field where one byte belongs", value.len()),
        }),
    }
}

pub(super) fn digits_range(min: usize, max: usize) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min} to {max}")
    }
}

impl qoltanba_l10n::Localize for CardError {
    /// One message per variant (`error-card-…`); the wrapped transport,
    /// PACE, channel and key errors say their own. Slots are shown in hex
    /// as in the English text; no PIN, PUK or CAN is ever an argument.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        let slot = |s: &u8| format!("{s:02X}");
        match self {
            Self::Transport(t) => t.text(),
            Self::Pace(p) => p.text(),
            Self::Channel(c) => c.text(),
            Self::UnknownCard => Text::new("error-card-unknown"),
            Self::CanNeeded => Text::new("error-card-can-needed"),
            Self::SecretFormat { kind, expected } => crate::secret::digit_count_text(
                Text::new("error-card-secret-length").arg("kind", *kind),
                expected,
            ),
            Self::WrongPin { tries_left } => {
                Text::new("error-card-wrong-pin").arg("tries", *tries_left)
            }
            Self::PinBlocked => Text::new("error-card-pin-blocked"),
            Self::PinBlockedNoPuk => Text::new("error-card-pin-blocked-no-puk"),
            Self::WrongPuk { tries_left } => {
                Text::new("error-card-wrong-puk").arg("tries", *tries_left)
            }
            Self::PukBlocked => Text::new("error-card-puk-blocked"),
            Self::PinNeeded => Text::new("error-card-pin-needed"),
            Self::BadNewPin(expected) => {
                crate::secret::digit_count_text(Text::new("error-card-new-pin-length"), expected)
            }
            Self::EmptySlot(s) => Text::new("error-card-slot-empty").arg("slot", slot(s)),
            Self::NoSuchSlot(s) => Text::new("error-card-no-such-slot").arg("slot", slot(s)),
            Self::SlotInUse(s) => Text::new("error-card-slot-in-use").arg("slot", slot(s)),
            Self::Unsupported(what) => Text::new("error-card-unsupported").arg("what", what),
            Self::NotConfirmed(s) => Text::new("error-card-not-confirmed").arg("slot", slot(s)),
            Self::CertificateRefused(s) => {
                Text::new("error-card-certificate-refused").arg("slot", slot(s))
            }
            Self::CertificateTooLarge(size, limit) => Text::new("error-card-certificate-too-large")
                .arg("size", *size)
                .arg("limit", *limit),
            Self::CertificateFile { slot: s, detail } => Text::new("error-card-certificate-file")
                .arg("slot", slot(s))
                .arg("detail", detail),
            Self::Key(k) => k.text(),
            Self::Unexpected { operation, sw } => Text::new("error-card-unexpected")
                .arg("operation", *operation)
                .arg("sw", sw.to_string()),
            Self::Malformed { operation, detail } => Text::new("error-card-malformed")
                .arg("operation", *operation)
                .arg("detail", detail),
        }
    }
}
