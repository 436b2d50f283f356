//! Signing and verification.
//!
//! Every home a key can have (an NCA key file, the phone's keystore, the ID
//! card) is reached through one [`Signer`] trait, so the CSR and CMS code never
//! knows where a key lives. RSA and ECDSA go through ring; GOST has its own
//! submodule. [`verify_signature`] is the single place that checks a signature
//! made by anybody (certificate chains, CSRs, applications).

mod algorithm;
mod digest;
mod error;
pub mod gost;
// Below `digest` and `gost`, which both hash with Streebog: a module of its
// own keeps the two from importing each other through `signer`.
pub mod gost_hash;
mod keygen;
mod public_key;
mod signer;
mod software;
mod verify;

pub use algorithm::SignatureAlgorithm;
pub use digest::DigestAlgorithm;
pub use error::{KeyError, VerifyError};
pub use keygen::{KeySpec, generate};
pub use public_key::{PublicKeyAlgorithm, p256_spki, rsa_spki};
pub use signer::{SignError, Signer, ecdsa_signature_der};
pub use software::SoftwareKey;
pub use verify::verify_signature;
