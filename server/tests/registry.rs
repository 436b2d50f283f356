//! The RA's decisions below HTTP: which presented certificates pass for
//! which act, and the key policy.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password};
use qoltanba_pki::reissue::{
    ApplicationDetails, StorageKind, build_application, verify_application,
};
use qoltanba_ra::ca::CaSet;
use qoltanba_ra::config::Policy;
use qoltanba_ra::registry::{self, Enrolment, RegistryError};
use time::OffsetDateTime;

fn open(path: &std::path::Path) -> (SoftwareKey, KzCertificate) {
    let f = KeyFile::open(path, &Password::new("Citiz3nPass")).unwrap();
    (
        SoftwareKey::from_pkcs8_der(f.private_key_pkcs8()).unwrap(),
        KzCertificate::from_der(f.certificate_der().unwrap()).unwrap(),
    )
}

#[test]
fn presented_certificates_and_policy() {
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let cas = CaSet::create_in_profile(
        dir.path(),
        &NewPassword::new(Password::new(
            qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE,
        ))
        .unwrap(),
        now,
        qoltanba_pki::keyfile::Profile::Nca,
    )
    .unwrap();
    let database = qoltanba_testkit::postgres::TestDatabase::from_env();
    let db = database.open(dir.path());
    let iin = qoltanba_pki::cert::with_control_digit("90010130001").unwrap();
    let enrol = |algorithm, out: &str| {
        registry::enroll(
            &db,
            &cas,
            "https://127.0.0.1:1",
            &Enrolment {
                iin: &iin,
                surname: "ТЕСТОВ",
                name: "ТЕСТ",
                patronymic: None,
                email: None,
                phone: Some("+77011234567"),
                algorithm,
                valid_from: now,
                valid_days: 30,
            },
            &NewPassword::new(Password::new("Citiz3nPass")).unwrap(),
            &dir.path().join(out),
            now,
        )
        .unwrap()
    };
    let keys = enrol(KeySpec::Rsa2048, "rsa");
    let auth = open(
        &keys
            .iter()
            .find(|k| k.purpose == Purpose::Auth)
            .unwrap()
            .file,
    );
    let sign = open(
        &keys
            .iter()
            .find(|k| k.purpose == Purpose::Sign)
            .unwrap()
            .file,
    );

    // The AUTH key may log in but not sign; the SIGN key the other way round.
    registry::check_presented(&db, &cas, &auth.1, Purpose::Auth, now).unwrap();
    assert!(matches!(
        registry::check_presented(&db, &cas, &auth.1, Purpose::Sign, now),
        Err(RegistryError::WrongKey("sign", _))
    ));
    registry::check_presented(&db, &cas, &sign.1, Purpose::Sign, now).unwrap();
    assert!(matches!(
        registry::check_presented(&db, &cas, &sign.1, Purpose::Auth, now),
        Err(RegistryError::WrongKey("log in", _))
    ));
    // A certificate this RA did not issue (NCA's own test certificate).
    let foreign = KzCertificate::parse(&qoltanba_testkit::fixtures::read(
        "nca-test/gokalkan/gost1.cer",
    ))
    .unwrap();
    assert!(matches!(
        registry::check_presented(&db, &cas, &foreign, Purpose::Auth, now),
        Err(RegistryError::UnknownCertificate)
    ));
    // Past its end: untrusted, with the reason.
    let later = now + time::Duration::days(31);
    match registry::check_presented(&db, &cas, &sign.1, Purpose::Sign, later) {
        Err(RegistryError::Untrusted(why)) => assert!(why.contains("expired"), "{why}"),
        other => panic!("{other:?}"),
    }

    // Policy: an RA that issues GOST only refuses P-256 requests.
    let new = generate(KeySpec::P256).unwrap();
    let requests: [(Purpose, &dyn Signer); 1] = [(Purpose::Sign, &new)];
    let details = ApplicationDetails {
        email: "t@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    };
    let p7s = build_application(&sign.1, &sign.0, &requests, &details, now)
        .unwrap()
        .p7s_der;
    let verified = verify_application(&p7s).unwrap();
    registry::check_policy(&verified, &Policy::default()).unwrap();
    let gost_only = Policy {
        algorithms: vec!["gost2015".into()],
        ..Policy::default()
    };
    assert!(matches!(
        registry::check_policy(&verified, &gost_only),
        Err(RegistryError::AlgorithmRefused(..))
    ));
    let rsa = generate(KeySpec::Rsa2048).unwrap();
    let requests: [(Purpose, &dyn Signer); 1] = [(Purpose::Sign, &rsa)];
    let p7s = build_application(&sign.1, &sign.0, &requests, &details, now)
        .unwrap()
        .p7s_der;
    let verified = verify_application(&p7s).unwrap();
    let big_rsa = Policy {
        min_rsa_bits: 3072,
        ..Policy::default()
    };
    assert!(matches!(
        registry::check_policy(&verified, &big_rsa),
        Err(RegistryError::KeyTooSmall(3072))
    ));
    // Problem codes are stable.
    assert_eq!(RegistryError::Locked.code(), "application-locked");
    assert_eq!(RegistryError::WrongKey("sign", "SIGN").code(), "wrong-key");
}
