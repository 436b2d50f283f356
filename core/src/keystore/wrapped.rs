//! Keys kept as files, each encrypted under a wrapping key: the desktop's
//! software store (a wrapping key in a file) and, on phones, GOST keys (a
//! wrapping key held by the platform's hardware, which only ever sees the
//! sealed bytes). A key is decrypted in memory for one signature and
//! zeroized after it.
//!
//! Per alias, two files in the store's directory:
//! - `<alias>.sealed`: AES-256-GCM over the PKCS#8 key, the alias as
//!   associated data (a sealed key renamed to another alias does not open);
//! - `<alias>.json`: what listing needs without unsealing (spec, level,
//!   public key, bound certificate and chain), in the clear: none of it is secret.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;
use zeroize::Zeroizing;

use super::{KeyRequest, PlatformError, PlatformKey, SecurityLevel, new_alias};
use qoltanba_pki::crypto::{KeySpec, SignError, SignatureAlgorithm, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{replace, save_new};

/// Seals and opens key bytes. On phones the key never leaves the hardware;
/// on the desktop it is a file.
pub trait WrappingKey: Send + Sync {
    /// How strong the wrapping is.
    fn level(&self) -> SecurityLevel;
    /// Encrypt and authenticate `plaintext`, bound to `aad`.
    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, PlatformError>;
    /// The plaintext of `sealed`, if it is authentic and bound to `aad`.
    fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, PlatformError>;
}

/// AES-256-GCM with a 96-bit random nonce before the ciphertext, through ring.
pub struct AesGcmKey {
    key: ring::aead::LessSafeKey,
    level: SecurityLevel,
}

impl AesGcmKey {
    /// A wrapping key from 32 secret bytes.
    pub fn new(secret: &[u8; 32], level: SecurityLevel) -> Self {
        let unbound = ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, secret)
            .expect("32 bytes is an AES-256 key");
        Self {
            key: ring::aead::LessSafeKey::new(unbound),
            level,
        }
    }
}

impl WrappingKey for AesGcmKey {
    fn level(&self) -> SecurityLevel {
        self.level
    }

    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, PlatformError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce)
            .map_err(|_| PlatformError::Platform("the random number generator failed".into()))?;
        let mut buffer = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(aad),
                &mut buffer,
            )
            .map_err(|_| PlatformError::Platform("sealing the key failed".into()))?;
        let mut out = nonce.to_vec();
        out.append(&mut buffer);
        Ok(out)
    }

    fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, PlatformError> {
        let damaged = || PlatformError::Platform("a sealed key is damaged or was altered".into());
        if sealed.len() < 12 + 16 {
            return Err(damaged());
        }
        let (nonce, body) = sealed.split_at(12);
        let nonce = ring::aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| damaged())?;
        let mut buffer = Zeroizing::new(body.to_vec());
        let len = self
            .key
            .open_in_place(nonce, ring::aead::Aad::from(aad), &mut buffer)
            .map_err(|_| damaged())?
            .len();
        buffer.truncate(len);
        Ok(buffer)
    }
}

/// What `<alias>.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    spec: String,
    level: SecurityLevel,
    /// SubjectPublicKeyInfo DER, base64.
    public_key: String,
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    chain: Vec<String>,
}

/// Sealed keys in a directory, under one wrapping key.
pub struct WrappedKeys {
    dir: PathBuf,
    wrapping: Arc<dyn WrappingKey>,
}

