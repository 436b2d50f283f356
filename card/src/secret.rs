//! The citizen's card secrets: the CAN printed on the card, the PIN, the PUK.
//!
//! Each is its own type so one cannot be passed where another is meant; the
//! digits are zeroized on drop and never printed (`Debug` shows only the kind).

use std::fmt;

use zeroize::Zeroizing;

/// Why typed digits are not a usable secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    #[error("the {kind} must be digits only")]
    NotDigits { kind: &'static str },
    #[error("the {kind} must have {expected} digits; check it and enter it again")]
    WrongLength {
        kind: &'static str,
        expected: String,
    },
}

macro_rules! card_secret {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Digits as typed; surrounding whitespace (a trailing newline
            /// from a file) is dropped. Length is checked against the card
            /// profile when it is used.
            pub fn new(digits: &str) -> Result<Self, SecretFormatError> {
                let digits = digits.trim();
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SecretFormatError::NotDigits { kind: $kind });
                }
                Ok(Self(Zeroizing::new(digits.to_owned())))
            }

            /// The digits, for the card layer (and a PACE or VERIFY block only).
            pub fn digits(&self) -> &str {
                &self.0
            }

            pub fn len(&self) -> usize {
                self.0.len()
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($kind, "(redacted)"))
            }
        }
    };
}

card_secret!(
    /// The card access number printed on the card (6 digits), the PACE
    /// password that proves the phone sees the card, not just its radio.
    Can,
    "CAN"
);
card_secret!(
    /// The PIN that unlocks the card's keys.
    Pin,
    "PIN"
);
card_secret!(
    /// The PUK that unblocks a blocked PIN.
    Puk,
    "PUK"
);

/// The `min` and `max` arguments of a digit count as the errors carry it
/// ("6", or "4 to 12"): `min` is 0 for an exact count (the catalogs' convention).
pub(crate) fn digit_count_text(text: qoltanba_l10n::Text, expected: &str) -> qoltanba_l10n::Text {
    let (min, max) = match expected.split_once(" to ") {
        Some((min, max)) => (min.trim().to_owned(), max.trim().to_owned()),
        None => ("0".to_owned(), expected.trim().to_owned()),
    };
    let number = |s: String| match s.parse::<u32>() {
        Ok(n) => qoltanba_l10n::Arg::from(n),
        Err(_) => qoltanba_l10n::Arg::from(s),
    };
    text.arg("min", number(min)).arg("max", number(max))
}

impl qoltanba_l10n::Localize for SecretFormatError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::NotDigits { kind } => {
                Text::new("error-card-secret-not-digits").arg("kind", *kind)
            }
            Self::WrongLength { kind, expected } => digit_count_text(
                Text::new("error-card-secret-length").arg("kind", *kind),
                expected,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only_and_never_printed() {
        let pin = Pin::new("482913\n").unwrap();
        assert_eq!(pin.digits(), "482913");
        assert_eq!(format!("{pin:?}"), "PIN(redacted)");
        let can = Can::new("123456").unwrap();
        assert!(!format!("{can:?}").contains("123456"));
        assert_eq!(
            Puk::new("12ab").unwrap_err(),
            SecretFormatError::NotDigits { kind: "PUK" }
        );
        assert!(Pin::new("").is_err());
    }
}
