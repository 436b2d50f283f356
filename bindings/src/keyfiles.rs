//! NCA key files: what one holds, and changing its password.

use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password, change_password};
use std::sync::Arc;
use time::OffsetDateTime;

use crate::error::{QoltanbaError, guard};
use crate::keys::CertificateInfo;
use crate::live::Live;

/// NCA key files (PKCS#12). Stateless; one instance serves the whole app.
#[derive(Debug, Default, uniffi::Object)]
pub struct KeyFiles {
    _live: Live,
}

#[uniffi::export]
impl KeyFiles {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The certificate in the key file at `path`, opened with `password`.
    /// Slow on purpose (the file's key derivation): call it off the main thread.
    pub fn show(&self, path: String, password: String) -> Result<CertificateInfo, QoltanbaError> {
        let password = Password::from(password);
        guard(|| {
            let file = KeyFile::open(&path, &password)?;
            let cert = KzCertificate::from_der(file.require_certificate()?).map_err(|e| {
                QoltanbaError::KeyFile {
                    detail: format!("{path}: {e}"),
                }
            })?;
            Ok(CertificateInfo::of(&cert, OffsetDateTime::now_utc()))
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
