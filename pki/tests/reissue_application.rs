//! The signed reissue application: openssl accepts it, qoltanba verifies it,
//! and every refusal and every kind of tampering has its own error.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use cms::content_info::ContentInfo;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use proptest::prelude::*;
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, SignError, SignatureAlgorithm, Signer, SoftwareKey, generate};
use qoltanba_pki::oid;
use qoltanba_pki::reissue::wire::{self, SignedData};
use qoltanba_pki::reissue::{
    ApplicationDetails, KeyRequest, ReissueApplication, ReissueError, RequestPurpose,
    SignedApplication, StorageKind, build_application, build_csr, renewal_subject,
    sign_application, verify_application,
};
use support::pki::*;
use support::*;
use time::OffsetDateTime;
use x509_cert::attr::{Attribute, Attributes};
use x509_cert::request::CertReq;

fn details() -> ApplicationDetails {
    ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    }
}

/// An application for new AUTH and SIGN keys of `spec`.
fn build_with(
    spec: KeySpec,
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<SignedApplication, ReissueError> {
    let auth = generate(spec).unwrap();
    let sign = generate(spec).unwrap();
    let keys: [(Purpose, &dyn Signer); 2] = [(Purpose::Auth, &auth), (Purpose::Sign, &sign)];
    build_application(cert, signer, &keys, &details(), at)
}

fn build(
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<SignedApplication, ReissueError> {
    build_with(KeySpec::P256, signer, cert, at)
}

#[test]
fn rsa_and_ecdsa_signers_verify_in_openssl_and_in_qoltanba() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    for (name, alg, spec, key_name) in [
        ("rsa", Alg::Rsa, KeySpec::Rsa2048, "RSA-2048"),
        ("ec", Alg::P256, KeySpec::P256, "ECDSA-P256"),
    ] {
        let (key, cert) = pki.issue(name, alg, Kind::Sign, &nca_subject(), "10");
        let now = OffsetDateTime::now_utc();
        let signed = build_with(spec, &key, &cert, now).unwrap();
        let p7s = format!("{name}.p7s");
        std::fs::write(dir.path().join(&p7s), &signed.p7s_der).unwrap();
        let application = signed.application.to_der().unwrap();

        // The signature alone, then with the chain to the test CA; both
        // times the content openssl outputs is the DER application.
        for trust in [
            &["-noverify"][..],
            &["-CAfile", "ca.pem", "-purpose", "any"],
        ] {
            let content = format!("{name}.content");
            let mut args = vec!["cms", "-verify", "-inform", "DER", "-in", &p7s];
            args.extend(trust);
            args.extend(["-out", &content]);
            openssl_ok(dir.path(), &args);
            assert_eq!(
                std::fs::read(dir.path().join(&content)).unwrap(),
                application,
                "{name} {trust:?}"
            );
        }
        // Without the CA, openssl does not trust the signer: the signature
        // check really involved the chain.
        let out = openssl(
            dir.path(),
            &["cms", "-verify", "-inform", "DER", "-in", &p7s, "-out", "x"],
        );
        assert!(
            !out.status.success(),
            "{name}: openssl trusted an unknown CA"
        );

        // openssl names the content type by its UUID-derived OID.
        let printed = openssl_ok(
            dir.path(),
            &["cms", "-cmsout", "-print", "-inform", "DER", "-in", &p7s],
        );
        let econtent_type = printed.lines().find(|l| l.contains("eContentType"));
        assert!(
            econtent_type.is_some_and(|l| l.contains(wire::CONTENT_TYPE_DOTTED)),
            "{printed}"
        );
        for attribute in [
            "contentType",
            "messageDigest",
            "signingTime",
            "id-smime-aa-signingCertificateV2",
        ] {
            assert!(printed.contains(attribute), "{attribute}:\n{printed}");
        }

        // PEM as `openssl cms` and `openssl pkcs7` write it verifies too.
        for (tool, label) in [("cms", "CMS"), ("pkcs7", "PKCS7")] {
            let pem = format!("{name}.{tool}.pem");
            let mut args = vec![tool];
            if tool == "cms" {
                args.push("-cmsout");
            }
            args.extend([
                "-inform", "DER", "-in", &p7s, "-outform", "PEM", "-out", &pem,
            ]);
            openssl_ok(dir.path(), &args);
            let pem = std::fs::read(dir.path().join(pem)).unwrap();
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
        assert_eq!(verified.csrs[0].der, signed.csrs_der[0]);
        assert_eq!(verified.csrs[1].der, signed.csrs_der[1]);
        assert_eq!((verified.signing_time - now).whole_seconds(), 0);
        assert_eq!((signed.application.created_at() - now).whole_seconds(), 0);
        let summary = serde_json::to_value(verified.summary()).unwrap();
        assert_eq!(summary["applicant"]["iin"], iin());
        assert_eq!(summary["applicant"]["surname"], "ТЕСТОВ");
        assert_eq!(summary["applicant"]["first_name"], "ТЕСТ");
        assert_eq!(summary["applicant"]["patronymic"], "ТЕСТОВИЧ");
        assert_eq!(summary["storage"], "file");
        assert_eq!(summary["locality"], "Астана");
        assert_eq!(summary["client_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(summary["requests"][0]["algorithm"], key_name);
        assert_eq!(summary["requests"][0]["proof_of_possession"], true);
        assert_eq!(summary["signer"]["key_algorithm"], key_name);
        assert_eq!(signed.application.nonce.as_bytes().len(), 32);
    }
}

#[test]
fn a_gost_style_renewal_asks_for_one_key_for_both_purposes() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, &nca_subject(), "11");
    let both = generate(KeySpec::P256).unwrap();
    let keys: [(Purpose, &dyn Signer); 1] = [(Purpose::Both, &both)];
    let details = ApplicationDetails {
        storage: StorageKind::IdCard,
        ..details()
    };
    let signed =
        build_application(&cert, &key, &keys, &details, OffsetDateTime::now_utc()).unwrap();
    let verified = verify_application(&signed.p7s_der).unwrap();
    assert_eq!(verified.csrs.len(), 1);
    assert_eq!(verified.csrs[0].purpose, Purpose::Both);
    assert_eq!(
        verified.application.requests[0].purpose,
        RequestPurpose::Both
    );
    assert_eq!(verified.application.storage, StorageKind::IdCard);
    // Two applications are never the same bytes.
    let again = build_application(&cert, &key, &keys, &details, OffsetDateTime::now_utc()).unwrap();
    assert_ne!(again.application.nonce, signed.application.nonce);
}

/// The current key, claiming an algorithm it cannot sign applications with.
struct Relabelled<'a>(&'a SoftwareKey, SignatureAlgorithm);

impl Signer for Relabelled<'_> {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.1
    }
    fn public_key(&self) -> &spki::SubjectPublicKeyInfoOwned {
        self.0.public_key()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.0.sign(message)
    }
}

