//! Cross-check against an independent GOST R 34.10-2012 implementation: the
//! PyPI package `gostcrypto`, driven by scripts/gost_peer.py. Signatures made
//! by qoltanba verify there, theirs verify here, and both derive the same
//! public key from the same private scalar (including the real NCA key).
//!
//! scripts/test.sh installs gostcrypto and sets QOLTANBA_REQUIRE_PEERS=1, so
//! in CI a missing peer fails the test; elsewhere the test says it was
//! skipped and how to install the peer.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use qoltanba_pki::crypto::{
    KeySpec, SignatureAlgorithm, Signer, SoftwareKey, VerifyError, generate, verify_signature,
};
use qoltanba_pki::keyfile::KeyFile;
use spki::SubjectPublicKeyInfoOwned;
use support::{nca, qwerty};

use qoltanba_testkit::gost_peer::{available as peer_available, run as peer};

/// x ‖ y (Kazakh little-endian) from a GOST SPKI.
fn public_le(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    OctetString::from_der(spki.subject_public_key.raw_bytes())
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// A GOST SPKI for x ‖ y, with the parameters of `like`.
fn spki_for(public: &[u8], like: &SubjectPublicKeyInfoOwned) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: like.algorithm.clone(),
        subject_public_key: BitString::from_bytes(
            &OctetString::new(public.to_vec()).unwrap().to_der().unwrap(),
        )
        .unwrap(),
    }
}

/// The little-endian private scalar: the last 64 bytes of NCA's PKCS#8.
fn private_le(pkcs8: &[u8]) -> &[u8] {
    &pkcs8[pkcs8.len() - 64..]
}

#[test]
fn both_derive_the_same_public_key() {
    if !peer_available() {
        return;
    }
    let file = KeyFile::open(nca("gokalkan/gost1.p12"), &qwerty()).unwrap();
    let nca_key = SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap();
    let fresh = generate(KeySpec::Gost512).unwrap();
    for key in [&nca_key, &fresh] {
        let (ok, public) = peer(&["public", &hex::encode(private_le(key.pkcs8_der()))]);
        assert!(ok);
        assert_eq!(public, hex::encode(public_le(key.public_key())));
    }
}

#[test]
fn qoltanba_signatures_verify_in_gostcrypto() {
    if !peer_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = generate(KeySpec::Gost512).unwrap();
    let public = hex::encode(public_le(key.public_key()));
    for (i, message) in [&b""[..], b"a", &[0x5a; 1000], "Қолтаңба".as_bytes()]
        .into_iter()
        .enumerate()
    {
        let path = dir.path().join(format!("m{i}"));
        std::fs::write(&path, message).unwrap();
        let path = path.to_str().unwrap();
        let signature = key.sign(message).unwrap();
        let (ok, said) = peer(&["verify", &public, &hex::encode(&signature), path]);
        assert!(ok, "message {i}: gostcrypto says {said}");
        // And it does reject: the same signature over another message.
        std::fs::write(path, b"something else").unwrap();
        let (ok, _) = peer(&["verify", &public, &hex::encode(&signature), path]);
        assert!(!ok, "message {i}: gostcrypto accepted a wrong message");
    }
}

#[test]
fn gostcrypto_signatures_verify_in_qoltanba() {
    if !peer_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let like = generate(KeySpec::Gost512).unwrap().public_key().clone();
    let alg = SignatureAlgorithm::Gost2015_512.identifier();
    for i in 0..4 {
        let message = format!("message {i} from gostcrypto: Қолтаңба").repeat(i + 1);
        let path = dir.path().join(format!("m{i}"));
        std::fs::write(&path, &message).unwrap();
        let (ok, json) = peer(&["sign", path.to_str().unwrap()]);
        assert!(ok);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let public = hex::decode(v["public"].as_str().unwrap()).unwrap();
        let signature = hex::decode(v["signature"].as_str().unwrap()).unwrap();
        let spki = spki_for(&public, &like);
        verify_signature(&spki, &alg, message.as_bytes(), &signature)
            .unwrap_or_else(|e| panic!("message {i}: {e}"));
        assert_eq!(
            verify_signature(&spki, &alg, b"another message", &signature),
            Err(VerifyError::BadSignature)
        );
    }
}
