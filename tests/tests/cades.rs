//! The core's signing for issue 19's NCALayer server and the cabinet:
//! `open_for_signing` and `sign_with_options` with key files the reference
//! RA issued, and CAdES-T through `TimestampAuthority` over HTTP to a real
//! TSA (`openssl ts -reply` on loopback, testkit::tsa), with its failures
//! as typed errors and nothing half-made returned.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::path::Path;
use std::time::Duration;

use qoltanba_core::cabinet::CabinetError;
use qoltanba_core::cabinet::documents::{check, open_for_signing, sign_opened, sign_with_options};
use qoltanba_core::renewal::{FileHome, RenewalUi};
use qoltanba_core::tsa::{TimestampAuthority, TsaError};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::KeySpec;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_pki::signed_message::{
    Attachment, CmsProfile, CmsSignOptions, sign_cms, verify_document,
};
use qoltanba_pki::tsp::TimestampError;
use qoltanba_testkit::embedded::{EmbeddedRa, random_password};
use qoltanba_testkit::tsa::TestTsa;
use time::OffsetDateTime;

struct PasswordUi(String);

impl RenewalUi for PasswordUi {
    fn current_password(&mut self, _file: &Path) -> Option<Password> {
        Some(Password::new(self.0.clone()))
    }
    fn new_password(&mut self) -> Option<NewPassword> {
        None
    }
    fn code(&mut self, _number: i64, _sent_to: Option<&str>) -> Option<String> {
        None
    }
    fn progress(&mut self, _message: &qoltanba_l10n::Text) {}
}

fn cades(attachment: Attachment) -> CmsSignOptions {
    CmsSignOptions {
        attachment,
        profile: CmsProfile::CadesBes,
        content_is_digest: false,
    }
}

/// Key files from the reference RA: the SIGN key signs CAdES-T through the
/// TSA; the AUTH key, a revoked key and a wrong password are refused
/// before anything is signed.
#[test]
fn key_files_sign_cades_t_through_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let password = random_password("Kf");
    let keys = ra
        .enroll_expiring(
            &qoltanba_testkit::citizen::iin(901),
            KeySpec::P256,
            200,
            &NewPassword::new(Password::new(password.clone())).unwrap(),
            &dir.path().join("keys"),
        )
        .unwrap();
    let sign_key = keys.iter().find(|k| k.purpose == Purpose::Sign).unwrap();
    let auth_key = keys.iter().find(|k| k.purpose == Purpose::Auth).unwrap();
    let tsa = TestTsa::start(dir.path());
    let authority = TimestampAuthority::new(tsa.url("ok"));
    let mut home = FileHome::new(dir.path().join("new"));
    let mut ui = PasswordUi(password.clone());
    let document = b"a payment order for the tax cabinet".to_vec();

    let signed = sign_with_options(
        &mut home,
        &sign_key.file,
        &document,
        &cades(Attachment::Attached),
        &[],
        Some(&authority),
        &mut ui,
    )
    .unwrap();
    let verified = verify_document(&signed, None).unwrap();
    assert_eq!(verified.content, document);
    assert!(verified.names_signing_certificate);
    let stamped_at = verified
        .timestamp
        .expect("a CAdES-T carries its time-stamp");
    assert!((OffsetDateTime::now_utc() - stamped_at).abs() < time::Duration::minutes(1));
    // The cabinet's check reports the time-stamp's time.
    let report = check(&signed, None, &[]).unwrap();
    assert_eq!(report.timestamped_at, Some(stamped_at.into()));
    assert_eq!(report.signer_serial, sign_key.serial);

    // One opening, several signatures (a batch from one page).
    let (key, cert) = open_for_signing(&mut home, &sign_key.file, &[], &mut ui).unwrap();
    for n in 0..2u8 {
        let signed = sign_opened(
            &[n],
            &cades(Attachment::Detached),
            key.as_ref(),
            &cert,
            None,
        )
        .unwrap();
        assert!(
            verify_document(&signed, Some(&[n]))
                .unwrap()
                .timestamp
                .is_none()
        );
    }

    // The gate: AUTH keys, revoked keys and wrong passwords sign nothing.
    assert!(matches!(
        open_for_signing(&mut home, &auth_key.file, &[], &mut ui),
        Err(CabinetError::NotForSigning(_))
    ));
    assert!(matches!(
        open_for_signing(
            &mut home,
            &sign_key.file,
            std::slice::from_ref(&sign_key.serial),
            &mut ui
        ),
        Err(CabinetError::NotValidNow(_))
    ));
    assert!(matches!(
        open_for_signing(
            &mut home,
            &sign_key.file,
            &[],
            &mut PasswordUi("Wrong123".into())
        ),
        Err(CabinetError::Key(_))
    ));

    // A TSA that fails fails the whole signature: no CMS without its stamp.
    let broken = TimestampAuthority::new(tsa.url("http-500"));
    assert!(matches!(
        sign_with_options(
            &mut home,
            &sign_key.file,
            &document,
            &cades(Attachment::Attached),
            &[],
            Some(&broken),
            &mut ui,
        ),
        Err(CabinetError::Tsa(TsaError::Http(500)))
    ));
    drop(ra);
}

