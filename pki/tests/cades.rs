//! CMS and CAdES as the Kazakh portals ask for them (NCALayer's
//! createCMSSignatureFromBase64, createCAdESFromBase64 and its Hash
//! variant): attached, detached and over a given hash, for RSA, ECDSA P-256
//! (checked by `openssl cms -verify`) and GOST 2015-512 (checked by the
//! independent GOST peer); and CAdES-T with a real TSA (`openssl ts -reply`
//! on loopback), whose token `openssl ts -verify` accepts and whose every
//! wrong answer is refused.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use der::asn1::OctetString;
use der::{Decode, Encode};
use qoltanba_pki::cert::KzCertificate;
use qoltanba_pki::crypto::SoftwareKey;
use qoltanba_pki::keyfile::KeyFile;
use qoltanba_pki::oid;
use qoltanba_pki::signed_message::{
    Attachment, CmsProfile, CmsSignOptions, SignedMessageError, sign_cms, verify_document,
};
use qoltanba_pki::tsp::{TimestampError, add_signature_timestamp, timestamp_request};
use qoltanba_testkit::gost_peer;
use qoltanba_testkit::tsa::TestTsa;
use sha2::{Digest, Sha256};
use support::pki::*;
use support::*;
use time::OffsetDateTime;

fn options(attachment: Attachment, profile: CmsProfile, content_is_digest: bool) -> CmsSignOptions {
    CmsSignOptions {
        attachment,
        profile,
        content_is_digest,
    }
}

/// The one SignerInfo of a DER CMS.
fn signer_info(cms: &[u8]) -> SignerInfo {
    let info = ContentInfo::from_der(cms).unwrap();
    let signed: SignedData = info.content.decode_as().unwrap();
    signed.signer_infos.0.iter().next().unwrap().clone()
}

fn has_signed_attribute(cms: &[u8], oid: der::asn1::ObjectIdentifier) -> bool {
    signer_info(cms)
        .signed_attrs
        .unwrap()
        .iter()
        .any(|a| a.oid == oid)
}

/// The six shapes the portals ask for, with openssl verifying each:
/// CMS and CAdES-BES, each attached, detached and over a given SHA-256.
#[test]
fn rsa_and_ecdsa_cms_and_cades_verify_in_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = Pki::new(d);
    let document = "Шарт: a contract the citizen signs\n"
        .repeat(50)
        .into_bytes();
    std::fs::write(d.join("doc.bin"), &document).unwrap();
    let hash = Sha256::digest(&document).to_vec();
    for (name, alg) in [("rsa", Alg::Rsa), ("ec", Alg::P256)] {
        let (key, cert) = pki.issue(name, alg, Kind::Sign, &nca_subject(), "31");
        let at = OffsetDateTime::now_utc();
        for profile in [CmsProfile::Cms, CmsProfile::CadesBes] {
            for (attachment, given_hash) in [
                (Attachment::Attached, false),
                (Attachment::Detached, false),
                (Attachment::Detached, true),
            ] {
                let what = format!("{name} {profile:?} {attachment:?} hash={given_hash}");
                let content = if given_hash { &hash } else { &document };
                let signed = sign_cms(
                    content,
                    &options(attachment, profile, given_hash),
                    &key,
                    &cert,
                    at,
                )
                .unwrap();
                // CAdES-BES names the signer's certificate; plain CMS does
                // not, as NCA's library writes them.
                assert_eq!(
                    has_signed_attribute(&signed, oid::ATTR_SIGNING_CERTIFICATE_V2),
                    profile == CmsProfile::CadesBes,
                    "{what}"
                );
                let detached = attachment == Attachment::Detached;
                let verified = verify_document(&signed, detached.then_some(&document[..])).unwrap();
                assert_eq!(verified.content, document, "{what}");
                assert_eq!(
                    verified.names_signing_certificate,
                    profile == CmsProfile::CadesBes,
                    "{what}"
                );
                assert_eq!(verified.timestamp, None);

                std::fs::write(d.join("signed.p7s"), &signed).unwrap();
                let mut args = vec![
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    "signed.p7s",
                    "-CAfile",
                    "ca.pem",
                    "-purpose",
                    "any",
                    "-out",
                    "out.bin",
                ];
                if detached {
                    args.extend_from_slice(&["-content", "doc.bin"]);
                }
                openssl_ok(d, &args);
                assert_eq!(
                    std::fs::read(d.join("out.bin")).unwrap(),
                    document,
                    "{what}"
                );

                // openssl refuses it over another document: the check bites.
                if detached {
                    std::fs::write(d.join("other.bin"), b"another document").unwrap();
                    let out = openssl(
                        d,
                        &[
                            "cms",
                            "-verify",
                            "-binary",
                            "-inform",
                            "DER",
                            "-in",
                            "signed.p7s",
                            "-noverify",
                            "-content",
                            "other.bin",
                        ],
                    );
                    assert!(
                        !out.status.success(),
                        "{what}: openssl accepted another document"
                    );
                }
            }
        }

        // A hash of the wrong length, or a hash "attached", is refused.
        assert!(matches!(
            sign_cms(
                &hash[..31],
                &options(Attachment::Detached, CmsProfile::CadesBes, true),
                &key,
                &cert,
                at
            ),
            Err(SignedMessageError::DigestLength {
                expected: 32,
                got: 31,
                ..
            })
        ));
        assert!(matches!(
            sign_cms(
                &hash,
                &options(Attachment::Attached, CmsProfile::Cms, true),
                &key,
                &cert,
                at
            ),
            Err(SignedMessageError::DigestAttached)
        ));
    }
}

