//! The signed reissue application: openssl accepts it, qoltanba verifies it,
//! and every refusal and tampering has its own error.

mod support;

use cms::content_info::ContentInfo;
use der::{Decode, Encode};
use proptest::prelude::*;
use qoltanba_core::cert::Purpose;
use qoltanba_core::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_core::reissue::wire::{self, SignedData};
use qoltanba_core::reissue::{
    ApplicationDetails, ReissueError, StorageKind, build_application, verify_application,
};
use support::pki::*;
use support::*;
use time::OffsetDateTime;

fn details() -> ApplicationDetails {
    ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    }
}

fn build(
    signer: &SoftwareKey,
    cert: &qoltanba_core::cert::KzCertificate,
    at: OffsetDateTime,
) -> Result<qoltanba_core::reissue::SignedApplication, ReissueError> {
    let auth = generate(KeySpec::P256).unwrap();
    let sign = generate(KeySpec::P256).unwrap();
    let keys: [(Purpose, &dyn Signer); 2] = [(Purpose::Auth, &auth), (Purpose::Sign, &sign)];
    build_application(cert, signer, &keys, &details(), at)
}

#[test]
fn rsa_and_ecdsa_signers_verify_in_openssl_and_in_qoltanba() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    for (name, alg) in [("rsa", Alg::Rsa), ("ec", Alg::P256)] {
        let (key, cert) = pki.issue(name, alg, Kind::Sign, NCA_SUBJECT, "10");
        let now = OffsetDateTime::now_utc();
        let signed = build(&key, &cert, now).unwrap();
        let p7s = dir.path().join(format!("{name}.p7s"));
        std::fs::write(&p7s, &signed.p7s_der).unwrap();
        let content = dir.path().join(format!("{name}.content"));
        openssl_ok(
            dir.path(),
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                p7s.to_str().unwrap(),
                "-CAfile",
                "ca.pem",
                "-purpose",
                "any",
                "-out",
                content.to_str().unwrap(),
            ],
        );
        assert_eq!(
            std::fs::read(&content).unwrap(),
            signed.application.to_der().unwrap(),
            "{name}"
        );
        // openssl names the content type by its UUID-derived OID.
        let printed = openssl_ok(
            dir.path(),
            &[
                "cms",
                "-cmsout",
                "-print",
                "-inform",
                "DER",
                "-in",
                p7s.to_str().unwrap(),
            ],
        );
        let econtent_type = printed.lines().find(|l| l.contains("eContentType"));
        assert!(
            econtent_type.is_some_and(|l| l.contains(wire::CONTENT_TYPE_DOTTED)),
            "{printed}"
        );

        // PEM as `openssl cms` and `openssl pkcs7` write it verifies too.
        for (tool, label) in [("cms", "CMS"), ("pkcs7", "PKCS7")] {
            let pem = dir.path().join(format!("{name}.{tool}.pem"));
            let mut args = vec![tool];
            if tool == "cms" {
                args.push("-cmsout");
            }
            args.extend([
                "-inform",
                "DER",
                "-in",
                p7s.to_str().unwrap(),
                "-outform",
                "PEM",
                "-out",
                pem.to_str().unwrap(),
            ]);
            openssl_ok(dir.path(), &args);
            let pem = std::fs::read(&pem).unwrap();
            assert!(pem.starts_with(format!("-----BEGIN {label}-----").as_bytes()));
            let verified = verify_application(&pem).unwrap();
            assert_eq!(verified.application, signed.application, "{tool}");
        }

        let verified = verify_application(&signed.p7s_der).unwrap();
        assert_eq!(verified.application, signed.application);
        assert_eq!(verified.signer.der(), cert.der());
        assert_eq!(verified.csrs.len(), 2);
        assert_eq!(verified.csrs[0].purpose, Purpose::Auth);
        assert_eq!(verified.csrs[1].purpose, Purpose::Sign);
        assert_eq!((verified.signing_time - now).whole_seconds(), 0);
        let summary = serde_json::to_value(verified.summary()).unwrap();
        assert_eq!(summary["applicant"]["iin"], IIN);
        assert_eq!(summary["applicant"]["surname"], "ТЕСТОВ");
        assert_eq!(summary["applicant"]["first_name"], "ТЕСТ");
        assert_eq!(summary["applicant"]["patronymic"], "ТЕСТОВИЧ");
        assert_eq!(summary["storage"], "file");
        assert_eq!(summary["requests"][0]["algorithm"], "ECDSA-P256");
        assert_eq!(summary["requests"][0]["proof_of_possession"], true);
        assert_eq!(signed.application.nonce.as_bytes().len(), 32);
    }
}

