#![doc = include_str!("../README.md")]

mod error;
mod home;
mod key;
mod module;
mod session;

pub use error::{DEFAULT_PIN_HINT, PinTries, TokenError};
pub use home::TokenHome;
pub use key::TokenKey;
pub use module::{Module, Pin, PinState, Token, TokenInfo};
pub use session::{KeyKind, TokenCertificate, TokenContents, TokenKeyEntry, TokenSession};
