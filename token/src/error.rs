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

impl qoltanba_l10n::Localize for TokenError {
    /// `error-token-…`: one message per variant. The wrong-PIN message says
    /// the tries left and the factory PINs as a hint, in the citizen's
    /// language; a device's or module's own reason stays as it is.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::ModuleNotLoadable { path, reason } => Text::new("error-token-module")
                .arg("path", path.display().to_string())
                .arg("reason", reason.as_str()),
            Self::NoToken { module } => {
                Text::new("error-token-none").arg("module", module.display().to_string())
            }
            Self::NoSuchToken { label, present } => Text::new("error-token-no-such")
                .arg("label", label.as_str())
                .arg("present", present.as_str()),
            Self::WhichToken { present } => {
                Text::new("error-token-which").arg("present", present.as_str())
            }
            Self::WrongPin { tries, .. } => Text::new(match tries {
                PinTries::Unknown => "error-token-wrong-pin",
                PinTries::Low => "error-token-wrong-pin-low",
                PinTries::FinalTry => "error-token-wrong-pin-final",
            }),
            Self::PinLocked => Text::new("error-token-pin-locked"),
            Self::WrongToken { wanted, present } => Text::new("error-token-wrong-token")
                .arg("wanted", wanted.as_str())
                .arg("present", present.as_str()),
            Self::TokenRemoved(reason) => {
                Text::new("error-token-removed").arg("reason", reason.as_str())
            }
            Self::NoKey { id } => Text::new("error-token-no-key").arg("id", id.as_str()),
            Self::NoCertificate { id } => {
                Text::new("error-token-no-certificate").arg("id", id.as_str())
            }
            Self::UnsupportedKey { id, kind } => Text::new("error-token-unsupported-key")
                .arg("id", id.as_str())
                .arg("kind", kind.as_str()),
            Self::Unsupported { what, advice } => Text::new("error-token-unsupported")
                .arg("what", what.as_str())
                .arg("advice", *advice),
            Self::Malformed { what, detail } => Text::new("error-token-malformed")
                .arg("what", what.as_str())
                .arg("detail", detail.as_str()),
            Self::BadLocation(location) => {
                Text::new("error-token-bad-location").arg("location", location.as_str())
            }
            Self::Device { operation, detail } => Text::new("error-token-device")
                .arg("operation", *operation)
                .arg("detail", detail.as_str()),
        }
    }
}

#[cfg(test)]
mod words {
    use super::*;
    use qoltanba_l10n::{Locale, Localize, has_message, try_render};

    /// Every token error has its words in Kazakh, Russian and English, the
    /// English ones as `Display` says them; the wrong PIN keeps its hint.
    #[test]
    fn every_token_error_has_its_words_in_three_languages() {
        let errors = [
            TokenError::ModuleNotLoadable {
                path: "/x.so".into(),
                reason: "r".into(),
            },
            TokenError::NoToken {
                module: "/x.so".into(),
            },
            TokenError::NoSuchToken {
                label: "a".into(),
                present: "b".into(),
            },
            TokenError::WhichToken {
                present: "a, b".into(),
            },
            TokenError::WrongPin {
                tries: PinTries::Unknown,
                hint: DEFAULT_PIN_HINT,
            },
            TokenError::WrongPin {
                tries: PinTries::Low,
                hint: DEFAULT_PIN_HINT,
            },
            TokenError::WrongPin {
                tries: PinTries::FinalTry,
                hint: DEFAULT_PIN_HINT,
            },
            TokenError::PinLocked,
            TokenError::WrongToken {
                wanted: "1".into(),
                present: "2".into(),
            },
            TokenError::TokenRemoved("gone".into()),
            TokenError::NoKey { id: "01".into() },
            TokenError::NoCertificate { id: "01".into() },
            TokenError::UnsupportedKey {
                id: "01".into(),
                kind: "DSA".into(),
            },
            TokenError::Unsupported {
                what: "w".into(),
                advice: "a",
            },
            TokenError::Malformed {
                what: "w".into(),
                detail: "d".into(),
            },
            TokenError::BadLocation("x".into()),
            TokenError::Device {
                operation: "sign",
                detail: "d".into(),
            },
        ];
        for e in &errors {
            let text = e.text();
            for locale in Locale::ALL {
                assert!(
                    has_message(locale, text.id()),
                    "{} in {locale:?}",
                    text.id()
                );
                let words = try_render(locale, &text)
                    .unwrap_or_else(|err| panic!("{} in {locale:?}: {err:?}", text.id()));
                if matches!(e, TokenError::WrongPin { .. }) {
                    assert!(words.contains("12345678"), "{words}");
                }
            }
            assert_eq!(qoltanba_l10n::render(Locale::En, &text), e.to_string());
        }
    }
}
