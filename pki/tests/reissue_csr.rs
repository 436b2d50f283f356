//! CSRs for new keys: NCA subject order and encodings, requested purpose,
//! proof of possession, and the real openssl as the judge in both directions.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use der::{Decode, Encode};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::oid;
use qoltanba_pki::reissue::{ReissueError, build_csr, renewal_subject, verify_csr};
use support::pki::*;
use support::*;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// The subject's attributes in order, each as its DER (type, string tag, bytes).
fn atvs(name: &Name) -> Vec<(String, Vec<u8>)> {
    name.iter_rdn()
        .flat_map(|rdn| rdn.iter())
        .map(|atv: &AttributeTypeAndValue| (atv.oid.to_string(), atv.value.to_der().unwrap()))
        .collect()
}

/// The value openssl prints under an extension's heading in `req -text`.
fn extension_text<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let mut lines = text.lines();
    lines.find(|l| l.trim() == heading)?;
    lines.next().map(str::trim)
}

#[test]
fn csrs_keep_nca_order_carry_the_purpose_and_verify_in_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (_, current) = pki.issue("current", Alg::P256, Kind::Sign, &nca_subject(), "1");
    let subject = renewal_subject(&current, Some("testov@example.kz")).unwrap();
    let client = "TLS Web Client Authentication, 1.2.398.3.3.4.1.1";
    let email = "E-mail Protection, 1.2.398.3.3.4.1.1";
    for (spec, purpose, usage, eku) in [
        (
            KeySpec::Rsa2048,
            Purpose::Auth,
            "Digital Signature, Key Encipherment",
            client,
        ),
        (
            KeySpec::Rsa2048,
            Purpose::Sign,
            "Digital Signature, Non Repudiation",
            email,
        ),
        (
            KeySpec::P256,
            Purpose::Auth,
            "Digital Signature, Key Agreement",
            client,
        ),
        (
            KeySpec::P256,
            Purpose::Sign,
            "Digital Signature, Non Repudiation",
            email,
        ),
        // The GOST 2015 profile's one key, here on P-256.
        (
            KeySpec::P256,
            Purpose::Both,
            "Digital Signature, Non Repudiation, Key Agreement",
            email,
        ),
    ] {
        let key = generate(spec).unwrap();
        let der = build_csr(&key, &subject, purpose).unwrap();
        let verified = verify_csr(&der).unwrap();
        assert_eq!(verified.purpose, purpose, "{spec:?}");
        assert_eq!(&verified.public_key, key.public_key());
        assert_eq!(verified.subject, subject);
        assert_eq!(verified.der, der);
        assert!(
            verified
                .extended_key_usage
                .contains(&oid::KZ_ROLE_INDIVIDUAL)
        );

        std::fs::write(dir.path().join("new.csr"), &der).unwrap();
        let out = openssl(
            dir.path(),
            &[
                "req", "-verify", "-noout", "-inform", "DER", "-in", "new.csr",
            ],
        );
        assert!(
            out.status.success(),
            "{spec:?} {purpose:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = openssl_ok(
            dir.path(),
            &[
                "req",
                "-inform",
                "DER",
                "-in",
                "new.csr",
                "-noout",
                "-text",
                "-nameopt",
                "sep_comma_plus,utf8,-esc_msb,sname",
            ],
        );
        assert!(
            text.contains(&format!(
                "Subject: CN=ТЕСТОВ ТЕСТ,SN=ТЕСТОВ,serialNumber=IIN{},C=KZ,GN=ТЕСТОВИЧ,emailAddress=testov@example.kz",
                iin()
            )),
            "{text}"
        );
        assert_eq!(
            extension_text(&text, "X509v3 Key Usage: critical"),
            Some(usage),
            "{spec:?} {purpose:?}:\n{text}"
        );
        assert_eq!(
            extension_text(&text, "X509v3 Extended Key Usage:"),
            Some(eku),
            "{spec:?} {purpose:?}:\n{text}"
        );
    }
}

