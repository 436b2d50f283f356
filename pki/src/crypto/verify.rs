//! Checking a signature against a public key.

use ring::signature::{self as ring_sig, UnparsedPublicKey, VerificationAlgorithm};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::gost::GostPublicKey;
use super::{PublicKeyAlgorithm, SignatureAlgorithm, VerifyError};
use crate::oid;

/// Verify `signature` over `message` made with `algorithm` by the holder of `key`.
pub fn verify_signature(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let sig_alg = SignatureAlgorithm::from_identifier(algorithm)
        .ok_or(VerifyError::UnknownAlgorithm(algorithm.oid))?;
    let key_alg = PublicKeyAlgorithm::of(key);
    let ring_alg: &'static dyn VerificationAlgorithm = match (sig_alg, &key_alg) {
        (SignatureAlgorithm::RsaPkcs1Sha256, PublicKeyAlgorithm::Rsa { .. }) => {
            &ring_sig::RSA_PKCS1_2048_8192_SHA256
        }
        (SignatureAlgorithm::RsaPkcs1Sha384, PublicKeyAlgorithm::Rsa { .. }) => {
            &ring_sig::RSA_PKCS1_2048_8192_SHA384
        }
        (SignatureAlgorithm::RsaPkcs1Sha512, PublicKeyAlgorithm::Rsa { .. }) => {
            &ring_sig::RSA_PKCS1_2048_8192_SHA512
        }
        (SignatureAlgorithm::EcdsaP256Sha256, PublicKeyAlgorithm::EcP256) => {
            &ring_sig::ECDSA_P256_SHA256_ASN1
        }
        (SignatureAlgorithm::EcdsaP384Sha384, PublicKeyAlgorithm::EcP384) => {
            &ring_sig::ECDSA_P384_SHA384_ASN1
        }
        (SignatureAlgorithm::Gost2015_512, PublicKeyAlgorithm::Gost2015 { bits: 512 })
        | (SignatureAlgorithm::Gost2004, PublicKeyAlgorithm::Gost2004) => {
            return GostPublicKey::from_spki(key)?.verify(message, signature);
        }
        (SignatureAlgorithm::Gost2015_256, _) => {
            return Err(VerifyError::AlgorithmNotSupported(sig_alg.name().into()));
        }
        (_, key_alg) => {
            return Err(VerifyError::KeyMismatch {
                signature: sig_alg.name().into(),
                key: key_alg.name(),
            });
        }
    };
    // Both RSA (PKCS#1 RSAPublicKey) and EC (uncompressed point) keys are
    // handed to ring as the raw subjectPublicKey bits.
    debug_assert!(
        key.algorithm.oid == oid::RSA_ENCRYPTION || key.algorithm.oid == oid::EC_PUBLIC_KEY
    );
    UnparsedPublicKey::new(ring_alg, key.subject_public_key.raw_bytes())
        .verify(message, signature)
        .map_err(|_| VerifyError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KeySpec, Signer, generate};

    #[test]
    fn p256_sign_verify_and_tamper() {
        let key = generate(KeySpec::P256).unwrap();
        let sig = key.sign(b"hello").unwrap();
        let alg = key.algorithm().identifier();
        verify_signature(key.public_key(), &alg, b"hello", &sig).unwrap();
        assert_eq!(
            verify_signature(key.public_key(), &alg, b"hellO", &sig),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn rsa_sign_verify_and_wrong_key() {
        let key = generate(KeySpec::Rsa2048).unwrap();
        assert_eq!(key.key_algorithm(), PublicKeyAlgorithm::Rsa { bits: 2048 });
        let sig = key.sign(b"msg").unwrap();
        let alg = key.algorithm().identifier();
        verify_signature(key.public_key(), &alg, b"msg", &sig).unwrap();
        let other = generate(KeySpec::P256).unwrap();
        assert!(matches!(
            verify_signature(other.public_key(), &alg, b"msg", &sig),
            Err(VerifyError::KeyMismatch { .. })
        ));
    }

    #[test]
    fn gost_signature_needs_a_gost_key() {
        let key = generate(KeySpec::P256).unwrap();
        let alg = SignatureAlgorithm::Gost2015_512.identifier();
        assert!(matches!(
            verify_signature(key.public_key(), &alg, b"m", b"s"),
            Err(VerifyError::KeyMismatch { .. })
        ));
        let alg = SignatureAlgorithm::Gost2015_256.identifier();
        assert_eq!(
            verify_signature(key.public_key(), &alg, b"m", b"s"),
            Err(VerifyError::AlgorithmNotSupported("GOST2015-256".into()))
        );
    }
}
