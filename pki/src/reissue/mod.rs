//! The reissue application: CSRs for the new keys, the application document,
//! and its CMS signature with the current SIGN key.
//!
//! The semantics are those of a CMC/CMP key update: the old key authorises
//! (the CMS signature), each CSR proves possession of its new key (its
//! self-signature). Format and verification rules:
//! docs/application-format.md.
//!
//! - [`subject`](renewal_subject): the new certificates' subject, copied from the current one;
//! - `csr`: PKCS#10 requests signed through any [`Signer`](crate::crypto::Signer);
//! - `details`, `application`: the form's entries and the DER document;
//! - `sign`, `verify`: the CMS SignedData around it;
//! - [`wire`]: ASN.1 types the RustCrypto crates lack;
//! - [`build_application`]: the one call a client makes.

mod application;
mod build;
mod csr;
mod details;
mod error;
mod sign;
mod subject;
mod summary;
mod verify;
pub mod wire;

pub use application::{
    Applicant, KeyRequest, NONCE_LEN, ReissueApplication, RequestPurpose, VERSION,
};
pub use build::{NewKeyEntry, SignedApplication, build_application, build_attested_application};
pub use csr::{VerifiedCsr, build_csr, requested_eku, requested_key_usage, verify_csr};
pub use details::{
    ApplicationDetails, MAX_EMAIL_LEN, MAX_LOCALITY_CHARS, StorageKind, is_valid_email,
};
pub use error::ReissueError;
pub use sign::sign_application;
pub use subject::{individual_subject, renewal_subject};
pub use summary::{
    ApplicantSummary, ApplicationSummary, RequestSummary, SignerSummary, VerifiedSummary,
};
pub use verify::{VerifiedApplication, verify_application};
