//! The one thing a phone or a desktop reader does for the card stack: move
//! APDU bytes to the chip and bring its answer back.
//!
//! Android implements this with `IsoDep.transceive`, iOS with
//! `NFCISO7816Tag.sendCommand`, the desktop with PC/SC, tests with the
//! simulator card in-process. Everything above it (APDU framing, PACE,
//! secure messaging, the card profile) is the same Rust on every platform.

/// Why a command did not come back. The three kinds need different advice
/// to the citizen, so they are kept apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The card left the field (NFC) or was pulled from the reader.
    #[error(
        "the card was lost (it left the phone's field or the reader); hold it still and try again"
    )]
    TagLost,
    /// The card did not answer in time.
    #[error("the card did not answer in time; hold it still and try again")]
    Timeout,
    /// Anything else the platform reported (reader gone, driver error).
    #[error("the card reader failed: {0}")]
    Other(String),
}

/// A channel to one card: command APDU bytes in, response APDU bytes
/// (data ‖ SW1 SW2) out. Implementations do no parsing and no retries;
/// every card operation above is safe to start again after an error.
pub trait CardTransport: Send {
    /// Send one command APDU and return the card's whole response.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// The card's answer to reset (contact) or historical bytes (NFC), if
    /// the platform reports them; used to guess the card profile.
    fn atr(&self) -> Option<Vec<u8>> {
        None
    }
}

impl<T: CardTransport + ?Sized> CardTransport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
    fn atr(&self) -> Option<Vec<u8>> {
        (**self).atr()
    }
}

impl qoltanba_l10n::Localize for TransportError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::TagLost => Text::new("error-card-lost"),
            Self::Timeout => Text::new("error-card-timeout"),
            Self::Other(reason) => Text::new("error-card-reader").arg("reason", reason),
        }
    }
}
