//! The ID card: the layers a card operation passes through, bottom to top
//! (docs/card-profile.md describes the cards themselves).
//!
//! - [`transport`]: bytes to and from the chip (NFC on phones, PC/SC on the desktop);
//! - [`apdu`], [`tlv`]: ISO/IEC 7816-4 commands, responses, status words, BER-TLV;

pub mod apdu;
pub mod tlv;
pub mod transport;

pub use apdu::{Command, Response, Status, StatusWord};
pub use transport::{CardTransport, TransportError};
