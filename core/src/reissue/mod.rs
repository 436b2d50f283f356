//! The reissue application: CSRs for the new keys, the application document,
//! and its CMS signature with the current SIGN key.
//!
//! The semantics are those of a CMC/CMP key update: the old key authorises
//! (CMS signature), each CSR proves possession of its new key. Format:
//! docs/application-format.md.

mod application;
mod csr;
mod signed;
pub mod wire;

use time::OffsetDateTime;

pub use application::{
    Applicant, ApplicantSummary, ApplicationDetails, ApplicationSummary, KeyRequest,
    ReissueApplication, RequestPurpose, RequestSummary, StorageKind, VERSION,
};
pub use csr::{VerifiedCsr, build_csr, renewal_subject, verify_csr};
pub use signed::{
    SignerSummary, VerifiedApplication, VerifiedSummary, sign_application, verify_application,
};

use crate::cert::{KzCertificate, Purpose, TimeStatus};
use crate::crypto::{SignError, Signer, VerifyError};

/// Why an application could not be built, signed or verified.
#[derive(Debug, thiserror::Error)]
pub enum ReissueError {
    #[error(
        "the signing key's certificate expired on {0}; renew it at a registration centre, online renewal needs a valid key"
    )]
    Expired(OffsetDateTime),
    #[error("the signing key's certificate is not valid before {0}; check the device clock")]
    NotYetValid(OffsetDateTime),
    #[error(
        "this is an AUTH (login) key; sign the application with the SIGN key (RSA256_….p12 or GOST512_….p12)"
    )]
    NotASigningKey,
    #[error("the private key does not belong to the certificate; the key file is inconsistent")]
    KeyMismatch,
    #[error("the certificate carries no IIN; only an individual's NCA certificate can apply")]
    NoIin,
    #[error("the e-mail address is not valid; write it as name@example.kz")]
    BadEmail,
    #[error("the locality must be 1 to 100 characters; write the city or village")]
    BadLocality,
    #[error("the application requests no keys; ask for at least one")]
    NoRequests,
    #[error("the application requests two keys for the same purpose; request each purpose once")]
    DuplicatePurpose,
    #[error("a key must be requested for AUTH, SIGN or both")]
    NoPurpose,
    #[error("signing failed: {0}")]
    Sign(#[from] SignError),
    #[error("not a qoltanba reissue application (expected CMS SignedData, DER or PEM)")]
    NotAnApplication,
    #[error("the application has an unsupported format version {0}; update qoltanba")]
    UnsupportedVersion(u8),
    #[error("the application content is malformed; build it again")]
    MalformedApplication,
    #[error("the application must have exactly one signer")]
    SignerCount,
    #[error("the signer's certificate is not in the application; build it again")]
    SignerCertificateMissing,
    #[error(
        "the signingCertificateV2 attribute does not name the included certificate: the certificate was swapped"
    )]
    SignerCertificateMismatch,
    #[error("the signed attribute {0} is missing or repeated; build the application again")]
    MissingAttribute(&'static str),
    #[error("unsupported digest algorithm {0}")]
    UnsupportedDigest(String),
    #[error("the content does not match its signed digest: the application was altered")]
    DigestMismatch,
    #[error("the application's signature is not valid: {0}")]
    BadSignature(VerifyError),
    #[error("the applicant, the signer and the requests do not name the same IIN")]
    IinMismatch,
    #[error("a certificate request is malformed; build it again")]
    MalformedCsr,
    #[error(
        "a certificate request's signature is not valid ({0}): it does not prove possession of its key"
    )]
    CsrSignature(VerifyError),
    #[error("the system random number generator failed; try again")]
    Random,
    #[error("the application could not be encoded")]
    Encoding,
}

/// The checks before any signature: a valid SIGN certificate with an IIN,
/// matching the key that will sign.
pub(crate) fn check_signer(
    signer: &dyn Signer,
    cert: &KzCertificate,
    at: OffsetDateTime,
) -> Result<(), ReissueError> {
    match cert.time_status(at) {
        TimeStatus::Expired => return Err(ReissueError::Expired(cert.not_after())),
        TimeStatus::NotYetValid => return Err(ReissueError::NotYetValid(cert.not_before())),
        TimeStatus::Valid => {}
    }
    if !cert.purpose().can_sign() {
        return Err(ReissueError::NotASigningKey);
    }
    let key = signer.public_key();
    if key.algorithm.oid != cert.public_key().algorithm.oid
        || key.subject_public_key != cert.public_key().subject_public_key
    {
        return Err(ReissueError::KeyMismatch);
    }
    if cert.holder().iin.is_none() {
        return Err(ReissueError::NoIin);
    }
    Ok(())
}

/// What `build_application` produces.
#[derive(Debug, Clone)]
pub struct SignedApplication {
    pub application: ReissueApplication,
    /// One DER CSR per new key, in the order of `new_keys`.
    pub csrs_der: Vec<Vec<u8>>,
    /// The CMS SignedData (application.p7s).
    pub p7s_der: Vec<u8>,
}

/// Build and sign an application for `new_keys`, checking everything that
/// could refuse it before any CSR is made.
pub fn build_application(
    current: &KzCertificate,
    current_signer: &dyn Signer,
    new_keys: &[(Purpose, &dyn Signer)],
    details: &ApplicationDetails,
    at: OffsetDateTime,
) -> Result<SignedApplication, ReissueError> {
    check_signer(current_signer, current, at)?;
    details.validate()?;
    application::check_purposes(new_keys.iter().map(|(purpose, _)| *purpose))?;
    let subject = renewal_subject(current, Some(details.email.trim()))?;
    let mut requests = Vec::new();
    let mut csrs_der = Vec::new();
    for (purpose, key) in new_keys {
        let purpose_tag = RequestPurpose::from_purpose(*purpose).ok_or(ReissueError::NoPurpose)?;
        let der = build_csr(*key, &subject, *purpose)?;
        let csr = der::Decode::from_der(&der).map_err(|_| ReissueError::Encoding)?;
        requests.push(KeyRequest {
            purpose: purpose_tag,
            csr,
        });
        csrs_der.push(der);
    }
    let application = ReissueApplication::new(current, details, requests, at)?;
    let p7s_der = sign_application(&application, current_signer, current, at)?;
    Ok(SignedApplication {
        application,
        csrs_der,
        p7s_der,
    })
}
