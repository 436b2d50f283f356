//! The token as the renewal's key home ([`TokenHome`]): the current keys
//! are on it, the new keys are generated on it and never leave it, the
//! issued certificates are stored on it next to them.
//!
//! Locations are `SERIAL/ID-HEX` (the token's serial number and the key's
//! CKA_ID); the device store records them as `token:SERIAL/ID-HEX`. A
//! resumed renewal builds a new [`TokenHome`] on the same token (after the
//! PIN) and hands it to `Renewal::resume_with_home`.

use std::path::{Path, PathBuf};

use qoltanba_core::renewal::{HomeRecord, KeyHome, RenewalError, RenewalUi};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer};
use qoltanba_pki::reissue::StorageKind;
use time::OffsetDateTime;

use crate::error::TokenError;
use crate::session::TokenSession;

/// Keys on one token, reached through a logged-in session.
#[derive(Debug, Clone)]
pub struct TokenHome {
    session: TokenSession,
}

fn renewal_error(e: TokenError) -> RenewalError {
    RenewalError::Key(e.to_string())
}

impl TokenHome {
    pub fn new(session: TokenSession) -> Self {
        Self { session }
    }

    pub fn session(&self) -> &TokenSession {
        &self.session
    }

    fn serial(&self) -> &str {
        &self.session.token().info().serial
    }

    /// The location of key `id` on this token.
    pub fn location(&self, id: &[u8]) -> PathBuf {
        PathBuf::from(format!("{}/{}", self.serial(), hex::encode(id)))
    }

    /// The key id a location names, checked to be on this token.
    pub fn key_id(&self, location: &Path) -> Result<Vec<u8>, TokenError> {
        let bad = || TokenError::BadLocation(location.display().to_string());
        let text = location.to_str().ok_or_else(bad)?;
        let text = text.strip_prefix("token:").unwrap_or(text);
        let (serial, id) = text.rsplit_once('/').ok_or_else(bad)?;
        if serial != self.serial() {
            return Err(TokenError::WrongToken {
                wanted: serial.to_string(),
                present: self.serial().to_string(),
            });
        }
        hex::decode(id).map_err(|_| bad())
    }

    /// The current keys: for AUTH and for SIGN (or one key for both), the
    /// key whose certificate is the newest of those valid at `now`.
    pub fn current_locations(&self, now: OffsetDateTime) -> Result<Vec<PathBuf>, TokenError> {
        let contents = self.session.contents()?;
        let valid: Vec<_> = contents
            .keys
            .iter()
            .filter_map(|k| k.certificate.as_ref().map(|c| (k, c)))
            .filter(|(_, c)| c.not_before() <= now && now <= c.not_after())
            .collect();
        let newest = |wanted: fn(Purpose) -> bool| {
            valid
                .iter()
                .filter(|(_, c)| wanted(c.purpose()))
                .max_by_key(|(_, c)| c.not_before())
                .map(|(k, _)| self.location(&k.id))
        };
        let mut out = Vec::new();
        for location in [newest(Purpose::can_auth), newest(Purpose::can_sign)]
            .into_iter()
            .flatten()
        {
            if !out.contains(&location) {
                out.push(location);
            }
        }
        if out.is_empty() {
            return Err(TokenError::NoCertificate {
                id: "of any key valid now".into(),
            });
        }
        Ok(out)
    }
}

impl KeyHome for TokenHome {
    fn storage(&self) -> StorageKind {
        StorageKind::Token
    }

    /// The module and the token's label: a resume logs in there again.
    fn record(&self) -> HomeRecord {
        let token = self.session.token();
        HomeRecord::Token {
            module: Some(token.module().path().to_path_buf()),
            label: Some(token.info().label.clone()),
        }
    }

    fn open_current(
        &mut self,
        location: &Path,
        _ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError> {
        let id = self.key_id(location).map_err(renewal_error)?;
        let (key, cert) = self
            .session
            .key_with_certificate(&id)
            .map_err(renewal_error)?;
        Ok((Box::new(key), cert))
    }

    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        let key = self
            .session
            .generate(spec, purpose)
            .map_err(renewal_error)?;
        ui.progress(
            &qoltanba_l10n::Text::new("status-token-key-generated")
                .arg("purpose", purpose.name())
                .arg("id", key.entry().id_hex()),
        );
        Ok(self.location(key.id()))
    }

    fn open_new(
        &mut self,
        location: &Path,
        _ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError> {
        let id = self.key_id(location).map_err(renewal_error)?;
        let key = self.session.key(&id).map_err(renewal_error)?;
        Ok(Box::new(key))
    }

    fn install(
        &mut self,
        location: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        let id = self.key_id(location).map_err(renewal_error)?;
        self.session
            .store_certificate(&id, cert, chain)
            .map_err(renewal_error)?;
        ui.progress(
            &qoltanba_l10n::Text::new("status-token-certificate-stored")
                .arg("serial", cert.serial_hex()),
        );
        Ok(())
    }
}
