//! Key-file passwords, and NCA's rule for new ones.
//!
//! Two types, so the rule cannot be forgotten: [`Password`] opens a file (any
//! text, since files from NCA or other tools must open whatever their
//! password), [`NewPassword`] protects a file qoltanba writes and exists only
//! once the rule has passed.

use zeroize::Zeroizing;

/// A password that opens a key file. Zeroized on drop; prints as
/// `[redacted]` in both Debug and Display, so it cannot leak through logs or
/// error messages by accident.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// The password text, for the key derivation only.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<Zeroizing<String>> for Password {
    fn from(s: Zeroizing<String>) -> Self {
        Self(s)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl std::fmt::Display for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The shortest new password NCA's rule allows, in characters.
pub const MIN_PASSWORD_CHARS: usize = 6;
/// The longest new password NCA's rule allows, in characters.
pub const MAX_PASSWORD_CHARS: usize = 32;

/// A password that passed NCA's rule, so it may protect a new key file. The
/// only ways to make one run [`NewPassword::new`], so an unchecked password
/// can never reach a writer.
#[derive(Clone, Debug)]
pub struct NewPassword(Password);

impl std::fmt::Display for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Which part of the password rule a new password breaks. Each message is one
/// line telling the citizen what to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("the new password is shorter than 6 characters; choose a longer one")]
    TooShort,
    #[error("the new password is longer than 32 characters; choose a shorter one")]
    TooLong,
    #[error("the new password has no Latin capital letter (A-Z); add one")]
    NoUppercase,
    #[error("the new password has no Latin small letter (a-z); add one")]
    NoLowercase,
    #[error("the new password has no digit (0-9); add one")]
    NoDigit,
    #[error(
        "the new password has Cyrillic letters; switch the keyboard to the English (Latin) layout and type it again"
    )]
    Cyrillic,
    #[error(
        "the new password has a character other than Latin letters, digits and ASCII symbols; use only those"
    )]
    NonAscii,
    #[error(
        "the new password has a space or control character; use letters, digits and symbols only"
    )]
    Whitespace,
}

impl NewPassword {
    /// Check NCA's rule (NCALayer: `^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9]).{6,32}$`)
    /// and the character set: printable ASCII only.
    ///
    /// Why stricter than NCALayer's `.`: its letter classes are Latin, so a
    /// password typed in the Cyrillic layout (the usual mistake) lacks the
    /// letters it seems to have; a key file must also open from any keyboard,
    /// a phone's included; and a space at either end is invisible. The
    /// character set is checked first because a wrong keyboard layout is the
    /// cause the citizen must fix before any other rule makes sense.
    pub fn new(password: Password) -> Result<Self, PasswordRuleError> {
        let text = password.expose_secret();
        if text.chars().any(is_cyrillic) {
            return Err(PasswordRuleError::Cyrillic);
        }
        if !text.is_ascii() {
            return Err(PasswordRuleError::NonAscii);
        }
        if text.chars().any(|c| c == ' ' || c.is_ascii_control()) {
            return Err(PasswordRuleError::Whitespace);
        }
        // ASCII from here on, so bytes are characters.
        if text.len() < MIN_PASSWORD_CHARS {
            return Err(PasswordRuleError::TooShort);
        }
        if text.len() > MAX_PASSWORD_CHARS {
            return Err(PasswordRuleError::TooLong);
        }
        if !text.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(PasswordRuleError::NoUppercase);
        }
        if !text.chars().any(|c| c.is_ascii_lowercase()) {
            return Err(PasswordRuleError::NoLowercase);
        }
        if !text.chars().any(|c| c.is_ascii_digit()) {
            return Err(PasswordRuleError::NoDigit);
        }
        Ok(Self(password))
    }

    pub fn as_password(&self) -> &Password {
        &self.0
    }
}

impl TryFrom<Password> for NewPassword {
    type Error = PasswordRuleError;
    fn try_from(password: Password) -> Result<Self, Self::Error> {
        Self::new(password)
    }
}

