//! The one call the CLI and the apps make: new keys in, a signed application
//! out.

use der::Decode;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::request::CertReq;

use super::ReissueError;
use super::application::{KeyRequest, ReissueApplication, RequestPurpose, check_purposes};
use super::csr::build_csr;
use super::details::ApplicationDetails;
use super::sign::{check_signer, sign_application};
use super::subject::renewal_subject;
use crate::cert::{KzCertificate, Purpose};
use crate::crypto::Signer;

/// What `build_application` produces.
#[derive(Debug, Clone)]
pub struct SignedApplication {
    pub application: ReissueApplication,
    /// One DER CSR per new key, in the order of `new_keys` (also inside the
    /// application; kept apart to store next to each new key).
    pub csrs_der: Vec<Vec<u8>>,
    /// The CMS SignedData (application.p7s), DER.
    pub p7s_der: Vec<u8>,
}

/// A new key for [`build_attested_application`].
#[derive(Clone, Copy)]
pub struct NewKeyEntry<'a> {
    pub purpose: Purpose,
    pub key: &'a dyn Signer,
    /// The platform's attestation chain for the key, leaf first (DER);
    /// empty for a key without one.
    pub attestation: &'a [Vec<u8>],
}

/// Build and sign an application asking NCA to certify `new_keys`, signed
/// with the current SIGN key at the instant `at`.
///
/// Every refusal (expired or not-yet-valid certificate, an AUTH key, a key
/// that is not the certificate's, no IIN, bad e-mail or locality, no or
/// repeated purposes) comes before any key signs anything: a card or
/// keystore is never asked for a PIN or a signature in vain.
pub fn build_application(
    current_sign_cert: &KzCertificate,
    current_signer: &dyn Signer,
    new_keys: &[(Purpose, &dyn Signer)],
    details: &ApplicationDetails,
    at: OffsetDateTime,
) -> Result<SignedApplication, ReissueError> {
    let entries: Vec<NewKeyEntry<'_>> = new_keys
        .iter()
        .map(|(purpose, key)| NewKeyEntry {
            purpose: *purpose,
            key: *key,
            attestation: &[],
        })
        .collect();
    build_attested_application(current_sign_cert, current_signer, &entries, details, at)
}

/// [`build_application`] for keys that may carry their platform's
/// attestation chain (keys in a phone's keystore).
pub fn build_attested_application(
    current_sign_cert: &KzCertificate,
    current_signer: &dyn Signer,
    new_keys: &[NewKeyEntry<'_>],
    details: &ApplicationDetails,
    at: OffsetDateTime,
) -> Result<SignedApplication, ReissueError> {
    check_signer(current_signer, current_sign_cert, at)?;
    details.validate()?;
    check_purposes(new_keys.iter().map(|k| k.purpose))?;
    let subject = renewal_subject(current_sign_cert, Some(details.email.trim()))?;
    let mut requests = Vec::with_capacity(new_keys.len());
    let mut csrs_der = Vec::with_capacity(new_keys.len());
    for entry in new_keys {
        let purpose_tag =
            RequestPurpose::from_purpose(entry.purpose).ok_or(ReissueError::NoPurpose)?;
        let attestation = match entry.attestation {
            [] => None,
            chain => Some(
                chain
                    .iter()
                    .map(|der| {
                        // A certificate, kept byte for byte.
                        Certificate::from_der(der).map_err(|_| ReissueError::Encoding)?;
                        der::Any::from_der(der).map_err(|_| ReissueError::Encoding)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let der = build_csr(entry.key, &subject, entry.purpose)?;
        let csr = CertReq::from_der(&der).map_err(|_| ReissueError::Encoding)?;
        requests.push(KeyRequest {
            purpose: purpose_tag,
            csr,
            attestation,
        });
        csrs_der.push(der);
    }
    let application = ReissueApplication::new(current_sign_cert, details, requests, at)?;
    let p7s_der = sign_application(&application, current_signer, current_sign_cert, at)?;
    Ok(SignedApplication {
        application,
        csrs_der,
        p7s_der,
    })
}
