//! Chain validation: does a trusted CA vouch for this certificate, now?
//!
//! Deliberately small: NCA's hierarchy is a root, an issuing CA and the
//! citizen's certificate. Names are matched by their DER encoding and, where
//! both sides carry them, by key identifiers. Revocation (CRL/OCSP) is a
//! separate step that needs the network and lives with the RA client.

use der::Encode;
use time::OffsetDateTime;

use super::{KzCertificate, Purpose};
use crate::crypto::{VerifyError, verify_signature};

/// The most links a path may have; NCA's real paths have three.
const MAX_PATH_LEN: usize = 8;

/// The certificates a caller trusts (usually NCA's issuing CAs or roots).
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    certs: Vec<KzCertificate>,
}

impl TrustAnchors {
    pub fn new(certs: Vec<KzCertificate>) -> Self {
        Self { certs }
    }
    pub fn certificates(&self) -> &[KzCertificate] {
        &self.certs
    }
    fn contains(&self, cert: &KzCertificate) -> bool {
        self.certs.iter().any(|a| a.der() == cert.der())
    }
}

/// Why a certificate is not trusted at the instant asked about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("the certificate of {subject} expired on {not_after}; renew the key")]
    Expired {
        subject: String,
        not_after: OffsetDateTime,
    },
    #[error(
        "the certificate of {subject} is not valid before {not_before}; check the device clock"
    )]
    NotYetValid {
        subject: String,
        not_before: OffsetDateTime,
    },
    #[error("the issuer {issuer} is not a trusted CA; add its certificate to the trust anchors")]
    UnknownIssuer { issuer: String },
    #[error(
        "the signature on the certificate of {subject} is not valid; the certificate is forged or damaged"
    )]
    BadSignature { subject: String },
    #[error(
        "{algorithm} certificates are not supported; qoltanba verifies GOST 2015-512, GOST 2004, RSA and ECDSA chains"
    )]
    AlgorithmNotSupported { algorithm: String },
    #[error("{issuer} is not a CA and cannot issue certificates")]
    IssuerNotCa { issuer: String },
    #[error("the certificate is for {actual}, but {required} is needed; choose the other key")]
    WrongPurpose { required: Purpose, actual: Purpose },
    #[error("the certificate chain is longer than {MAX_PATH_LEN}; it is not an NCA chain")]
    TooLong,
}

/// Validate `cert` at `at` against `anchors`, using `intermediates` to bridge
/// the gap. With `purpose` set to AUTH or SIGN, the end-entity certificate
/// must allow it. Returns the path from `cert` up to and including the anchor.
pub fn validate(
    cert: &KzCertificate,
    intermediates: &[KzCertificate],
    anchors: &TrustAnchors,
    at: OffsetDateTime,
    purpose: Option<Purpose>,
) -> Result<Vec<KzCertificate>, ChainError> {
    if let Some(required) = purpose {
        let actual = cert.purpose();
        let ok = match required {
            Purpose::Auth => actual.can_auth(),
            Purpose::Sign => actual.can_sign(),
            Purpose::Both => actual.can_auth() && actual.can_sign(),
            Purpose::Neither => true,
        };
        if !ok {
            return Err(ChainError::WrongPurpose { required, actual });
        }
    }
    let mut path = vec![cert.clone()];
    extend(&mut path, intermediates, anchors, at)?;
    Ok(path)
}

/// Grow `path` (whose last element is not yet linked) until an anchor.
fn extend(
    path: &mut Vec<KzCertificate>,
    intermediates: &[KzCertificate],
    anchors: &TrustAnchors,
    at: OffsetDateTime,
) -> Result<(), ChainError> {
    loop {
        let current = path.last().expect("path starts non-empty").clone();
        check_time(&current, at)?;
        if anchors.contains(&current) {
            return Ok(());
        }
        if path.len() > MAX_PATH_LEN {
            return Err(ChainError::TooLong);
        }
        let candidates: Vec<&KzCertificate> = anchors
            .certificates()
            .iter()
            .chain(intermediates)
            .filter(|c| is_issuer_of(c, &current))
            .collect();
        let mut last_error = ChainError::UnknownIssuer {
            issuer: current.issuer_name(),
        };
        let mut linked = None;
        for issuer in candidates {
            match check_link(&current, issuer) {
                Ok(()) => {
                    linked = Some(issuer.clone());
                    break;
                }
                Err(e) => last_error = e,
            }
        }
        match linked {
            Some(issuer) => path.push(issuer),
            None => return Err(last_error),
        }
    }
}

fn check_time(cert: &KzCertificate, at: OffsetDateTime) -> Result<(), ChainError> {
    use super::TimeStatus;
    match cert.time_status(at) {
        TimeStatus::Valid => Ok(()),
        TimeStatus::Expired => Err(ChainError::Expired {
            subject: cert.subject_name(),
            not_after: cert.not_after(),
        }),
        TimeStatus::NotYetValid => Err(ChainError::NotYetValid {
            subject: cert.subject_name(),
            not_before: cert.not_before(),
        }),
    }
}

fn is_issuer_of(issuer: &KzCertificate, cert: &KzCertificate) -> bool {
    let names_match = issuer.inner().tbs_certificate().subject().to_der().ok()
        == cert.inner().tbs_certificate().issuer().to_der().ok();
    let ids_match = match (cert.authority_key_id(), issuer.subject_key_id()) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    };
    names_match && ids_match
}

fn check_link(cert: &KzCertificate, issuer: &KzCertificate) -> Result<(), ChainError> {
    if !issuer.is_ca() {
        return Err(ChainError::IssuerNotCa {
            issuer: issuer.subject_name(),
        });
    }
    let inner = cert.inner();
    let tbs = inner
        .tbs_certificate()
        .to_der()
        .map_err(|_| ChainError::BadSignature {
            subject: cert.subject_name(),
        })?;
    // RFC 5280 4.1.1.2: the outer algorithm is the signed one, the
    // signature a whole number of bytes. Neither is covered by the
    // signature, so anything else is an alteration that must not pass.
    let altered = || ChainError::BadSignature {
        subject: cert.subject_name(),
    };
    if inner.signature_algorithm() != inner.tbs_certificate().signature() {
        return Err(altered());
    }
    let signature = inner.signature().as_bytes().ok_or_else(altered)?;
    verify_signature(
        issuer.public_key(),
        inner.signature_algorithm(),
        &tbs,
        signature,
    )
    .map_err(|e| match e {
        VerifyError::AlgorithmNotSupported(algorithm) => {
            ChainError::AlgorithmNotSupported { algorithm }
        }
        VerifyError::UnknownAlgorithm(oid) => ChainError::AlgorithmNotSupported {
            algorithm: oid.to_string(),
        },
        // A key that is not on its curve, a malformed or out-of-range
        // signature: all mean the same to the citizen.
        VerifyError::BadSignature
        | VerifyError::KeyMismatch { .. }
        | VerifyError::MalformedPublicKey(_)
        | VerifyError::PointNotOnCurve
        | VerifyError::MalformedSignature(_)
        | VerifyError::SignatureOutOfRange => ChainError::BadSignature {
            subject: cert.subject_name(),
        },
    })
}
