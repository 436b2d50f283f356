//! What kind of public key a SubjectPublicKeyInfo holds.

use der::Decode;
use der::asn1::ObjectIdentifier;
use spki::SubjectPublicKeyInfoOwned;

use crate::oid;

/// The algorithm and size of a public key, read from its SPKI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PublicKeyAlgorithm {
    Rsa {
        bits: u32,
    },
    EcP256,
    EcP384,
    /// An EC key on a curve qoltanba does not use.
    Ec {
        curve: ObjectIdentifier,
    },
    /// GOST 2015 (GOST R 34.10-2012) with a 512- or 256-bit key.
    Gost2015 {
        bits: u32,
    },
    /// GOST 34.310-2004 (256-bit).
    Gost2004,
    Unknown {
        oid: ObjectIdentifier,
    },
}

impl PublicKeyAlgorithm {
    pub fn of(spki: &SubjectPublicKeyInfoOwned) -> Self {
        let params_oid = || {
            spki.algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        };
        match spki.algorithm.oid {
            oid::RSA_ENCRYPTION => Self::Rsa {
                bits: rsa_modulus_bits(spki.subject_public_key.raw_bytes()).unwrap_or(0),
            },
            oid::EC_PUBLIC_KEY => match params_oid() {
                Some(oid::SECP256R1) => Self::EcP256,
                Some(oid::SECP384R1) => Self::EcP384,
                Some(curve) => Self::Ec { curve },
                None => Self::Unknown {
                    oid: oid::EC_PUBLIC_KEY,
                },
            },
            oid::KZ_GOST2015_512_KEY => Self::Gost2015 { bits: 512 },
            oid::KZ_GOST2015_256_KEY => Self::Gost2015 { bits: 256 },
            oid::KZ_GOST2004_KEY => Self::Gost2004,
            oid => Self::Unknown { oid },
        }
    }

    /// Key size in bits (0 where unknown).
    pub fn bits(&self) -> u32 {
        match self {
            Self::Rsa { bits } | Self::Gost2015 { bits } => *bits,
            Self::EcP256 | Self::Gost2004 => 256,
            Self::EcP384 => 384,
            Self::Ec { .. } | Self::Unknown { .. } => 0,
        }
    }

    /// A short, stable name for people and JSON, e.g. `RSA-2048`.
    pub fn name(&self) -> String {
        match self {
            Self::Rsa { bits } => format!("RSA-{bits}"),
            Self::EcP256 => "ECDSA-P256".into(),
            Self::EcP384 => "ECDSA-P384".into(),
            Self::Ec { curve } => format!("EC-{curve}"),
            Self::Gost2015 { bits } => format!("GOST2015-{bits}"),
            Self::Gost2004 => "GOST2004".into(),
            Self::Unknown { oid } => format!("unknown-{oid}"),
        }
    }
}

impl std::fmt::Display for PublicKeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

fn rsa_modulus_bits(der_bytes: &[u8]) -> Option<u32> {
    // PKCS#1 RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    let mut reader = der::SliceReader::new(der_bytes).ok()?;
    let bits = der::Reader::sequence(&mut reader, |r| {
        let modulus = der::asn1::UintRef::decode(r)?;
        let _exponent = der::asn1::UintRef::decode(r)?;
        Ok::<_, der::Error>(bit_length(modulus.as_bytes()))
    })
    .ok()?;
    Some(bits)
}

fn bit_length(big_endian: &[u8]) -> u32 {
    let first = big_endian.iter().position(|b| *b != 0);
    match first {
        None => 0,
        Some(i) => ((big_endian.len() - i - 1) * 8) as u32 + (8 - big_endian[i].leading_zeros()),
    }
}

/// A P-256 SubjectPublicKeyInfo from an uncompressed point, checked to be on
/// the curve (card and Apple keychain keys arrive as bare points). The error
/// says what is wrong with the point, for the caller's own error type.
pub fn p256_spki(point: &[u8]) -> Result<SubjectPublicKeyInfoOwned, &'static str> {
    use p256::elliptic_curve::sec1::FromSec1Point;
    if point.len() != 65 || point[0] != 0x04 {
        return Err("not an uncompressed P-256 point");
    }
    if p256::AffinePoint::from_sec1_bytes(point).is_err() {
        return Err("the point is not on P-256");
    }
    let curve: ObjectIdentifier = oid::SECP256R1;
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: oid::EC_PUBLIC_KEY,
            parameters: Some(der::Any::from(&curve)),
        },
        subject_public_key: der::asn1::BitString::from_bytes(point)
            .map_err(|_| "not an uncompressed P-256 point")?,
    })
}

/// An RSA SubjectPublicKeyInfo from the big-endian modulus and public
/// exponent (PKCS#11 tokens and cards give the two numbers, not an SPKI).
/// Leading zero bytes are allowed. The error says what is wrong, for the
/// caller's own error type.
pub fn rsa_spki<'a>(
    modulus: &'a [u8],
    exponent: &'a [u8],
) -> Result<SubjectPublicKeyInfoOwned, &'static str> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        public_exponent: der::asn1::UintRef<'a>,
    }
    let strip = |x: &'a [u8]| -> &'a [u8] {
        let first = x.iter().position(|b| *b != 0).unwrap_or(x.len());
        &x[first..]
    };
    let (n, e) = (strip(modulus), strip(exponent));
    if n.is_empty() || e.is_empty() {
        return Err("an RSA key needs a modulus and an exponent");
    }
    let bad = |_| "the RSA numbers cannot be encoded";
    let key = der::Encode::to_der(&RsaPublicKey {
        modulus: der::asn1::UintRef::new(n).map_err(bad)?,
        public_exponent: der::asn1::UintRef::new(e).map_err(bad)?,
    })
    .map_err(bad)?;
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: oid::RSA_ENCRYPTION,
            parameters: Some(der::Any::null()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&key).map_err(bad)?,
    })
}
