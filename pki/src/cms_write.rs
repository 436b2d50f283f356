//! Writing a CMS SignedData (RFC 5652) with one signer, the content attached
//! or detached: the one assembly every CMS document qoltanba signs goes
//! through, the reissue application (`reissue::sign`) and the signed message
//! or document (`signed_message`). Each caller picks its signed attributes and content
//! type; what is fixed here is the shape: version 1, sid =
//! issuerAndSerialNumber, the signer's certificate included, no CRLs, no
//! unsigned attributes. The key is a `dyn Signer` (file, keystore, ID card)
//! that returns finished signatures, so the typed `cms`/`x509-cert` values are
//! built directly rather than through their builders. (Reading is
//! [`cms_read`](crate::cms_read).)

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::revocation::RevocationInfoChoices;
use cms::signed_data::{
    CertificateSet, DigestAlgorithmIdentifiers, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Encode, EncodeValue, Sequence, Tagged};
use time::OffsetDateTime;
use x509_cert::attr::{Attribute, Attributes};
use x509_cert::time::Time;

use sha2::{Digest, Sha256};

use crate::cert::KzCertificate;
use crate::crypto::{DigestAlgorithm, SignError, Signer};
use crate::oid;
use crate::reissue::wire::{EssCertIdV2, SigningCertificateV2};

/// RFC 5652 SignedData with the eContentType kept as a raw value, so the
/// reissue application's 128-bit-arc content type fits (`reissue::wire`
/// explains); for id-data the bytes are the same as `cms`'s own type.
/// RFC 5652 EncapsulatedContentInfo with the eContentType kept raw.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct EncapsulatedContent {
    pub econtent_type: Any,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub econtent: Option<Any>,
}

/// RFC 5652 SignedData, field for field as in `cms`, except the
/// encapsulated content.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SignedData {
    pub version: CmsVersion,
    pub digest_algorithms: DigestAlgorithmIdentifiers,
    pub encap_content_info: EncapsulatedContent,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub certificates: Option<CertificateSet>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub crls: Option<RevocationInfoChoices>,
    pub signer_infos: SignerInfos,
}

/// Why [`sign_attached`] failed; each caller maps it to its own error.
#[derive(Debug)]
pub(crate) enum CmsWriteError {
    /// The key refused or failed to sign.
    Sign(SignError),
    /// A value could not be DER-encoded.
    Encoding,
}

impl From<der::Error> for CmsWriteError {
    fn from(_: der::Error) -> Self {
        CmsWriteError::Encoding
    }
}

/// An attribute with its one value.
pub(crate) fn attribute(
    oid: ObjectIdentifier,
    value: &(impl EncodeValue + Tagged),
) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![Any::encode_from(value)?])?,
    })
}

/// The signingTime attribute: UTCTime through 2049, GeneralizedTime after,
/// as RFC 5652 11.3 asks.
pub(crate) fn signing_time(at: OffsetDateTime) -> der::Result<Attribute> {
    attribute(
        oid::ATTR_SIGNING_TIME,
        &Time::try_from(SystemTime::from(at))?,
    )
}

/// The signingCertificateV2 attribute (RFC 5035): one ESSCertIDv2 with the
/// SHA-256 of `cert` (the default hash, left out) and no issuerSerial, as
/// NCA's library writes it for CAdES-BES whatever the key's algorithm.
pub(crate) fn signing_certificate_v2(cert: &KzCertificate) -> der::Result<Attribute> {
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(cert.der()).to_vec())?,
            issuer_serial: None,
        }],
        policies: None,
    };
    attribute(oid::ATTR_SIGNING_CERTIFICATE_V2, &value)
}

/// Sign `signed_attrs` with `signer` (whose certificate is `cert`) and wrap
/// `content` of type `content_type` (the OID as an encoded value), the
/// signer info and the certificate into a DER ContentInfo { SignedData }.
pub(crate) fn sign_attached(
    content: &[u8],
    content_type: Any,
    digest: DigestAlgorithm,
    signed_attrs: Attributes,
    signer: &dyn Signer,
    cert: &KzCertificate,
) -> Result<Vec<u8>, CmsWriteError> {
    sign_signed_data(
        Some(content),
        content_type,
        digest,
        signed_attrs,
        signer,
        cert,
    )
}

/// [`sign_attached`] without the content (a detached signature, RFC 5652
/// 5.2: eContent absent); the signed attributes' messageDigest still binds
/// the content the verifier is given separately.
pub(crate) fn sign_detached(
    content_type: Any,
    digest: DigestAlgorithm,
    signed_attrs: Attributes,
    signer: &dyn Signer,
    cert: &KzCertificate,
) -> Result<Vec<u8>, CmsWriteError> {
    sign_signed_data(None, content_type, digest, signed_attrs, signer, cert)
}

fn sign_signed_data(
    content: Option<&[u8]>,
    content_type: Any,
    digest: DigestAlgorithm,
    signed_attrs: Attributes,
    signer: &dyn Signer,
    cert: &KzCertificate,
) -> Result<Vec<u8>, CmsWriteError> {
    // RFC 5652 5.4: the signature covers the DER of the SET OF attributes
    // (tag SET), not the [0] IMPLICIT form they travel in.
    let signature = signer
        .sign(&signed_attrs.to_der()?)
        .map_err(CmsWriteError::Sign)?;
    let digest_alg = digest.identifier();
    let tbs = cert.inner().tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: signer.algorithm().identifier(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
        encap_content_info: EncapsulatedContent {
            econtent_type: content_type,
            econtent: content
                .map(|c| Any::encode_from(&OctetString::new(c)?))
                .transpose()?,
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(vec![
            CertificateChoices::Certificate(cert.inner().clone()),
        ])?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: oid::CT_SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    }
    .to_der()?)
}
