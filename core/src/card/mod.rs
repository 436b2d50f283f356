//! The ID card: the layers a card operation passes through, bottom to top
//! (docs/card-profile.md describes the cards themselves).
//!
//! - [`transport`]: bytes to and from the chip (NFC on phones, PC/SC on the desktop);

pub mod transport;

pub use transport::{CardTransport, TransportError};
