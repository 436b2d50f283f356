//! Keys held in memory: decrypted from a key file or freshly generated.
//! RSA and P-256 sign through ring, GOST 2015-512 through [`super::gost`].

use der::asn1::BitString;
use der::{Decode, Encode};
use pkcs8::PrivateKeyInfoRef;
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, KeyPair};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use super::gost::GostSigningKey;
use super::{KeyError, PublicKeyAlgorithm, SignError, SignatureAlgorithm, Signer};
use crate::oid;

/// A private key in memory.
///
/// The PKCS#8 encoding is kept (zeroized on drop) because it is what key files
/// store. ring's own key schedule lives in ring's opaque types, which do not
/// zeroize; that copy lives exactly as long as this value. The GOST scalar is
/// zeroized on drop.
pub struct SoftwareKey {
    pkcs8: Zeroizing<Vec<u8>>,
    public_key: SubjectPublicKeyInfoOwned,
    inner: Inner,
}

enum Inner {
    Rsa(ring_sig::RsaKeyPair),
    EcdsaP256(ring_sig::EcdsaKeyPair),
    Gost2015_512(GostSigningKey),
}

impl SoftwareKey {
    /// Load an unencrypted PKCS#8 private key (RSA, ECDSA P-256, or GOST
    /// 2015-512 in NCA's encoding).
    pub fn from_pkcs8_der(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::from_der(pkcs8).map_err(|_| KeyError::Malformed)?;
        let algorithm = info.algorithm.oid;
        let (inner, public_key) = match algorithm {
            oid::RSA_ENCRYPTION => {
                let pair = ring_sig::RsaKeyPair::from_pkcs8(pkcs8)
                    .map_err(|e| KeyError::Rejected(e.to_string()))?;
                let spki = spki(
                    AlgorithmIdentifierOwned {
                        oid: oid::RSA_ENCRYPTION,
                        parameters: Some(der::asn1::Any::null()),
                    },
                    pair.public().as_ref(),
                )?;
                (Inner::Rsa(pair), spki)
            }
            oid::EC_PUBLIC_KEY => {
                let curve = info
                    .algorithm
                    .parameters
                    .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
                if curve != Some(oid::SECP256R1) {
                    return Err(KeyError::UnsupportedAlgorithm(format!(
                        "EC ({})",
                        curve.map(|c| c.to_string()).unwrap_or_default()
                    )));
                }
                let pair = ring_sig::EcdsaKeyPair::from_pkcs8(
                    &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                    pkcs8,
                    &SystemRandom::new(),
                )
                .map_err(|e| KeyError::Rejected(e.to_string()))?;
                let spki = spki(
                    AlgorithmIdentifierOwned {
                        oid: oid::EC_PUBLIC_KEY,
                        parameters: Some(
                            der::asn1::Any::encode_from(&oid::SECP256R1)
                                .map_err(|_| KeyError::Malformed)?,
                        ),
                    },
                    pair.public_key().as_ref(),
                )?;
                (Inner::EcdsaP256(pair), spki)
            }
            oid::KZ_GOST2015_512_KEY => {
                let key = GostSigningKey::from_pkcs8_der(pkcs8)?;
                let spki = key.public_key().clone();
                (Inner::Gost2015_512(key), spki)
            }
            other => {
                let name = match other {
                    oid::KZ_GOST2015_256_KEY => "GOST2015-256".to_string(),
                    oid::KZ_GOST2004_KEY => "GOST2004".to_string(),
                    other => other.to_string(),
                };
                return Err(KeyError::UnsupportedAlgorithm(name));
            }
        };
        Ok(Self {
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            public_key,
            inner,
        })
    }

    /// The PKCS#8 encoding, for writing into a key file.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key's algorithm and size.
    pub fn key_algorithm(&self) -> PublicKeyAlgorithm {
        PublicKeyAlgorithm::of(&self.public_key)
    }

    /// Whether `spki` is this key's public half (RSA's NULL parameter may be
    /// absent in one encoding and present in the other, so compare key bits).
    pub fn matches(&self, spki: &SubjectPublicKeyInfoOwned) -> bool {
        spki.algorithm.oid == self.public_key.algorithm.oid
            && spki.subject_public_key == self.public_key.subject_public_key
    }
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SoftwareKey")
            .field("algorithm", &self.key_algorithm().name())
            .finish_non_exhaustive()
    }
}

impl Signer for SoftwareKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        match self.inner {
            Inner::Rsa(_) => SignatureAlgorithm::RsaPkcs1Sha256,
            Inner::EcdsaP256(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Inner::Gost2015_512(_) => SignatureAlgorithm::Gost2015_512,
        }
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(pair) => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(&ring_sig::RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| SignError::Random)?;
                Ok(signature)
            }
            Inner::EcdsaP256(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignError::Random),
            Inner::Gost2015_512(key) => key.sign(message),
        }
    }
}

fn spki(
    algorithm: AlgorithmIdentifierOwned,
    key: &[u8],
) -> Result<SubjectPublicKeyInfoOwned, KeyError> {
    let spki = SubjectPublicKeyInfoOwned {
        algorithm,
        subject_public_key: BitString::from_bytes(key).map_err(|_| KeyError::Malformed)?,
    };
    // Round-trip once so a value that cannot be encoded never escapes.
    spki.to_der().map_err(|_| KeyError::Malformed)?;
    Ok(spki)
}
