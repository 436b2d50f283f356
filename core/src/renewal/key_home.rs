//! Where keys live, as the flow needs it: the [`KeyHome`] trait and its
//! home for NCA key files, [`FileHome`]. (The platform keystore and the ID
//! card are `platform_home` and `card_home`.)

use std::path::{Path, PathBuf};

use super::error::RenewalError;
use super::ui::RenewalUi;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileKind, NewPassword, Profile, file_name, key_id, replace, save_new,
};
use qoltanba_pki::reissue::StorageKind;

/// Where keys live, as the flow needs it: the current keys (opened to log in
/// and sign), and the new ones (made and persisted before the application
/// is signed, later given their certificates). NCA key files are
/// [`FileHome`]; the platform keystore and the ID card implement the same
/// trait. A location is what the home uses to find a key again after a
/// restart (a path for key files, an alias or key reference elsewhere).
pub trait KeyHome: Send {
    /// How the application names this home.
    fn storage(&self) -> StorageKind;
    /// A current key and its certificate.
    fn open_current(
        &mut self,
        location: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError>;
    /// Make and persist a new key; its location.
    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError>;
    /// A new key made by [`KeyHome::create`], possibly in an earlier run.
    fn open_new(
        &mut self,
        location: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError>;
    /// Bind the issued certificate and its chain to the new key. The flow has
    /// already checked that they belong to it and chain to the RA's root.
    fn install(
        &mut self,
        location: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError>;
    /// Bind every issued certificate to its new key, as one step where the
    /// home can (the ID card makes all its new keys current with one
    /// command, so a lost card never leaves a mix of old and new keys).
    /// The default installs them one by one with [`KeyHome::install`].
    fn install_all(
        &mut self,
        keys: &[CertifiedKey],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        for key in keys {
            self.install(&key.location, &key.certificate, &key.chain, ui)?;
        }
        Ok(())
    }
    /// [`KeyHome::create`] with the challenge a platform binds into the new
    /// key's attestation (the login challenge of the session); homes
    /// without attestation ignore it.
    fn create_attested(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        _challenge: &[u8],
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        self.create(spec, purpose, ui)
    }
    /// The platform's attestation chain for a new key (leaf first), carried
    /// in the application; empty where there is none.
    fn attestation(&mut self, _location: &Path) -> Result<Vec<Vec<u8>>, RenewalError> {
        Ok(Vec::new())
    }
    /// How the device store records a key's location (`file:/path`,
    /// `card:slot-83-auth`, `keystore:qoltanba-sign-…`).
    fn location_name(&self, location: &Path) -> String {
        format!("{}:{}", scheme(self.storage()), location.display())
    }
}

/// A new key with its issued certificate, checked by the flow, ready for
/// [`KeyHome::install_all`].
#[derive(Clone, Debug)]
pub struct CertifiedKey {
    /// Where the key lives ([`KeyHome::create`]'s location).
    pub location: PathBuf,
    pub certificate: KzCertificate,
    /// The issuing CA and the root.
    pub chain: Vec<KzCertificate>,
}

/// The scheme of a stored location name for keys in `storage`.
fn scheme(storage: StorageKind) -> &'static str {
    match storage {
        StorageKind::File => "file",
        StorageKind::PlatformKeystore => "keystore",
        StorageKind::IdCard => "card",
        StorageKind::Token => "token",
    }
}

/// A stored location name ([`KeyHome::location_name`]) read back: where the
/// key lives and the home's own location; `None` for an unknown scheme.
pub fn parse_location_name(name: &str) -> Option<(StorageKind, PathBuf)> {
    let (prefix, rest) = name.split_once(':')?;
    [
        StorageKind::File,
        StorageKind::PlatformKeystore,
        StorageKind::IdCard,
        StorageKind::Token,
    ]
    .into_iter()
    .find(|s| scheme(*s) == prefix)
    .map(|s| (s, PathBuf::from(rest)))
}

/// NCA key files: current keys are read from their files; new keys go into
/// new files (NCA profile, named as NCA names them) in `new_keys_dir`,
/// encrypted under the new password, and get their certificates later.
pub struct FileHome {
    new_keys_dir: PathBuf,
    new_password: Option<NewPassword>,
}

impl FileHome {
    pub fn new(new_keys_dir: impl Into<PathBuf>) -> Self {
        Self {
            new_keys_dir: new_keys_dir.into(),
            new_password: None,
        }
    }

    fn new_password(&mut self, ui: &mut dyn RenewalUi) -> Result<NewPassword, RenewalError> {
        if let Some(p) = &self.new_password {
            return Ok(p.clone());
        }
        let p = ui.new_password().ok_or(RenewalError::NoPassword)?;
        self.new_password = Some(p.clone());
        Ok(p)
    }
}

impl KeyHome for FileHome {
    fn storage(&self) -> StorageKind {
        StorageKind::File
    }

    fn open_current(
        &mut self,
        path: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<(Box<dyn Signer>, KzCertificate), RenewalError> {
        let password = ui.current_password(path).ok_or(RenewalError::NoPassword)?;
        let file =
            KeyFile::open(path, &password).map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        let cert_der = file
            .certificate_der()
            .ok_or_else(|| RenewalError::NoCertificate(path.into()))?;
        let cert = KzCertificate::from_der(cert_der)
            .map_err(|e| RenewalError::Key(format!("{}: {e}", path.display())))?;
        let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
            .map_err(|e| RenewalError::Key(format!("{}: {e}", path.display())))?;
        Ok((Box::new(key), cert))
    }

    fn create(
        &mut self,
        spec: KeySpec,
        purpose: Purpose,
        ui: &mut dyn RenewalUi,
    ) -> Result<PathBuf, RenewalError> {
        let password = self.new_password(ui)?;
        let dir = self.new_keys_dir.clone();
        std::fs::create_dir_all(&dir)
            .map_err(|e| RenewalError::Key(format!("{}: {e}", dir.display())))?;
        let key = generate(spec).map_err(|e| RenewalError::Key(e.to_string()))?;
        let id = key_id(key.public_key());
        let kind = KeyFileKind::for_key(&key.key_algorithm(), purpose)
            .ok_or_else(|| RenewalError::Key("no key file kind".into()))?;
        let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
            .to_bytes(Profile::Nca, &password)
            .map_err(|e| RenewalError::KeyFile(dir.clone(), e))?;
        save_new(&dir, &file_name(kind, &id), &bytes)
            .map_err(|e| RenewalError::KeyFile(dir.clone(), e))
    }

    fn open_new(
        &mut self,
        path: &Path,
        ui: &mut dyn RenewalUi,
    ) -> Result<Box<dyn Signer>, RenewalError> {
        let password = self.new_password(ui)?;
        let file = KeyFile::open(path, password.as_password())
            .map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8())
            .map_err(|e| RenewalError::Key(e.to_string()))?;
        Ok(Box::new(key))
    }

    fn install(
        &mut self,
        path: &Path,
        cert: &KzCertificate,
        chain: &[KzCertificate],
        ui: &mut dyn RenewalUi,
    ) -> Result<(), RenewalError> {
        let password = self.new_password(ui)?;
        let mut file = KeyFile::open(path, password.as_password())
            .map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        file.set_certificate(cert.der().to_vec());
        file.set_chain(chain.iter().map(|c| c.der().to_vec()).collect());
        let bytes = file
            .to_bytes(file.profile(), &password)
            .map_err(|e| RenewalError::KeyFile(path.into(), e))?;
        replace(path, &bytes).map_err(|e| RenewalError::KeyFile(path.into(), e))
    }
}
