//! A GOST 2015-512 private key in memory: read from or written to NCA's
//! PKCS#8 form, generated, and used to sign.

use der::asn1::{Any, BitString, OctetString, OctetStringRef};
use der::{Decode, Encode};
use elliptic_curve::ff::PrimeField;
use elliptic_curve::{FieldBytes, Scalar};
use pkcs8::PrivateKeyInfoRef;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use streebog::{Digest, Streebog512};
use zeroize::{Zeroize, Zeroizing};

use qoltanba_gost::GostCurve;
use qoltanba_gost::curves::tc26_512a::Tc26Gost512A;

use super::public_key::{KeyParameters, point_to_le, reversed};
use crate::crypto::gost_hash::streebog512;
use crate::crypto::{KeyError, SignError};
use crate::oid;

type C = Tc26Gost512A;
const N: usize = 64;

/// A GOST 2015-512 private key (TC26 paramSetA). The scalar is zeroized on
/// drop and never printed.
pub struct GostSigningKey {
    d: Zeroizing<Scalar<C>>,
    spki: SubjectPublicKeyInfoOwned,
}

impl GostSigningKey {
    /// A fresh key from the OS random number generator.
    pub fn generate() -> Result<Self, KeyError> {
        loop {
            let mut bytes = Zeroizing::new(FieldBytes::<C>::default());
            getrandom::fill(bytes.as_mut_slice())
                .map_err(|_| KeyError::Generation("the system RNG failed".into()))?;
            // q is within 2^-257 of 2^512, so this loop almost never repeats.
            if let Some(d) = qoltanba_gost::scalar_in_range::<C>(&bytes) {
                return Self::from_scalar(d);
            }
        }
    }

    /// Read NCA's PKCS#8: algorithm 1.2.398.3.10.1.1.2.2 with paramSetA, and
    /// privateKey = OCTET STRING wrapping OCTET STRING (64 bytes, little-endian).
    pub fn from_pkcs8_der(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::from_der(pkcs8).map_err(|_| KeyError::Malformed)?;
        if info.algorithm.oid != oid::KZ_GOST2015_512_KEY {
            return Err(KeyError::Malformed);
        }
        if let Some(params) = info.algorithm.parameters {
            let params: KeyParameters = params.decode_as().map_err(|_| KeyError::Malformed)?;
            if params.param_set != oid::KZ_GOST2015_512_PARAMS_A {
                return Err(KeyError::UnsupportedAlgorithm(format!(
                    "GOST2015-512 with parameter set {}",
                    params.param_set
                )));
            }
        }
        let inner = <&OctetStringRef>::from_der(info.private_key.as_bytes())
            .map_err(|_| KeyError::Malformed)?;
        if inner.as_bytes().len() != N {
            return Err(KeyError::Malformed);
        }
        let be = Zeroizing::new(reversed::<C>(inner.as_bytes()));
        let d = qoltanba_gost::scalar_in_range::<C>(&be).ok_or(KeyError::ScalarOutOfRange)?;
        Self::from_scalar(d)
    }

    fn from_scalar(d: Scalar<C>) -> Result<Self, KeyError> {
        let d = Zeroizing::new(d);
        let public = C::public_point(&d);
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: key_algorithm()?,
            subject_public_key: BitString::from_bytes(
                &OctetString::new(point_to_le::<C>(&public))
                    .and_then(|o| o.to_der())
                    .map_err(|_| KeyError::Malformed)?,
            )
            .map_err(|_| KeyError::Malformed)?,
        };
        Ok(Self { d, spki })
    }

    /// NCA's PKCS#8 encoding of this key (see [`Self::from_pkcs8_der`]).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let mut le = Zeroizing::new(self.d.to_repr());
        le.reverse();
        let inner = Zeroizing::new(
            OctetStringRef::new(le.as_slice())
                .and_then(|o| o.to_der())
                .map_err(|_| KeyError::Malformed)?,
        );
        let algorithm = key_algorithm()?;
        let info = PrivateKeyInfoRef {
            algorithm: spki::AlgorithmIdentifier {
                oid: algorithm.oid,
                parameters: algorithm.parameters.as_ref().map(Into::into),
            },
            private_key: OctetStringRef::new(&inner).map_err(|_| KeyError::Malformed)?,
            public_key: None,
        };
        Ok(Zeroizing::new(
            info.to_der().map_err(|_| KeyError::Malformed)?,
        ))
    }

    /// The public key as it goes into a CSR or certificate.
    pub fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.spki
    }

    /// Sign `message`: Streebog-512, GOST R 34.10-2012, Kazakh `r ‖ s`
    /// little-endian (128 bytes).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let digest = streebog512(message);
        let e = qoltanba_gost::digest_scalar::<C>(&reversed::<C>(&digest));
        let mut entropy = Zeroizing::new([0u8; 32]);
        getrandom::fill(entropy.as_mut_slice()).map_err(|_| SignError::Random)?;
        self.sign_with_entropy(&e, &entropy)
    }

    fn sign_with_entropy(&self, e: &Scalar<C>, entropy: &[u8; 32]) -> Result<Vec<u8>, SignError> {
        for counter in 0u32.. {
            let k = hedged_nonce(&self.d, e, entropy, counter);
            let Some(k) = k else { continue };
            if let Some((r, s)) = C::sign_with_nonce(&self.d, e, &k) {
                let mut out = Vec::with_capacity(2 * N);
                out.extend(r.to_repr().iter().rev());
                out.extend(s.to_repr().iter().rev());
                return Ok(out);
            }
        }
        unreachable!("a nonce is found long before the counter wraps")
    }
}

