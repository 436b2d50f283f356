//! SoftHSM2 (Debian `softhsm2`) as a real PKCS#11 token: a fresh token per
//! test in a temporary directory, and a test citizen's current keys and
//! certificates put on it the way a vendor's tool would.
//!
//! SoftHSM2 reads its configuration (`SOFTHSM2_CONF`, naming the token
//! directory) once, when the module is initialised, and a test cannot set
//! that variable in its own process: changing the environment of a running
//! process is `unsafe` in Rust 2024 (other threads may be reading it), and
//! the workspace forbids `unsafe`. So [`fresh_token`] prepares the token,
//! then runs the calling test again in a child process started with
//! `SOFTHSM2_CONF` set, and the test body runs there. The caveat: the test
//! runs twice (the parent only prepares and waits), and whatever the test
//! does before calling [`fresh_token`] happens in both processes; so call
//! it first.
//!
//! The keys are made here with `cryptoki` directly, not through
//! qoltanba-token: the product must find keys that other software put on
//! the token (random CKA_IDs and vendor-style labels, as a token's own tool
//! makes them), and the test kit does not link the device core (whose
//! unit tests link the test kit).

use std::path::PathBuf;
use std::process::Command;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::Encode;
use der::asn1::OctetString;
use spki::SubjectPublicKeyInfoOwned;

use crate::embedded::EmbeddedRa;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{
    DigestAlgorithm, KeySpec, SignError, SignatureAlgorithm, Signer, ecdsa_signature_der,
    p256_spki, rsa_spki,
};
use qoltanba_pki::oid;

/// The variable that tells the child process which token directory is its.
const CHILD_DIR: &str = "QOLTANBA_SOFTHSM_DIR";
/// The fresh token's label and PINs (test values, not secrets).
pub const LABEL: &str = "qoltanba-test";
pub const USER_PIN: &str = "4711-user";
pub const SO_PIN: &str = "4711-so";

/// Where Debian, Fedora, Homebrew and a source build put the module;
/// `QOLTANBA_SOFTHSM_MODULE` overrides.
const MODULE_PATHS: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
];

/// SoftHSM2's PKCS#11 module. A missing SoftHSM2 fails the test: the token
/// tests must never pass without a real token.
pub fn module() -> PathBuf {
    if let Some(path) = std::env::var_os("QOLTANBA_SOFTHSM_MODULE") {
        return PathBuf::from(path);
    }
    MODULE_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "SoftHSM2 is needed for the token tests; install it (apt-get install softhsm2) \
                 or set QOLTANBA_SOFTHSM_MODULE to its libsofthsm2.so"
            )
        })
}

/// A fresh SoftHSM2 token with [`LABEL`], [`USER_PIN`] and [`SO_PIN`], seen
/// from the test's child process (its `SOFTHSM2_CONF` names it).
#[derive(Debug)]
pub struct SoftHsm {
    pub module: PathBuf,
    /// The directory holding softhsm2.conf and the tokens.
    pub dir: PathBuf,
    /// The configuration file, for child processes (`SOFTHSM2_CONF`).
    pub conf: PathBuf,
}

/// Call first in a test that needs a token. In the test's process: make a
/// token in a temporary directory, run this same test again in a child
/// process with `SOFTHSM2_CONF` naming it, check that the child ran the test
/// and passed, and return `None` (the test returns). In that child: return
/// the token.
pub fn fresh_token() -> Option<SoftHsm> {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        let dir = PathBuf::from(dir);
        return Some(SoftHsm {
            module: module(),
            conf: dir.join("softhsm2.conf"),
            dir,
        });
    }
    // Fails here, before anything is made, when SoftHSM2 is missing.
    module();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let conf = dir.path().join("softhsm2.conf");
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).expect("the token directory");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
            tokens.display()
        ),
    )
    .expect("softhsm2.conf");
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            LABEL,
            "--so-pin",
            SO_PIN,
            "--pin",
            USER_PIN,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("softhsm2-util is needed for the token tests ({e}); apt-get install softhsm2")
        });
    assert!(
        init.status.success(),
        "softhsm2-util --init-token failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    // libtest runs each test on a thread named after it.
    let name = std::thread::current()
        .name()
        .expect("a test runs on a thread named after it")
        .to_string();
    let exe = std::env::current_exe().expect("the test binary's path");
    let child = Command::new(exe)
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD_DIR, dir.path())
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&child.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&child.stderr));
    assert!(
        child.status.success(),
        "{name} failed in its SoftHSM2 child process (its output is above)"
    );
    // A filter that matched nothing passes too: make sure the test ran.
    assert!(
        stdout.contains("1 passed"),
        "the SoftHSM2 child process did not run {name}"
    );
    None
}