/// Each way a TSA can fail is its own typed error, from an async caller
/// and a blocking one alike.
#[test]
fn timestamp_authority_failures_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tsa = TestTsa::start(d);
    let key = qoltanba_pki::crypto::generate(KeySpec::P256).unwrap();
    // A self-signed certificate for the key: the TSA only sees the
    // signature value, so any certificate does.
    std::fs::write(d.join("k.p8"), key.pkcs8_der()).unwrap();
    qoltanba_testkit::openssl::ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "k.p8",
            "-keyform",
            "DER",
            "-subj",
            "/CN=Signer",
            "-days",
            "5",
            "-out",
            "k.pem",
        ],
    );
    let cert =
        qoltanba_pki::cert::KzCertificate::parse(&std::fs::read(d.join("k.pem")).unwrap()).unwrap();
    let signed = sign_cms(
        b"doc",
        &cades(Attachment::Attached),
        &key,
        &cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();

    // The async path, as the NCALayer server would call it.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (stamped, time) = runtime
        .block_on(TimestampAuthority::new(tsa.url("ok")).timestamp(&signed))
        .unwrap();
    assert_eq!(
        verify_document(&stamped, None).unwrap().timestamp,
        Some(time.time)
    );
    // The blocking path, even from inside a runtime's worker.
    let inside = runtime
        .block_on(async { TimestampAuthority::new(tsa.url("ok")).timestamp_blocking(&signed) });
    assert!(inside.is_ok(), "{inside:?}");

    let stamp = |url: String| TimestampAuthority::new(url).timestamp_blocking(&signed);
    assert!(matches!(
        stamp(tsa.url("garbage")),
        Err(TsaError::Timestamp(TimestampError::Malformed))
    ));
    assert!(matches!(
        stamp(tsa.url("reject")),
        Err(TsaError::Timestamp(TimestampError::Rejected {
            status: 2,
            ..
        }))
    ));
    assert!(matches!(
        stamp(tsa.url("wrong-nonce")),
        Err(TsaError::Timestamp(TimestampError::NonceMismatch))
    ));
    assert!(matches!(
        stamp(tsa.url("wrong-imprint")),
        Err(TsaError::Timestamp(TimestampError::ImprintMismatch))
    ));
    assert!(matches!(
        stamp(tsa.url("http-500")),
        Err(TsaError::Http(500))
    ));
    assert!(matches!(
        stamp("ftp://127.0.0.1/tsa".into()),
        Err(TsaError::BadUrl(_))
    ));
    assert!(matches!(
        stamp("not a url".into()),
        Err(TsaError::BadUrl(_))
    ));
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    assert!(matches!(
        stamp(format!("http://127.0.0.1:{port}/tsa")),
        Err(TsaError::Unreachable(_))
    ));
    // A TSA that accepts and never answers: the timeout ends the wait.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let result = TimestampAuthority::new(url)
        .with_timeout(Duration::from_millis(800))
        .timestamp_blocking(&signed);
    assert!(matches!(result, Err(TsaError::Timeout)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(silent);
}
