//! The RA's CRLs as openssl reads them: signature valid under the CA, the
//! revoked serials and reasons listed; the GOST CA's CRL checked with the
//! core's GOST verifier (openssl has no GOST).
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use support::openssl;

use der::{Decode, Encode};
use qoltanba_pki::crypto::verify_signature;
use qoltanba_pki::keyfile::{NewPassword, Password};
use qoltanba_ra::ca::crl::{RevocationReason, RevokedEntry, build_crl};
use qoltanba_ra::ca::{CaKind, CaSet};
use time::OffsetDateTime;
use x509_cert::crl::CertificateList;

#[test]
fn crls_verify_and_list_what_was_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let pass = NewPassword::new(Password::new(
        qoltanba_testkit::ra_process::OPERATOR_PASSPHRASE,
    ))
    .unwrap();
    let cas = CaSet::create_in_profile(dir.path(), &pass, now, qoltanba_pki::keyfile::Profile::Nca)
        .unwrap();
    let revoked = vec![
        RevokedEntry {
            serial: vec![0x12, 0x34, 0x56],
            revoked_at: now - time::Duration::hours(1),
            reason: Some(RevocationReason::KeyCompromise),
        },
        RevokedEntry {
            serial: vec![0x7f, 0x01],
            revoked_at: now,
            reason: None,
        },
    ];
    let pem = |der: &[u8], label: &str| {
        der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
    };
    std::fs::write(
        dir.path().join("chain.pem"),
        [CaKind::Root, CaKind::Rsa, CaKind::Ecdsa]
            .iter()
            .map(|k| pem(cas.get(*k).cert.der(), "CERTIFICATE"))
            .collect::<String>(),
    )
    .unwrap();
    for kind in [CaKind::Rsa, CaKind::Ecdsa] {
        let der = build_crl(
            cas.get(kind),
            &revoked,
            7,
            now,
            now + time::Duration::days(1),
        )
        .unwrap();
        let file = format!("{}.crl", kind.name());
        std::fs::write(dir.path().join(&file), &der).unwrap();
        let out = openssl(
            dir.path(),
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                &file,
                "-CAfile",
                "chain.pem",
                "-noout",
            ],
        );
        assert!(out.contains("verify OK"), "{out}");
        let text = openssl(
            dir.path(),
            &["crl", "-inform", "DER", "-in", &file, "-noout", "-text"],
        );
        assert!(text.contains("123456"), "{text}");
        assert!(text.contains("7F01"), "{text}");
        assert!(text.contains("Key Compromise"), "{text}");
        assert!(
            text.contains("X509v3 CRL Number") && text.contains("7"),
            "{text}"
        );
        assert!(text.contains("Authority Key Identifier"), "{text}");
    }
    // GOST: the core verifies the CA's signature over the TBS.
    let gost = cas.get(CaKind::Gost);
    let der = build_crl(gost, &revoked, 1, now, now + time::Duration::days(1)).unwrap();
    let crl: CertificateList = CertificateList::from_der(&der).unwrap();
    let tbs = crl.tbs_cert_list.to_der().unwrap();
    verify_signature(
        gost.cert.public_key(),
        &crl.signature_algorithm,
        &tbs,
        crl.signature.raw_bytes(),
    )
    .unwrap();
    let mut forged = tbs.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert!(
        verify_signature(
            gost.cert.public_key(),
            &crl.signature_algorithm,
            &forged,
            crl.signature.raw_bytes()
        )
        .is_err()
    );
    // An empty CRL is valid too.
    let empty = build_crl(
        cas.get(CaKind::Rsa),
        &[],
        8,
        now,
        now + time::Duration::days(1),
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.crl"), &empty).unwrap();
    let out = openssl(
        dir.path(),
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "empty.crl",
            "-CAfile",
            "chain.pem",
            "-noout",
        ],
    );
    assert!(out.contains("verify OK"), "{out}");
}
