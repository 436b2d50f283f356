//! Why the RA refuses something: [`RegistryError`], each with a stable
//! problem `code` (docs/protocol.md), for the API's problem details and the
//! operator commands' messages.

use qoltanba_pki::protocol::ApplicationState;

use crate::ca::CaError;

/// Why the RA refused something. Each has a stable `code` for problem
/// details and clients.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no citizen with IIN {0} is registered; enrol at a registration centre first")]
    UnknownCitizen(String),
    #[error("the certificate was not issued by this RA; sign with a key it issued")]
    UnknownCertificate,
    #[error("the certificate is revoked; use a valid key or re-enrol at a registration centre")]
    Revoked,
    #[error("the certificate is not trusted: {0}")]
    Untrusted(String),
    #[error("this key may not {0}; use your {1} key")]
    WrongKey(&'static str, &'static str),
    #[error("the certificate belongs to another person than the one logged in")]
    OtherPerson,
    #[error("{0} keys are not accepted by this RA; request one of: {1}")]
    AlgorithmRefused(String, String),
    #[error("RSA keys must have at least {0} bits")]
    KeyTooSmall(u32),
    #[error("the attestation of the new {purpose} key was refused: {reason}")]
    AttestationFailed { purpose: String, reason: String },
    #[error(
        "this RA accepts only keys made in a phone's secure keystore with its attestation; the new {0} key has none"
    )]
    AttestationRequired(String),
    #[error("no application {0} of yours exists")]
    NoSuchApplication(i64),
    #[error("the application is {0}, so this cannot be done now")]
    WrongState(ApplicationState),
    #[error("the one-time code is wrong; {0} tries left")]
    WrongCode(u32),
    #[error("the application is locked after too many wrong codes; submit a new application")]
    Locked,
    #[error("the one-time code has expired; submit the application again for a new code")]
    CodeExpired,
    #[error(
        "no phone number is on record for the one-time code; update it at a registration centre"
    )]
    NoPhone,
    #[error("no certificate {0} of yours exists")]
    NoSuchCertificate(String),
    #[error("the certificate {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error(transparent)]
    Ca(#[from] CaError),
    #[error("database error: {0}")]
    Db(#[from] crate::db::Error),
    #[error("the key file could not be written: {0}")]
    KeyFile(String),
}

impl RegistryError {
    /// The stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownCitizen(_) => "unknown-citizen",
            Self::UnknownCertificate => "unknown-certificate",
            Self::Revoked => "certificate-revoked",
            Self::Untrusted(_) => "certificate-untrusted",
            Self::WrongKey(..) => "wrong-key",
            Self::OtherPerson => "other-person",
            Self::AlgorithmRefused(..) => "algorithm-refused",
            Self::KeyTooSmall(_) => "key-too-small",
            Self::AttestationFailed { .. } => "attestation-failed",
            Self::AttestationRequired(_) => "attestation-required",
            Self::NoSuchApplication(_) => "no-such-application",
            Self::WrongState(_) => "wrong-state",
            Self::WrongCode(_) => "wrong-code",
            Self::Locked => "application-locked",
            Self::CodeExpired => "code-expired",
            Self::NoPhone => "no-phone",
            Self::NoSuchCertificate(_) => "no-such-certificate",
            Self::AlreadyRevoked(_) => "already-revoked",
            Self::Invalid(_) => "invalid-input",
            Self::Ca(_) | Self::Db(_) | Self::KeyFile(_) => "internal",
        }
    }
}

pub type Result<T> = std::result::Result<T, RegistryError>;
