//! Signing the application as CMS SignedData (RFC 5652) with the current
//! SIGN key.
//!
//! Profile (docs/application-format.md): content attached; signed attributes
//! contentType, messageDigest, signingTime and signingCertificateV2 (RFC
//! 5035); the signer's certificate included; sid = issuerAndSerialNumber;
//! the digest that goes with the key's signature algorithm (SHA-256 for RSA
//! and P-256, Streebog-512 for GOST 2015); the signing certificate's hash in
//! signingCertificateV2 is always SHA-256 (the attribute's default). The
//! SignedData itself is assembled by `cms_write`, as for signed messages.

use der::asn1::{OctetString, SetOfVec};
use time::OffsetDateTime;
use x509_cert::attr::Attributes;

use super::ReissueError;
use super::application::ReissueApplication;
use super::wire::content_type;
use crate::cert::{KzCertificate, TimeStatus};
use crate::cms_write::{
    CmsWriteError, attribute, sign_attached, signing_certificate_v2, signing_time,
};
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

/// The four signed attributes, as a DER SET OF (sorted by encoding).
fn signed_attributes(
    content: &[u8],
    digest: DigestAlgorithm,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> der::Result<Attributes> {
    SetOfVec::try_from(vec![
        attribute(oid::ATTR_CONTENT_TYPE, &content_type())?,
        attribute(
            oid::ATTR_MESSAGE_DIGEST,
            &OctetString::new(digest.digest(content))?,
        )?,
        signing_time(at)?,
        signing_certificate_v2(cert)?,
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
    sign_attached(&content, content_type(), digest, signed_attrs, signer, cert).map_err(|e| match e
    {
        CmsWriteError::Sign(e) => ReissueError::Sign(e),
        CmsWriteError::Encoding => ReissueError::Encoding,
    })
}
