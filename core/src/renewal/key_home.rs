//! Where keys live, as the flow needs it: the [`KeyHome`] trait, what a
//! renewal remembers of its home ([`HomeRecord`]), and the home for NCA key
//! files, [`FileHome`]. (The platform keystore and the ID card are
//! `platform_home` and `card_home`.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::RenewalError;
use super::ui::RenewalUi;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileKind, NewPassword, Profile, file_name, key_id, replace, save_new,
};
use qoltanba_pki::reissue::StorageKind;

/// Where a renewal's keys live, remembered with the renewal (never a
/// secret): a resume finds the same home again and asks only for the
/// secrets it needs ([`HomeRecord::secrets`]), named, instead of being told
/// again where the keys are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HomeRecord {
    /// NCA key files; the new ones go to the request's `new_keys_dir`.
    KeyFiles,
    /// The platform keystore; `dir` for the desktop's software keystore.
    Keystore { dir: Option<PathBuf> },
    /// The ID card.
    IdCard {
        /// Its profile's name (docs/card-profile.md), e.g. `qoltanba-ref-1`.
        profile: String,
        /// Whether opening it needs the CAN (PACE).
        needs_can: bool,
        /// How the desktop reached it; `None` on a phone (NFC).
        reader: Option<CardReader>,
    },
    /// A USB token through its vendor's PKCS#11 module.
    Token {
        module: Option<PathBuf>,
        label: Option<String>,
    },
}

/// How the desktop reaches an ID card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardReader {
    /// A PC/SC reader, by its name.
    Pcsc(String),
    /// A simulator card's state file (`qoltanba-card-sim`).
    Simulator(PathBuf),
}

/// A secret a resumed renewal needs given again (secrets are never stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ResumeSecret {
    /// The password of the current key files.
    KeyFilePassword,
    /// The password of the new key files.
    NewKeyFilePassword,
    /// The CAN printed on the ID card (PACE).
    Can,
    /// The ID card's PIN.
    CardPin,
    /// The USB token's PIN.
    TokenPin,
}

impl HomeRecord {
    /// The storage this home is.
    pub fn storage(&self) -> StorageKind {
        match self {
            Self::KeyFiles => StorageKind::File,
            Self::Keystore { .. } => StorageKind::PlatformKeystore,
            Self::IdCard { .. } => StorageKind::IdCard,
            Self::Token { .. } => StorageKind::Token,
        }
    }

    /// What a resume needs given again for this home, in the order a
    /// shell asks for it. `current_in_files`: the current keys are key
    /// files (a keystore renewal's first from this device).
    pub fn secrets(&self, current_in_files: bool) -> Vec<ResumeSecret> {
        match self {
            Self::KeyFiles => vec![
                ResumeSecret::KeyFilePassword,
                ResumeSecret::NewKeyFilePassword,
            ],
            Self::Keystore { .. } if current_in_files => vec![ResumeSecret::KeyFilePassword],
            Self::Keystore { .. } => Vec::new(),
            Self::IdCard {
                needs_can: true, ..
            } => vec![ResumeSecret::Can, ResumeSecret::CardPin],
            Self::IdCard { .. } => vec![ResumeSecret::CardPin],
            Self::Token { .. } => vec![ResumeSecret::TokenPin],
        }
    }

    /// The record of a home of `storage` about which nothing more is known.
    pub fn of_storage(storage: StorageKind) -> Self {
        match storage {
            StorageKind::File => Self::KeyFiles,
            StorageKind::PlatformKeystore => Self::Keystore { dir: None },
            StorageKind::IdCard => Self::IdCard {
                profile: String::new(),
                needs_can: true,
                reader: None,
            },
            StorageKind::Token => Self::Token {
                module: None,
                label: None,
            },
        }
    }
}

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
    /// What a renewal remembers of this home ([`HomeRecord`]); homes that
    /// know more (the card's profile and reader, the token's module) say it.
    fn record(&self) -> HomeRecord {
        HomeRecord::of_storage(self.storage())
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