#[test]
fn refusals_before_signing() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, &nca_subject(), "20");
    let (auth_key, auth_cert) = pki.issue("auth", Alg::Rsa, Kind::Auth, &nca_subject(), "21");
    let (no_iin_key, no_iin) = pki.issue("noiin", Alg::P256, Kind::Sign, "/CN=Somebody/C=KZ", "22");
    // Taken after every certificate is issued, so `now` is inside each
    // window (valid from issuance for 10 days) even when a second boundary
    // passes while openssl runs.
    let now = OffsetDateTime::now_utc();

    let expired = build(&key, &cert, now + time::Duration::days(30)).unwrap_err();
    assert!(
        matches!(expired, ReissueError::Expired(t) if t == cert.not_after()),
        "{expired}"
    );
    assert!(expired.to_string().contains("expired"), "{expired}");
    let early = build(&key, &cert, now - time::Duration::days(1)).unwrap_err();
    assert!(
        matches!(early, ReissueError::NotYetValid(t) if t == cert.not_before()),
        "{early}"
    );
    assert!(early.to_string().contains("not valid before"), "{early}");

    let err = build(&auth_key, &auth_cert, now).unwrap_err();
    assert!(matches!(err, ReissueError::NotASigningKey), "{err}");
    assert!(err.to_string().contains("SIGN key"), "{err}");

    let other = generate(KeySpec::P256).unwrap();
    let err = build(&other, &cert, now).unwrap_err();
    assert!(matches!(err, ReissueError::KeyMismatch), "{err}");

    let err = build(&no_iin_key, &no_iin, now).unwrap_err();
    assert!(matches!(err, ReissueError::NoIin), "{err}");

    // GOST 2004 keys are verified in old certificates but never sign.
    let legacy = Relabelled(&key, SignatureAlgorithm::Gost2004);
    let err = build(&legacy, &cert, now).unwrap_err();
    assert!(
        matches!(err, ReissueError::UnsupportedSigner(ref a) if a == "GOST2004"),
        "{err}"
    );

    let new = generate(KeySpec::P256).unwrap();
    let twice: [(Purpose, &dyn Signer); 2] = [(Purpose::Sign, &new), (Purpose::Sign, &new)];
    assert!(matches!(
        build_application(&cert, &key, &twice, &details(), now),
        Err(ReissueError::DuplicatePurpose)
    ));
    assert!(matches!(
        build_application(&cert, &key, &[], &details(), now),
        Err(ReissueError::NoRequests)
    ));
    let one: [(Purpose, &dyn Signer); 1] = [(Purpose::Sign, &new)];
    for bad in [
        "",
        "no-at-sign",
        "a@b",
        "two@@example.kz",
        "space @example.kz",
        "тест@example.kz",
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
    for bad in ["", "   ", &"x".repeat(101), "Астана\nАлматы"] {
        let d = ApplicationDetails {
            locality: bad.to_string(),
            ..details()
        };
        assert!(
            matches!(
                build_application(&cert, &key, &one, &d, now),
                Err(ReissueError::BadLocality)
            ),
            "{bad:?}"
        );
    }
    // Surrounding spaces are the form's, not the citizen's.
    let padded = ApplicationDetails {
        email: " testov@example.kz ".into(),
        locality: " Астана ".into(),
        ..details()
    };
    let signed = build_application(&cert, &key, &one, &padded, now).unwrap();
    assert_eq!(signed.application.email.as_str(), "testov@example.kz");
    assert_eq!(signed.application.locality, "Астана");
}