/// One of the citizen's keys as [`SoftHsm::enroll`] put it on the token.
#[derive(Debug, Clone)]
pub struct TokenKeyFixture {
    pub purpose: Purpose,
    /// CKA_ID of the key pair and its certificate.
    pub id: Vec<u8>,
    pub certificate: KzCertificate,
}

impl SoftHsm {
    /// Log in to the token with [`USER_PIN`] through its own PKCS#11 context.
    fn session(&self) -> (Pkcs11, Slot, Session) {
        // Loaded once and never unloaded, like qoltanba-token's modules:
        // the product may use the same module in this process.
        static CONTEXT: std::sync::OnceLock<Pkcs11> = std::sync::OnceLock::new();
        let context = CONTEXT
            .get_or_init(|| {
                let context = Pkcs11::new(&self.module).expect("SoftHSM2's module loads");
                match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
                    Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
                    Err(e) => panic!("SoftHSM2 does not initialise: {e}"),
                }
                context
            })
            .clone();
        let slot = context
            .get_slots_with_initialized_token()
            .expect("SoftHSM2's slots")
            .into_iter()
            .find(|s| {
                context
                    .get_token_info(*s)
                    .is_ok_and(|i| i.label().trim() == LABEL)
            })
            .expect("the fresh token");
        let session = context.open_rw_session(slot).expect("a session");
        match session.login(UserType::User, Some(&AuthPin::from(USER_PIN))) {
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => panic!("the user PIN opens the fresh token: {e}"),
        }
        (context, slot, session)
    }

    /// Put a test citizen's current keys on the token: an AUTH and a SIGN
    /// key pair of `spec` (RSA-2048 or P-256) generated on the token, each
    /// signing its own CSR, certified by `ra` as at enrolment (valid until
    /// `days_left` days from now), and the certificates with their chain
    /// stored next to the keys.
    pub fn enroll(
        &self,
        ra: &EmbeddedRa,
        iin: &str,
        spec: KeySpec,
        days_left: i64,
    ) -> Vec<TokenKeyFixture> {
        let (context, slot, session) = self.session();
        let mut keys = Vec::new();
        for (purpose, label) in [(Purpose::Auth, "AUTH key"), (Purpose::Sign, "SIGN key")] {
            let own = context.open_rw_session(slot).expect("a session");
            keys.push((purpose, generate(own, spec, label)));
        }
        let signers: Vec<(Purpose, &dyn Signer)> =
            keys.iter().map(|(p, k)| (*p, k as &dyn Signer)).collect();
        let issued = ra
            .enroll_keys_expiring(iin, days_left, &signers)
            .expect("the RA certifies the token's keys");
        let mut out = Vec::new();
        let mut cas = Vec::new();
        for ((purpose, key), (certificate, chain)) in keys.iter().zip(issued) {
            store_certificate(
                &session,
                &key.id,
                &format!("{purpose} certificate"),
                &certificate,
            );
            for ca in chain {
                // Both keys have the same CAs: each is stored once.
                if !cas.iter().any(|c: &KzCertificate| c.der() == ca.der()) {
                    store_certificate(&session, b"ca", &ca.subject_name(), &ca);
                    cas.push(ca);
                }
            }
            out.push(TokenKeyFixture {
                purpose: *purpose,
                id: key.id.clone(),
                certificate,
            });
        }
        out
    }

    /// The CKA_EXTRACTABLE and CKA_SENSITIVE of the private key `id`, read
    /// through a session of the test kit's own.
    pub fn private_key_flags(&self, id: &[u8]) -> (bool, bool) {
        let (_context, _slot, session) = self.session();
        let handle = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(id.to_vec()),
            ])
            .expect("search")
            .into_iter()
            .next()
            .expect("the private key is on the token");
        let attrs = session
            .get_attributes(
                handle,
                &[AttributeType::Extractable, AttributeType::Sensitive],
            )
            .expect("the key's flags");
        let flag = |t: AttributeType| {
            attrs.iter().any(|a| match (a, t) {
                (Attribute::Extractable(b), AttributeType::Extractable)
                | (Attribute::Sensitive(b), AttributeType::Sensitive) => *b,
                _ => false,
            })
        };
        (
            flag(AttributeType::Extractable),
            flag(AttributeType::Sensitive),
        )
    }
}

