//! The ID card: the layers a card operation passes through, bottom to top
//! (docs/card-profile.md describes the cards themselves).
//!
//! - [`transport`]: bytes to and from the chip (NFC on phones, PC/SC on the desktop);
//! - [`apdu`], [`tlv`]: ISO/IEC 7816-4 commands, responses, status words, BER-TLV;
//! - [`profile`]: what a kind of card calls its files, keys and PIN (data, not code);
//! - [`secret`]: CAN, PIN and PUK, zeroized and never printed;
//! - [`pace`], [`sm`]: PACE (ICAO 9303-11) and AES secure messaging;
//! - [`channel`]: one command in, one whole response out (GET RESPONSE, 6Cxx, SM);
//! - [`session`]: a session with one card: PIN, keys, signatures, certificates;
//! - [`keys`]: card public keys and signatures in the shapes certificates use;
//! - [`keystore`]: the card's keys as `Signer`s, and where new keys may go;
//! - `pcsc` (feature `pcsc`): desktop readers.

pub mod apdu;
pub mod channel;
pub mod keys;
pub mod keystore;
pub mod pace;
pub mod profile;
pub mod secret;
pub mod session;
pub mod sm;
pub mod tlv;
pub mod transport;

#[cfg(feature = "pcsc")]
pub mod pcsc;

pub use apdu::{Command, Response, Status, StatusWord};
pub use pace::PaceError;
pub use session::{CardError, CardSession};
pub use sm::{SecureMessaging, SmError};
pub use transport::{CardTransport, TransportError};
