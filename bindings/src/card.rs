//! The ID card: the transport the apps implement, and a card session.

use std::sync::{Arc, Mutex, MutexGuard};

use qoltanba_card::keystore::SharedSession;
use qoltanba_card::secret::{Can, Pin, Puk};
use qoltanba_card::session::PinStatus;
use qoltanba_card::{self as core_card, TransportError};
use zeroize::Zeroizing;

use crate::error::{QoltanbaError, guard};
use crate::live::Live;

/// Why the platform could not exchange an APDU with the card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TransportFailure {
    /// The card left the field (Android `TagLostException`, iOS tag lost).
    #[error("the card was lost")]
    TagLost,
    /// The card did not answer in time.
    #[error("the card did not answer in time")]
    Timeout,
    /// Anything else the platform reported.
    #[error("{detail}")]
    Other { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportFailure {
    /// An exception the app's transport threw that is not a `TransportFailure`.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Other {
            detail: format!("the app's card transport failed: {}", e.reason),
        }
    }
}

impl From<TransportFailure> for TransportError {
    fn from(e: TransportFailure) -> Self {
        match e {
            TransportFailure::TagLost => TransportError::TagLost,
            TransportFailure::Timeout => TransportError::Timeout,
            TransportFailure::Other { detail } => TransportError::Other(detail),
        }
    }
}

/// Moves APDU bytes to the card and back: Android implements it with
/// `IsoDep.transceive`, iOS with `NFCISO7816Tag.sendCommand`. No parsing and
/// no retries: everything above (PACE, secure messaging) is in the core.
#[uniffi::export(with_foreign)]
pub trait CardTransport: Send + Sync {
    /// Send one command APDU; the card's whole response (data ‖ SW1 SW2).
    fn transmit(&self, command: Vec<u8>) -> Result<Vec<u8>, TransportFailure>;
    /// The ATR or the NFC historical bytes, when the platform has them
    /// (they tell the card profile without asking the card).
    fn atr(&self) -> Option<Vec<u8>>;
}

/// The app's transport as the core's.
struct Foreign(Arc<dyn CardTransport>, Live);

impl core_card::CardTransport for Foreign {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.transmit(command.to_vec()).map_err(Into::into)
    }

    fn atr(&self) -> Option<Vec<u8>> {
        self.0.atr()
    }
}

/// The PIN as the card reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PinState {
    Verified,
    TriesLeft {
        tries_left: u8,
    },
    Blocked,
    /// The card does not say.
    Unknown,
}

/// One key slot.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardSlot {
    pub slot: u8,
    /// `None` for an empty slot; `RSA-2048`, `P-256`.
    pub algorithm: Option<String>,
    pub has_certificate: bool,
    /// Whether the card uses this slot's key to log in.
    pub is_auth: bool,
    /// Whether the card uses this slot's key to sign.
    pub is_sign: bool,
}

/// What a card session learned about its card.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CardInfo {
    /// `qoltanba-ref-1` or `kz-idcard` (docs/card-profile.md).
    pub profile: String,
    /// Hex, when the card reports it.
    pub serial: Option<String>,
    pub slots: Vec<CardSlot>,
    pub pin: PinState,
    pub puk_tries: Option<u8>,
}

/// A session with one card through the app's transport: PACE with the CAN
/// where the card needs it, then PIN management. Calls block on the card:
/// make them off the main thread.
#[derive(uniffi::Object)]
pub struct CardSession {
    session: SharedSession,
    _live: Live,
}

impl std::fmt::Debug for CardSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardSession")
    }
}

impl CardSession {
    /// The core's session, for a renewal's card home.
    pub(crate) fn shared(&self) -> SharedSession {
        std::sync::Arc::clone(&self.session)
    }

    fn lock(&self) -> MutexGuard<'_, core_card::CardSession> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl CardSession {
    /// Connect to the card behind `transport`; `can` is the 6 digits printed
    /// on the card (needed by contactless cards).
    #[uniffi::constructor]
    pub fn open(
        transport: Arc<dyn CardTransport>,
        can: Option<String>,
    ) -> Result<Arc<Self>, QoltanbaError> {
        let can = can.map(Zeroizing::new);
        guard(|| {
            let can = can.as_deref().map(|c| Can::new(c)).transpose()?;
            let session = core_card::CardSession::open(
                Box::new(Foreign(transport, Live::new())),
                None,
                can.as_ref(),
            )?;
            Ok(Arc::new(Self {
                session: Arc::new(Mutex::new(session)),
                _live: Live::new(),
            }))
        })
    }

    /// The profile, the key slots and the PIN's state (no PIN try is spent).
    pub fn info(&self) -> Result<CardInfo, QoltanbaError> {
        guard(|| {
            let mut s = self.lock();
            let pin = match s.pin_status()? {
                PinStatus::Verified => PinState::Verified,
                PinStatus::TriesLeft(n) => PinState::TriesLeft { tries_left: n },
                PinStatus::Blocked => PinState::Blocked,
                PinStatus::Unknown => PinState::Unknown,
            };
            let status = s.status()?;
            Ok(CardInfo {
                profile: s.profile().name.to_string(),
                serial: status.serial.as_deref().map(hex_upper),
                slots: status
                    .slots
                    .iter()
                    .map(|slot| CardSlot {
                        slot: slot.slot,
                        algorithm: slot.algorithm.map(|a| a.to_string()),
                        has_certificate: slot.has_certificate,
                        is_auth: status.auth_slot == Some(slot.slot),
                        is_sign: status.sign_slot == Some(slot.slot),
                    })
                    .collect(),
                pin,
                puk_tries: status.puk_tries,
            })
        })
    }

    /// Verify the PIN for this session. A wrong PIN is `WrongPin` with the
    /// tries left; the last one is `PinBlocked`.
    pub fn verify_pin(&self, pin: String) -> Result<(), QoltanbaError> {
        let pin = Zeroizing::new(pin);
        guard(|| Ok(self.lock().verify_pin(&Pin::new(&pin)?)?))
    }

    /// Change the PIN; the card checks `old_pin`.
    pub fn change_pin(&self, old_pin: String, new_pin: String) -> Result<(), QoltanbaError> {
        let (old_pin, new_pin) = (Zeroizing::new(old_pin), Zeroizing::new(new_pin));
        guard(|| {
            let (old, new) = (Pin::new(&old_pin)?, Pin::new(&new_pin)?);
            Ok(self.lock().change_pin(&old, &new)?)
        })
    }

    /// Unblock a blocked PIN with the PUK and set `new_pin`. A wrong PUK
    /// is `WrongPin` with the PUK's tries left; a card whose profile has no
    /// known PUK says so (a service centre unblocks it).
    pub fn unblock_pin(&self, puk: String, new_pin: String) -> Result<(), QoltanbaError> {
        let (puk, new_pin) = (Zeroizing::new(puk), Zeroizing::new(new_pin));
        guard(|| {
            let (puk, new) = (Puk::new(&puk)?, Pin::new(&new_pin)?);
            Ok(self.lock().unblock_pin(&puk, &new)?)
        })
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
