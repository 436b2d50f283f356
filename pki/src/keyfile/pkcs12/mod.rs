//! NCA key files: PKCS#12 read as NCALayer writes it, and written in two
//! profiles.
//!
//! - [`Profile::Nca`]: what NCA issues and NCALayer reads: the key bag
//!   under pbeWithSHAAnd3-KeyTripleDES-CBC, certificates under
//!   pbeWithSHAAnd40BitRC2-CBC, HMAC-SHA1 MAC, 1024 iterations each. Weak,
//!   kept only so the files open in NCALayer and `openssl pkcs12 -legacy`.
//! - [`Profile::Modern`]: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key
//!   and the certificates (an NCA certificate names the citizen and their IIN,
//!   which gives away the birth date), HMAC-SHA256 MAC, with the cost in
//!   [`MODERN_ITERATIONS`] (docs/key-files.md explains the figure).
//!
//! Reading checks the MAC before decrypting anything. A file may hold a key
//! without a certificate: that is a new key waiting for its certificate.
//!
//! Modules: [`asn1`] the RFC 7292 structures, `kdf` the PKCS#12 KDF and
//! PBKDF2, `pbe` bag encryption, `mac` the integrity MAC, `read` and `write`.

pub(crate) mod asn1;
mod kdf;
mod mac;
mod pbe;
mod read;
mod write;

use std::path::Path;

use zeroize::Zeroizing;

use super::{KeyFileError, NewPassword, Password};

/// NCA's iteration count for the MAC and both encryptions.
pub const NCA_ITERATIONS: u32 = 1024;
/// The PBKDF2-HMAC-SHA256 iteration count of the modern profile (OWASP's
/// 2023 figure; measured cost in docs/key-files.md).
pub const MODERN_ITERATIONS: u32 = 600_000;
/// The MAC's PKCS#12-KDF iteration count in the modern profile. One KDF round
/// hashes one block where a PBKDF2-HMAC round hashes two, so twice the count
/// makes a password guess against the MAC cost what one against the key does.
pub const MODERN_MAC_ITERATIONS: u32 = 2 * MODERN_ITERATIONS;

/// How a key file is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// NCA's legacy algorithms (3DES, RC2-40, SHA-1; 1024 iterations).
    Nca,
    /// PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256.
    Modern,
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "nca" => Ok(Self::Nca),
            "modern" => Ok(Self::Modern),
            other => Err(format!(
                "unknown key-file profile '{other}'; use nca or modern"
            )),
        }
    }
}

/// How an opened file is protected, in the words of `openssl pkcs12 -info`
/// (so a citizen's report and OpenSSL's output can be compared line by line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Protection {
    /// The integrity MAC, e.g. `sha1, Iteration 1024`.
    pub mac: String,
    /// The key's encryption, e.g. `pbeWithSHA1And3-KeyTripleDES-CBC, Iteration
    /// 1024`; `None` if the key is stored unencrypted.
    pub key: Option<String>,
    /// The certificates' encryption, e.g. `pbeWithSHA1And40BitRC2-CBC,
    /// Iteration 1024`; `None` if they are stored unencrypted or absent.
    pub certificates: Option<String>,
}

/// The contents of a key file: one private key, its certificate (if issued
/// yet) and any further certificates.
pub struct KeyFile {
    private_key: Zeroizing<Vec<u8>>,
    certificate: Option<Vec<u8>>,
    chain: Vec<Vec<u8>>,
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
    profile: Profile,
    protection: Option<Protection>,
}

impl KeyFile {
    /// A key file for an unencrypted PKCS#8 private key and, if issued, its
    /// certificate (DER). `key_id` becomes localKeyId, and its lower-case hex
    /// the friendlyName, as NCA does.
    pub fn new(private_key_pkcs8: &[u8], certificate: Option<Vec<u8>>, key_id: &[u8]) -> Self {
        Self {
            private_key: Zeroizing::new(private_key_pkcs8.to_vec()),
            certificate,
            chain: Vec::new(),
            friendly_name: Some(hex::encode(key_id)),
            local_key_id: Some(key_id.to_vec()),
            profile: Profile::Nca,
            protection: None,
        }
    }

    /// Read a key file from its bytes.
    pub fn from_bytes(bytes: &[u8], password: &Password) -> Result<Self, KeyFileError> {
        read::read(bytes, password.expose_secret())
    }

    /// Read a key file from disk.
    pub fn open(path: impl AsRef<Path>, password: &Password) -> Result<Self, KeyFileError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| KeyFileError::io(path, e))?;
        Self::from_bytes(&bytes, password)
    }

    /// Encode in `profile` under a password that passed NCA's rule.
    pub fn to_bytes(
        &self,
        profile: Profile,
        password: &NewPassword,
    ) -> Result<Vec<u8>, KeyFileError> {
        write::write(self, profile, password.as_password().expose_secret())
    }

    /// The private key, PKCS#8 DER.
    pub fn private_key_pkcs8(&self) -> &Zeroizing<Vec<u8>> {
        &self.private_key
    }
    /// The certificate of the key, if the file has one.
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate.as_deref()
    }
    /// The certificate of the key, or [`KeyFileError::NoCertificate`].
    pub fn require_certificate(&self) -> Result<&[u8], KeyFileError> {
        self.certificate_der().ok_or(KeyFileError::NoCertificate)
    }
    /// Install the issued certificate of the key (replacing any other).
    pub fn set_certificate(&mut self, certificate_der: Vec<u8>) {
        self.certificate = Some(certificate_der);
    }
    /// Other certificates in the file (CA certificates).
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }
    pub fn set_chain(&mut self, chain: Vec<Vec<u8>>) {
        self.chain = chain;
    }
    /// The key's label (NCA: the key id in lower-case hex).
    pub fn friendly_name(&self) -> Option<&str> {
        self.friendly_name.as_deref()
    }
    /// Change the key's label; `None` writes none.
    pub fn set_friendly_name(&mut self, name: Option<String>) {
        self.friendly_name = name;
    }
    /// The id pairing the key with its certificate (NCA: the key's SKI).
    pub fn local_key_id(&self) -> Option<&[u8]> {
        self.local_key_id.as_deref()
    }
    /// The profile the file was read in (or `Nca` for a new one): `Nca` if
    /// the key is under one of PKCS#12's own schemes, `Modern` if under PBES2.
    pub fn profile(&self) -> Profile {
        self.profile
    }
    /// The algorithms the file was read with; `None` for a new file.
    pub fn protection(&self) -> Option<&Protection> {
        self.protection.as_ref()
    }
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("profile", &self.profile)
            .field("friendly_name", &self.friendly_name)
            .field("has_certificate", &self.certificate.is_some())
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// Re-encrypt the key file at `path` under a new password, in the profile it
/// already has. The file is replaced only once the new bytes are written and
/// proven to open.
pub fn change_password(
    path: impl AsRef<Path>,
    old: &Password,
    new: &NewPassword,
) -> Result<(), KeyFileError> {
    let path = path.as_ref();
    let file = KeyFile::open(path, old)?;
    let bytes = file.to_bytes(file.profile(), new)?;
    let reread = KeyFile::from_bytes(&bytes, new.as_password())?;
    if reread.private_key_pkcs8() != file.private_key_pkcs8() {
        return Err(KeyFileError::Malformed);
    }
    super::fs::replace(path, &bytes)
}
