//! NCA key files: what one holds, and changing its password.

use std::sync::Arc;
use std::time::SystemTime;

use qoltanba_core::cert::{KzCertificate, Purpose};
use qoltanba_core::keystore::{KeyFile, NewPassword, Password, change_password};
use time::OffsetDateTime;

use crate::error::{QoltanbaError, guard};

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KeyPurpose {
    /// Login (AUTH).
    Auth,
    /// Signing documents (SIGN).
    Sign,
    /// Both (NCA's GOST 2015 keys).
    Both,
    /// Neither (not a citizen's key).
    Neither,
}

impl From<Purpose> for KeyPurpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Auth => Self::Auth,
            Purpose::Sign => Self::Sign,
            Purpose::Both => Self::Both,
            Purpose::Neither => Self::Neither,
        }
    }
}

/// The certificate in a key file, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KeyFileInfo {
    /// The holder's full name.
    pub holder: Option<String>,
    pub iin: Option<String>,
    /// Whether the IIN passes its control digit and date checks.
    pub iin_valid: bool,
    pub purpose: KeyPurpose,
    /// e.g. `GOST R 34.10-2015 (512)`, `RSA 2048`.
    pub algorithm: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i64,
    pub serial: String,
    pub issuer: String,
}

impl KeyFileInfo {
    pub(crate) fn of(cert: &KzCertificate, at: OffsetDateTime) -> Self {
        let s = cert.summary(at);
        Self {
            holder: s.holder,
            iin: s.iin,
            iin_valid: s.iin_valid,
            purpose: s.purpose.into(),
            algorithm: s.key_algorithm,
            not_before: s.not_before.into(),
            not_after: s.not_after.into(),
            days_left: s.days_left,
            serial: s.serial,
            issuer: s.issuer,
        }
    }
}

/// NCA key files (PKCS#12). Stateless; one instance serves the whole app.
#[derive(Debug, Default, uniffi::Object)]
pub struct KeyFiles;

#[uniffi::export]
impl KeyFiles {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self)
    }

    /// The certificate in the key file at `path`, opened with `password`.
    /// Slow on purpose (the file's key derivation): call it off the main thread.
    pub fn show(&self, path: String, password: String) -> Result<KeyFileInfo, QoltanbaError> {
        let password = Password::from(password);
        guard(|| {
            let file = KeyFile::open(&path, &password)?;
            let cert = KzCertificate::from_der(file.require_certificate()?).map_err(|e| {
                QoltanbaError::KeyFile {
                    detail: format!("{path}: {e}"),
                }
            })?;
            Ok(KeyFileInfo::of(&cert, OffsetDateTime::now_utc()))
        })
    }

    /// Re-encrypt the key file at `path` under `new_password` (NCA's rule
    /// applies to it); the file is replaced atomically.
    pub fn change_password(
        &self,
        path: String,
        old_password: String,
        new_password: String,
    ) -> Result<(), QoltanbaError> {
        let old = Password::from(old_password);
        let new = Password::from(new_password);
        guard(|| {
            let new = NewPassword::new(new)?;
            change_password(&path, &old, &new)?;
            Ok(())
        })
    }
}