#[test]
fn refusals_before_signing() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, NCA_SUBJECT, "20");
    let (auth_key, auth_cert) = pki.issue("auth", Alg::P256, Kind::Auth, NCA_SUBJECT, "21");
    let (no_iin_key, no_iin) = pki.issue("noiin", Alg::P256, Kind::Sign, "/CN=Somebody/C=KZ", "22");
    // Taken after every certificate is issued, so `now` is inside each window
    // even when a second boundary passes while openssl runs.
    let now = OffsetDateTime::now_utc();
    let expired = build(&key, &cert, now + time::Duration::days(30)).unwrap_err();
    assert!(matches!(expired, ReissueError::Expired(_)), "{expired}");
    assert!(expired.to_string().contains("expired"));
    let early = build(&key, &cert, now - time::Duration::days(1)).unwrap_err();
    assert!(matches!(early, ReissueError::NotYetValid(_)), "{early}");
    assert!(early.to_string().contains("not valid before"));

    let err = build(&auth_key, &auth_cert, now).unwrap_err();
    assert!(matches!(err, ReissueError::NotASigningKey));
    assert!(err.to_string().contains("SIGN"));

    let other = generate(KeySpec::P256).unwrap();
    assert!(matches!(
        build(&other, &cert, now),
        Err(ReissueError::KeyMismatch)
    ));

    assert!(matches!(
        build(&no_iin_key, &no_iin, now),
        Err(ReissueError::NoIin)
    ));

    let auth = generate(KeySpec::P256).unwrap();
    let keys: [(Purpose, &dyn Signer); 2] = [(Purpose::Sign, &auth), (Purpose::Sign, &auth)];
    assert!(matches!(
        build_application(&cert, &key, &keys, &details(), now),
        Err(ReissueError::DuplicatePurpose)
    ));
    assert!(matches!(
        build_application(&cert, &key, &[], &details(), now),
        Err(ReissueError::NoRequests)
    ));
    let one: [(Purpose, &dyn Signer); 1] = [(Purpose::Sign, &auth)];
    for bad in [
        "",
        "no-at-sign",
        "a@b",
        "two@@example.kz",
        "space @example.kz",
    ] {
        let d = ApplicationDetails {
            email: bad.into(),
            ..details()
        };
        assert!(
            matches!(
                build_application(&cert, &key, &one, &d, now),
                Err(ReissueError::BadEmail)
            ),
            "{bad}"
        );
    }
    for bad in ["", "   ", &"x".repeat(101)] {
        let d = ApplicationDetails {
            locality: bad.to_string(),
            ..details()
        };
        assert!(matches!(
            build_application(&cert, &key, &one, &d, now),
            Err(ReissueError::BadLocality)
        ));
    }
}

/// Decode, change and re-encode the SignedData of an application.
fn edit(p7s: &[u8], change: impl FnOnce(&mut SignedData)) -> Vec<u8> {
    let mut info = ContentInfo::from_der(p7s).unwrap();
    let mut signed: SignedData = info.content.decode_as().unwrap();
    change(&mut signed);
    info.content = der::asn1::Any::encode_from(&signed).unwrap();
    info.to_der().unwrap()
}

