//! Signature algorithms as they appear in certificates, CSRs and CMS.

use der::asn1::{Any, ObjectIdentifier};
use spki::AlgorithmIdentifierOwned;

use super::DigestAlgorithm;
use crate::oid;

/// A signature algorithm qoltanba can name. Recognising an algorithm does not
/// mean it can be verified: GOST is named here so that certificates carrying it
/// parse and report a precise "not supported" instead of "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (NCA's RSA keys).
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    /// ECDSA P-256 with SHA-256 (platform keystores, the reference RA).
    EcdsaP256Sha256,
    EcdsaP384Sha384,
    /// GOST 2015 (GOST R 34.10-2012, 512-bit) with Streebog-512, Kazakh OIDs.
    Gost2015_512,
    /// GOST 2015 256-bit with Streebog-256, Kazakh OIDs.
    Gost2015_256,
    /// GOST 34.310-2004 with GOST R 34.11-94 (legacy).
    Gost2004,
}

impl SignatureAlgorithm {
    /// The algorithm named by a signature AlgorithmIdentifier, if known.
    pub fn from_identifier(id: &AlgorithmIdentifierOwned) -> Option<Self> {
        Self::from_oid(&id.oid)
    }

    /// The algorithm named by a signature OID, if known.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            oid::SHA256_WITH_RSA => Self::RsaPkcs1Sha256,
            oid::SHA384_WITH_RSA => Self::RsaPkcs1Sha384,
            oid::SHA512_WITH_RSA => Self::RsaPkcs1Sha512,
            oid::ECDSA_WITH_SHA256 => Self::EcdsaP256Sha256,
            oid::ECDSA_WITH_SHA384 => Self::EcdsaP384Sha384,
            oid::KZ_GOST2015_512_SIG => Self::Gost2015_512,
            oid::KZ_GOST2015_256_SIG => Self::Gost2015_256,
            oid::KZ_GOST2004_SIG => Self::Gost2004,
            _ => return None,
        })
    }

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::RsaPkcs1Sha256 => oid::SHA256_WITH_RSA,
            Self::RsaPkcs1Sha384 => oid::SHA384_WITH_RSA,
            Self::RsaPkcs1Sha512 => oid::SHA512_WITH_RSA,
            Self::EcdsaP256Sha256 => oid::ECDSA_WITH_SHA256,
            Self::EcdsaP384Sha384 => oid::ECDSA_WITH_SHA384,
            Self::Gost2015_512 => oid::KZ_GOST2015_512_SIG,
            Self::Gost2015_256 => oid::KZ_GOST2015_256_SIG,
            Self::Gost2004 => oid::KZ_GOST2004_SIG,
        }
    }

    /// The AlgorithmIdentifier to put in a CSR, certificate or SignerInfo.
    /// RSA carries an explicit NULL parameter (RFC 4055), and so does GOST, as
    /// in every NCA certificate; ECDSA none (RFC 5758).
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        let parameters = match self {
            Self::EcdsaP256Sha256 | Self::EcdsaP384Sha384 => None,
            _ => Some(Any::null()),
        };
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters,
        }
    }

    /// The digest a CMS SignerInfo names with this signature, for the
    /// algorithms qoltanba signs documents with. (GOST 2015-256 and 2004 are
    /// verified in certificates but never sign an application.)
    pub fn digest(self) -> Option<DigestAlgorithm> {
        match self {
            Self::RsaPkcs1Sha256 | Self::EcdsaP256Sha256 => Some(DigestAlgorithm::Sha256),
            Self::Gost2015_512 => Some(DigestAlgorithm::Streebog512),
            _ => None,
        }
    }

    /// A short, stable name for people and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::RsaPkcs1Sha256 => "RSA-SHA256",
            Self::RsaPkcs1Sha384 => "RSA-SHA384",
            Self::RsaPkcs1Sha512 => "RSA-SHA512",
            Self::EcdsaP256Sha256 => "ECDSA-P256-SHA256",
            Self::EcdsaP384Sha384 => "ECDSA-P384-SHA384",
            Self::Gost2015_512 => "GOST2015-512",
            Self::Gost2015_256 => "GOST2015-256",
            Self::Gost2004 => "GOST2004",
        }
    }
}

impl std::fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
