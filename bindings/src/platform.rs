//! The platform keystore, where a renewal can put the new keys: the
//! Android Keystore or the Secure Enclave on phones, a software store in a
//! directory on desktops and in tests.
//!
//! A key's level is the pki's own [`SecurityLevel`] (`KeyLevel` in Kotlin
//! and Swift: qoltanba-pki derives it with feature `uniffi`).

use std::path::Path;
use std::sync::Arc;

use qoltanba_core::keystore::{PlatformError, PlatformKeystore, SecurityLevel, SoftwareKeystore};
use qoltanba_pki::crypto::SignError;

use crate::error::{QoltanbaError, guard};
use crate::live::Live;

/// A key of qoltanba's in the keystore.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlatformKeyInfo {
    /// The keystore's name for it (`qoltanba-sign-…`).
    pub alias: String,
    /// `p256`, `rsa2048`, `gost512`.
    pub algorithm: String,
    /// The keystore's own level (`KeyLevel` in Kotlin and Swift).
    pub level: SecurityLevel,
    /// Whether its certificate is bound to it (a renewal finished).
    pub has_certificate: bool,
    /// Whether the platform attested it (Android).
    pub attested: bool,
}

/// A platform keystore. Calls may block (the platform may ask the citizen
/// to unlock): make them off the main thread.
#[derive(uniffi::Object)]
pub struct PlatformKeys {
    store: Arc<dyn PlatformKeystore>,
    _live: Live,
}

impl std::fmt::Debug for PlatformKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformKeys")
            .field("platform", &self.store.platform())
            .finish()
    }
}

impl PlatformKeys {
    pub(crate) fn keystore(&self) -> Arc<dyn PlatformKeystore> {
        Arc::clone(&self.store)
    }

    fn of(store: Arc<dyn PlatformKeystore>) -> Arc<Self> {
        Arc::new(Self {
            store,
            _live: Live::new(),
        })
    }
}

/// The platform's own keystore; `dir` keeps the sealed keys no platform
/// keystore holds (GOST).
///
/// With feature `jvm-keystore` off Android this is the Android code on the
/// desktop JVM, which needs the test stand-ins for `AndroidKeyStore`
/// (bindings/tests/kotlin-android): only the Kotlin tests build it so.
fn system_keystore(dir: &Path) -> Result<Arc<dyn PlatformKeystore>, QoltanbaError> {
    #[cfg(any(target_os = "android", feature = "jvm-keystore"))]
    {
        let store = qoltanba_keystore_android::AndroidKeystore::open(dir)?;
        return Ok(Arc::new(store));
    }
    #[cfg(target_vendor = "apple")]
    {
        let store = qoltanba_keystore_apple::AppleKeystore::open(dir)?;
        return Ok(Arc::new(store));
    }
    #[allow(unreachable_code)]
    {
        let _ = dir;
        Err(QoltanbaError::invalid(
            "this system has no platform keystore; use PlatformKeys.software(dir)",
        ))
    }
}

#[uniffi::export]
impl PlatformKeys {
    /// The phone's keystore (Android Keystore, Secure Enclave); `dir`, in
    /// the app's private files, keeps the sealed GOST keys.
    #[uniffi::constructor]
    pub fn system(dir: String) -> Result<Arc<Self>, QoltanbaError> {
        guard(|| Ok(Self::of(system_keystore(Path::new(&dir))?)))
    }

    /// A software keystore in `dir` (desktop, tests): keys sealed under a
    /// key in `dir/store.key`. Not hardware: anyone who can read `dir` has them.
    #[uniffi::constructor]
    pub fn software(dir: String) -> Result<Arc<Self>, QoltanbaError> {
        guard(|| Ok(Self::of(Arc::new(SoftwareKeystore::open(dir)?))))
    }

    /// `android`, `apple` or `software`.
    pub fn platform(&self) -> String {
        self.store.platform().to_string()
    }

    /// qoltanba's keys in this keystore.
    pub fn list(&self) -> Result<Vec<PlatformKeyInfo>, QoltanbaError> {
        guard(|| {
            Ok(self
                .store
                .list()?
                .into_iter()
                .map(|k| PlatformKeyInfo {
                    alias: k.alias,
                    algorithm: k.spec.name().to_string(),
                    level: k.level,
                    has_certificate: k.certificate.is_some(),
                    attested: !k.attestation.is_empty(),
                })
                .collect())
        })
    }

    /// Sign `message` with key `alias` (for the app's own login to other
    /// services); the signature in the certificate's encoding.
    pub fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, QoltanbaError> {
        guard(|| {
            let signer = self.store.signer(&alias)?;
            signer.sign(&message).map_err(keystore_sign_error)
        })
    }

    /// Delete key `alias` (nothing happens when it is absent).
    pub fn delete(&self, alias: String) -> Result<(), QoltanbaError> {
        guard(|| Ok(self.store.delete(&alias)?))
    }
}

/// A keystore key that could not sign: the unlock keeps its kind (the app
/// shows the prompt and retries), the rest is the keystore's failure.
pub(crate) fn keystore_sign_error(e: SignError) -> QoltanbaError {
    let detail = e.to_string();
    match e {
        SignError::UserNotAuthenticated => QoltanbaError::UserNotAuthenticated { detail },
        _ => QoltanbaError::Keystore { detail },
    }
}

impl From<PlatformError> for QoltanbaError {
    fn from(e: PlatformError) -> Self {
        let detail = e.to_string();
        match e {
            PlatformError::UserNotAuthenticated => Self::UserNotAuthenticated { detail },
            PlatformError::NoSuchKey(_) => Self::KeyFile { detail },
            PlatformError::Unsupported(_) => Self::InvalidInput { detail },
            PlatformError::Platform(_) | PlatformError::Storage { .. } => Self::Keystore { detail },
        }
    }
}