#[test]
fn tampering_is_caught_with_a_specific_error() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, NCA_SUBJECT, "30");
    let signed = build(&key, &cert, OffsetDateTime::now_utc()).unwrap();
    let p7s = signed.p7s_der.clone();

    // A byte of the content (the e-mail).
    let mut bytes = p7s.clone();
    let at = bytes.windows(7).position(|w| w == b"testov@").unwrap();
    bytes[at] = b'x';
    assert!(matches!(
        verify_application(&bytes),
        Err(ReissueError::DigestMismatch)
    ));

    // A byte of the signature.
    let flipped = edit(&p7s, |sd| {
        let mut infos = sd.signer_infos.0.clone().into_vec();
        let mut sig = infos[0].signature.as_bytes().to_vec();
        sig[10] ^= 1;
        infos[0].signature = der::asn1::OctetString::new(sig).unwrap();
        sd.signer_infos.0 = der::asn1::SetOfVec::try_from(infos).unwrap();
    });
    assert!(matches!(
        verify_application(&flipped),
        Err(ReissueError::BadSignature(_))
    ));

    // The certificate swapped for another with the same issuer and serial.
    openssl_ok(
        dir.path(),
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "twin.key",
        ],
    );
    pki.certify("twin", Kind::Sign, NCA_SUBJECT, "30");
    let twin = pki.cert("twin");
    let swapped = edit(&p7s, |sd| {
        sd.certificates = Some(cms::signed_data::CertificateSet(
            der::asn1::SetOfVec::try_from(vec![cms::cert::CertificateChoices::Certificate(
                twin.inner().clone(),
            )])
            .unwrap(),
        ));
    });
    assert!(matches!(
        verify_application(&swapped),
        Err(ReissueError::SignerCertificateMismatch)
    ));

    // Another content type, in the envelope or in the signed attribute.
    let data = der::asn1::Any::encode_from(&qoltanba_core::oid::CT_DATA).unwrap();
    let relabelled = edit(&p7s, |sd| {
        sd.encap_content_info.econtent_type = data.clone()
    });
    assert!(matches!(
        verify_application(&relabelled),
        Err(ReissueError::NotAnApplication)
    ));
    let attr_relabelled = edit(&p7s, |sd| {
        let mut infos = sd.signer_infos.0.clone().into_vec();
        let attrs: Vec<_> = infos[0]
            .signed_attrs
            .clone()
            .unwrap()
            .into_vec()
            .into_iter()
            .map(|mut a| {
                if a.oid == qoltanba_core::oid::ATTR_CONTENT_TYPE {
                    a.values = der::asn1::SetOfVec::try_from(vec![data.clone()]).unwrap();
                }
                a
            })
            .collect();
        infos[0].signed_attrs = Some(der::asn1::SetOfVec::try_from(attrs).unwrap());
        sd.signer_infos.0 = der::asn1::SetOfVec::try_from(infos).unwrap();
    });
    assert!(matches!(
        verify_application(&attr_relabelled),
        Err(ReissueError::NotAnApplication)
    ));

    // The certificate removed.
    let removed = edit(&p7s, |sd| sd.certificates = None);
    assert!(matches!(
        verify_application(&removed),
        Err(ReissueError::SignerCertificateMissing)
    ));

    // A signed attribute removed.
    let no_time = edit(&p7s, |sd| {
        let mut infos = sd.signer_infos.0.clone().into_vec();
        let attrs: Vec<_> = infos[0]
            .signed_attrs
            .clone()
            .unwrap()
            .into_vec()
            .into_iter()
            .filter(|a| a.oid != qoltanba_core::oid::ATTR_SIGNING_TIME)
            .collect();
        infos[0].signed_attrs = Some(der::asn1::SetOfVec::try_from(attrs).unwrap());
        sd.signer_infos.0 = der::asn1::SetOfVec::try_from(infos).unwrap();
    });
    assert!(matches!(
        verify_application(&no_time),
        Err(ReissueError::MissingAttribute("signingTime"))
    ));

    assert!(matches!(
        verify_application(b""),
        Err(ReissueError::NotAnApplication)
    ));
    assert!(matches!(
        verify_application(cert.der()),
        Err(ReissueError::NotAnApplication)
    ));
}

