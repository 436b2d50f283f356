//! The ID card: the layers a card operation passes through, bottom to top
//! (docs/card-profile.md describes the cards themselves).
//!
//! - [`transport`]: bytes to and from the chip (NFC on phones, PC/SC on the desktop);
//! - [`apdu`], [`tlv`]: ISO/IEC 7816-4 commands, responses, status words, BER-TLV;
//! - [`profile`]: what a kind of card calls its files, keys and PIN (data, not code);
//! - [`secret`]: CAN, PIN and PUK, zeroized and never printed;
//! - [`keys`]: card public keys and signatures in the shapes certificates use;

pub mod apdu;
pub mod keys;
pub mod pace;
pub mod profile;
pub mod secret;
pub mod sm;
pub mod tlv;
pub mod transport;

pub use apdu::{Command, Response, Status, StatusWord};
pub use pace::PaceError;
pub use sm::{SecureMessaging, SmError};
pub use transport::{CardTransport, TransportError};
