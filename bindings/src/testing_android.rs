//! Test-only exports (feature `testing`, with `jvm-keystore` or on
//! Android): the core's Android keystore (`AndroidKeystore`, JNI to
//! `AndroidKeyStore`) driven from the Kotlin tests, on the desktop JVM, where
//! `bindings/tests/kotlin-android/` stands in for the Android classes it
//! calls, and on an emulator or phone against the real AndroidKeyStore
//! (android/core/src/androidTest). Never in a shipped app.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use qoltanba_core::keystore::{KeyRequest, PlatformKey, PlatformKeystore};
use qoltanba_keystore_android::{AndroidKeystore, forget_java_vm, java_vm_source};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, verify_signature};

use crate::error::{QoltanbaError, guard};
use crate::platform::keystore_sign_error;
use crate::testing::attested_level;

/// A key as `AndroidKeystore` lists it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TestingPlatformKey {
    pub alias: String,
    /// `p256`, `rsa2048`, `gost512`.
    pub algorithm: String,
    /// `strongbox`, `tee`, `hardware-wrapped`, `software`.
    pub level: String,
    pub certificate: Option<Vec<u8>>,
    /// The keystore's attestation chain, leaf first.
    pub attestation: Vec<Vec<u8>>,
}

fn key_record(key: PlatformKey) -> TestingPlatformKey {
    // The public key is checked through `verify` (the core's verifier with
    // it) against signatures the JVM verified with the certificate's key.
    TestingPlatformKey {
        alias: key.alias,
        algorithm: key.spec.name().to_string(),
        level: key.level.name().to_string(),
        certificate: key.certificate,
        attestation: key.attestation,
    }
}

/// The core's `AndroidKeystore` with a directory for records and sealed
/// GOST keys. With `set_new_threads(true)` every call runs on a new thread
/// the VM has never seen (as tokio's blocking threads are), which the core
/// attaches for the call.
#[derive(uniffi::Object)]
pub struct TestingAndroidKeystore {
    store: AndroidKeystore,
    new_threads: AtomicBool,
}

impl std::fmt::Debug for TestingAndroidKeystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.store.fmt(f)
    }
}

impl TestingAndroidKeystore {
    /// `f` on this thread, or on a new one; a panic is `Internal`.
    fn run<T: Send>(
        &self,
        f: impl FnOnce(&AndroidKeystore) -> Result<T, QoltanbaError> + Send,
    ) -> Result<T, QoltanbaError> {
        if !self.new_threads.load(Ordering::Relaxed) {
            return guard(|| f(&self.store));
        }
        std::thread::scope(|scope| {
            scope
                .spawn(|| guard(|| f(&self.store)))
                .join()
                .unwrap_or_else(|_| Err(QoltanbaError::internal("the keystore thread panicked")))
        })
    }
}

#[uniffi::export]
impl TestingAndroidKeystore {
    #[uniffi::constructor]
    pub fn open(dir: String) -> Result<Arc<Self>, QoltanbaError> {
        guard(|| {
            Ok(Arc::new(Self {
                store: AndroidKeystore::open(PathBuf::from(dir))?,
                new_threads: AtomicBool::new(false),
            }))
        })
    }

    /// Run every call on a new thread (true) or the caller's (false).
    pub fn set_new_threads(&self, on: bool) {
        self.new_threads.store(on, Ordering::Relaxed);
    }

    pub fn platform(&self) -> String {
        self.store.platform().to_string()
    }

    pub fn supports(&self, algorithm: String) -> Result<bool, QoltanbaError> {
        let spec: KeySpec = algorithm.parse().map_err(QoltanbaError::invalid)?;
        Ok(self.store.supports(spec))
    }

    /// A new key of `algorithm` for `purpose` (`auth`, `sign`, `both`).
    pub fn generate(
        &self,
        algorithm: String,
        purpose: String,
        challenge: Option<Vec<u8>>,
        user_authentication: bool,
    ) -> Result<TestingPlatformKey, QoltanbaError> {
        self.run(|store| {
            let spec: KeySpec = algorithm.parse().map_err(QoltanbaError::invalid)?;
            let purpose = Purpose::from_token(&purpose)
                .filter(|p| *p != Purpose::Neither)
                .ok_or_else(|| QoltanbaError::invalid(format!("no purpose {purpose}")))?;
            let key = store.generate(&KeyRequest {
                spec,
                purpose,
                attestation_challenge: challenge.as_deref(),
                user_authentication,
            })?;
            Ok(key_record(key))
        })
    }

    pub fn list(&self) -> Result<Vec<TestingPlatformKey>, QoltanbaError> {
        self.run(|store| Ok(store.list()?.into_iter().map(key_record).collect()))
    }

    pub fn key(&self, alias: String) -> Result<TestingPlatformKey, QoltanbaError> {
        self.run(|store| Ok(key_record(store.key(&alias)?)))
    }

    /// Sign through the key's `Signer`, as the renewal does.
    pub fn sign(&self, alias: String, message: Vec<u8>) -> Result<Vec<u8>, QoltanbaError> {
        self.run(|store| {
            let signer = store.signer(&alias)?;
            signer.sign(&message).map_err(keystore_sign_error)
        })
    }

