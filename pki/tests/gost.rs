//! GOST 2015-512 with the real NCA test artifacts: the keys in NCA's own key
//! files match their certificates and sign; applications signed with them
//! verify; GOST key files are written and read back; and every kind of bad
//! input is refused with its own error.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use cms::content_info::ContentInfo;
use der::asn1::BitString;
use der::{Decode, Encode};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::gost::GostPublicKey;
use qoltanba_pki::crypto::{
    KeyError, KeySpec, PublicKeyAlgorithm, SignatureAlgorithm, Signer, SoftwareKey, VerifyError,
    generate, verify_signature,
};
use qoltanba_pki::keyfile::{
    KeyFile, KeyFileKind, Password, Profile, file_name, key_id, parse_file_name,
};
use qoltanba_pki::oid;
use qoltanba_pki::reissue::wire::SignedData;
use qoltanba_pki::reissue::{
    ApplicationDetails, StorageKind, build_application, verify_application,
};
use spki::SubjectPublicKeyInfoOwned;
use support::{nca, new_password, openssl_info, qwerty};
use time::macros::datetime;

fn cert(rel: &str) -> KzCertificate {
    KzCertificate::parse(&std::fs::read(nca(rel)).unwrap()).unwrap()
}

fn nca_key(rel: &str) -> SoftwareKey {
    let file = KeyFile::open(nca(rel), &qwerty()).unwrap();
    SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap()
}

const GOST_SIG: SignatureAlgorithm = SignatureAlgorithm::Gost2015_512;

