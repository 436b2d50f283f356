//! Verifying an application.p7s: is it intact, who signed it, when, and do
//! the signer, the applicant and every CSR name the same person?
//!
//! Trust is deliberately not decided here: whether the signer's certificate
//! chains to NCA, is unrevoked and was valid at the signing time depends on
//! the caller's anchors and revocation data, so the caller (the RA server,
//! `qoltanba application verify --ca`) runs `cert::validate` on
//! [`VerifiedApplication::signer`] itself.

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignerIdentifier, SignerInfo};
use der::asn1::{Any, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_cert::attr::Attributes;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::time::Time;

use super::ReissueError;
use super::application::ReissueApplication;
use super::csr::{VerifiedCsr, verify_request};
use super::subject::subject_iin;
use super::wire::{SignedData, SigningCertificateV2, content_type};
use crate::cert::KzCertificate;
use crate::cms_read::{cms_der, single_value};
use crate::crypto::{DigestAlgorithm, SignatureAlgorithm, verify_signature};
use crate::oid;

/// An application whose structure, signature, attributes and CSRs all check
/// out. Its signer is authentic to its own certificate; whether that
/// certificate is trusted is the caller's question (see the module docs).
#[derive(Debug, Clone)]
pub struct VerifiedApplication {
    pub application: ReissueApplication,
    /// The signer's certificate, for the caller's chain validation.
    pub signer: KzCertificate,
    /// The signed signingTime attribute.
    pub signing_time: OffsetDateTime,
    /// The CSRs of `application.requests`, in order, each with its proof of
    /// possession checked.
    pub csrs: Vec<VerifiedCsr>,
}

/// Verify an application.p7s (DER, or PEM labelled CMS or PKCS7). Each
/// failure has its own error; the order is in docs/application-format.md.
pub fn verify_application(bytes: &[u8]) -> Result<VerifiedApplication, ReissueError> {
    let der = cms_der(bytes).ok_or(ReissueError::NotAnApplication)?;
    let info = ContentInfo::from_der(&der).map_err(|_| ReissueError::NotAnApplication)?;
    if info.content_type != oid::CT_SIGNED_DATA {
        return Err(ReissueError::NotAnApplication);
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| ReissueError::NotAnApplication)?;
    if signed.encap_content_info.econtent_type != content_type() {
        return Err(ReissueError::NotAnApplication);
    }
    // The decoder accepts a few non-DER forms (an unsorted SET OF, which it
    // sorts); insisting on the exact re-encoding leaves one byte string per
    // application, so what was signed is what is read and stored.
    // (`info.content` is kept raw, so it is the decoded SignedData that is
    // re-encoded.)
    let raw = info.content.to_der().ok();
    if raw.is_none() || signed.to_der().ok() != raw {
        return Err(ReissueError::NotCanonical);
    }
    let content: OctetString = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or(ReissueError::NotAnApplication)?
        .decode_as()
        .map_err(|_| ReissueError::NotAnApplication)?;
    let signer_info = only_signer(&signed)?;
    let digest_algorithm = check_unsigned_fields(&signed, signer_info)?;
    let signer = signer_certificate(&signed, signer_info)?;

    let attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or(ReissueError::MissingAttribute("signed attributes"))?;
    let signing_time =
        check_signed_attributes(attrs, content.as_bytes(), digest_algorithm, &signer)?;
    check_signature(signer_info, attrs, &signer)?;

    let application = ReissueApplication::from_der(content.as_bytes())?;
    let csrs = check_requests(&application, &signer)?;
    Ok(VerifiedApplication {
        application,
        signer,
        signing_time,
        csrs,
    })
}

fn only_signer(signed: &SignedData) -> Result<&SignerInfo, ReissueError> {
    let mut infos = signed.signer_infos.0.iter();
    match (infos.next(), infos.next()) {
        (Some(info), None) => Ok(info),
        _ => Err(ReissueError::SignerCount),
    }
}

/// Every field outside the signature is exactly what qoltanba writes, so
/// nothing unsigned can vary unnoticed. Returns the digest algorithm.
fn check_unsigned_fields(
    signed: &SignedData,
    signer: &SignerInfo,
) -> Result<DigestAlgorithm, ReissueError> {
    let digest = [DigestAlgorithm::Sha256, DigestAlgorithm::Streebog512]
        .into_iter()
        .find(|d| d.identifier() == signer.digest_alg)
        .ok_or_else(|| ReissueError::UnsupportedDigest(signer.digest_alg.oid.to_string()))?;
    let digests_listed = signed.digest_algorithms.len() == 1
        && signed
            .digest_algorithms
            .iter()
            .all(|a| a == &signer.digest_alg);
    let certificates = signed.certificates.as_ref().map_or(0, |set| set.0.len());
    if !digests_listed
        || signed.version != CmsVersion::V1
        || signer.version != CmsVersion::V1
        || signer.unsigned_attrs.is_some()
        || signed.crls.is_some()
        || certificates > 1
    {
        return Err(ReissueError::NotAnApplication);
    }
    Ok(digest)
}

/// The included certificate the sid names by issuer and serial.
fn signer_certificate(
    signed: &SignedData,
    signer: &SignerInfo,
) -> Result<KzCertificate, ReissueError> {
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(ReissueError::SignerCertificateMissing);
    };
    let named = |cert: &x509_cert::Certificate| {
        let tbs = cert.tbs_certificate();
        tbs.issuer() == &sid.issuer && tbs.serial_number() == &sid.serial_number
    };
    let cert = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(cert) if named(cert) => Some(cert.clone()),
            _ => None,
        })
        .ok_or(ReissueError::SignerCertificateMissing)?;
    KzCertificate::from_certificate(cert).map_err(|_| ReissueError::SignerCertificateMissing)
}

