//! CSRs for new keys: NCA subject order, requested purpose, proof of
//! possession, and the real openssl as the judge.

mod support;

use qoltanba_core::cert::Purpose;
use qoltanba_core::crypto::{KeySpec, generate};
use qoltanba_core::reissue::{ReissueError, build_csr, renewal_subject, verify_csr};
use support::pki::*;
use support::*;

fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}

#[test]
fn csrs_keep_nca_order_carry_the_purpose_and_verify_in_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (_, current) = pki.issue("current", Alg::P256, Kind::Sign, NCA_SUBJECT, "1");
    let subject = renewal_subject(&current, Some("testov@example.kz")).unwrap();
    for (spec, purpose) in [
        (KeySpec::Rsa2048, Purpose::Auth),
        (KeySpec::Rsa2048, Purpose::Sign),
        (KeySpec::P256, Purpose::Auth),
        (KeySpec::P256, Purpose::Both),
    ] {
        let key = generate(spec).unwrap();
        let der = build_csr(&key, &subject, purpose).unwrap();
        let verified = verify_csr(&der).unwrap();
        assert_eq!(verified.purpose, purpose, "{spec:?}");
        assert_eq!(
            &verified.public_key,
            qoltanba_core::crypto::Signer::public_key(&key)
        );

        let path = dir.path().join("new.csr");
        std::fs::write(&path, pem(&der)).unwrap();
        let out = openssl(dir.path(), &["req", "-verify", "-noout", "-in", "new.csr"]);
        assert!(
            out.status.success(),
            "{spec:?} {purpose:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = openssl_ok(
            dir.path(),
            &[
                "req",
                "-in",
                "new.csr",
                "-noout",
                "-subject",
                "-nameopt",
                "sep_comma_plus,utf8,-esc_msb,sname",
            ],
        );
        assert_eq!(
            text.trim(),
            "subject=CN=ТЕСТОВ ТЕСТ,SN=ТЕСТОВ,serialNumber=IIN900101300811,C=KZ,GN=ТЕСТОВИЧ,emailAddress=testov@example.kz"
        );
    }
}

#[test]
fn a_csr_with_a_broken_signature_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (_, current) = pki.issue("current", Alg::P256, Kind::Sign, NCA_SUBJECT, "1");
    let key = generate(KeySpec::Rsa2048).unwrap();
    let mut der = build_csr(
        &key,
        &renewal_subject(&current, None).unwrap(),
        Purpose::Sign,
    )
    .unwrap();
    let last = der.len() - 1;
    der[last] ^= 1;
    assert!(matches!(
        verify_csr(&der),
        Err(ReissueError::CsrSignature(_))
    ));
    assert!(matches!(
        verify_csr(b"not a csr"),
        Err(ReissueError::MalformedCsr)
    ));
}
