//! The ASN.1 shapes the application travels in that the `cms` and
//! `x509-cert` crates do not provide: SignedData with a raw eContentType, and
//! RFC 5035's signingCertificateV2.
//!
//! The application's content type, id-qoltanba-reissueApplication, is a
//! UUID-derived OID (X.667: `2.25.<the UUID as one 128-bit integer>`). Its
//! last arc does not fit the 32-bit arcs of `const-oid`, so neither
//! `ObjectIdentifier` nor `cms`'s `EncapsulatedContentInfo` (whose
//! eContentType is one) can hold or even decode it. The OID is therefore
//! kept as its DER bytes, and `SignedData` is mirrored (in `cms_write`,
//! re-exported here) with the eContentType as a raw value; everything else
//! reuses the `cms` types.

use der::asn1::{Any, OctetString};
use der::{Sequence, Tag};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::name::GeneralNames;
use x509_cert::serial_number::SerialNumber;

pub use crate::cms_write::{EncapsulatedContent, SignedData};
use crate::oid;

/// `2.25.85281895167955195690542932090825711559`, the DER value (without
/// tag and length) of id-qoltanba-reissueApplication.
pub const CONTENT_TYPE_VALUE: [u8; 20] = [
    0x69, 0x81, 0x80, 0xa8, 0xd9, 0x84, 0x8a, 0xea, 0xc2, 0x94, 0x9d, 0x8c, 0xb9, 0xd5, 0xc8, 0x89,
    0xe9, 0xee, 0xbf, 0x47,
];

/// The dotted form, for people and documentation.
pub const CONTENT_TYPE_DOTTED: &str = "2.25.85281895167955195690542932090825711559";

/// id-qoltanba-reissueApplication as an ASN.1 value (tag OBJECT IDENTIFIER),
/// ready for eContentType and the contentType attribute.
pub fn content_type() -> Any {
    Any::new(Tag::ObjectIdentifier, CONTENT_TYPE_VALUE.to_vec())
        .expect("a 20-byte value always has a valid length")
}

/// RFC 5035 `IssuerSerial`: the issuer as GeneralNames and the serial.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct IssuerSerial {
    pub issuer: GeneralNames,
    pub serial_number: SerialNumber,
}

/// `{ id-sha256 }`, ESSCertIDv2's default hash algorithm.
pub fn sha256_identifier() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid::SHA256,
        parameters: None,
    }
}

/// RFC 5035 `ESSCertIDv2`: the hash of a certificate that binds it to the
/// signature. `hashAlgorithm` is `DEFAULT {id-sha256}`, which DER leaves out:
/// `None` here (der's derive cannot yet write DEFAULT for owned types), read
/// through [`EssCertIdV2::hash_algorithm`].
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub issuer_serial: Option<IssuerSerial>,
}

impl EssCertIdV2 {
    /// The hash algorithm, with the default filled in.
    pub fn hash_algorithm(&self) -> AlgorithmIdentifierOwned {
        self.hash_algorithm
            .clone()
            .unwrap_or_else(sha256_identifier)
    }
}

/// RFC 5035 `SigningCertificateV2`, the value of the signed attribute
/// id-aa-signingCertificateV2: the first ESSCertIDv2 names the signer's
/// certificate, so swapping the (unsigned) certificate breaks the signature.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub policies: Option<Vec<PolicyInformation>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    #[test]
    fn the_content_type_bytes_are_the_uuid_oid() {
        // Decode the base-128 arcs back into the dotted form.
        let bytes = &CONTENT_TYPE_VALUE;
        assert_eq!(bytes[0], 2 * 40 + 25);
        let mut arc: u128 = 0;
        for b in &bytes[1..] {
            arc = (arc << 7) | u128::from(b & 0x7f);
        }
        assert_eq!(format!("2.25.{arc}"), CONTENT_TYPE_DOTTED);
        let der = content_type().to_der().unwrap();
        assert_eq!(Any::from_der(&der).unwrap(), content_type());
    }

    #[test]
    fn the_default_hash_algorithm_is_left_out() {
        let id = EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new([7u8; 32]).unwrap(),
            issuer_serial: None,
        };
        let der = id.to_der().unwrap();
        // SEQUENCE { OCTET STRING (32) }: no AlgorithmIdentifier.
        assert_eq!(&der[..4], &[0x30, 34, 0x04, 32]);
        let read = EssCertIdV2::from_der(&der).unwrap();
        assert_eq!(read, id);
        assert_eq!(read.hash_algorithm(), sha256_identifier());
    }
}
