//! The one error type of the reissue module.
//!
//! Every message is one line that says what is wrong and what to do: the CLI
//! prints it as is, and the FFI layer maps each variant to a stable code.
//! No message ever carries key material.

use time::OffsetDateTime;

use crate::crypto::{SignError, VerifyError};

/// Why an application or a CSR could not be built, signed or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReissueError {
    // --- Refusals before signing: the current key cannot authorise a renewal.
    #[error(
        "the SIGN certificate expired on {0}; online renewal needs a valid key, renew at a public service centre"
    )]
    Expired(OffsetDateTime),
    #[error(
        "the SIGN certificate is not valid before {0}; check the device's date and time, or wait until then"
    )]
    NotYetValid(OffsetDateTime),
    #[error(
        "this is an AUTH (login) key; sign the application with the SIGN key (RSA256_….p12 or GOST512_….p12)"
    )]
    NotASigningKey,
    #[error(
        "the private key does not belong to the certificate; use the key and certificate of the same key file"
    )]
    KeyMismatch,
    #[error(
        "the certificate carries no IIN; only an individual's NCA certificate (SERIALNUMBER IIN…) can apply"
    )]
    NoIin,
    #[error(
        "the key's algorithm {0} cannot sign an application; sign with a GOST 2015, RSA or ECDSA P-256 key"
    )]
    UnsupportedSigner(String),

    // --- What the citizen entered, and what keys are asked for.
    #[error("the e-mail address is not valid; write it as name@example.kz")]
    BadEmail,
    #[error("the locality must be 1 to 100 characters on one line; write the city or village")]
    BadLocality,
    #[error(
        "the application requests no keys; request AUTH and SIGN keys, or one AUTH+SIGN key for GOST"
    )]
    NoRequests,
    #[error("the application requests two keys for the same purpose; request each purpose once")]
    DuplicatePurpose,
    #[error("a requested key has no purpose; request it for AUTH, SIGN or both")]
    NoPurpose,

    // --- Making signatures.
    #[error("the key could not sign: {0}")]
    Sign(#[from] SignError),
    #[error("the system random number generator failed; try again")]
    Random,
    #[error(
        "a value could not be DER-encoded (a date before 1970 or a field too long); check the inputs"
    )]
    Encoding,

    // --- Verification: the file as a whole.
    #[error(
        "this is not a qoltanba reissue application (CMS SignedData, DER or PEM); check that the right file was given"
    )]
    NotAnApplication,
    #[error(
        "the application is not in canonical DER: it was re-encoded or altered; use the file as qoltanba wrote it"
    )]
    NotCanonical,
    #[error("the application has format version {0}, this qoltanba reads 1; update qoltanba")]
    UnsupportedVersion(u64),
    #[error("the application document is malformed; build the application again")]
    MalformedApplication,
    #[error(
        "the application must have exactly one signer; it was altered or not made by qoltanba, reject it"
    )]
    SignerCount,

    // --- Verification: who signed.
    #[error(
        "the signer's certificate is not in the application; build the application again with qoltanba"
    )]
    SignerCertificateMissing,
    #[error(
        "the included certificate is not the one the signature names: the certificate was swapped, reject the application"
    )]
    SignerCertificateMismatch,

    // --- Verification: the signature.
    #[error(
        "the signed attribute {0} is missing, repeated or malformed; reject the application, or build it again"
    )]
    MissingAttribute(&'static str),
    #[error(
        "the digest algorithm {0} is not the SHA-256 qoltanba signs with; reject the application, or build it again"
    )]
    UnsupportedDigest(String),
    #[error(
        "the signature algorithm {0} does not go with SHA-256; reject the application, or build it again"
    )]
    AlgorithmMismatch(String),
    #[error("the content does not match its signed digest: the application was altered, reject it")]
    DigestMismatch,
    #[error(
        "the application's signature is not valid ({0}): it was altered or signed with another key, reject it"
    )]
    BadSignature(VerifyError),

    // --- Verification: what is asked for, and by whom.
    #[error(
        "the applicant, the signer's certificate and the requests do not name the same IIN; reject the application"
    )]
    IinMismatch,
    #[error(
        "a key request's purpose differs from the key usage its CSR asks for; build the application again"
    )]
    PurposeMismatch,
    #[error("a certificate request is not valid PKCS#10 DER; build it again")]
    MalformedCsr,
    #[error(
        "a certificate request's signature is not valid ({0}): it does not prove possession of its key, build it again"
    )]
    CsrSignature(VerifyError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_line_and_says_what_to_do() {
        let all = [
            ReissueError::Expired(OffsetDateTime::UNIX_EPOCH),
            ReissueError::NotYetValid(OffsetDateTime::UNIX_EPOCH),
            ReissueError::NotASigningKey,
            ReissueError::KeyMismatch,
            ReissueError::NoIin,
            ReissueError::UnsupportedSigner("GOST2004".into()),
            ReissueError::BadEmail,
            ReissueError::BadLocality,
            ReissueError::NoRequests,
            ReissueError::DuplicatePurpose,
            ReissueError::NoPurpose,
            ReissueError::Sign(SignError::Random),
            ReissueError::Random,
            ReissueError::Encoding,
            ReissueError::NotAnApplication,
            ReissueError::NotCanonical,
            ReissueError::UnsupportedVersion(2),
            ReissueError::MalformedApplication,
            ReissueError::SignerCount,
            ReissueError::SignerCertificateMissing,
            ReissueError::SignerCertificateMismatch,
            ReissueError::MissingAttribute("signingTime"),
            ReissueError::UnsupportedDigest("1.2.3".into()),
            ReissueError::AlgorithmMismatch("RSA-SHA512".into()),
            ReissueError::DigestMismatch,
            ReissueError::BadSignature(VerifyError::BadSignature),
            ReissueError::IinMismatch,
            ReissueError::PurposeMismatch,
            ReissueError::MalformedCsr,
            ReissueError::CsrSignature(VerifyError::BadSignature),
        ];
        for error in all {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message}");
            // "what to do" follows the ";" or ",", after "what is wrong".
            assert!(message.contains(';') || message.contains(", "), "{message}");
        }
    }
}