#[test]
fn the_keys_in_nca_files_match_their_certificates_and_sign() {
    for name in ["gost1", "gost2"] {
        let key = nca_key(&format!("gokalkan/{name}.p12"));
        let cert = cert(&format!("gokalkan/{name}.cer"));
        assert_eq!(key.algorithm(), GOST_SIG);
        assert_eq!(
            key.key_algorithm(),
            PublicKeyAlgorithm::Gost2015 { bits: 512 }
        );
        // The public key qoltanba derives from the private scalar is the
        // certified one, byte for byte (parameters included).
        assert_eq!(key.public_key(), cert.public_key(), "{name}");
        assert!(key.matches(cert.public_key()));

        let message = format!("qoltanba signs with {name}");
        let signature = key.sign(message.as_bytes()).unwrap();
        assert_eq!(signature.len(), 128);
        verify_signature(
            cert.public_key(),
            &GOST_SIG.identifier(),
            message.as_bytes(),
            &signature,
        )
        .unwrap();
    }
    // (gost1 and gost2 are the same file in the published test data, so the
    // wrong key is a fresh one.) gost1's signature does not verify under it.
    let signature = nca_key("gokalkan/gost1.p12").sign(b"m").unwrap();
    let other = generate(KeySpec::Gost512).unwrap();
    assert_eq!(
        verify_signature(other.public_key(), &GOST_SIG.identifier(), b"m", &signature),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn tampered_message_and_signature_are_refused() {
    let key = nca_key("gokalkan/gost1.p12");
    let spki = cert("gokalkan/gost1.cer").public_key().clone();
    let alg = GOST_SIG.identifier();
    let signature = key.sign(b"the message").unwrap();
    verify_signature(&spki, &alg, b"the message", &signature).unwrap();
    assert_eq!(
        verify_signature(&spki, &alg, b"the messagE", &signature),
        Err(VerifyError::BadSignature)
    );
    for i in [0, 63, 64, 127] {
        let mut bad = signature.clone();
        bad[i] ^= 0x01;
        assert_eq!(
            verify_signature(&spki, &alg, b"the message", &bad),
            Err(VerifyError::BadSignature),
            "byte {i}"
        );
    }
    // r = 0, s = 0, r and s ≥ q: out of range, before any curve arithmetic.
    for (range, fill) in [
        (0..64, 0x00),
        (64..128, 0x00),
        (0..64, 0xFF),
        (64..128, 0xFF),
    ] {
        let mut bad = signature.clone();
        bad[range.clone()].fill(fill);
        assert_eq!(
            verify_signature(&spki, &alg, b"the message", &bad),
            Err(VerifyError::SignatureOutOfRange),
            "{range:?} = {fill:#x}"
        );
    }
    for len in [0, 127, 129, 256] {
        assert!(matches!(
            verify_signature(&spki, &alg, b"the message", &vec![1; len]),
            Err(VerifyError::MalformedSignature(_))
        ));
    }
}

/// The certificate's public key with one coordinate byte changed.
fn with_key_bytes(
    spki: &SubjectPublicKeyInfoOwned,
    edit: impl Fn(&mut Vec<u8>),
) -> SubjectPublicKeyInfoOwned {
    let mut bits = spki.subject_public_key.raw_bytes().to_vec();
    edit(&mut bits);
    SubjectPublicKeyInfoOwned {
        algorithm: spki.algorithm.clone(),
        subject_public_key: BitString::from_bytes(&bits).unwrap(),
    }
}

#[test]
fn broken_public_keys_are_refused() {
    let key = nca_key("gokalkan/gost1.p12");
    let spki = key.public_key().clone();
    let alg = GOST_SIG.identifier();
    let signature = key.sign(b"m").unwrap();
    // bits = 04 81 80 ‖ x ‖ y: change y's lowest byte, the point leaves the curve.
    let off_curve = with_key_bytes(&spki, |b| b[3 + 64] ^= 0x01);
    assert_eq!(
        verify_signature(&off_curve, &alg, b"m", &signature),
        Err(VerifyError::PointNotOnCurve)
    );
    assert_eq!(
        GostPublicKey::from_spki(&off_curve).unwrap_err(),
        VerifyError::PointNotOnCurve
    );
    // A coordinate ≥ p is not a field element at all.
    let too_big = with_key_bytes(&spki, |b| b[3..3 + 64].fill(0xFF));
    assert_eq!(
        verify_signature(&too_big, &alg, b"m", &signature),
        Err(VerifyError::PointNotOnCurve)
    );
    // Not an OCTET STRING, or the wrong length.
    let not_octets = with_key_bytes(&spki, |b| b[0] = 0x03);
    assert!(matches!(
        verify_signature(&not_octets, &alg, b"m", &signature),
        Err(VerifyError::MalformedPublicKey(_))
    ));
    let short = SubjectPublicKeyInfoOwned {
        algorithm: spki.algorithm.clone(),
        subject_public_key: BitString::from_bytes(
            &der::asn1::OctetString::new(vec![1u8; 64])
                .unwrap()
                .to_der()
                .unwrap(),
        )
        .unwrap(),
    };
    assert!(matches!(
        verify_signature(&short, &alg, b"m", &signature),
        Err(VerifyError::MalformedPublicKey(_))
    ));
    // A GOST signature cannot come from an RSA or P-256 key, nor the reverse.
    let p256 = generate(KeySpec::P256).unwrap();
    assert!(matches!(
        verify_signature(p256.public_key(), &alg, b"m", &signature),
        Err(VerifyError::KeyMismatch { .. })
    ));
    assert!(matches!(
        verify_signature(
            &spki,
            &SignatureAlgorithm::EcdsaP256Sha256.identifier(),
            b"m",
            &signature
        ),
        Err(VerifyError::KeyMismatch { .. })
    ));
}

#[test]
fn broken_private_keys_are_refused() {
    let file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let good = file.private_key_pkcs8().to_vec();
    let n = good.len();
    for fill in [0x00, 0xFF] {
        let mut bad = good.clone();
        bad[n - 64..].fill(fill);
        assert!(matches!(
            SoftwareKey::from_pkcs8_der(&bad),
            Err(KeyError::ScalarOutOfRange)
        ));
    }
    assert!(matches!(
        SoftwareKey::from_pkcs8_der(&good[..n - 1]),
        Err(KeyError::Malformed)
    ));
}

#[test]
fn an_application_signed_with_the_real_nca_gost_key_verifies() {
    let at = datetime!(2024-06-01 00:00 UTC);
    let key = nca_key("gokalkan/gost1.p12");
    let cert = cert("gokalkan/gost1.cer");
    let new = generate(KeySpec::Gost512).unwrap();
    let keys: [(Purpose, &dyn Signer); 1] = [(Purpose::Both, &new)];
    let details = ApplicationDetails {
        email: "testov@example.kz".into(),
        locality: "Астана".into(),
        storage: StorageKind::File,
    };
    let signed = build_application(&cert, &key, &keys, &details, at).unwrap();

    let verified = verify_application(&signed.p7s_der).unwrap();
    assert_eq!(verified.signer.public_key(), cert.public_key());
    assert_eq!(verified.csrs.len(), 1);
    assert_eq!(verified.csrs[0].purpose, Purpose::Both);
    assert_eq!(&verified.csrs[0].public_key, new.public_key());
    let summary = serde_json::to_value(verified.summary()).unwrap();
    assert_eq!(summary["signer"]["key_algorithm"], "GOST2015-512");

    // The SignerInfo names Streebog-512 and the GOST 2015 signature, with
    // the NULL parameter NCA writes.
    let info = ContentInfo::from_der(&signed.p7s_der).unwrap();
    let signed_data: SignedData = info.content.decode_as().unwrap();
    let signer_info = signed_data.signer_infos.0.iter().next().unwrap();
    assert_eq!(signer_info.digest_alg.oid, oid::KZ_STREEBOG_512);
    assert_eq!(signer_info.digest_alg.parameters, None);
    assert_eq!(signer_info.signature_algorithm, GOST_SIG.identifier());
    assert_eq!(
        signer_info.signature_algorithm.parameters,
        Some(der::asn1::Any::null())
    );
    // The CSR's key usage is the GOST 2015 profile's: sign and agree keys.
    assert_eq!(verified.csrs[0].extended_key_usage.len(), 2);

    // Flip a byte of the GOST signature: refused.
    let sig = signer_info.signature.as_bytes().to_vec();
    let at_sig = signed
        .p7s_der
        .windows(sig.len())
        .position(|w| w == sig.as_slice())
        .unwrap();
    let mut forged = signed.p7s_der.clone();
    forged[at_sig + 10] ^= 0x01;
    assert!(verify_application(&forged).is_err());
}

#[test]
fn gost_key_files_are_written_named_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(KeySpec::Gost512).unwrap();
    let id = key_id(key.public_key());
    let kind = KeyFileKind::for_key(&key.key_algorithm(), Purpose::Both).unwrap();
    assert_eq!(kind, KeyFileKind::Gost512);
    let name = file_name(kind, &id);
    assert!(
        name.starts_with("GOST512_") && name.ends_with(".p12"),
        "{name}"
    );
    assert_eq!(parse_file_name(&name), Some((kind, id.to_vec())));

    let bytes = KeyFile::new(key.pkcs8_der(), None, &id)
        .to_bytes(Profile::Nca, &new_password("N3wPassword"))
        .unwrap();
    let path = dir.path().join(&name);
    std::fs::write(&path, &bytes).unwrap();
    let back = KeyFile::open(&path, &Password::new("N3wPassword")).unwrap();
    let back_key = SoftwareKey::from_pkcs8_der(back.private_key_pkcs8()).unwrap();
    assert_eq!(back_key.public_key(), key.public_key());
    // The same PKCS#8 layout as NCA's own files.
    let nca_file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let nca_pkcs8 = nca_file.private_key_pkcs8();
    assert_eq!(back.private_key_pkcs8().len(), nca_pkcs8.len());
    assert_eq!(
        back.private_key_pkcs8()[..nca_pkcs8.len() - 64],
        nca_pkcs8[..nca_pkcs8.len() - 64]
    );
    // openssl reads the container (it cannot use the GOST key itself).
    let info = openssl_info(dir.path(), &name, "N3wPassword", true);
    assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");

    // Re-wrapping NCA's own file keeps its GOST key.
    let nca_bytes = nca_file
        .to_bytes(Profile::Nca, &new_password("Other1Pass"))
        .unwrap();
    let again = KeyFile::from_bytes(&nca_bytes, &Password::new("Other1Pass")).unwrap();
    let again_key = SoftwareKey::from_pkcs8_der(again.private_key_pkcs8()).unwrap();
    assert_eq!(
        again_key.public_key(),
        cert("gokalkan/gost1.cer").public_key()
    );
}

#[test]
fn the_gost_private_key_never_prints() {
    let file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let pkcs8 = file.private_key_pkcs8();
    let scalar_le = &pkcs8[pkcs8.len() - 64..];
    let mut scalar_be = scalar_le.to_vec();
    scalar_be.reverse();
    let key = SoftwareKey::from_pkcs8_der(pkcs8).unwrap();
    let mut bad = pkcs8.to_vec();
    let n = bad.len();
    bad[n - 64..].fill(0xFF);
    let error = SoftwareKey::from_pkcs8_der(&bad).unwrap_err();
    let printed = [
        format!("{key:?}"),
        format!("{error:?}"),
        error.to_string(),
        format!("{:?}", key.public_key()),
    ];
    for text in printed {
        for secret in [scalar_le, &scalar_be[..]] {
            for form in [hex::encode(secret), hex::encode_upper(secret)] {
                assert!(!text.contains(&form[..16]), "{text}");
            }
            assert!(!text.contains(&format!("{:?}", &secret[..8])), "{text}");
        }
    }
}
