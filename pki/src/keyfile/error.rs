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
    #[error("the system random number generator failed; try again")]
    Random,
}

impl KeyFileError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