/// A CAdES-BES whose signingCertificateV2 names another certificate is
/// refused (the attribute is what binds the certificate to the signature).
#[test]
fn a_cades_naming_another_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let (key, cert) = pki.issue("a", Alg::P256, Kind::Sign, &nca_subject(), "41");
    // The same key certified twice: the second certificate would verify
    // the signature, but the signed attribute names the first.
    pki.certify("a", Kind::Sign, &nca_subject(), "42");
    let other = pki.cert("a");
    let signed = sign_cms(
        b"doc",
        &options(Attachment::Attached, CmsProfile::CadesBes, false),
        &key,
        &cert,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let info = ContentInfo::from_der(&signed).unwrap();
    let mut data: SignedData = info.content.decode_as().unwrap();
    data.certificates = Some(cms::signed_data::CertificateSet(
        der::asn1::SetOfVec::try_from(vec![cms::cert::CertificateChoices::Certificate(
            other.inner().clone(),
        )])
        .unwrap(),
    ));
    let mut infos = data.signer_infos.0.into_vec();
    if let cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(sid) = &mut infos[0].sid {
        sid.serial_number = other.inner().tbs_certificate().serial_number().clone();
    }
    data.signer_infos =
        cms::signed_data::SignerInfos(der::asn1::SetOfVec::try_from(infos).unwrap());
    let swapped = ContentInfo {
        content_type: info.content_type,
        content: der::Any::encode_from(&data).unwrap(),
    }
    .to_der()
    .unwrap();
    assert!(matches!(
        verify_document(&swapped, None),
        Err(SignedMessageError::SigningCertificateMismatch)
    ));
}

/// GOST 2015-512 with NCA's own test key: the signature over the DER
/// signed attributes verifies in the independent peer, and the
/// messageDigest is the peer's Streebog-512 of the document (or the hash
/// given).
#[test]
fn gost_cms_and_cades_verify_in_the_gost_peer() {
    if !gost_peer::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap();
    let cert = KzCertificate::from_der(file.certificate_der().unwrap()).unwrap();
    let public = hex::encode(
        OctetString::from_der(cert.public_key().subject_public_key.raw_bytes())
            .unwrap()
            .as_bytes(),
    );
    let document = "Қолтаңба: құжат\n".repeat(20).into_bytes();
    std::fs::write(d.join("doc.bin"), &document).unwrap();
    let (ok, streebog) = gost_peer::run(&["digest", d.join("doc.bin").to_str().unwrap()]);
    assert!(ok);
    let streebog = hex::decode(streebog).unwrap();
    let at = OffsetDateTime::now_utc();
    for profile in [CmsProfile::Cms, CmsProfile::CadesBes] {
        for (attachment, given_hash) in [
            (Attachment::Attached, false),
            (Attachment::Detached, false),
            (Attachment::Detached, true),
        ] {
            let what = format!("{profile:?} {attachment:?} hash={given_hash}");
            let content = if given_hash { &streebog } else { &document };
            let signed = sign_cms(
                content,
                &options(attachment, profile, given_hash),
                &key,
                &cert,
                at,
            )
            .unwrap();
            let si = signer_info(&signed);
            assert_eq!(si.digest_alg.oid, oid::KZ_STREEBOG_512, "{what}");
            let attrs = si.signed_attrs.as_ref().unwrap();
            let message_digest: OctetString = attrs
                .iter()
                .find(|a| a.oid == oid::ATTR_MESSAGE_DIGEST)
                .unwrap()
                .values
                .iter()
                .next()
                .unwrap()
                .decode_as()
                .unwrap();
            assert_eq!(message_digest.as_bytes(), streebog, "{what}");
            std::fs::write(d.join("attrs.der"), attrs.to_der().unwrap()).unwrap();
            let signature = hex::encode(si.signature.as_bytes());
            let attrs_path = d.join("attrs.der");
            let (ok, said) =
                gost_peer::run(&["verify", &public, &signature, attrs_path.to_str().unwrap()]);
            assert!(ok, "{what}: the GOST peer says {said}");
            // The peer does say no: the same signature over altered attributes.
            let mut altered = attrs.to_der().unwrap();
            let last = altered.len() - 1;
            altered[last] ^= 1;
            std::fs::write(&attrs_path, altered).unwrap();
            let (ok, _) =
                gost_peer::run(&["verify", &public, &signature, attrs_path.to_str().unwrap()]);
            assert!(!ok, "{what}: the GOST peer accepted altered attributes");

            let detached = attachment == Attachment::Detached;
            let verified = verify_document(&signed, detached.then_some(&document[..])).unwrap();
            assert_eq!(verified.content, document);
        }
    }
    // A SHA-256-sized hash for a Streebog-512 key is refused.
    assert!(matches!(
        sign_cms(
            &[0u8; 32],
            &options(Attachment::Detached, CmsProfile::CadesBes, true),
            &key,
            &cert,
            at
        ),
        Err(SignedMessageError::DigestLength {
            expected: 64,
            got: 32,
            ..
        })
    ));
}