fn storage(path: &Path, detail: impl ToString) -> PlatformError {
    PlatformError::Storage {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

fn check_alias(alias: &str) -> Result<(), PlatformError> {
    let ok = alias.starts_with(super::ALIAS_PREFIX)
        && alias
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(PlatformError::NoSuchKey(alias.to_string()))
    }
}

impl WrappedKeys {
    pub fn new(dir: impl Into<PathBuf>, wrapping: Arc<dyn WrappingKey>) -> Self {
        Self {
            dir: dir.into(),
            wrapping,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn meta_path(&self, alias: &str) -> PathBuf {
        self.dir.join(format!("{alias}.json"))
    }

    fn read_meta(&self, alias: &str) -> Result<Meta, PlatformError> {
        check_alias(alias)?;
        let path = self.meta_path(alias);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PlatformError::NoSuchKey(alias.to_string()));
            }
            Err(e) => return Err(storage(&path, e)),
        };
        serde_json::from_str(&text).map_err(|e| storage(&path, e))
    }

    fn key_of(&self, alias: &str, meta: Meta) -> Result<PlatformKey, PlatformError> {
        let path = self.meta_path(alias);
        let b64 = |s: &str| B64.decode(s).map_err(|e| storage(&path, e));
        Ok(PlatformKey {
            alias: alias.to_string(),
            spec: meta.spec.parse().map_err(|e: String| storage(&path, e))?,
            level: meta.level,
            public_key: SubjectPublicKeyInfoOwned::from_der(&b64(&meta.public_key)?)
                .map_err(|e| storage(&path, e))?,
            certificate: meta.certificate.as_deref().map(b64).transpose()?,
            attestation: Vec::new(),
        })
    }

    /// The keys in the directory (a missing directory holds none).
    pub fn list(&self) -> Result<Vec<PlatformKey>, PlatformError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(storage(&self.dir, e)),
        };
        let mut aliases: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
            .filter(|a| check_alias(a).is_ok())
            .collect();
        aliases.sort();
        aliases
            .into_iter()
            .map(|a| {
                let meta = self.read_meta(&a)?;
                self.key_of(&a, meta)
            })
            .collect()
    }

    /// Generate a software key of `request.spec`, seal it and save both
    /// files (the sealed key first: a listed key can always be opened).
    pub fn generate(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError> {
        let alias = new_alias(request.purpose)?;
        let key = generate(request.spec).map_err(|e| PlatformError::Platform(e.to_string()))?;
        let sealed = self.wrapping.seal(key.pkcs8_der(), alias.as_bytes())?;
        let public_key = key
            .public_key()
            .to_der()
            .map_err(|e| PlatformError::Platform(e.to_string()))?;
        let meta = Meta {
            spec: request.spec.name().to_string(),
            level: self.wrapping.level(),
            public_key: B64.encode(&public_key),
            certificate: None,
            chain: Vec::new(),
        };
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| storage(&self.dir, e))?;
        save_new(&self.dir, &format!("{alias}.sealed"), &sealed)
            .map_err(|e| storage(&self.dir, e))?;
        save_new(&self.dir, &format!("{alias}.json"), &json).map_err(|e| storage(&self.dir, e))?;
        self.key_of(&alias, meta)
    }

    /// The key `alias` as a signer that unseals it for each signature.
    pub fn signer(self: &Arc<Self>, alias: &str) -> Result<Box<dyn Signer>, PlatformError> {
        let meta = self.read_meta(alias)?;
        let key = self.key_of(alias, meta)?;
        // Unseal once now, so a damaged or foreign file fails here and the
        // algorithm is known; the key itself is dropped at once.
        let algorithm = self.unseal(alias)?.algorithm();
        Ok(Box::new(WrappedSigner {
            store: Arc::clone(self),
            alias: alias.to_string(),
            public_key: key.public_key,
            algorithm,
        }))
    }

    fn unseal(&self, alias: &str) -> Result<SoftwareKey, PlatformError> {
        check_alias(alias)?;
        let path = self.dir.join(format!("{alias}.sealed"));
        let sealed = match std::fs::read(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PlatformError::NoSuchKey(alias.to_string()));
            }
            Err(e) => return Err(storage(&path, e)),
        };
        let pkcs8 = self.wrapping.open(&sealed, alias.as_bytes())?;
        SoftwareKey::from_pkcs8_der(&pkcs8).map_err(|e| storage(&path, e))
    }

    pub fn bind_certificate(
        &self,
        alias: &str,
        certificate: &[u8],
        chain: &[Vec<u8>],
    ) -> Result<(), PlatformError> {
        let mut meta = self.read_meta(alias)?;
        meta.certificate = Some(B64.encode(certificate));
        meta.chain = chain.iter().map(|c| B64.encode(c)).collect();
        let path = self.meta_path(alias);
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| storage(&path, e))?;
        replace(&path, &json).map_err(|e| storage(&path, e))
    }

    pub fn delete(&self, alias: &str) -> Result<(), PlatformError> {
        check_alias(alias)?;
        for suffix in ["json", "sealed"] {
            let path = self.dir.join(format!("{alias}.{suffix}"));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(storage(&path, e)),
            }
        }
        Ok(())
    }

    /// Whether keys of `spec` can be kept here (anything the core can generate).
    pub fn supports(&self, spec: KeySpec) -> bool {
        matches!(spec, KeySpec::Rsa2048 | KeySpec::P256 | KeySpec::Gost512)
    }
}

/// Signs with a sealed key, unsealing it for each signature.
struct WrappedSigner {
    store: Arc<WrappedKeys>,
    alias: String,
    public_key: SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
}

impl Signer for WrappedSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let key = self.store.unseal(&self.alias).map_err(SignError::from)?;
        key.sign(message)
    }
}
