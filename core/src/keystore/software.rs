//! The desktop's keystore: keys sealed in a directory under a wrapping key
//! kept in a file beside them (`store.key`, readable by its owner only).
//! Honest about what it is: [`SecurityLevel::Software`]. Anyone who can read
//! the directory has the keys; it exists for the CLI, the tests and
//! desktops without a hardware keystore.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use super::wrapped::{AesGcmKey, WrappedKeys};
use super::{KeyRequest, PlatformError, PlatformKey, PlatformKeystore, SecurityLevel};
use qoltanba_pki::crypto::{KeySpec, Signer};

/// Keys in a directory, sealed under `store.key`.
#[derive(Clone)]
pub struct SoftwareKeystore {
    keys: Arc<WrappedKeys>,
}

impl std::fmt::Debug for SoftwareKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKeystore")
            .field("dir", &self.keys.dir())
            .finish()
    }
}

fn storage(path: &Path, e: impl ToString) -> PlatformError {
    PlatformError::Storage {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// The wrapping key in `path`, made (32 random bytes, mode 0600) when absent.
fn wrapping_secret(path: &Path) -> Result<Zeroizing<[u8; 32]>, PlatformError> {
    let mut secret = Zeroizing::new([0u8; 32]);
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            if bytes.len() != 32 {
                return Err(storage(
                    path,
                    "not a 32-byte store key; restore it from a backup",
                ));
            }
            secret.copy_from_slice(&bytes);
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            getrandom::fill(secret.as_mut()).map_err(|_| {
                PlatformError::Platform("the random number generator failed".into())
            })?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| storage(path, e))?;
            file.write_all(secret.as_ref())
                .and_then(|()| file.sync_all())
                .map_err(|e| storage(path, e))?;
            Ok(secret)
        }
        Err(e) => Err(storage(path, e)),
    }
}

impl SoftwareKeystore {
    /// Open (creating as needed) the store in `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, PlatformError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| storage(&dir, e))?;
        let secret = wrapping_secret(&dir.join("store.key"))?;
        let wrapping = Arc::new(AesGcmKey::new(&secret, SecurityLevel::Software));
        Ok(Self {
            keys: Arc::new(WrappedKeys::new(dir, wrapping)),
        })
    }
}

impl PlatformKeystore for SoftwareKeystore {
    fn platform(&self) -> &'static str {
        "software"
    }

    fn supports(&self, spec: KeySpec) -> bool {
        self.keys.supports(spec)
    }

    fn list(&self) -> Result<Vec<PlatformKey>, PlatformError> {
        self.keys.list()
    }

    fn generate(&self, request: &KeyRequest<'_>) -> Result<PlatformKey, PlatformError> {
        if !self.supports(request.spec) {
            return Err(PlatformError::Unsupported(request.spec.name().into()));
        }
        self.keys.generate(request)
    }

    fn signer(&self, alias: &str) -> Result<Box<dyn Signer>, PlatformError> {
        self.keys.signer(alias)
    }

    fn bind_certificate(
        &self,
        alias: &str,
        certificate: &[u8],
        chain: &[Vec<u8>],
    ) -> Result<(), PlatformError> {
        self.keys.bind_certificate(alias, certificate, chain)
    }

    fn delete(&self, alias: &str) -> Result<(), PlatformError> {
        self.keys.delete(alias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qoltanba_pki::cert::Purpose;
    use qoltanba_pki::crypto::verify_signature;

    fn request(spec: KeySpec) -> KeyRequest<'static> {
        KeyRequest {
            spec,
            purpose: Purpose::Sign,
            attestation_challenge: None,
            user_authentication: false,
        }
    }

    #[test]
    fn keys_survive_reopening_and_sign() {
        let dir = tempfile::tempdir().unwrap();
        let store = SoftwareKeystore::open(dir.path()).unwrap();
        let p256 = store.generate(&request(KeySpec::P256)).unwrap();
        let gost = store.generate(&request(KeySpec::Gost512)).unwrap();
        assert!(p256.alias.starts_with("qoltanba-sign-"));
        assert_eq!(p256.level, SecurityLevel::Software);

        let again = SoftwareKeystore::open(dir.path()).unwrap();
        let mut listed: Vec<String> = again.list().unwrap().into_iter().map(|k| k.alias).collect();
        listed.sort();
        let mut expected = vec![p256.alias.clone(), gost.alias.clone()];
        expected.sort();
        assert_eq!(listed, expected);
        for key in [&p256, &gost] {
            let signer = again.signer(&key.alias).unwrap();
            let signature = signer.sign(b"qoltanba").unwrap();
            verify_signature(
                &key.public_key,
                &signer.algorithm().identifier(),
                b"qoltanba",
                &signature,
            )
            .unwrap();
        }
        again
            .bind_certificate(&p256.alias, b"certificate", &[])
            .unwrap();
        assert_eq!(
            again.key(&p256.alias).unwrap().certificate.as_deref(),
            Some(&b"certificate"[..])
        );
        again.delete(&p256.alias).unwrap();
        assert!(matches!(
            again.signer(&p256.alias),
            Err(PlatformError::NoSuchKey(_))
        ));
        again.delete(&p256.alias).unwrap();
    }

    #[test]
    fn a_tampered_or_moved_key_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = SoftwareKeystore::open(dir.path()).unwrap();
        let key = store.generate(&request(KeySpec::P256)).unwrap();
        let sealed = dir.path().join(format!("{}.sealed", key.alias));
        let mut bytes = std::fs::read(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&sealed, &bytes).unwrap();
        let Err(e) = store.signer(&key.alias) else {
            panic!("a tampered key opened")
        };
        assert!(e.to_string().contains("damaged"), "{e}");

        // A sealed key under another alias fails its associated data.
        let other = store.generate(&request(KeySpec::P256)).unwrap();
        std::fs::copy(dir.path().join(format!("{}.sealed", other.alias)), &sealed).unwrap();
        assert!(store.signer(&key.alias).is_err());
        // Names that are not ours are refused before touching the disk.
        assert!(matches!(
            store.signer("../store"),
            Err(PlatformError::NoSuchKey(_))
        ));
    }

    #[test]
    fn another_store_key_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SoftwareKeystore::open(dir.path()).unwrap();
        let key = store.generate(&request(KeySpec::P256)).unwrap();
        std::fs::write(dir.path().join("store.key"), [7u8; 32]).unwrap();
        let reopened = SoftwareKeystore::open(dir.path()).unwrap();
        assert!(reopened.signer(&key.alias).is_err());
        std::fs::write(dir.path().join("store.key"), [7u8; 5]).unwrap();
        assert!(SoftwareKeystore::open(dir.path()).is_err());
    }
}
