//! What the citizen types into the form (seed, figure 10), and its checks.
//!
//! The same checks run when an application is built and when one is
//! verified, so the RA never receives what the client would have refused.

use der::Enumerated;
use serde::{Deserialize, Serialize};

use super::ReissueError;

/// The longest locality accepted, in characters.
pub const MAX_LOCALITY_CHARS: usize = 100;

/// The longest e-mail address accepted, in bytes (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Where the citizen keeps the new keys (the cabinet's "key storage" choice).
///
/// The seed's rule: certificates on protected media (the ID card, tokens)
/// are valid 3 years, on a file system (key files, and the phone's keystore
/// by the same measure) 1 year; the RA decides per storage it can confirm
/// (docs/protocol.md, "Validity by storage").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Enumerated, Serialize, Deserialize)]
#[repr(u8)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum), uniffi(name = "KeyStorage"))]
pub enum StorageKind {
    /// An NCA key file (PKCS#12), 1-year certificates.
    File = 0,
    /// The phone's keystore (Android Keystore, Apple Keychain).
    PlatformKeystore = 1,
    /// The Kazakh ID card.
    IdCard = 2,
    /// A hardware token (Kaztoken, eToken, JaCarta, aKey).
    Token = 3,
}

impl StorageKind {
    pub const ALL: [Self; 4] = [
        Self::File,
        Self::PlatformKeystore,
        Self::IdCard,
        Self::Token,
    ];

    /// The token the wire and the RA's database use, as serde writes it.
    pub fn token(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::PlatformKeystore => "platform-keystore",
            Self::IdCard => "id-card",
            Self::Token => "token",
        }
    }

    /// The storage a [`token`](Self::token) names; `None` for anything else.
    pub fn from_token(token: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.token() == token)
    }

    /// A protected medium of key information (the seed's term): the key
    /// cannot be copied off it. The ID card and tokens are; a key file is
    /// not, and the phone's keystore counts with the files (1-year
    /// certificates) although it is hardware-backed.
    pub fn is_protected_medium(self) -> bool {
        matches!(self, Self::IdCard | Self::Token)
    }
}

impl qoltanba_l10n::Localize for StorageKind {
    /// `storage-…`: where the keys live, as the citizen reads it.
    fn text(&self) -> qoltanba_l10n::Text {
        qoltanba_l10n::Text::new(match self {
            Self::File => "storage-file",
            Self::PlatformKeystore => "storage-platform-keystore",
            Self::IdCard => "storage-id-card",
            Self::Token => "storage-token",
        })
    }
}

/// The citizen's entries: where NCA writes, where they live, where the new
/// keys will be kept.
#[derive(Clone, Debug)]
pub struct ApplicationDetails {
    pub email: String,
    pub locality: String,
    pub storage: StorageKind,
}

impl ApplicationDetails {
    /// Check the entries (surrounding spaces are ignored, as the form trims them).
    pub fn validate(&self) -> Result<(), ReissueError> {
        check_email(self.email.trim())?;
        check_locality(self.locality.trim())
    }
}

/// Whether `email` passes the same syntax check an application's e-mail
/// does (the RA uses it for the contact e-mail of the citizen's profile).
pub fn is_valid_email(email: &str) -> bool {
    check_email(email).is_ok()
}

/// A deliberately simple syntax check: one `@`, a non-empty local part, a
/// dotted domain, printable ASCII without spaces (the certificate's E is an
/// IA5String). Whether the mailbox exists is NCA's business.
pub(crate) fn check_email(email: &str) -> Result<(), ReissueError> {
    let printable = email.bytes().all(|b| b.is_ascii_graphic());
    let shaped = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        }
        None => false,
    };
    if email.len() <= MAX_EMAIL_LEN && printable && shaped {
        Ok(())
    } else {
        Err(ReissueError::BadEmail)
    }
}

/// One line of 1 to [`MAX_LOCALITY_CHARS`] characters, not only spaces.
pub(crate) fn check_locality(locality: &str) -> Result<(), ReissueError> {
    let chars = locality.chars().count();
    if locality.trim().is_empty()
        || chars > MAX_LOCALITY_CHARS
        || locality.chars().any(char::is_control)
    {
        Err(ReissueError::BadLocality)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_tokens_are_what_serde_writes() {
        for storage in StorageKind::ALL {
            assert_eq!(
                serde_json::to_value(storage).unwrap_or_default(),
                storage.token()
            );
            assert_eq!(StorageKind::from_token(storage.token()), Some(storage));
        }
        assert_eq!(StorageKind::from_token("IdCard"), None);
        assert!(StorageKind::IdCard.is_protected_medium());
        assert!(!StorageKind::PlatformKeystore.is_protected_medium());
    }

    #[test]
    fn emails() {
        for good in ["testov@example.kz", "a.b+c@mail.pki.gov.kz", "x@y.z"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "no-at-sign",
            "a@b",
            "two@@example.kz",
            "a@b@example.kz",
            "space @example.kz",
            "@example.kz",
            "a@.example.kz",
            "a@example.kz.",
            "a@example..kz",
            "тест@example.kz",
            "a@example.kz\n",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@example.kz", "a".repeat(MAX_EMAIL_LEN));
        assert!(check_email(&long).is_err());
    }

    #[test]
    fn localities() {
        assert!(check_locality("Астана").is_ok());
        assert!(check_locality("с. Қосшы, Ақмола облысы").is_ok());
        assert!(check_locality(&"қ".repeat(MAX_LOCALITY_CHARS)).is_ok());
        for bad in ["", "   ", "Астана\nАлматы", "\u{7}"] {
            assert!(check_locality(bad).is_err(), "{bad:?}");
        }
        assert!(check_locality(&"x".repeat(MAX_LOCALITY_CHARS + 1)).is_err());
    }
}
