//! Keys in the platform's keystore: generated inside the device's hardware
//! (Android's TEE or StrongBox, Apple's Secure Enclave), never exportable,
//! used only after the citizen unlocks where the platform supports it.
//!
//! One trait, [`PlatformKeystore`], for every platform, so the renewal flow
//! ([`crate::renewal::PlatformHome`]) behaves the same everywhere:
//! - Android (`target_os = "android"`, and on the desktop JVM with feature
//!   `jvm-keystore`): `android.rs`, through JNI to `AndroidKeyStore`;
//! - Apple (`target_vendor = "apple"`): `apple.rs`, security-framework;
//! - everywhere: [`SoftwareKeystore`], keys encrypted in a directory, for the
//!   desktop, the CLI and the tests.
//!
//! GOST keys, which no platform keystore holds, are kept by [`wrapped`]:
//! encrypted under a wrapping key the platform holds in hardware, decrypted
//! in memory for one operation only.
//!
//! Aliases are the keystore's names for keys: `qoltanba-` followed by the
//! purpose and random hex, so the store can be listed without touching keys
//! that other code put there.

mod software;
pub mod wrapped;

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, Signer};
use spki::SubjectPublicKeyInfoOwned;

pub use qoltanba_pki::attestation::SecurityLevel;
pub use software::SoftwareKeystore;

/// Every alias qoltanba makes starts with this.
pub const ALIAS_PREFIX: &str = "qoltanba-";

/// What the renewal asks a keystore to make.
#[derive(Debug, Clone)]
pub struct KeyRequest<'a> {
    pub spec: KeySpec,
    pub purpose: Purpose,
    /// Bound into the key's attestation (Android), so the RA can tell the
    /// key was made for this renewal: the login challenge of the session.
    pub attestation_challenge: Option<&'a [u8]>,
    /// Use only after the citizen unlocks (biometry or device credential),
    /// where the platform supports it.
    pub user_authentication: bool,
}

/// A key in the keystore, as listed.
#[derive(Debug, Clone)]
pub struct PlatformKey {
    pub alias: String,
    pub spec: KeySpec,
    pub level: SecurityLevel,
    pub public_key: SubjectPublicKeyInfoOwned,
    /// The certificate bound to the key (DER), once issued.
    pub certificate: Option<Vec<u8>>,
    /// The platform's attestation chain for the key, leaf first (DER);
    /// empty where the platform gives none.
    pub attestation: Vec<Vec<u8>>,
}

/// Why a keystore operation failed. No variant carries key material.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("no key {0} in the device's keystore; it was deleted or the app was reinstalled")]
    NoSuchKey(String),
    #[error("unlock the phone (fingerprint, face or passcode) to use the key, then try again")]
    UserNotAuthenticated,
    #[error("the device's keystore cannot hold {0} keys")]
    Unsupported(String),
    #[error("the device's keystore failed: {0}")]
    Platform(String),
    #[error("the key store at {path}: {detail}")]
    Storage { path: String, detail: String },
}

/// What a keystore key's [`Signer`](qoltanba_pki::crypto::Signer) reports: the
/// unlock keeps its kind (the app shows the unlock prompt and retries),
/// the rest is the device's failure.
impl From<PlatformError> for qoltanba_pki::crypto::SignError {
    fn from(e: PlatformError) -> Self {
        match e {
            PlatformError::UserNotAuthenticated => Self::UserNotAuthenticated,
            e => Self::Device(e.to_string()),
        }
    }
}

/// A platform's keystore. Implementations are cheap handles; every call
/// may block (the platform may show an unlock prompt): call off the UI thread.
pub trait PlatformKeystore: Send + Sync {
    /// `android`, `apple`, `software`.
    fn platform(&self) -> &'static str;
    /// Whether this keystore can make keys of `spec`.
    fn supports(&self, spec: KeySpec) -> bool;
    /// qoltanba's keys in the store.
    fn list(&self) -> Result<Vec<PlatformKey>, PlatformError>;
    /// Make a new key for `request`; it is persisted before this returns.
    fn generate(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError>;
    /// The key `alias`, as a signer (each signature may ask for the unlock).
    fn signer(&self, alias: &str) -> Result<Box<dyn Signer>, PlatformError>;
    /// The key `alias` as listed.
    fn key(&self, alias: &str) -> Result<PlatformKey, PlatformError> {
        self.list()?
            .into_iter()
            .find(|k| k.alias == alias)
            .ok_or_else(|| PlatformError::NoSuchKey(alias.to_string()))
    }
    /// Bind the issued certificate (and its chain, leaf first excluded) to `alias`.
    fn bind_certificate(
        &self,
        alias: &str,
        certificate: &[u8],
        chain: &[Vec<u8>],
    ) -> Result<(), PlatformError>;
    /// Delete `alias` (a no-op when it is absent).
    fn delete(&self, alias: &str) -> Result<(), PlatformError>;
}

/// A new alias for a key of `purpose`: `qoltanba-sign-<16 hex>`.
pub fn new_alias(purpose: Purpose) -> Result<String, PlatformError> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random)
        .map_err(|_| PlatformError::Platform("the random number generator failed".into()))?;
    // Aliases already stored name a key of no purpose "key", not "neither";
    // keep it so aliases made before and after read alike.
    let purpose = match purpose {
        Purpose::Neither => "key",
        other => other.token(),
    };
    Ok(format!("{ALIAS_PREFIX}{purpose}-{}", hex::encode(random)))
}
