//! The PKCS#12 (RFC 7292) structures, as typed ASN.1.
//!
//! No maintained crate for der 0.8 carries them yet, so they are declared
//! here. NCALayer writes the inner layers in BER with indefinite lengths; der's
//! `ber` encoding rules read those, so every decode in this module goes
//! through [`decode_ber`].

use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, EncodingRules, Sequence, SliceReader, ValueOrd};
use spki::AlgorithmIdentifierOwned;

/// The bag types (RFC 7292 §4.2) and certificate type (§4.2.3) read and written.
pub(super) const KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
pub(super) const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
pub(super) const CERT_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
pub(super) const X509_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
#[derive(Clone, Debug, Sequence)]
pub struct Pfx {
    pub version: u8,
    pub auth_safe: ContentInfo,
    pub mac_data: Option<MacData>,
}

/// CMS ContentInfo with the content kept as an opaque value, decoded by type.
#[derive(Clone, Debug, Sequence)]
pub struct ContentInfo {
    pub content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub content: Option<Any>,
}

/// MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
#[derive(Clone, Debug, Sequence)]
pub struct MacData {
    pub mac: DigestInfo,
    pub mac_salt: OctetString,
    #[asn1(default = "one")]
    pub iterations: u32,
}

fn one() -> u32 {
    1
}

/// DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }
#[derive(Clone, Debug, Sequence)]
pub struct DigestInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub digest: OctetString,
}

/// SafeBag ::= SEQUENCE { bagId OID, bagValue [0] EXPLICIT ANY, bagAttributes SET OF Attribute OPTIONAL }
#[derive(Clone, Debug, Sequence)]
pub struct SafeBag {
    pub bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub bag_value: Any,
    pub bag_attributes: Option<SetOfVec<BagAttribute>>,
}

/// PKCS12Attribute ::= SEQUENCE { attrId OID, attrValues SET OF ANY }
#[derive(Clone, Debug, Eq, PartialEq, Sequence, ValueOrd)]
pub struct BagAttribute {
    pub id: ObjectIdentifier,
    pub values: SetOfVec<Any>,
}

/// CertBag ::= SEQUENCE { certId OID, certValue [0] EXPLICIT OCTET STRING }
#[derive(Clone, Debug, Sequence)]
pub struct CertBag {
    pub cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub cert_value: OctetString,
}

/// EncryptedPrivateKeyInfo (PKCS#8), the value of a pkcs8ShroudedKeyBag.
#[derive(Clone, Debug, Sequence)]
pub struct EncryptedPrivateKeyInfo {
    pub algorithm: AlgorithmIdentifierOwned,
    pub encrypted_data: OctetString,
}

/// pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
#[derive(Clone, Debug, Sequence)]
pub struct Pkcs12PbeParams {
    pub salt: OctetString,
    pub iterations: u32,
}

/// PBES2-params (RFC 8018 appendix A.4) with both parts left generic. Read
/// first so that an unsupported KDF or cipher can be named by its OID; the
/// typed form is `pkcs5::pbes2::Parameters`.
#[derive(Clone, Debug, Sequence)]
pub struct Pbes2Params {
    pub key_derivation: AlgorithmIdentifierOwned,
    pub encryption: AlgorithmIdentifierOwned,
}

/// EncryptedData (RFC 5652) as PKCS#12 uses it (no unprotected attributes).
#[derive(Clone, Debug, Sequence)]
pub struct EncryptedData {
    pub version: u8,
    pub content: EncryptedContentInfo,
}

/// EncryptedContentInfo; the content is `[0] IMPLICIT OCTET STRING`, which
/// NCALayer writes constructed and indefinite.
#[derive(Clone, Debug, Sequence)]
pub struct EncryptedContentInfo {
    pub content_type: ObjectIdentifier,
    pub algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub encrypted_content: Option<OctetString>,
}

/// Decode an ANY as `T`. Its value may hold BER (NCA's inner layers), so it
/// goes through [`decode_ber`] rather than `Any::decode_as`.
pub fn decode_any<T: for<'a> Decode<'a, Error = der::Error>>(any: &Any) -> der::Result<T> {
    let der = der::Encode::to_der(any)?;
    decode_ber(&der)
}

/// Decode `bytes` under BER, which also accepts every DER encoding.
pub fn decode_ber<'a, T: Decode<'a, Error = der::Error>>(bytes: &'a [u8]) -> der::Result<T> {
    let mut reader = SliceReader::new_with_encoding_rules(bytes, EncodingRules::Ber)?;
    let value = T::decode(&mut reader)?;
    der::Reader::finish(reader)?;
    Ok(value)
}
