//! What can go wrong with a key file.

use std::path::PathBuf;

use super::PasswordRuleError;

/// Every error a key-file operation returns: one line, what is wrong and what
/// to do. None carries a password or key bytes.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The bytes are no PKCS#12 PFX at all (empty, truncated, another format).
    #[error(
        "not a PKCS#12 key file (empty, truncated or another format); choose the .p12 file NCA issued"
    )]
    NotPkcs12,
    #[error(
        "wrong password for the key file, or the file was altered; check the password (capital letters and keyboard layout matter) and try again"
    )]
    /// The MAC does not match: a wrong password and an altered file look the
    /// same to a MAC, so one error covers both.
    WrongPassword,
    #[error(
        "the key file has no integrity check (MAC), so it cannot be trusted; export it again with a MAC"
    )]
    /// A file without MAC could be altered undetectably; qoltanba refuses it.
    NoMac,
    #[error("the key file is damaged; use a backup copy or revoke the key and re-issue it")]
    /// The MAC held but the contents do not decode or decrypt.
    Malformed,
    #[error("the key file holds no private key; choose the file with your key, not a certificate")]
    NoPrivateKey,
    #[error(
        "the key file holds no certificate yet (a new key waiting for its certificate); install the issued certificate first"
    )]
    /// From [`KeyFile::require_certificate`](super::KeyFile::require_certificate).
    NoCertificate,
    #[error(
        "the key file uses an unsupported algorithm ({0}); export it again with NCA's algorithms or OpenSSL's default (AES-256)"
    )]
    /// Named by OID (and name where known); never a secret.
    UnsupportedAlgorithm(String),
    #[error(transparent)]
    WeakPassword(#[from] PasswordRuleError),
    #[error("{} already exists; a key file is never overwritten, choose another folder", .0.display())]
    AlreadyExists(PathBuf),
    #[error("cannot access {} ({source}); check the path and the folder's permissions", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// ENOSPC or EDQUOT while writing: said as such, not as an access
    /// problem (nothing is left behind: see `save_new`).
    #[error("cannot write {}: the disk is full; free some space or choose another folder", .0.display())]
    DiskFull(PathBuf),
    #[error("the system random number generator failed; try again")]
    Random,
}

impl KeyFileError {
    /// A failed file operation on `path`; a full disk is [`Self::DiskFull`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        if qoltanba_l10n::stdout::is_disk_full(&source) {
            return Self::DiskFull(path.into());
        }
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

impl qoltanba_l10n::Localize for KeyFileError {
    /// One message per variant (`error-key-file-…`); a weak password says
    /// which rule it breaks. The facts are the path and the algorithm's
    /// name, never a password.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::NotPkcs12 => Text::new("error-key-file-not-pkcs12"),
            Self::WrongPassword => Text::new("error-key-file-wrong-password"),
            Self::NoMac => Text::new("error-key-file-no-mac"),
            Self::Malformed => Text::new("error-key-file-malformed"),
            Self::NoPrivateKey => Text::new("error-key-file-no-private-key"),
            Self::NoCertificate => Text::new("error-key-file-no-certificate"),
            Self::UnsupportedAlgorithm(algorithm) => {
                Text::new("error-key-file-unsupported-algorithm").arg("algorithm", algorithm)
            }
            Self::WeakPassword(rule) => rule.text(),
            Self::AlreadyExists(path) => {
                Text::new("error-key-file-already-exists").arg("path", path.display().to_string())
            }
            Self::Io { path, source } => Text::new("error-key-file-io")
                .arg("path", path.display().to_string())
                .arg("reason", source.to_string()),
            Self::DiskFull(path) => {
                Text::new("error-disk-full").arg("path", path.display().to_string())
            }
            Self::Random => Text::new("error-random-failed"),
        }
    }
}