fn sample() -> &'static [u8] {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::new(dir.path());
        let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, NCA_SUBJECT, "40");
        build(&key, &cert, OffsetDateTime::now_utc())
            .unwrap()
            .p7s_der
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        prop_assert!(verify_application(&bytes).is_err());
    }

    #[test]
    fn damaged_applications_never_verify_and_never_panic(flip in 0usize..4096, bit in 0u8..8, cut in 0usize..4096) {
        let mut bytes = sample().to_vec();
        let i = flip % bytes.len();
        bytes[i] ^= 1 << bit;
        bytes.truncate(cut.max(1));
        // A changed byte anywhere must break verification (every byte is
        // either structure, signed content, signed attributes, certificate
        // or signature), unless it lies past the cut.
        if i < bytes.len() {
            prop_assert!(verify_application(&bytes).is_err(), "flip at {i} went unnoticed");
        } else {
            let _ = verify_application(&bytes);
        }
    }
}

/// A new key that counts its signatures: refusals must come before any.
struct Counting {
    key: SoftwareKey,
    signed: std::sync::atomic::AtomicUsize,
}

impl Signer for Counting {
    fn algorithm(&self) -> qoltanba_core::crypto::SignatureAlgorithm {
        self.key.algorithm()
    }
    fn public_key(&self) -> &spki::SubjectPublicKeyInfoOwned {
        self.key.public_key()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, qoltanba_core::crypto::SignError> {
        self.signed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.key.sign(message)
    }
}

#[test]
fn refusals_come_before_any_csr_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, NCA_SUBJECT, "50");
    let now = OffsetDateTime::now_utc();
    let new = Counting {
        key: generate(KeySpec::P256).unwrap(),
        signed: 0.into(),
    };
    type Keys<'a> = Vec<(Purpose, &'a dyn Signer)>;
    let cases: Vec<(Keys, OffsetDateTime)> = vec![
        (
            vec![(Purpose::Sign, &new)],
            now + time::Duration::days(3650),
        ),
        (vec![(Purpose::Sign, &new), (Purpose::Sign, &new)], now),
        (vec![(Purpose::Auth, &new), (Purpose::Neither, &new)], now),
    ];
    for (keys, at) in cases {
        assert!(build_application(&cert, &key, &keys, &details(), at).is_err());
    }
    assert!(matches!(
        build_application(
            &cert,
            &key,
            &[(Purpose::Neither, &new as &dyn Signer)],
            &details(),
            now
        ),
        Err(ReissueError::NoPurpose)
    ));
    let bad_email = ApplicationDetails {
        email: "nobody".into(),
        ..details()
    };
    assert!(
        build_application(
            &cert,
            &key,
            &[(Purpose::Sign, &new as &dyn Signer)],
            &bad_email,
            now
        )
        .is_err()
    );
    assert_eq!(new.signed.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn the_iin_travels_as_the_certificate_has_it_and_the_new_email_replaces_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    // NCA's test certificates carry an IIN whose control digit fails.
    let subject = "/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN123456789011/C=KZ/GN=ТЕСТОВИЧ/emailAddress=old@example.kz";
    let (key, cert) = pki.issue("sign", Alg::Rsa, Kind::Sign, subject, "60");
    let signed = build(&key, &cert, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(signed.application.applicant.iin.as_str(), "123456789011");
    let verified = verify_application(&signed.p7s_der).unwrap();
    for csr in &verified.csrs {
        let name = csr.subject.to_string();
        assert!(name.contains("testov@example.kz"), "{name}");
        assert!(!name.contains("old@example.kz"), "{name}");
    }
    let summary = serde_json::to_value(verified.summary()).unwrap();
    assert_eq!(summary["signer"]["iin"], "123456789011");
    assert_eq!(summary["requests"][1]["purpose"], "sign");
    assert_eq!(summary["requests"][0]["key_id"].as_str().unwrap().len(), 40);
}