#[test]
fn the_subject_is_copied_attribute_for_attribute_and_only_the_email_changes() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    // A legal entity's employee, with an old e-mail in the middle and a
    // PrintableString SERIALNUMBER next to UTF8String names.
    let subject = format!(
        "/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN{}/C=KZ/L=АСТАНА/ST=АСТАНА/emailAddress=old@example.kz/O=АО \"ТЕСТ\"/OU=BIN{}/GN=ТЕСТОВИЧ",
        iin(),
        iin_from("12345678902")
    );
    let (_, current) = pki.issue("legal", Alg::P256, Kind::Sign, &subject, "2");
    let original = atvs(current.inner().tbs_certificate().subject());
    assert_eq!(original.len(), 10);

    // Without a new e-mail, the very same subject.
    let same = renewal_subject(&current, None).unwrap();
    assert_eq!(
        same.to_der().unwrap(),
        current
            .inner()
            .tbs_certificate()
            .subject()
            .to_der()
            .unwrap()
    );

    // With one, only E changes, in its place.
    let renewed = atvs(&renewal_subject(&current, Some("new@example.kz")).unwrap());
    assert_eq!(renewed.len(), original.len());
    for (i, (old, new)) in original.iter().zip(&renewed).enumerate() {
        if old.0 == oid::AT_EMAIL.to_string() {
            assert_eq!(new.0, old.0);
            let value = der::asn1::Ia5String::from_der(&new.1).unwrap();
            assert_eq!(value.as_str(), "new@example.kz");
        } else {
            assert_eq!(new, old, "attribute {i} changed");
        }
    }
    let types: Vec<&str> = renewed.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "2.5.4.3",
            "2.5.4.4",
            "2.5.4.5",
            "2.5.4.6",
            "2.5.4.7",
            "2.5.4.8",
            "1.2.840.113549.1.9.1",
            "2.5.4.10",
            "2.5.4.11",
            "2.5.4.42"
        ]
    );
    // SERIALNUMBER stays a PrintableString (tag 0x13), CN a UTF8String (0x0c).
    assert_eq!(renewed[2].1[0], 0x13);
    assert_eq!(renewed[0].1[0], 0x0c);

    // A non-ASCII e-mail cannot be an IA5String.
    assert!(matches!(
        renewal_subject(&current, Some("тест@example.kz")),
        Err(ReissueError::BadEmail)
    ));
}

#[test]
fn a_csr_with_a_broken_signature_or_shape_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (_, current) = pki.issue("current", Alg::P256, Kind::Sign, &nca_subject(), "1");
    let subject = renewal_subject(&current, None).unwrap();
    for spec in [KeySpec::Rsa2048, KeySpec::P256] {
        let key = generate(spec).unwrap();
        let good = build_csr(&key, &subject, Purpose::Sign).unwrap();

        // The last byte belongs to the signature.
        let mut der = good.clone();
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(
            matches!(verify_csr(&der), Err(ReissueError::CsrSignature(_))),
            "{spec:?}"
        );

        // A byte of the subject (inside the signed part): the e-mail-free
        // subject's "IIN" prefix becomes "IIM".
        let mut der = good.clone();
        let at = der.windows(3).position(|w| w == b"IIN").unwrap();
        der[at + 2] = b'M';
        assert!(
            matches!(verify_csr(&der), Err(ReissueError::CsrSignature(_))),
            "{spec:?}"
        );

        // Another key's CSR signature on this key's request.
        let other = generate(spec).unwrap();
        let foreign = build_csr(&other, &subject, Purpose::Sign).unwrap();
        let mut forged = x509_cert::request::CertReq::from_der(&good).unwrap();
        forged.signature = x509_cert::request::CertReq::from_der(&foreign)
            .unwrap()
            .signature;
        assert!(
            matches!(
                verify_csr(&forged.to_der().unwrap()),
                Err(ReissueError::CsrSignature(_))
            ),
            "{spec:?}"
        );

        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            verify_csr(&trailing),
            Err(ReissueError::MalformedCsr)
        ));
    }
    assert!(matches!(
        verify_csr(b"not a csr"),
        Err(ReissueError::MalformedCsr)
    ));
    assert!(matches!(verify_csr(b""), Err(ReissueError::MalformedCsr)));
    assert!(matches!(
        build_csr(
            &generate(KeySpec::P256).unwrap(),
            &subject,
            Purpose::Neither
        ),
        Err(ReissueError::NoPurpose)
    ));
}

#[test]
fn csrs_made_by_openssl_verify_too() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    for (name, alg) in [("rsa", Alg::Rsa), ("ec", Alg::P256)] {
        let key = pki.new_key(name, alg);
        for (extra, purpose) in [
            (
                Some("keyUsage=critical,digitalSignature,nonRepudiation"),
                Purpose::Sign,
            ),
            (None, Purpose::Neither),
        ] {
            let subject = nca_subject();
            let p8 = format!("{name}.p8");
            let mut args = vec![
                "req", "-new", "-utf8", "-key", &p8, "-keyform", "DER", "-subj", &subject,
                "-outform", "DER", "-out", "o.csr",
            ];
            if let Some(ext) = extra {
                args.extend(["-addext", ext]);
            }
            openssl_ok(dir.path(), &args);
            let verified = verify_csr(&std::fs::read(dir.path().join("o.csr")).unwrap()).unwrap();
            assert_eq!(verified.purpose, purpose, "{name} {extra:?}");
            assert_eq!(&verified.public_key, key.public_key());
        }
    }
}
