//! Certificates in the Kazakh profile.
//!
//! [`KzCertificate`] parses any NCA certificate (RSA, GOST 2004, GOST 2015),
//! whatever its algorithm, and exposes what a citizen and the renewal flow ask:
//! holder, IIN/BIN, purpose, roles, validity, where to check revocation.
//! [`chain`] validates a certificate against trust anchors.

mod certificate;
pub mod chain;
mod iin;
mod name;
mod profile;
mod serial;
mod summary;

pub use certificate::{CertError, KzCertificate, TimeStatus};
pub use chain::{ChainError, TrustAnchors, validate};
pub use iin::{Bin, IdNumberProblem, Iin, Sex, with_control_digit};
pub use name::Holder;
pub use profile::{Purpose, Role};
pub use serial::{MAX_SERIAL_HEX, SerialProblem, normalise_serial, serial_hex};
pub use summary::CertificateSummary;