/// CAdES-T: the real TSA's token goes into the SignerInfo; openssl's
/// `cms -verify` still accepts the signature and `ts -verify` the token
/// (over this signature value, chained to the TSA's root); qoltanba reads
/// the time back.
#[test]
fn cades_t_with_a_real_tsa_verifies_in_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = Pki::new(d);
    let tsa = TestTsa::start(d);
    let document = b"a document to time-stamp\n".repeat(10);
    std::fs::write(d.join("doc.bin"), &document).unwrap();
    for (name, alg) in [("rsa", Alg::Rsa), ("ec", Alg::P256)] {
        let (key, cert) = pki.issue(name, alg, Kind::Sign, &nca_subject(), "51");
        let before = OffsetDateTime::now_utc() - time::Duration::seconds(2);
        let signed = sign_cms(
            &document,
            &options(Attachment::Detached, CmsProfile::CadesBes, false),
            &key,
            &cert,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let request = timestamp_request(&signed).unwrap();
        let (status, response) = tsa.post("ok", request.der());
        assert_eq!(status, 200);
        let (stamped, time) = add_signature_timestamp(&signed, &request, &response).unwrap();
        let after = OffsetDateTime::now_utc() + time::Duration::seconds(2);
        assert!(before <= time.time && time.time <= after, "{}", time.time);
        assert_eq!(
            time.tsa.der(),
            KzCertificate::parse(&std::fs::read(tsa.cert_pem()).unwrap())
                .unwrap()
                .der()
        );

        let verified = verify_document(&stamped, Some(&document)).unwrap();
        assert_eq!(verified.timestamp, Some(time.time));
        assert!(verified.names_signing_certificate);

        std::fs::write(d.join("stamped.p7s"), &stamped).unwrap();
        openssl_ok(
            d,
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "stamped.p7s",
                "-CAfile",
                "ca.pem",
                "-purpose",
                "any",
                "-content",
                "doc.bin",
                "-out",
                "out.bin",
            ],
        );
        // The token, taken out of the SignerInfo, over the signature value.
        let si = signer_info(&stamped);
        let token = si
            .unsigned_attrs
            .as_ref()
            .unwrap()
            .iter()
            .find(|a| a.oid == oid::ATTR_SIGNATURE_TIMESTAMP)
            .unwrap()
            .values
            .iter()
            .next()
            .unwrap()
            .to_der()
            .unwrap();
        std::fs::write(d.join("token.der"), &token).unwrap();
        std::fs::write(d.join("signature.bin"), si.signature.as_bytes()).unwrap();
        let ca = tsa.ca_pem();
        let tsa_cert = tsa.cert_pem();
        let out = openssl_ok(
            d,
            &[
                "ts",
                "-verify",
                "-in",
                "token.der",
                "-token_in",
                "-data",
                "signature.bin",
                "-CAfile",
                ca.to_str().unwrap(),
                "-untrusted",
                tsa_cert.to_str().unwrap(),
            ],
        );
        assert!(out.contains("Verification: OK"), "{out}");
        // And openssl says no for other data: the token is bound to it.
        std::fs::write(d.join("signature.bin"), b"another signature").unwrap();
        let out = openssl(
            d,
            &[
                "ts",
                "-verify",
                "-in",
                "token.der",
                "-token_in",
                "-data",
                "signature.bin",
                "-CAfile",
                ca.to_str().unwrap(),
                "-untrusted",
                tsa_cert.to_str().unwrap(),
            ],
        );
        assert!(!out.status.success());

        // A token altered inside a stamped signature fails its check.
        let at = stamped
            .windows(token.len())
            .position(|w| w == token.as_slice())
            .unwrap();
        let mut forged = stamped.clone();
        forged[at + token.len() - 3] ^= 1;
        assert!(matches!(
            verify_document(&forged, Some(&document)),
            Err(SignedMessageError::Timestamp(TimestampError::BadToken(_)))
        ));
    }
}