/// The one value of the signed attribute `oid`, which must appear once.
fn single<'a>(
    attrs: &'a Attributes,
    oid: ObjectIdentifier,
    name: &'static str,
) -> Result<&'a Any, ReissueError> {
    single_value(attrs, oid).ok_or(ReissueError::MissingAttribute(name))
}

/// contentType, messageDigest, signingTime and signingCertificateV2; returns
/// the signing time.
fn check_signed_attributes(
    attrs: &Attributes,
    content: &[u8],
    digest_algorithm: DigestAlgorithm,
    signer: &KzCertificate,
) -> Result<OffsetDateTime, ReissueError> {
    if single(attrs, oid::ATTR_CONTENT_TYPE, "contentType")? != &content_type() {
        return Err(ReissueError::NotAnApplication);
    }
    let digest: OctetString = single(attrs, oid::ATTR_MESSAGE_DIGEST, "messageDigest")?
        .decode_as()
        .map_err(|_| ReissueError::MissingAttribute("messageDigest"))?;
    if digest.as_bytes() != digest_algorithm.digest(content).as_slice() {
        return Err(ReissueError::DigestMismatch);
    }
    let time: Time = single(attrs, oid::ATTR_SIGNING_TIME, "signingTime")?
        .decode_as()
        .map_err(|_| ReissueError::MissingAttribute("signingTime"))?;
    let ess: SigningCertificateV2 = single(
        attrs,
        oid::ATTR_SIGNING_CERTIFICATE_V2,
        "signingCertificateV2",
    )?
    .decode_as()
    .map_err(|_| ReissueError::MissingAttribute("signingCertificateV2"))?;
    // RFC 5035 5.4: the first ESSCertIDv2 is the signer's certificate.
    let first = ess
        .certs
        .first()
        .ok_or(ReissueError::MissingAttribute("signingCertificateV2"))?;
    let hash_matches = first.hash_algorithm().oid == oid::SHA256
        && first.cert_hash.as_bytes() == Sha256::digest(signer.der()).as_slice();
    let tbs = signer.inner().tbs_certificate();
    let issuer_serial_matches = first.issuer_serial.as_ref().is_none_or(|named| {
        named.serial_number == *tbs.serial_number()
            && named
                .issuer
                .iter()
                .any(|name| matches!(name, GeneralName::DirectoryName(n) if n == tbs.issuer()))
    });
    if !hash_matches || !issuer_serial_matches {
        return Err(ReissueError::SignerCertificateMismatch);
    }
    Ok(OffsetDateTime::from(time.to_system_time()))
}

/// The signature over the DER SET OF signed attributes (RFC 5652 5.4), made
/// with an algorithm written exactly as qoltanba writes it and paired with
/// the SignerInfo's digest algorithm.
fn check_signature(
    signer_info: &SignerInfo,
    attrs: &Attributes,
    signer: &KzCertificate,
) -> Result<(), ReissueError> {
    let written = &signer_info.signature_algorithm;
    let algorithm = SignatureAlgorithm::from_identifier(written)
        .filter(|a| {
            a.digest().map(DigestAlgorithm::identifier).as_ref() == Some(&signer_info.digest_alg)
                && &a.identifier() == written
        })
        .ok_or_else(|| ReissueError::AlgorithmMismatch(written.oid.to_string()))?;
    let signed_bytes = attrs.to_der().map_err(|_| ReissueError::NotAnApplication)?;
    verify_signature(
        signer.public_key(),
        &algorithm.identifier(),
        &signed_bytes,
        signer_info.signature.as_bytes(),
    )
    .map_err(ReissueError::BadSignature)
}

/// The applicant is the signer (same IIN), and every CSR proves possession
/// of its key, asks for the purpose its request states, for the same IIN.
fn check_requests(
    application: &ReissueApplication,
    signer: &KzCertificate,
) -> Result<Vec<VerifiedCsr>, ReissueError> {
    let applicant_iin = application.applicant.iin.as_str();
    let signer_iin = signer.holder().iin.as_ref().map(|i| i.digits());
    if signer_iin != Some(applicant_iin) {
        return Err(ReissueError::IinMismatch);
    }
    let mut csrs = Vec::with_capacity(application.requests.len());
    for request in &application.requests {
        let csr = verify_request(&request.csr)?;
        if subject_iin(&csr.subject).as_deref() != Some(applicant_iin) {
            return Err(ReissueError::IinMismatch);
        }
        if csr.purpose != request.purpose.purpose() {
            return Err(ReissueError::PurposeMismatch);
        }
        csrs.push(csr);
    }
    Ok(csrs)
}
