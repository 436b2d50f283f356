//! Every NCA test certificate parses, and what qoltanba reads matches what
//! the real `openssl x509` prints for the same file.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use qoltanba_pki::cert::{
    ChainError, IdNumberProblem, KzCertificate, Purpose, Role, TimeStatus, TrustAnchors, validate,
};
use time::OffsetDateTime;
use time::macros::datetime;

use support::{nca, openssl};

fn load(rel: &str) -> KzCertificate {
    let bytes = std::fs::read(nca(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"));
    KzCertificate::parse(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const ALL_CERTS: &[&str] = &[
    "ncanode/ca/nca_gost2015_test.cer",
    "ncanode/ca/nca_gost_test.crt",
    "ncanode/ca/nca_rsa_test.crt",
    "ncanode/certs/ceo_valid_sign_2004_gost.cer",
    "ncanode/certs/individual_valid_sign_2004_rsa.cer",
    "ncanode/certs/individual_valid_sign_2004_rsa_auth.cer",
    "gokalkan/gost1.cer",
    "gokalkan/gost2.cer",
];

/// openssl's stdout. It exits non-zero when it cannot load a GOST key but
/// still prints the fields asked for, so the status is not checked.
fn openssl_stdout(args: &[&str]) -> String {
    String::from_utf8(openssl(Path::new("."), args).stdout)
        .expect("openssl prints UTF-8 with -nameopt utf8")
}

/// The fields openssl prints, keyed by name.
fn openssl_fields(path: &Path) -> BTreeMap<String, String> {
    let path = path.to_str().unwrap();
    let form = if std::fs::read(path).unwrap().starts_with(b"-----") {
        "PEM"
    } else {
        "DER"
    };
    let text = openssl_stdout(&[
        "x509",
        "-inform",
        form,
        "-in",
        path,
        "-noout",
        "-nameopt",
        "sep_multiline,utf8,-esc_msb,sname",
        "-dateopt",
        "iso_8601",
        "-subject",
        "-serial",
        "-startdate",
        "-enddate",
        "-ext",
        "subjectKeyIdentifier,authorityKeyIdentifier",
    ]);
    let mut fields = BTreeMap::new();

    let mut section = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some((k, v)) = trimmed.split_once('=') {
            let key = if line.starts_with("    ") {
                format!("subject.{k}")
            } else {
                k.to_string()
            };
            fields.insert(key, v.to_string());
        } else if trimmed.starts_with("X509v3") {
            section = trimmed.trim_end_matches(':').to_string();
        } else if !trimmed.is_empty() && !section.is_empty() {
            let v = trimmed.trim_start_matches("keyid:").replace(':', "");
            fields.entry(section.clone()).or_insert(v);
        }
    }
    fields
}

fn iso(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    t.format(&f).unwrap()
}

#[test]
fn every_fixture_certificate_matches_openssl() {
    for rel in ALL_CERTS {
        let cert = load(rel);
        let o = openssl_fields(&nca(rel));
        let h = cert.holder();
        assert_eq!(
            Some(cert.serial_hex()),
            o.get("serial").cloned(),
            "{rel} serial"
        );
        assert_eq!(
            Some(iso(cert.not_before())),
            o.get("notBefore").cloned(),
            "{rel} notBefore"
        );
        assert_eq!(
            Some(iso(cert.not_after())),
            o.get("notAfter").cloned(),
            "{rel} notAfter"
        );
        assert_eq!(h.common_name, o.get("subject.CN").cloned(), "{rel} CN");
        assert_eq!(h.surname, o.get("subject.SN").cloned(), "{rel} SN");
        assert_eq!(h.patronymic, o.get("subject.GN").cloned(), "{rel} GN");
        assert_eq!(h.country, o.get("subject.C").cloned(), "{rel} C");
        assert_eq!(h.organisation, o.get("subject.O").cloned(), "{rel} O");
        assert_eq!(
            h.iin.as_ref().map(|i| format!("IIN{}", i.digits())),
            o.get("subject.serialNumber").cloned(),
            "{rel} IIN"
        );
        assert_eq!(
            h.bin.as_ref().map(|b| format!("BIN{}", b.digits())),
            o.get("subject.OU").cloned(),
            "{rel} BIN"
        );
        assert_eq!(
            cert.subject_key_id().map(hex::encode_upper),
            o.get("X509v3 Subject Key Identifier").cloned(),
            "{rel} SKI"
        );
        assert_eq!(
            cert.authority_key_id().map(hex::encode_upper),
            o.get("X509v3 Authority Key Identifier").cloned(),
            "{rel} AKI"
        );
    }
}

#[test]
fn gost2015_individual_certificate() {
    let cert = load("gokalkan/gost1.cer");
    assert_eq!(cert.key_algorithm().name(), "GOST2015-512");
    assert_eq!(cert.key_algorithm().bits(), 512);
    assert_eq!(
        cert.signature_algorithm().map(|a| a.name()),
        Some("GOST2015-512")
    );
    assert_eq!(
        cert.purpose(),
        Purpose::Both,
        "one GOST 2015 key logs in and signs"
    );
    assert_eq!(cert.roles(), &[Role::Individual]);
    let iin = cert.holder().iin.as_ref().expect("IIN present");
    assert_eq!(iin.digits(), "123456789011");
    assert!(!iin.is_valid());
    assert_eq!(iin.problem(), Some(IdNumberProblem::CenturyDigit));
    assert_eq!(cert.holder().first_name(), Some("ТЕСТ"));
    assert_eq!(
        cert.holder().full_name().as_deref(),
        Some("ТЕСТОВ ТЕСТ ТЕСТОВИЧ")
    );
    assert_eq!(
        cert.policies()
            .iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>(),
        ["1.2.398.3.3.2"]
    );
    assert_eq!(cert.ocsp_urls(), ["http://test.pki.gov.kz/ocsp/"]);
    assert_eq!(
        cert.ca_issuer_urls(),
        ["http://test.pki.gov.kz/cert/nca_gost2022_test.cer"]
    );
    assert_eq!(
        cert.crl_urls(),
        ["http://test.pki.gov.kz/crl/nca_gost2022_test.crl"]
    );
    assert_eq!(
        cert.delta_crl_urls(),
        ["http://test.pki.gov.kz/crl/nca_gost2022_d_test.crl"]
    );
    // SEQUENCE { OID 1.2.398.3.3.5.1.1 }
    assert_eq!(
        cert.kz_private_extension().map(hex::encode).as_deref(),
        Some("300a06082a830e0303050101")
    );
    let ext = cert.kz_private_extension().unwrap();
    let seq: Vec<der::asn1::ObjectIdentifier> = der::Decode::from_der(ext).unwrap();
    assert_eq!(
        seq,
        [der::asn1::ObjectIdentifier::new_unwrap("1.2.398.3.3.5.1.1")]
    );
    let at = datetime!(2024-06-01 00:00 UTC);
    assert_eq!(cert.time_status(at), TimeStatus::Valid);
    assert_eq!(cert.days_left(at), 160);
    assert_eq!(
        cert.time_status(datetime!(2024-11-09 00:00 UTC)),
        TimeStatus::Expired
    );
    assert_eq!(
        cert.time_status(datetime!(2023-11-01 00:00 UTC)),
        TimeStatus::NotYetValid
    );
}

#[test]
fn rsa_auth_and_sign_certificates_and_legal_entity() {
    let auth = load("ncanode/certs/individual_valid_sign_2004_rsa_auth.cer");
    assert_eq!(auth.purpose(), Purpose::Auth);
    assert_eq!(auth.key_algorithm().name(), "RSA-2048");
    assert_eq!(auth.policies()[0].to_string(), "1.2.398.3.3.2.4");
    let sign = load("ncanode/certs/individual_valid_sign_2004_rsa.cer");
    assert_eq!(sign.purpose(), Purpose::Sign);
    assert_eq!(sign.policies()[0].to_string(), "1.2.398.3.3.2.3");
    assert_eq!(sign.roles(), &[Role::Individual]);

    let ceo = load("ncanode/certs/ceo_valid_sign_2004_gost.cer");
    assert_eq!(ceo.key_algorithm().name(), "GOST2004");
    assert_eq!(ceo.purpose(), Purpose::Sign);
    assert_eq!(ceo.roles(), &[Role::Organisation, Role::Ceo]);
    assert_eq!(ceo.holder().organisation.as_deref(), Some("АО \"ТЕСТ\""));
    let bin = ceo.holder().bin.as_ref().unwrap();
    assert_eq!(bin.digits(), "123456789021");
    assert!(!bin.is_valid());

    let ca = load("ncanode/ca/nca_rsa_test.crt");
    assert!(ca.is_ca());
    assert_eq!(ca.purpose(), Purpose::Neither);
    assert_eq!(ca.key_algorithm().name(), "RSA-4096");
}

#[test]
fn summary_serialises_for_json() {
    let cert = load("gokalkan/gost2.cer");
    let json = serde_json::to_value(cert.summary(datetime!(2024-06-01 00:00 UTC))).unwrap();
    assert_eq!(json["purpose"], "both");
    assert_eq!(json["iin"], "123456789011");
    assert_eq!(json["iin_valid"], false);
    assert_eq!(json["status"], "valid");
    assert_eq!(json["roles"][0], "individual");
    assert!(
        json["iin_problem"]
            .as_str()
            .unwrap()
            .starts_with("not a valid IIN")
    );
}

#[test]
fn not_a_certificate_is_a_typed_error() {
    for bytes in [
        &b""[..],
        b"hello",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        &[0x30, 0x82, 0xff],
    ] {
        let err = KzCertificate::parse(bytes).unwrap_err();
        assert!(
            err.to_string().starts_with("not an X.509 certificate"),
            "{err}"
        );
    }
}

// --- chain validation against the real NCA test CAs ---------------------------

fn rsa_anchor() -> TrustAnchors {
    TrustAnchors::new(vec![load("ncanode/ca/nca_rsa_test.crt")])
}

#[test]
fn rsa_chain_validates_at_a_pinned_instant() {
    let sign = load("ncanode/certs/individual_valid_sign_2004_rsa.cer");
    let at = datetime!(2022-06-01 00:00 UTC);
    let path = validate(&sign, &[], &rsa_anchor(), at, Some(Purpose::Sign)).unwrap();
    assert_eq!(path.len(), 2);
    let auth = load("ncanode/certs/individual_valid_sign_2004_rsa_auth.cer");
    validate(&auth, &[], &rsa_anchor(), at, Some(Purpose::Auth)).unwrap();
}

#[test]
fn chain_failures_name_the_reason() {
    let sign = load("ncanode/certs/individual_valid_sign_2004_rsa.cer");
    let at = datetime!(2022-06-01 00:00 UTC);
    assert!(matches!(
        validate(&sign, &[], &rsa_anchor(), at, Some(Purpose::Auth)),
        Err(ChainError::WrongPurpose {
            required: Purpose::Auth,
            actual: Purpose::Sign
        })
    ));
    assert!(matches!(
        validate(
            &sign,
            &[],
            &rsa_anchor(),
            datetime!(2023-06-01 00:00 UTC),
            None
        ),
        Err(ChainError::Expired { .. })
    ));
    assert!(matches!(
        validate(
            &sign,
            &[],
            &rsa_anchor(),
            datetime!(2021-06-01 00:00 UTC),
            None
        ),
        Err(ChainError::NotYetValid { .. })
    ));
    let gost_anchor = TrustAnchors::new(vec![load("ncanode/ca/nca_gost2015_test.cer")]);
    assert!(matches!(
        validate(&sign, &[], &gost_anchor, at, None),
        Err(ChainError::UnknownIssuer { .. })
    ));

    // Flip one bit of the signature: still parses, no longer verifies.
    let mut der = sign.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let forged = KzCertificate::from_der(&der).unwrap();
    assert!(matches!(
        validate(&forged, &[], &rsa_anchor(), at, None),
        Err(ChainError::BadSignature { .. })
    ));
}

#[test]
fn gost2015_chains_verify_under_the_nca_test_ca() {
    let anchor = TrustAnchors::new(vec![load("ncanode/ca/nca_gost2015_test.cer")]);
    let at = datetime!(2024-06-01 00:00 UTC);
    for rel in ["gokalkan/gost1.cer", "gokalkan/gost2.cer"] {
        let cert = load(rel);
        let path = validate(&cert, &[], &anchor, at, Some(Purpose::Sign))
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(path.len(), 2, "{rel}");
        validate(&cert, &[], &anchor, at, Some(Purpose::Auth)).unwrap();
    }
}

#[test]
fn gost2004_chain_verifies_under_the_nca_test_ca() {
    let ceo = load("ncanode/certs/ceo_valid_sign_2004_gost.cer");
    let anchor = TrustAnchors::new(vec![load("ncanode/ca/nca_gost_test.crt")]);
    let path = validate(
        &ceo,
        &[],
        &anchor,
        datetime!(2022-06-01 00:00 UTC),
        Some(Purpose::Sign),
    )
    .unwrap();
    assert_eq!(path.len(), 2);
}

#[test]
fn tampered_gost_certificates_are_refused() {
    let anchor = TrustAnchors::new(vec![load("ncanode/ca/nca_gost2015_test.cer")]);
    let at = datetime!(2024-06-01 00:00 UTC);
    let good = load("gokalkan/gost1.cer").der().to_vec();
    // The signature is the last 128 bytes: flip a bit in r, in s; then flip
    // one in the subject (the signed part).
    for at_byte in [good.len() - 100, good.len() - 1, 200] {
        let mut der = good.clone();
        der[at_byte] ^= 0x01;
        let forged = KzCertificate::from_der(&der).unwrap();
        assert!(
            matches!(
                validate(&forged, &[], &anchor, at, None),
                Err(ChainError::BadSignature { .. })
            ),
            "byte {at_byte}"
        );
    }
    // Signed by the other GOST CA: not its issuer.
    let other = TrustAnchors::new(vec![load("ncanode/ca/nca_gost_test.crt")]);
    assert!(matches!(
        validate(&load("gokalkan/gost1.cer"), &[], &other, at, None),
        Err(ChainError::UnknownIssuer { .. })
    ));
}