/// A new key that counts its signatures: refusals must come before any.
struct Counting {
    key: SoftwareKey,
    signed: std::sync::atomic::AtomicUsize,
}

impl Signer for Counting {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.key.algorithm()
    }
    fn public_key(&self) -> &spki::SubjectPublicKeyInfoOwned {
        self.key.public_key()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        self.signed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.key.sign(message)
    }
}

#[test]
fn refusals_come_before_any_csr_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, &nca_subject(), "50");
    let now = OffsetDateTime::now_utc();
    let new = Counting {
        key: generate(KeySpec::P256).unwrap(),
        signed: 0.into(),
    };
    let bad_email = ApplicationDetails {
        email: "nobody".into(),
        ..details()
    };
    type Keys<'a> = Vec<(Purpose, &'a dyn Signer)>;
    let cases: Vec<(Keys, OffsetDateTime, ApplicationDetails)> = vec![
        (
            vec![(Purpose::Sign, &new)],
            now + time::Duration::days(3650),
            details(),
        ),
        (
            vec![(Purpose::Sign, &new), (Purpose::Sign, &new)],
            now,
            details(),
        ),
        (
            vec![(Purpose::Auth, &new), (Purpose::Neither, &new)],
            now,
            details(),
        ),
        (vec![(Purpose::Neither, &new)], now, details()),
        (vec![(Purpose::Sign, &new)], now, bad_email),
    ];
    for (keys, at, details) in cases {
        assert!(build_application(&cert, &key, &keys, &details, at).is_err());
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
    assert_eq!(new.signed.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// Decode, change and re-encode (as DER) the SignedData of an application.
fn edit(p7s: &[u8], change: impl FnOnce(&mut SignedData)) -> Vec<u8> {
    let mut info = ContentInfo::from_der(p7s).unwrap();
    let mut signed: SignedData = info.content.decode_as().unwrap();
    change(&mut signed);
    info.content = Any::encode_from(&signed).unwrap();
    info.to_der().unwrap()
}

/// Change the one SignerInfo.
fn edit_signer(p7s: &[u8], change: impl FnOnce(&mut cms::signed_data::SignerInfo)) -> Vec<u8> {
    edit(p7s, |sd| {
        let mut infos = sd.signer_infos.0.clone().into_vec();
        change(&mut infos[0]);
        sd.signer_infos.0 = SetOfVec::try_from(infos).unwrap();
    })
}

/// Change the signed attributes.
fn edit_attrs(p7s: &[u8], change: impl FnOnce(Vec<Attribute>) -> Vec<Attribute>) -> Vec<u8> {
    edit_signer(p7s, |si| {
        let attrs = change(si.signed_attrs.clone().unwrap().into_vec());
        si.signed_attrs = Some(SetOfVec::try_from(attrs).unwrap());
    })
}

fn signed_attrs(p7s: &[u8]) -> Attributes {
    let info = ContentInfo::from_der(p7s).unwrap();
    let signed: SignedData = info.content.decode_as().unwrap();
    signed
        .signer_infos
        .0
        .iter()
        .next()
        .unwrap()
        .signed_attrs
        .clone()
        .unwrap()
}

#[track_caller]
fn rejected(bytes: &[u8], expected: fn(&ReissueError) -> bool, what: &str) {
    match verify_application(bytes) {
        Err(e) if expected(&e) => {
            assert!(!e.to_string().contains('\n'), "{what}: {e}");
        }
        Err(e) => panic!("{what}: rejected with the wrong error: {e:?}"),
        Ok(_) => panic!("{what}: accepted"),
    }
}

#[test]
fn tampering_is_caught_with_a_specific_error() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, &nca_subject(), "30");
    let signed = build(&key, &cert, OffsetDateTime::now_utc()).unwrap();
    let p7s = signed.p7s_der.clone();
    assert!(verify_application(&p7s).is_ok());

    // A byte of the content (the e-mail).
    let mut bytes = p7s.clone();
    let at = bytes.windows(7).position(|w| w == b"testov@").unwrap();
    bytes[at] = b'x';
    rejected(
        &bytes,
        |e| matches!(e, ReissueError::DigestMismatch),
        "content byte",
    );

    // A byte of the signature.
    let flipped = edit_signer(&p7s, |si| {
        let mut sig = si.signature.as_bytes().to_vec();
        sig[10] ^= 1;
        si.signature = OctetString::new(sig).unwrap();
    });
    rejected(
        &flipped,
        |e| matches!(e, ReissueError::BadSignature(_)),
        "signature byte",
    );

    // The certificate swapped for another with the same issuer and serial
    // (a different key), as a forger would.
    pki.new_key("twin", Alg::P256);
    pki.certify("twin", Kind::Sign, &nca_subject(), "30");
    let twin = pki.cert("twin");
    let swapped = edit(&p7s, |sd| {
        sd.certificates = Some(cms::signed_data::CertificateSet(
            SetOfVec::try_from(vec![cms::cert::CertificateChoices::Certificate(
                twin.inner().clone(),
            )])
            .unwrap(),
        ));
    });
    rejected(
        &swapped,
        |e| matches!(e, ReissueError::SignerCertificateMismatch),
        "swapped certificate",
    );

    // The certificate removed, or another one added.
    let removed = edit(&p7s, |sd| sd.certificates = None);
    rejected(
        &removed,
        |e| matches!(e, ReissueError::SignerCertificateMissing),
        "removed certificate",
    );
    let ca = KzCertificate::parse(&std::fs::read(dir.path().join("ca.pem")).unwrap()).unwrap();
    let added = edit(&p7s, |sd| {
        let mut set = sd.certificates.clone().unwrap().0.into_vec();
        set.push(cms::cert::CertificateChoices::Certificate(
            ca.inner().clone(),
        ));
        sd.certificates = Some(cms::signed_data::CertificateSet(
            SetOfVec::try_from(set).unwrap(),
        ));
    });
    rejected(
        &added,
        |e| matches!(e, ReissueError::NotAnApplication),
        "added certificate",
    );

    // Each signed attribute removed.
    for (attribute, name) in [
        (oid::ATTR_CONTENT_TYPE, "contentType"),
        (oid::ATTR_MESSAGE_DIGEST, "messageDigest"),
        (oid::ATTR_SIGNING_TIME, "signingTime"),
        (oid::ATTR_SIGNING_CERTIFICATE_V2, "signingCertificateV2"),
    ] {
        let without = edit_attrs(&p7s, |attrs| {
            attrs.into_iter().filter(|a| a.oid != attribute).collect()
        });
        match verify_application(&without) {
            Err(ReissueError::MissingAttribute(n)) => assert_eq!(n, name),
            other => panic!("{name} removed: {other:?}"),
        }
    }

    // Another content type, in the envelope or in the signed attribute.
    let data = Any::encode_from(&oid::CT_DATA).unwrap();
    let relabelled = edit(&p7s, |sd| {
        sd.encap_content_info.econtent_type = data.clone()
    });
    rejected(
        &relabelled,
        |e| matches!(e, ReissueError::NotAnApplication),
        "eContentType",
    );
    let attr_relabelled = edit_attrs(&p7s, |attrs| {
        attrs
            .into_iter()
            .map(|mut a| {
                if a.oid == oid::ATTR_CONTENT_TYPE {
                    a.values = SetOfVec::try_from(vec![data.clone()]).unwrap();
                }
                a
            })
            .collect()
    });
    rejected(
        &attr_relabelled,
        |e| matches!(e, ReissueError::NotAnApplication),
        "contentType attribute",
    );

    // An unsigned attribute slipped in.
    let unsigned = edit_signer(&p7s, |si| {
        si.unsigned_attrs = Some(
            SetOfVec::try_from(vec![Attribute {
                oid: oid::ATTR_SIGNING_TIME,
                values: SetOfVec::try_from(vec![
                    Any::encode_from(&OctetString::new([1u8]).unwrap()).unwrap(),
                ])
                .unwrap(),
            }])
            .unwrap(),
        )
    });
    rejected(
        &unsigned,
        |e| matches!(e, ReissueError::NotAnApplication),
        "unsigned attribute",
    );

    // The signature algorithm relabelled (the digest stays SHA-256).
    let relabelled_alg = edit_signer(&p7s, |si| {
        si.signature_algorithm = SignatureAlgorithm::EcdsaP384Sha384.identifier()
    });
    rejected(
        &relabelled_alg,
        |e| matches!(e, ReissueError::AlgorithmMismatch(_)),
        "signature algorithm",
    );
    let other_digest = edit_signer(&p7s, |si| si.digest_alg.oid = oid::SHA384);
    rejected(
        &other_digest,
        |e| matches!(e, ReissueError::UnsupportedDigest(_)),
        "digest algorithm",
    );

    // The signed attributes reordered: the decoder would sort them back and
    // the signature still verify, but the bytes are not the DER signed.
    let encoded: Vec<Vec<u8>> = signed_attrs(&p7s)
        .iter()
        .map(|a| a.to_der().unwrap())
        .collect();
    let sorted = encoded.concat();
    let reversed: Vec<u8> = encoded.iter().rev().flatten().copied().collect();
    assert_ne!(sorted, reversed);
    let at = p7s.windows(sorted.len()).position(|w| w == sorted).unwrap();
    let mut reordered = p7s.clone();
    reordered[at..at + sorted.len()].copy_from_slice(&reversed);
    rejected(
        &reordered,
        |e| matches!(e, ReissueError::NotCanonical),
        "reordered attributes",
    );

    rejected(
        b"",
        |e| matches!(e, ReissueError::NotAnApplication),
        "empty",
    );
    rejected(
        cert.der(),
        |e| matches!(e, ReissueError::NotAnApplication),
        "a certificate",
    );
    rejected(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        |e| matches!(e, ReissueError::NotAnApplication),
        "PEM of another kind",
    );
}