/// Every wrong answer from the TSA is a typed error, and the signature is
/// left as it was (the functions return new bytes only when all holds).
#[test]
fn wrong_tsa_answers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let tsa = TestTsa::start(dir.path());
    let (key, cert) = pki.issue("ec", Alg::P256, Kind::Sign, &nca_subject(), "61");
    let sign = |content: &[u8]| {
        sign_cms(
            content,
            &options(Attachment::Attached, CmsProfile::CadesBes, false),
            &key,
            &cert,
            OffsetDateTime::now_utc(),
        )
        .unwrap()
    };
    let signed = sign(b"one");
    let request = timestamp_request(&signed).unwrap();

    let (_, response) = tsa.post("wrong-nonce", request.der());
    assert_eq!(
        add_signature_timestamp(&signed, &request, &response).unwrap_err(),
        TimestampError::NonceMismatch
    );
    let (_, response) = tsa.post("wrong-imprint", request.der());
    assert_eq!(
        add_signature_timestamp(&signed, &request, &response).unwrap_err(),
        TimestampError::ImprintMismatch
    );
    let (_, response) = tsa.post("reject", request.der());
    assert!(matches!(
        add_signature_timestamp(&signed, &request, &response),
        Err(TimestampError::Rejected { status: 2, .. })
    ));
    let (_, response) = tsa.post("garbage", request.der());
    assert_eq!(
        add_signature_timestamp(&signed, &request, &response).unwrap_err(),
        TimestampError::Malformed
    );
    // A good token, but for another signature.
    let (_, response) = tsa.post("ok", request.der());
    let another = sign(b"two");
    assert_eq!(
        add_signature_timestamp(&another, &request, &response).unwrap_err(),
        TimestampError::ImprintMismatch
    );
    // A token whose signer is no TSA: the TSA's own TSTInfo (right nonce,
    // right imprint) signed by openssl with the citizen's signing
    // certificate, which lacks the timeStamping purpose.
    let (_, good) = tsa.post("ok", request.der());
    let parts: Vec<der::Any> = Decode::from_der(&good).unwrap();
    let token = ContentInfo::from_der(&parts[1].to_der().unwrap()).unwrap();
    let token: SignedData = token.content.decode_as().unwrap();
    let tst_info: OctetString = token
        .encap_content_info
        .econtent
        .unwrap()
        .decode_as()
        .unwrap();
    std::fs::write(dir.path().join("tstinfo.der"), tst_info.as_bytes()).unwrap();
    openssl_ok(
        dir.path(),
        &[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-econtent_type",
            "1.2.840.113549.1.9.16.1.4",
            "-in",
            "tstinfo.der",
            "-signer",
            "ec.pem",
            "-inkey",
            "ec.p8",
            "-md",
            "sha256",
            "-outform",
            "DER",
            "-out",
            "not-a-tsa.der",
        ],
    );
    let not_a_tsa = std::fs::read(dir.path().join("not-a-tsa.der")).unwrap();
    let signed_by_citizen = vec![parts[0].clone(), der::Any::from_der(&not_a_tsa).unwrap()]
        .to_der()
        .unwrap();
    assert_eq!(
        add_signature_timestamp(&signed, &request, &signed_by_citizen).unwrap_err(),
        TimestampError::NotATimestampAuthority
    );
    // Not a signature at all.
    assert_eq!(
        timestamp_request(b"not a cms").unwrap_err(),
        TimestampError::NotASignature
    );
    // The good answer to the right request still works, and each request
    // has its own nonce.
    assert!(add_signature_timestamp(&signed, &request, &response).is_ok());
    assert_ne!(
        timestamp_request(&signed).unwrap().der(),
        request.der(),
        "a fresh nonce per request"
    );
}
