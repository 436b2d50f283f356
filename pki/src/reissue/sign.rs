//! Signing the application as CMS SignedData (RFC 5652) with the current
//! SIGN key.
//!
//! Profile (docs/application-format.md): content attached; signed attributes
//! contentType, messageDigest, signingTime and signingCertificateV2 (RFC
//! 5035); the signer's certificate included; sid = issuerAndSerialNumber;
//! the digest that goes with the key's signature algorithm (SHA-256 for RSA
//! and P-256, Streebog-512 for GOST 2015); the signing certificate's hash in
//! signingCertificateV2 is always SHA-256 (the attribute's default). The structures are built
//! from the typed `cms`/`x509-cert` values directly rather than through their
//! builders, because the key is a `dyn Signer` (file, keystore, ID card) that
//! returns finished signatures in the algorithm's wire encoding.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, SignerIdentifier, SignerInfo, SignerInfos};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Encode, EncodeValue, Tagged};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::attr::{Attribute, Attributes};
use x509_cert::time::Time;

use super::ReissueError;
use super::application::ReissueApplication;
use super::wire::{
    EncapsulatedContent, EssCertIdV2, SignedData, SigningCertificateV2, content_type,
};
use crate::cert::{KzCertificate, TimeStatus};
use crate::crypto::{DigestAlgorithm, Signer};
use crate::oid;

/// Everything that must hold before the current key signs anything: its
/// certificate is valid at `at`, allows signing (not an AUTH-only key),
/// belongs to this very key, names an IIN, and the key's algorithm is one
/// applications are signed with. Returns the digest algorithm to use.
pub(crate) fn check_signer(
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<DigestAlgorithm, ReissueError> {
    match cert.time_status(at) {
        TimeStatus::Expired => return Err(ReissueError::Expired(cert.not_after())),
        TimeStatus::NotYetValid => return Err(ReissueError::NotYetValid(cert.not_before())),
        TimeStatus::Valid => {}
    }
    if !cert.purpose().can_sign() {
        return Err(ReissueError::NotASigningKey);
    }
    // The key itself decides: algorithm parameters (an RSA NULL written or
    // left out) may be spelled differently by the key's home and the CA.
    let (key, certified) = (signer.public_key(), cert.public_key());
    if key.algorithm.oid != certified.algorithm.oid
        || key.subject_public_key != certified.subject_public_key
    {
        return Err(ReissueError::KeyMismatch);
    }
    if cert.holder().iin.is_none() {
        return Err(ReissueError::NoIin);
    }
    let algorithm = signer.algorithm();
    algorithm
        .digest()
        .ok_or_else(|| ReissueError::UnsupportedSigner(algorithm.name().into()))
}

/// An attribute with its one value.
fn attribute(oid: ObjectIdentifier, value: &(impl EncodeValue + Tagged)) -> der::Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![Any::encode_from(value)?])?,
    })
}

/// The four signed attributes, as a DER SET OF (sorted by encoding).
fn signed_attributes(
    content: &[u8],
    digest: DigestAlgorithm,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> der::Result<Attributes> {
    // UTCTime through 2049, GeneralizedTime after, as RFC 5652 11.3 asks.
    let signing_time = Time::try_from(std::time::SystemTime::from(at))?;
    let signing_certificate = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(cert.der()).to_vec())?,
            issuer_serial: None,
        }],
        policies: None,
    };
    SetOfVec::try_from(vec![
        attribute(oid::ATTR_CONTENT_TYPE, &content_type())?,
        attribute(
            oid::ATTR_MESSAGE_DIGEST,
            &OctetString::new(digest.digest(content))?,
        )?,
        attribute(oid::ATTR_SIGNING_TIME, &signing_time)?,
        attribute(oid::ATTR_SIGNING_CERTIFICATE_V2, &signing_certificate)?,
    ])
}

/// Sign `application` with `signer`, whose certificate is `cert`, at the
/// instant `at`; returns the DER ContentInfo (application.p7s).
pub fn sign_application(
    application: &ReissueApplication,
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<Vec<u8>, ReissueError> {
    let digest = check_signer(signer, cert, at)?;
    application.validate()?;
    let content = application.to_der()?;
    let signed_attrs =
        signed_attributes(&content, digest, cert, at).map_err(|_| ReissueError::Encoding)?;
    // RFC 5652 5.4: the signature covers the DER of the SET OF attributes
    // (tag SET), not the [0] IMPLICIT form they travel in.
    let to_sign = signed_attrs.to_der().map_err(|_| ReissueError::Encoding)?;
    let signature = signer.sign(&to_sign)?;
    assemble(content, digest, signed_attrs, signer, cert, signature)
        .map_err(|_| ReissueError::Encoding)
}

/// Put the signed pieces into ContentInfo { SignedData }.
fn assemble(
    content: Vec<u8>,
    digest: DigestAlgorithm,
    signed_attrs: Attributes,
    signer: &dyn Signer,
    cert: &KzCertificate,
    signature: Vec<u8>,
) -> der::Result<Vec<u8>> {
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
            econtent_type: content_type(),
            econtent: Some(Any::encode_from(&OctetString::new(content)?)?),
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(vec![
            CertificateChoices::Certificate(cert.inner().clone()),
        ])?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    ContentInfo {
        content_type: oid::CT_SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    }
    .to_der()
}
