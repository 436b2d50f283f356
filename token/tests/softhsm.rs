//! qoltanba-token against SoftHSM2, a real PKCS#11 module: a fresh token per
//! test (testkit's `softhsm`: each test runs again in a child process whose
//! SOFTHSM2_CONF names its token), RSA and P-256 keys generated on it and
//! certified by the embedded reference RA.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

use std::path::Path;

use base64::Engine;
use qoltanba_core::ra::{RaClient, RaConfig};
use qoltanba_core::renewal::{Outcome, Renewal, RenewalRequest, RenewalUi};
use qoltanba_core::store::Store;
use qoltanba_pki::crypto::{KeySpec, Signer, verify_signature};
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::reissue::{StorageKind, verify_application};
use qoltanba_testkit::embedded::EmbeddedRa;
use qoltanba_testkit::softhsm::{self, SoftHsm};
use qoltanba_testkit::{citizen, openssl};
use qoltanba_token::{KeyKind, Module, Pin, PinTries, TokenError, TokenHome};

struct Fixture {
    hsm: SoftHsm,
    runtime: tokio::runtime::Runtime,
    ra: EmbeddedRa,
    dir: tempfile::TempDir,
    keys: Vec<softhsm::TokenKeyFixture>,
}

/// The embedded RA and a citizen (number `seq`) whose AUTH and SIGN keys of
/// `spec` are on a fresh token, expiring in 20 days; `None` in the parent
/// process (see `softhsm::fresh_token`).
fn token_with_citizen(seq: u32, spec: KeySpec) -> Option<Fixture> {
    let hsm = softhsm::fresh_token()?;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let keys = hsm.enroll(&ra, &citizen::iin(seq), spec, 20);
    Some(Fixture {
        hsm,
        runtime,
        ra,
        dir,
        keys,
    })
}

fn session(hsm: &SoftHsm) -> qoltanba_token::TokenSession {
    Module::open(&hsm.module)
        .unwrap()
        .token(Some(softhsm::LABEL))
        .unwrap()
        .login(&Pin::new(softhsm::USER_PIN))
        .unwrap()
}

fn lists_keys_and_certificates(seq: u32, spec: KeySpec, kind: KeyKind) {
    let Some(f) = token_with_citizen(seq, spec) else {
        return;
    };
    let module = Module::open(&f.hsm.module).unwrap();
    let tokens = module.tokens().unwrap();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].label, softhsm::LABEL);
    assert!(!tokens[0].serial.is_empty());
    // The only token is chosen without a label.
    let contents = module
        .token(None)
        .unwrap()
        .login(&Pin::new(softhsm::USER_PIN))
        .unwrap()
        .contents()
        .unwrap();
    assert_eq!(contents.keys.len(), 2, "{:?}", contents.keys);
    for fixture in &f.keys {
        let key = contents
            .keys
            .iter()
            .find(|k| k.id == fixture.id)
            .unwrap_or_else(|| panic!("the {} key is listed", fixture.purpose));
        assert_eq!(key.kind, kind);
        assert_eq!(
            key.label,
            format!("{} key", fixture.purpose.token().to_uppercase())
        );
        let cert = key.certificate.as_ref().expect("its certificate");
        assert_eq!(cert.der(), fixture.certificate.der());
        assert_eq!(cert.purpose(), fixture.purpose);
    }
    // The keys' certificates and the chain (issuing CA and root).
    assert_eq!(
        contents.certificates.len(),
        4,
        "{:?}",
        contents.certificates
    );
    assert!(
        contents
            .certificates
            .iter()
            .any(|c| c.certificate.der() == f.ra.root_der.as_slice())
    );
}

#[test]
fn lists_rsa_keys_and_their_certificates() {
    lists_keys_and_certificates(501, KeySpec::Rsa2048, KeyKind::Rsa { bits: 2048 });
}

#[test]
fn lists_p256_keys_and_their_certificates() {
    lists_keys_and_certificates(502, KeySpec::P256, KeyKind::P256);
}

