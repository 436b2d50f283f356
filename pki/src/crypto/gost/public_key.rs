//! GOST public keys as Kazakh certificates carry them, and verification.
//!
//! The Kazakh profile (checked against the NCA test CA) writes every integer
//! little-endian: the public key is `OCTET STRING (x ‖ y)` inside the
//! subjectPublicKey BIT STRING, a signature is `r ‖ s`, and the digest is
//! read as a little-endian integer. The curve code works big-endian, so each
//! value is byte-reversed exactly once, here.

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Sequence};
use elliptic_curve::array::typenum::Unsigned;
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::{Curve, FieldBytes, FieldBytesSize};
use primeorder::{AffinePoint, PrimeCurveParams};
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::gost_hash::{gost94_test, streebog512};
use crate::crypto::{SignatureAlgorithm, VerifyError};
use crate::oid;
use qoltanba_gost::GostCurve;
use qoltanba_gost::curves::{cryptopro_a::CryptoProA, tc26_512a::Tc26Gost512A};

/// `GostR3410-PublicKeyParameters`-like parameters of a Kazakh GOST key:
/// the curve, then the digest.
#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub(crate) struct KeyParameters {
    pub param_set: ObjectIdentifier,
    pub digest: Option<ObjectIdentifier>,
}

/// A GOST public key read from a SubjectPublicKeyInfo.
#[derive(Debug, Clone, Copy)]
pub enum GostPublicKey {
    /// GOST 2015 (GOST R 34.10-2012), 512-bit, TC26 paramSetA.
    Gost2015_512(AffinePoint<Tc26Gost512A>),
    /// GOST 34.310-2004 on the CryptoPro-A curve (legacy, verify only).
    Gost2004(AffinePoint<CryptoProA>),
}

impl GostPublicKey {
    /// Read and check a GOST public key: known parameter set, right length,
    /// a point on the curve.
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, VerifyError> {
        let (expected_params, name) = match spki.algorithm.oid {
            oid::KZ_GOST2015_512_KEY => (oid::KZ_GOST2015_512_PARAMS_A, "GOST2015-512"),
            oid::KZ_GOST2004_KEY => (oid::KZ_GOST2004_PARAMS_A, "GOST2004"),
            other => {
                return Err(VerifyError::MalformedPublicKey(format!(
                    "{other} is not a GOST key"
                )));
            }
        };
        // NCA always names the parameter set; a key without one is read as
        // the only set NCA uses, a key with another set is refused.
        if let Some(params) = &spki.algorithm.parameters {
            let params: KeyParameters = params.decode_as().map_err(|_| {
                VerifyError::MalformedPublicKey(format!("unreadable {name} key parameters"))
            })?;
            if params.param_set != expected_params {
                return Err(VerifyError::AlgorithmNotSupported(format!(
                    "{name} with parameter set {}",
                    params.param_set
                )));
            }
        }
        let bits = OctetString::from_der(spki.subject_public_key.raw_bytes()).map_err(|_| {
            VerifyError::MalformedPublicKey(format!("the {name} key is not an OCTET STRING"))
        })?;
        match spki.algorithm.oid {
            oid::KZ_GOST2015_512_KEY => Ok(Self::Gost2015_512(point_from_le(bits.as_bytes())?)),
            _ => Ok(Self::Gost2004(point_from_le(bits.as_bytes())?)),
        }
    }

    /// The signature algorithm this key verifies.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        match self {
            Self::Gost2015_512(_) => SignatureAlgorithm::Gost2015_512,
            Self::Gost2004(_) => SignatureAlgorithm::Gost2004,
        }
    }

    /// Verify a Kazakh-encoded signature (`r ‖ s`, little-endian) over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        let ok = match self {
            Self::Gost2015_512(point) => {
                verify_le::<Tc26Gost512A>(point, &streebog512(message), signature)?
            }
            Self::Gost2004(point) => {
                verify_le::<CryptoProA>(point, &gost94_test(message), signature)?
            }
        };
        if ok {
            Ok(())
        } else {
            Err(VerifyError::BadSignature)
        }
    }
}

fn verify_le<C: GostCurve>(
    point: &AffinePoint<C>,
    digest_le: &[u8],
    signature: &[u8],
) -> Result<bool, VerifyError> {
    let n = FieldBytesSize::<C>::USIZE;
    if signature.len() != 2 * n {
        return Err(VerifyError::MalformedSignature(format!(
            "{} bytes where r ‖ s takes {}",
            signature.len(),
            2 * n
        )));
    }
    let r = qoltanba_gost::scalar_in_range::<C>(&reversed::<C>(&signature[..n]));
    let s = qoltanba_gost::scalar_in_range::<C>(&reversed::<C>(&signature[n..]));
    let (Some(r), Some(s)) = (r, s) else {
        return Err(VerifyError::SignatureOutOfRange);
    };
    let e = qoltanba_gost::digest_scalar::<C>(&reversed::<C>(digest_le));
    Ok(C::verify(point, &e, &r, &s))
}

/// The point `x ‖ y` (each little-endian), if it is on the curve.
pub(crate) fn point_from_le<C: PrimeCurveParams>(
    bytes: &[u8],
) -> Result<AffinePoint<C>, VerifyError> {
    let n = FieldBytesSize::<C>::USIZE;
    if bytes.len() != 2 * n {
        return Err(VerifyError::MalformedPublicKey(format!(
            "{} bytes where x ‖ y takes {}",
            bytes.len(),
            2 * n
        )));
    }
    let x = reversed::<C>(&bytes[..n]);
    let y = reversed::<C>(&bytes[n..]);
    Option::from(AffinePoint::<C>::from_coordinates(&x, &y)).ok_or(VerifyError::PointNotOnCurve)
}

/// `x ‖ y`, each little-endian: the contents of the public key OCTET STRING.
pub(crate) fn point_to_le<C: PrimeCurveParams>(point: &AffinePoint<C>) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * FieldBytesSize::<C>::USIZE);
    out.extend(point.x().iter().rev());
    out.extend(point.y().iter().rev());
    out
}

/// `bytes` byte-reversed into a curve-sized big-endian array. Callers pass
/// exactly the curve's size.
pub(crate) fn reversed<C: Curve>(bytes: &[u8]) -> FieldBytes<C> {
    let mut out = FieldBytes::<C>::default();
    debug_assert_eq!(out.len(), bytes.len());
    for (o, b) in out.iter_mut().zip(bytes.iter().rev()) {
        *o = *b;
    }
    out
}
