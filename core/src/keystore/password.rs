//! Key-file passwords, and NCA's rule for new ones.

use zeroize::Zeroizing;

/// A password that opens a key file. Zeroized on drop; never printed.
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

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A password that passed NCA's rule, so it may protect a new key file. The
/// only way to make one is [`NewPassword::new`], so an unchecked password can
/// never reach a writer.
#[derive(Clone, Debug)]
pub struct NewPassword(Password);

/// Which part of the password rule a new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("the new password is shorter than 6 characters; choose a longer one")]
    TooShort,
    #[error("the new password is longer than 32 characters; choose a shorter one")]
    TooLong,
    #[error("the new password has no Latin upper-case letter (A-Z); add one")]
    NoUppercase,
    #[error("the new password has no Latin lower-case letter (a-z); add one")]
    NoLowercase,
    #[error("the new password has no digit (0-9); add one")]
    NoDigit,
    #[error(
        "the new password has non-Latin letters (e.g. Cyrillic); use Latin letters, digits and ASCII symbols only"
    )]
    NonLatin,
    #[error(
        "the new password has spaces or control characters; use letters, digits and symbols only"
    )]
    Whitespace,
}

impl NewPassword {
    /// Check NCA's rule (NCALayer: `^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9]).{6,32}$`)
    /// and the character set. NCALayer's classes are Latin-only, and a key
    /// file must open from any keyboard, so non-ASCII characters are refused.
    pub fn new(password: Password) -> Result<Self, PasswordRuleError> {
        let text = password.expose_secret();
        let len = text.chars().count();
        if len < 6 {
            return Err(PasswordRuleError::TooShort);
        }
        if len > 32 {
            return Err(PasswordRuleError::TooLong);
        }
        if !text.is_ascii() {
            return Err(PasswordRuleError::NonLatin);
        }
        if text
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err(PasswordRuleError::Whitespace);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Result<NewPassword, PasswordRuleError> {
        NewPassword::new(Password::new(p))
    }

    #[test]
    fn each_rule_is_named() {
        assert!(check("Qwerty12").is_ok());
        assert_eq!(check("Qw1").unwrap_err(), PasswordRuleError::TooShort);
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
        assert_eq!(check("Qwerty12Ж").unwrap_err(), PasswordRuleError::NonLatin);
        assert_eq!(
            check("Qwer ty12").unwrap_err(),
            PasswordRuleError::Whitespace
        );
        // Six characters counted as characters, not bytes.
        assert_eq!(check("Жжжж1").unwrap_err(), PasswordRuleError::TooShort);
        assert_eq!(check("Жжжжж1").unwrap_err(), PasswordRuleError::NonLatin);
    }

    #[test]
    fn never_printed() {
        let p = Password::new("Secr3tPassword");
        assert!(!format!("{p:?}").contains("Secr3t"));
        let n = NewPassword::new(p).unwrap();
        assert!(!format!("{n:?}").contains("Secr3t"));
    }
}