/// Cyrillic and its supplements (Kazakh letters such as Ә, Ғ, Қ, Ң, Ө, Ұ, Ү,
/// Һ, І are in the main block).
fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}')
}

impl qoltanba_l10n::Localize for PasswordRuleError {
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::TooShort => Text::new("error-password-too-short").arg("min", 6),
            Self::TooLong => Text::new("error-password-too-long").arg("max", 32),
            Self::NoUppercase => Text::new("error-password-no-uppercase"),
            Self::NoLowercase => Text::new("error-password-no-lowercase"),
            Self::NoDigit => Text::new("error-password-no-digit"),
            Self::Cyrillic => Text::new("error-password-cyrillic"),
            Self::NonAscii => Text::new("error-password-non-ascii"),
            Self::Whitespace => Text::new("error-password-whitespace"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Result<NewPassword, PasswordRuleError> {
        NewPassword::new(Password::new(p))
    }

    #[test]
    fn each_rule_is_named() {
        assert!(check("Qwerty12").is_ok());
        assert!(check("Aa1!@#").is_ok(), "six characters with symbols");
        assert!(check(&format!("Aa1{}", "x".repeat(29))).is_ok(), "32");
        assert_eq!(check("Qw1").unwrap_err(), PasswordRuleError::TooShort);
        assert_eq!(check("Qwer1").unwrap_err(), PasswordRuleError::TooShort);
        assert_eq!(
            check(&format!("Qw1{}", "x".repeat(30))).unwrap_err(),
            PasswordRuleError::TooLong
        );
        assert_eq!(
            check("qwerty12").unwrap_err(),
            PasswordRuleError::NoUppercase
        );
        assert_eq!(
            check("QWERTY12").unwrap_err(),
            PasswordRuleError::NoLowercase
        );
        assert_eq!(check("Qwertyui").unwrap_err(), PasswordRuleError::NoDigit);
        assert_eq!(
            check("Qwer ty12").unwrap_err(),
            PasswordRuleError::Whitespace
        );
        assert_eq!(
            check("Qwerty12\t").unwrap_err(),
            PasswordRuleError::Whitespace
        );
        assert_eq!(check("Qwerty12é").unwrap_err(), PasswordRuleError::NonAscii);
        assert_eq!(check("Qwerty12€").unwrap_err(), PasswordRuleError::NonAscii);
    }

    #[test]
    fn cyrillic_is_reported_first_with_the_keyboard_hint() {
        // "Qwerty12" typed in the Russian layout is "Йцукен12".
        assert_eq!(check("Йцукен12").unwrap_err(), PasswordRuleError::Cyrillic);
        assert_eq!(check("Жж1").unwrap_err(), PasswordRuleError::Cyrillic);
        assert_eq!(check("Qwerty12Қ").unwrap_err(), PasswordRuleError::Cyrillic);
        assert_eq!(check("Qwerty12ә").unwrap_err(), PasswordRuleError::Cyrillic);
        assert!(
            PasswordRuleError::Cyrillic
                .to_string()
                .contains("English (Latin) layout")
        );
    }

    #[test]
    fn messages_are_one_line() {
        for e in [
            PasswordRuleError::TooShort,
            PasswordRuleError::TooLong,
            PasswordRuleError::NoUppercase,
            PasswordRuleError::NoLowercase,
            PasswordRuleError::NoDigit,
            PasswordRuleError::Cyrillic,
            PasswordRuleError::NonAscii,
            PasswordRuleError::Whitespace,
        ] {
            let m = e.to_string();
            assert!(!m.contains('\n') && m.contains("; "), "{m}");
        }
    }

    #[test]
    fn never_printed() {
        let p = Password::from("Secr3tPassword");
        assert_eq!(format!("{p}"), "[redacted]");
        assert!(!format!("{p:?}").contains("Secr3t"));
        let n = NewPassword::try_from(p).unwrap();
        assert!(!format!("{n:?}").contains("Secr3t"));
        assert_eq!(format!("{n}"), "[redacted]");
    }
}