/// The nonce k, hedged: Streebog-512 over the private key, the message digest,
/// fresh OS randomness and a counter. A broken RNG then still gives a
/// different k for every message (so no two signatures share a nonce), and a
/// good RNG keeps k unpredictable even to someone who knows d and the message.
/// `None` (probability ~2^-257) when the hash is not below q.
fn hedged_nonce(
    d: &Scalar<C>,
    e: &Scalar<C>,
    entropy: &[u8; 32],
    counter: u32,
) -> Option<Zeroizing<Scalar<C>>> {
    let mut hash = Streebog512::new();
    hash.update(b"qoltanba GOST R 34.10-2012 hedged nonce v1");
    let mut d_bytes = d.to_repr();
    hash.update(d_bytes.as_slice());
    d_bytes.zeroize();
    hash.update(e.to_repr().as_slice());
    hash.update(entropy);
    hash.update(counter.to_be_bytes());
    let mut k = Zeroizing::new(FieldBytes::<C>::default());
    k.copy_from_slice(&hash.finalize());
    qoltanba_gost::scalar_in_range::<C>(&k).map(Zeroizing::new)
}

/// `{ 1.2.398.3.10.1.1.2.2, { paramSetA, Streebog-512 } }`, exactly as NCA
/// writes it in certificates and key files.
fn key_algorithm() -> Result<AlgorithmIdentifierOwned, KeyError> {
    let params = KeyParameters {
        param_set: oid::KZ_GOST2015_512_PARAMS_A,
        digest: Some(oid::KZ_STREEBOG_512),
    };
    Ok(AlgorithmIdentifierOwned {
        oid: oid::KZ_GOST2015_512_KEY,
        parameters: Some(Any::encode_from(&params).map_err(|_| KeyError::Malformed)?),
    })
}

impl std::fmt::Debug for GostSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GostSigningKey").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::VerifyError;
    use crate::crypto::gost::GostPublicKey;

    #[test]
    fn generate_sign_verify_and_pkcs8_round_trip() {
        let key = GostSigningKey::generate().unwrap();
        let sig = key.sign(b"message").unwrap();
        assert_eq!(sig.len(), 128);
        let public = GostPublicKey::from_spki(key.public_key()).unwrap();
        public.verify(b"message", &sig).unwrap();
        assert_eq!(
            public.verify(b"messagE", &sig),
            Err(VerifyError::BadSignature)
        );

        let pkcs8 = key.to_pkcs8_der().unwrap();
        let again = GostSigningKey::from_pkcs8_der(&pkcs8).unwrap();
        assert_eq!(again.public_key(), key.public_key());
    }

    #[test]
    fn nonce_is_hedged() {
        let key = GostSigningKey::generate().unwrap();
        let e1 = qoltanba_gost::digest_scalar::<C>(&FieldBytes::<C>::from([1u8; 64]));
        let e2 = qoltanba_gost::digest_scalar::<C>(&FieldBytes::<C>::from([2u8; 64]));
        let stuck_rng = [7u8; 32];
        // Same inputs, same nonce: the construction is deterministic...
        assert_eq!(
            key.sign_with_entropy(&e1, &stuck_rng).unwrap(),
            key.sign_with_entropy(&e1, &stuck_rng).unwrap()
        );
        // ...so a stuck RNG still gives each message its own r.
        let r1 = key.sign_with_entropy(&e1, &stuck_rng).unwrap()[..64].to_vec();
        let r2 = key.sign_with_entropy(&e2, &stuck_rng).unwrap()[..64].to_vec();
        assert_ne!(r1, r2);
        // And fresh randomness changes r for the same message.
        let r3 = key.sign_with_entropy(&e1, &[8u8; 32]).unwrap()[..64].to_vec();
        assert_ne!(r1, r3);
        // Two real signatures of one message differ.
        assert_ne!(key.sign(b"m").unwrap(), key.sign(b"m").unwrap());
    }

    #[test]
    fn private_scalar_out_of_range_is_refused() {
        let key = GostSigningKey::generate().unwrap();
        let good = key.to_pkcs8_der().unwrap();
        // The 64 scalar bytes are the last 64 of the encoding.
        let start = good.len() - 64;
        for fill in [0x00u8, 0xFF] {
            let mut bad = good.to_vec();
            bad[start..].fill(fill);
            assert!(matches!(
                GostSigningKey::from_pkcs8_der(&bad),
                Err(KeyError::ScalarOutOfRange)
            ));
        }
        assert!(matches!(
            GostSigningKey::from_pkcs8_der(&good[..good.len() - 1]),
            Err(KeyError::Malformed)
        ));
    }
}
