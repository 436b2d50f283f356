//! The digest algorithms a CMS document of qoltanba's names.

use der::asn1::ObjectIdentifier;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;

use super::gost_hash::streebog512;
use crate::oid;

/// A message digest algorithm, as a CMS SignerInfo names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    Sha256,
    /// Streebog-512 under its Kazakh OID 1.2.398.3.10.1.3.3.
    Streebog512,
}

impl DigestAlgorithm {
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => oid::SHA256,
            Self::Streebog512 => oid::KZ_STREEBOG_512,
        }
    }

    /// `{ oid }` with parameters absent (RFC 5754 for SHA-2; NCA's GOST
    /// identifiers carry none either).
    pub fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Streebog512 => streebog512(data).to_vec(),
        }
    }

    /// The length of a digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Streebog512 => 64,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Streebog512 => "Streebog-512",
        }
    }
}
