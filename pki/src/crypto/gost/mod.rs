//! GOST R 34.10-2012 (Kazakh "GOST 2015") and GOST 34.310-2004 signatures.
//!
//! ring has no GOST, so qoltanba carries its own: the curve arithmetic and
//! the scheme are `qoltanba-gost` (RustCrypto's primefield and primeorder
//! underneath), the hashes RustCrypto's `streebog` and `gost94`. Written here
//! are the Kazakh encodings (byte order, key files, certificates' keys) and
//! the hedged nonce.

mod public_key;
mod signing_key;

pub use public_key::GostPublicKey;
pub use signing_key::GostSigningKey;
