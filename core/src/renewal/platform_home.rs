//! The platform keystore as the home of the new keys.
//!
//! The current keys are where the citizen has them: NCA key files on the
//! first renewal from a phone (opened with their password, as
//! [`FileHome`] does), keys in this keystore on later ones. The new keys are
//! always generated in the keystore, with the session's login challenge in
//! their attestation, and never leave it; the issued certificate is bound
//! to them there.
//!
//! Locations: a key file's path, or the keystore alias of a key
//! (`qoltanba-sign-…`, stored as `keystore:qoltanba-sign-…`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::RenewalError;
use super::key_home::{FileHome, HomeRecord, KeyHome};
use super::ui::RenewalUi;
use crate::keystore::{ALIAS_PREFIX, KeyRequest, PlatformError, PlatformKeystore};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer};
use qoltanba_pki::reissue::StorageKind;

/// New keys in a platform keystore; current keys in key files or in it.
pub struct PlatformHome {
    keystore: Arc<dyn PlatformKeystore>,
    /// The current keys that are key files.
    files: FileHome,
    /// Where the keystore is, when it is a directory (the desktop's).
    dir: Option<PathBuf>,
}

impl PlatformHome {
    pub fn new(keystore: Arc<dyn PlatformKeystore>) -> Self {
        Self {
            keystore,
            // Opens current key files only; it never creates one.
            files: FileHome::new(PathBuf::new()),
            dir: None,
        }
    }

    /// The keystore is the one in `dir` (the desktop's software keystore):
    /// remembered with the renewal, so a resume opens it there again.
    pub fn in_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }
}

/// Whether `location` names a key in the keystore (not a key file).
pub(super) fn is_keystore_location(location: &Path) -> bool {
    alias(location).is_some()
}

/// The alias a location names, when it is a keystore key.
fn alias(location: &Path) -> Option<&str> {
    let text = location.to_str()?;
    let text = text.strip_prefix("keystore:").unwrap_or(text);
    (text.starts_with(ALIAS_PREFIX) && !text.contains('/')).then_some(text)
}

fn keystore_error(e: PlatformError) -> RenewalError {
    match e {
        PlatformError::UserNotAuthenticated => RenewalError::UserNotAuthenticated,
        e => RenewalError::Key(e.to_string()),
    }
}

impl KeyHome for PlatformHome {
    fn storage(&self) -> StorageKind {
        StorageKind::PlatformKeystore
    }

    fn record(&self) -> HomeRecord {
        HomeRecord::Keystore {
            dir: self.dir.clone(),
        }
    }

    fn open_current(
        &mut self,
        location: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError> {
        let Some(alias) = alias(location) else {
            return self.files.open_current(location, ui);
        };
        let key = self.keystore.key(alias).map_err(keystore_error)?;
        let der = key
            .certificate
            .ok_or_else(|| RenewalError::NoCertificate(location.to_path_buf()))?;
        let cert = KzCertificate::from_der(&der)
            .map_err(|e| RenewalError::Key(format!("the certificate of {alias}: {e}")))?;
        let signer = self.keystore.signer(alias).map_err(keystore_error)?;
        Ok((signer, cert))
    }

    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        self.create_attested(spec, purpose, &[], ui)
    }

    fn create_attested(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        challenge: &[u8],
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        if !self.keystore.supports(spec) {
            return Err(RenewalError::Key(format!(
                "this device's keystore cannot hold {} keys; renew into key files instead",
                spec.name()
            )));
        }
        let key = self
            .keystore
            .generate(&KeyRequest {
                spec,
                purpose,
                attestation_challenge: (!challenge.is_empty()).then_some(challenge),
                user_authentication: true,
            })
            .map_err(keystore_error)?;
        ui.progress(
            &qoltanba_l10n::Text::new("status-keystore-key-generated")
                .arg("level", key.level.name()),
        );
        Ok(PathBuf::from(key.alias))
    }

    fn open_new(
        &mut self,
        location: &Path,
        _ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError> {
        let alias = alias(location).ok_or_else(|| not_ours(location))?;
        self.keystore.signer(alias).map_err(keystore_error)
    }

    fn install(
        &mut self,
        location: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        _ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        let alias = alias(location).ok_or_else(|| not_ours(location))?;
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.der().to_vec()).collect();
        self.keystore
            .bind_certificate(alias, cert.der(), &chain)
            .map_err(keystore_error)
    }

    fn attestation(&mut self, location: &Path) -> Result<Vec<Vec<u8>>, RenewalError> {
        let alias = alias(location).ok_or_else(|| not_ours(location))?;
        Ok(self
            .keystore
            .key(alias)
            .map_err(keystore_error)?
            .attestation)
    }

    fn location_name(&self, location: &Path) -> String {
        match alias(location) {
            Some(alias) => format!("keystore:{alias}"),
            None => format!("file:{}", location.display()),
        }
    }
}

fn not_ours(location: &Path) -> RenewalError {
    RenewalError::Key(format!(
        "{} is not a key in the device's keystore",
        location.display()
    ))
}