/// A request whose purpose tag is `tag` and whose CSR asks for `csr_purpose`.
fn request(
    key: &dyn Signer,
    subject: &x509_cert::name::Name,
    tag: RequestPurpose,
    csr_purpose: Purpose,
) -> KeyRequest {
    KeyRequest {
        purpose: tag,
        csr: CertReq::from_der(&build_csr(key, subject, csr_purpose).unwrap()).unwrap(),
        attestation: None,
    }
}

#[test]
fn the_signer_the_applicant_and_every_request_are_the_same_person() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("a", Alg::P256, Kind::Sign, &nca_subject(), "70");
    let other_iin = iin_from("85050540012");
    let (other_key, other) = pki.issue(
        "b",
        Alg::P256,
        Kind::Sign,
        &nca_subject_with(&other_iin),
        "71",
    );
    let now = OffsetDateTime::now_utc();
    let new = generate(KeySpec::P256).unwrap();
    let own = renewal_subject(&cert, Some("testov@example.kz")).unwrap();
    let sign = |app: &ReissueApplication, key: &SoftwareKey, cert: &KzCertificate| {
        sign_application(app, key, cert, now).unwrap()
    };

    // The applicant is A, the signer B.
    let app = ReissueApplication::new(
        &cert,
        &details(),
        vec![request(&new, &own, RequestPurpose::Sign, Purpose::Sign)],
        now,
    )
    .unwrap();
    assert!(verify_application(&sign(&app, &key, &cert)).is_ok());
    rejected(
        &sign(&app, &other_key, &other),
        |e| matches!(e, ReissueError::IinMismatch),
        "signed by someone else",
    );

    // A's application carrying a CSR for B.
    let foreign = renewal_subject(&other, None).unwrap();
    let app = ReissueApplication::new(
        &cert,
        &details(),
        vec![request(&new, &foreign, RequestPurpose::Sign, Purpose::Sign)],
        now,
    )
    .unwrap();
    rejected(
        &sign(&app, &key, &cert),
        |e| matches!(e, ReissueError::IinMismatch),
        "a CSR for someone else",
    );

    // A request tagged AUTH whose CSR asks for SIGN.
    let app = ReissueApplication::new(
        &cert,
        &details(),
        vec![request(&new, &own, RequestPurpose::Auth, Purpose::Sign)],
        now,
    )
    .unwrap();
    rejected(
        &sign(&app, &key, &cert),
        |e| matches!(e, ReissueError::PurposeMismatch),
        "purpose tag and CSR differ",
    );

    // A CSR whose proof of possession is broken, signed into the application.
    let mut broken = request(&new, &own, RequestPurpose::Sign, Purpose::Sign);
    let mut signature = broken.csr.signature.raw_bytes().to_vec();
    signature[5] ^= 1;
    broken.csr.signature = der::asn1::BitString::from_bytes(&signature).unwrap();
    let app = ReissueApplication::new(&cert, &details(), vec![broken], now).unwrap();
    rejected(
        &sign(&app, &key, &cert),
        |e| matches!(e, ReissueError::CsrSignature(_)),
        "a CSR without proof of possession",
    );
}

