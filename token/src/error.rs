//! [`TokenError`]: what went wrong with a token, in one line that says what
//! to do. No PIN ever reaches one of these messages.

use std::path::PathBuf;

/// What the token says about the PIN's remaining tries after a wrong one
/// (PKCS#11 token flags; many tokens, SoftHSM2 among them, say nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTries {
    /// The token does not say.
    Unknown,
    /// CKF_USER_PIN_COUNT_LOW: a wrong PIN was entered since the last good one.
    Low,
    /// CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks the token.
    FinalTry,
}

impl PinTries {
    fn phrase(self) -> &'static str {
        match self {
            Self::Unknown => "",
            Self::Low => " (few tries are left before the token locks)",
            Self::FinalTry => " (one try is left: a wrong PIN now locks the token)",
        }
    }
}

/// The hint a wrong PIN gets: the factory PINs NCA's guide names for the
/// tokens it supports. It appears only here, never as a default.
pub const DEFAULT_PIN_HINT: &str = "if the token still has its factory PIN, that is 12345678 \
     for Kaztoken and 1234567890 for eToken PRO (Java, 72K) and JaCarta";

/// Why a token operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "the PKCS#11 module {path} cannot be loaded ({reason}); give the path of the token vendor's PKCS#11 library"
    )]
    ModuleNotLoadable { path: PathBuf, reason: String },
    #[error("no token is inserted in a slot of {module}; insert the token and try again")]
    NoToken { module: PathBuf },
    #[error("no token labelled '{label}' is inserted (present: {present}); check the label")]
    NoSuchToken { label: String, present: String },
    #[error("several tokens are inserted ({present}); choose one by its label")]
    WhichToken { present: String },
    #[error("the token's PIN is wrong{}; {hint}", tries.phrase())]
    WrongPin { tries: PinTries, hint: &'static str },
    #[error(
        "the token's PIN is locked after too many wrong tries; unblock it with the token vendor's tool (it needs the administrator PIN or PUK)"
    )]
    PinLocked,
    #[error(
        "the key is on the token with serial {wanted}, not on the inserted one ({present}); insert that token"
    )]
    WrongToken { wanted: String, present: String },
    #[error("the token went away ({0}); insert it again and retry")]
    TokenRemoved(String),
    #[error(
        "the token has no private key with id {id}; list its keys with `qoltanba keys --token`"
    )]
    NoKey { id: String },
    #[error(
        "the token holds no certificate for key {id}; install the key's certificate or choose another key"
    )]
    NoCertificate { id: String },
    #[error(
        "the token's key {id} is a {kind} key; qoltanba signs with RSA and P-256 keys on tokens"
    )]
    UnsupportedKey { id: String, kind: String },
    #[error("the token cannot {what}; {advice}")]
    Unsupported { what: String, advice: &'static str },
    #[error(
        "the token's {what} is malformed ({detail}); the token may be damaged or written by other software"
    )]
    Malformed { what: String, detail: String },
    #[error("{0} is not a token key location; expect token:SERIAL/ID-HEX")]
    BadLocation(String),
    #[error("the token failed to {operation}: {detail}")]
    Device {
        operation: &'static str,
        detail: String,
    },
}

impl TokenError {
    /// A PKCS#11 failure of `operation`, with the codes that mean something
    /// to the citizen turned into their own kinds.
    pub(crate) fn pkcs11(operation: &'static str, e: cryptoki::error::Error) -> Self {
        use cryptoki::error::{Error, RvError};
        match e {
            Error::Pkcs11(RvError::PinLocked, _) => Self::PinLocked,
            Error::Pkcs11(
                rv @ (RvError::TokenNotPresent
                | RvError::DeviceRemoved
                | RvError::SessionClosed
                | RvError::SessionHandleInvalid),
                _,
            ) => Self::TokenRemoved(rv.to_string()),
            Error::Pkcs11(rv, _) => Self::Device {
                operation,
                detail: short(&rv),
            },
            other => Self::Device {
                operation,
                detail: other.to_string(),
            },
        }
    }
}

/// The return value's name (CKR_…), not cryptoki's paragraph-long description.
fn short(rv: &cryptoki::error::RvError) -> String {
    let debug = format!("{rv:?}");
    let mut name = String::from("CKR");
    for c in debug.chars() {
        if c.is_ascii_uppercase() {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_values_are_named_as_the_standard_names_them() {
        assert_eq!(
            short(&cryptoki::error::RvError::KeyHandleInvalid),
            "CKR_KEY_HANDLE_INVALID"
        );
    }

    #[test]
    fn a_wrong_pin_says_the_tries_and_the_factory_pins_on_one_line() {
        let e = TokenError::WrongPin {
            tries: PinTries::FinalTry,
            hint: DEFAULT_PIN_HINT,
        };
        let text = e.to_string();
        assert!(text.contains("one try is left"), "{text}");
        assert!(text.contains("12345678") && text.contains("1234567890"));
        assert!(!text.contains('\n'));
    }
}