#[test]
fn a_wrong_pin_is_a_typed_error_with_the_factory_pins_as_hint() {
    let Some(hsm) = softhsm::fresh_token() else {
        return;
    };
    let token = Module::open(&hsm.module)
        .unwrap()
        .token(Some(softhsm::LABEL))
        .unwrap();
    let err = token.login(&Pin::new("12345678")).unwrap_err();
    // SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN.
    assert!(
        matches!(
            err,
            TokenError::WrongPin {
                tries: PinTries::Low,
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("the token's PIN is wrong (few tries are left"),
        "{text}"
    );
    assert!(
        text.contains("Kaztoken") && text.contains("1234567890"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1, "{text}");
    // The PIN tried never shows, whatever it was.
    let secret = "s3cr3t-PIN-never-shown";
    let err = token.login(&Pin::new(secret)).unwrap_err();
    assert!(!err.to_string().contains(secret));
    assert!(!format!("{err:?}").contains(secret));
    assert!(!format!("{:?}", Pin::new(secret)).contains(secret));
    // The right PIN still works: nothing was locked.
    token.login(&Pin::new(softhsm::USER_PIN)).unwrap();

    // A label nobody has, and a module that is not a module.
    let err = Module::open(&hsm.module)
        .unwrap()
        .token(Some("Kaztoken"))
        .unwrap_err();
    assert!(matches!(err, TokenError::NoSuchToken { .. }), "{err:?}");
    let err = Module::open(&hsm.conf).unwrap_err();
    assert!(
        matches!(err, TokenError::ModuleNotLoadable { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("PKCS#11 library"), "{err}");
}

fn signs_and_verifies(seq: u32, spec: KeySpec) {
    let Some(f) = token_with_citizen(seq, spec) else {
        return;
    };
    let session = session(&f.hsm);
    let dir = f.dir.path();
    for fixture in &f.keys {
        let key = session.key(&fixture.id).unwrap();
        let message = format!("a document signed by the {} key", fixture.purpose);
        let signature = key.sign(message.as_bytes()).unwrap();
        // pki's verification, against the certificate's key.
        verify_signature(
            fixture.certificate.public_key(),
            &key.algorithm().identifier(),
            message.as_bytes(),
            &signature,
        )
        .unwrap();
        // And the openssl binary, an independent verifier.
        let name = fixture.purpose.token();
        std::fs::write(dir.join(format!("{name}.cer")), fixture.certificate.der()).unwrap();
        std::fs::write(dir.join(format!("{name}.msg")), &message).unwrap();
        std::fs::write(dir.join(format!("{name}.sig")), &signature).unwrap();
        openssl::ok(
            dir,
            &[
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("{name}.cer"),
                "-pubkey",
                "-noout",
                "-out",
                &format!("{name}.pub"),
            ],
        );
        let out = openssl::ok(
            dir,
            &[
                "dgst",
                "-sha256",
                "-verify",
                &format!("{name}.pub"),
                "-signature",
                &format!("{name}.sig"),
                &format!("{name}.msg"),
            ],
        );
        assert!(openssl::text(&out).contains("Verified OK"));
        // A changed message does not verify.
        std::fs::write(dir.join(format!("{name}.msg")), format!("{message}!")).unwrap();
        let out = openssl::run(
            dir,
            &[
                "dgst",
                "-sha256",
                "-verify",
                &format!("{name}.pub"),
                "-signature",
                &format!("{name}.sig"),
                &format!("{name}.msg"),
            ],
        );
        assert!(!out.status.success());
    }
}

#[test]
fn rsa_keys_sign_and_openssl_verifies() {
    signs_and_verifies(503, KeySpec::Rsa2048);
}

#[test]
fn p256_keys_sign_and_openssl_verifies() {
    signs_and_verifies(504, KeySpec::P256);
}

/// Answers the one-time code from the RA's outbox.
struct CodeFromOutbox<'a> {
    ra: &'a EmbeddedRa,
}

impl RenewalUi for CodeFromOutbox<'_> {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        None
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        None
    }
    fn code(&mut self, number: i64, _sent_to: Option<&str>) -> Option<String> {
        self.ra.code_for(number)
    }
    fn progress(&mut self, _message: &qoltanba_l10n::Text) {}
    fn review(
        &mut self,
        review: &qoltanba_core::renewal::Review,
    ) -> qoltanba_core::renewal::ReviewAnswer {
        assert_eq!(review.storage, qoltanba_pki::reissue::StorageKind::Token);
        // The reference RA takes no token claim on trust by default: the
        // validity it publishes for one it cannot confirm.
        assert_eq!(review.validity_days, Some(365), "{review:?}");
        qoltanba_core::renewal::ReviewAnswer::Confirm
    }
}

fn renews_on_the_token(seq: u32, spec: KeySpec, kind: KeyKind) {
    let Some(f) = token_with_citizen(seq, spec) else {
        return;
    };
    let store = Store::open(&f.dir.path().join("device.db")).unwrap();
    let client =
        RaClient::new(RaConfig::new(f.ra.base_url.clone(), f.ra.root_der.clone())).unwrap();
    let home = TokenHome::new(session(&f.hsm));
    let serial = home.session().token().info().serial.clone();
    let locations = home
        .current_locations(time::OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(locations.len(), 2, "{locations:?}");
    let mut ui = CodeFromOutbox { ra: &f.ra };
    let mut renewal = Renewal::start_with_home(
        &store,
        client,
        Box::new(home),
        RenewalRequest {
            key_files: locations,
            email: "testov@example.kz".into(),
            locality: "Астана".into(),
            new_keys_dir: f.dir.path().join("unused"),
        },
        &mut ui,
    )
    .unwrap();
    let summary = match f.runtime.block_on(renewal.run(&mut ui)).unwrap() {
        Outcome::Done(summary) => summary,
        other => panic!("{other:?}"),
    };
    assert_eq!(summary.new.len(), 2);

    // The application named the token as the new keys' storage.
    let p7s = base64::engine::general_purpose::STANDARD
        .decode(renewal.state().application.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        verify_application(&p7s).unwrap().application.storage,
        StorageKind::Token
    );

    // The new keys are on the token, never extractable, with the issued
    // certificates stored next to them; the old keys stay.
    let contents = session(&f.hsm).contents().unwrap();
    assert_eq!(contents.keys.len(), 4, "{:?}", contents.keys);
    for new in &summary.new {
        let location = new.file.to_str().unwrap();
        let (on, id) = location.rsplit_once('/').unwrap();
        assert_eq!(on, serial);
        let key = contents
            .keys
            .iter()
            .find(|k| k.id_hex() == id)
            .unwrap_or_else(|| panic!("the new key {id} is listed"));
        assert_eq!(key.kind, kind);
        assert_eq!(key.extractable, Some(false));
        assert!(key.label.starts_with("qoltanba-"), "{}", key.label);
        let cert = key.certificate.as_ref().expect("its certificate is stored");
        assert_eq!(cert.serial_hex(), new.serial);
        assert_eq!(cert.purpose(), new.purpose);
        assert!(f.keys.iter().all(|old| old.id != key.id));
        // As the test kit's own session reads the flags.
        assert_eq!(f.hsm.private_key_flags(&key.id), (false, true));
    }

    // The device store: the old certificates replaced, the new ones at
    // their token locations.
    let known = store.certificates().unwrap();
    for old in &f.keys {
        let c = known
            .iter()
            .find(|c| c.serial == old.certificate.serial_hex())
            .unwrap();
        assert!(c.replaced, "{c:?}");
    }
    for new in &summary.new {
        let c = known.iter().find(|c| c.serial == new.serial).unwrap();
        assert!(!c.replaced);
        assert_eq!(c.location, format!("token:{}", new.file.display()));
    }

    // The next renewal would start from the new keys.
    let home = TokenHome::new(session(&f.hsm));
    let mut next = home
        .current_locations(time::OffsetDateTime::now_utc())
        .unwrap();
    next.sort();
    let mut new: Vec<_> = summary.new.iter().map(|n| n.file.clone()).collect();
    new.sort();
    assert_eq!(next, new);
}

#[test]
fn a_whole_renewal_on_the_token_with_rsa_keys() {
    renews_on_the_token(505, KeySpec::Rsa2048, KeyKind::Rsa { bits: 2048 });
}

#[test]
fn a_whole_renewal_on_the_token_with_p256_keys() {
    renews_on_the_token(506, KeySpec::P256, KeyKind::P256);
}