/// A key pair on the token, signing for its CSR (in a session of its own:
/// a Signer is Sync, a PKCS#11 session is not).
struct FixtureKey {
    session: std::sync::Mutex<Session>,
    handle: ObjectHandle,
    id: Vec<u8>,
    public_key: SubjectPublicKeyInfoOwned,
    algorithm: SignatureAlgorithm,
}

/// PKCS#11's `CK_ULONG` is C's `unsigned long`: 32 bits on 32-bit targets
/// (armv7 Android), so the modulus size is spelled in that type, not `u64`.
const RSA_MODULUS_BITS: std::ffi::c_ulong = 2048;

fn generate(session: Session, spec: KeySpec, label: &str) -> FixtureKey {
    let mut id = vec![0u8; 8];
    getrandom::fill(&mut id).expect("random");
    let (mechanism, mut public, algorithm) = match spec {
        KeySpec::Rsa2048 => (
            Mechanism::RsaPkcsKeyPairGen,
            vec![
                Attribute::ModulusBits(RSA_MODULUS_BITS.into()),
                Attribute::PublicExponent(vec![1, 0, 1]),
            ],
            SignatureAlgorithm::RsaPkcs1Sha256,
        ),
        KeySpec::P256 => (
            Mechanism::EccKeyPairGen,
            vec![Attribute::EcParams(oid::SECP256R1.to_der().expect("OID"))],
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
        other => panic!("SoftHSM2 fixtures hold RSA-2048 and P-256 keys, not {other:?}"),
    };
    public.extend([
        Attribute::Token(true),
        Attribute::Verify(true),
        Attribute::Id(id.clone()),
        Attribute::Label(label.as_bytes().to_vec()),
    ]);
    let private = [
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Sign(true),
        Attribute::Id(id.clone()),
        Attribute::Label(label.as_bytes().to_vec()),
    ];
    let (public_handle, handle) = session
        .generate_key_pair(&mechanism, &public, &private)
        .expect("SoftHSM2 generates the key pair");
    let public_key = match spec {
        KeySpec::Rsa2048 => {
            let attrs = session
                .get_attributes(
                    public_handle,
                    &[AttributeType::Modulus, AttributeType::PublicExponent],
                )
                .expect("the public key");
            let value = |t| {
                attrs
                    .iter()
                    .find_map(|a| match (a, t) {
                        (Attribute::Modulus(v), AttributeType::Modulus)
                        | (Attribute::PublicExponent(v), AttributeType::PublicExponent) => {
                            Some(v.clone())
                        }
                        _ => None,
                    })
                    .expect("modulus and exponent")
            };
            rsa_spki(
                &value(AttributeType::Modulus),
                &value(AttributeType::PublicExponent),
            )
            .expect("an RSA public key")
        }
        _ => {
            let attrs = session
                .get_attributes(public_handle, &[AttributeType::EcPoint])
                .expect("the public point");
            let Some(Attribute::EcPoint(point)) = attrs.into_iter().next() else {
                panic!("the token gave no EC point");
            };
            let point = <OctetString as der::Decode>::from_der(&point).expect("a DER point");
            p256_spki(point.as_bytes()).expect("a P-256 point")
        }
    };
    FixtureKey {
        session: std::sync::Mutex::new(session),
        handle,
        id,
        public_key,
        algorithm,
    }
}

impl Signer for FixtureKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let device = |e: Error| SignError::Device(e.to_string());
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        match self.algorithm {
            SignatureAlgorithm::RsaPkcs1Sha256 => session
                .sign(&Mechanism::Sha256RsaPkcs, self.handle, message)
                .map_err(device),
            _ => {
                let digest = DigestAlgorithm::Sha256.digest(message);
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.handle, &digest)
                    .map_err(device)?;
                ecdsa_signature_der(&raw)
            }
        }
    }
}

fn store_certificate(session: &Session, id: &[u8], label: &str, cert: &KzCertificate) {
    let tbs = cert.inner().tbs_certificate();
    session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Id(id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Subject(tbs.subject().to_der().expect("subject")),
            Attribute::Issuer(tbs.issuer().to_der().expect("issuer")),
            Attribute::Value(cert.der().to_vec()),
        ])
        .expect("SoftHSM2 stores the certificate");
}