    /// Whether `signature` over `message` verifies under key `alias`'s
    /// public key (the core's verifier: GOST, which the JVM cannot check).
    pub fn verify(
        &self,
        alias: String,
        message: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<bool, QoltanbaError> {
        self.run(|store| {
            let signer = store.signer(&alias)?;
            Ok(verify_signature(
                signer.public_key(),
                &signer.algorithm().identifier(),
                &message,
                &signature,
            )
            .is_ok())
        })
    }

    pub fn bind_certificate(
        &self,
        alias: String,
        certificate: Vec<u8>,
        chain: Vec<Vec<u8>>,
    ) -> Result<(), QoltanbaError> {
        self.run(|store| Ok(store.bind_certificate(&alias, &certificate, &chain)?))
    }

    pub fn delete(&self, alias: String) -> Result<(), QoltanbaError> {
        self.run(|store| Ok(store.delete(&alias)?))
    }
}

/// How the core found the Java VM: `JNI_OnLoad`, `JNI_GetCreatedJavaVMs`,
/// or null before any keystore call without `JNI_OnLoad`.
#[uniffi::export]
pub fn testing_java_vm_source() -> Option<String> {
    java_vm_source().map(str::to_string)
}

/// Make the core forget the VM, so the next keystore call finds it through
/// `JNI_GetCreatedJavaVMs`.
#[uniffi::export]
pub fn testing_forget_java_vm() {
    forget_java_vm();
}

/// Attestation chains shaped like a phone's (the server's test
/// `AttestationAuthority`: root, intermediate, attestation key, leaf with
/// Android's KeyDescription), for the stand-in keystore to hand out.
#[derive(uniffi::Object)]
pub struct TestingAttestationAuthority {
    authority: qoltanba_testkit::attestation::AttestationAuthority,
}

impl std::fmt::Debug for TestingAttestationAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestingAttestationAuthority")
    }
}

#[uniffi::export]
impl TestingAttestationAuthority {
    #[uniffi::constructor]
    pub fn new() -> Result<Arc<Self>, QoltanbaError> {
        guard(|| {
            let authority = qoltanba_testkit::attestation::AttestationAuthority::new()
                .map_err(QoltanbaError::internal)?;
            Ok(Arc::new(Self { authority }))
        })
    }

    /// The chain for a new signing key (`public_key`: DER
    /// SubjectPublicKeyInfo) attested at `level` (`tee`, `strongbox`,
    /// `software`) with `challenge`: leaf first, root last.
    pub fn mint(
        &self,
        public_key: Vec<u8>,
        challenge: Vec<u8>,
        level: String,
    ) -> Result<Vec<Vec<u8>>, QoltanbaError> {
        guard(|| {
            let level = attested_level(&level)?;
            // KeyMint's purpose SIGN (2), origin GENERATED (0).
            self.authority
                .mint(&public_key, &challenge, level, &[2], 0)
                .map_err(QoltanbaError::invalid)
        })
    }

    /// The RA's check of `chain` (leaf first) for the key in its leaf, this
    /// authority's root pinned, `challenge` accepted: the attested level.
    pub fn verify(&self, chain: Vec<Vec<u8>>, challenge: Vec<u8>) -> Result<String, QoltanbaError> {
        guard(|| {
            use qoltanba_pki::attestation::verify_android_attestation;
            let leaf = chain
                .first()
                .ok_or_else(|| QoltanbaError::invalid("an empty chain"))?;
            let leaf = qoltanba_pki::cert::KzCertificate::from_der(leaf)
                .map_err(QoltanbaError::invalid)?
                .public_key()
                .clone();
            let result = verify_android_attestation(
                &chain,
                &leaf,
                std::slice::from_ref(self.authority.root_public_key()),
                &[challenge],
                time::OffsetDateTime::now_utc(),
            )
            .map_err(QoltanbaError::invalid)?;
            Ok(result.security_level.name().to_string())
        })
    }
}

/// The RA's check of a real keystore's attestation `chain` (leaf first):
/// each certificate signed by the next, the leaf's KeyDescription with
/// `challenge`, the key the leaf certifies; the chain's own last
/// certificate is taken as the pinned root (the device's root is checked
/// by whoever pins it, as the RA pins Google's). The attested level
/// (`strongbox`, `tee`, or `software`, which an RA refuses by default and
/// emulators produce).
#[uniffi::export]
pub fn testing_verify_device_attestation(
    chain: Vec<Vec<u8>>,
    challenge: Vec<u8>,
) -> Result<String, QoltanbaError> {
    guard(|| {
        use qoltanba_pki::attestation::{AttestationError, verify_android_attestation};
        use qoltanba_pki::cert::KzCertificate;
        let (Some(leaf), Some(root)) = (chain.first(), chain.last()) else {
            return Err(QoltanbaError::invalid("an empty chain"));
        };
        let leaf = KzCertificate::from_der(leaf)
            .map_err(QoltanbaError::invalid)?
            .public_key()
            .clone();
        let root = KzCertificate::from_der(root)
            .map_err(QoltanbaError::invalid)?
            .public_key()
            .clone();
        let result = match verify_android_attestation(
            &chain,
            &leaf,
            std::slice::from_ref(&root),
            &[challenge],
            time::OffsetDateTime::now_utc(),
        ) {
            Ok(result) => result,
            Err(AttestationError::SoftwareKey(result)) => *result,
            Err(e) => return Err(QoltanbaError::invalid(e)),
        };
        Ok(result.security_level.name().to_string())
    })
}
