#![doc = include_str!("../README.md")]

pub mod apdu;
pub mod channel;
pub mod cipher;
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
