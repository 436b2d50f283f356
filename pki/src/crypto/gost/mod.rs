//! GOST R 34.10-2012 (Kazakh "GOST 2015") and GOST 34.310-2004 signatures.
//!
//! ring has no GOST, so qoltanba carries its own, built from RustCrypto parts:
//! `streebog` and `gost94` for the hashes, `primefield`/`primeorder` for
//! constant-time curve arithmetic. Only the signature scheme itself (a dozen
//! lines of modular arithmetic) and the Kazakh byte order are written here.

pub mod curves;
mod fixed_base;
mod joint;
mod pseudo_mersenne;
mod public_key;
pub(crate) mod scheme;

pub use public_key::GostPublicKey;
mod signing_key;

pub use signing_key::GostSigningKey;