#[test]
fn the_iin_travels_as_the_certificate_has_it_and_the_new_email_replaces_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    // NCA's test certificates carry an IIN whose control digit fails.
    let subject = "/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN123456789011/C=KZ/GN=ТЕСТОВИЧ/emailAddress=old@example.kz";
    let (key, cert) = pki.issue("sign", Alg::Rsa, Kind::Sign, subject, "60");
    assert!(!cert.holder().iin.as_ref().unwrap().is_valid());
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

fn sample() -> &'static [u8] {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let pki = Pki::new(dir.path());
        let (key, cert) = pki.issue("sign", Alg::P256, Kind::Sign, &nca_subject(), "40");
        build(&key, &cert, OffsetDateTime::now_utc())
            .unwrap()
            .p7s_der
    })
}

#[test]
fn every_single_byte_matters() {
    // Flip one bit of every byte in turn: structure, content, certificate,
    // signed attributes and signature alike must all break verification.
    let sample = sample();
    for i in 0..sample.len() {
        let mut bytes = sample.to_vec();
        bytes[i] ^= 1 << (i % 8);
        assert!(
            verify_application(&bytes).is_err(),
            "a flip at byte {i} went unnoticed"
        );
    }
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

    #[test]
    fn truncated_applications_never_verify(cut in 0usize..4096) {
        let bytes = sample();
        let cut = cut % bytes.len();
        prop_assert!(verify_application(&bytes[..cut]).is_err());
    }
}
