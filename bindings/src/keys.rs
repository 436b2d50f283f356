//! Certificates as the app shows them, and the keys this device knows.
//!
//! A key's purpose is the pki's own [`Purpose`] (`KeyPurpose` in Kotlin and
//! Swift: qoltanba-pki derives it with feature `uniffi`).

use std::time::SystemTime;

use qoltanba_pki::cert::{KzCertificate, Purpose};
use time::OffsetDateTime;

/// A certificate as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CertificateInfo {
    /// The holder's full name.
    pub holder: Option<String>,
    pub iin: Option<String>,
    /// Whether the IIN passes its control digit and date checks.
    pub iin_valid: bool,
    pub purpose: Purpose,
    /// e.g. `GOST R 34.10-2015 (512)`, `RSA 2048`.
    pub algorithm: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i64,
    /// Upper-case hex.
    pub serial: String,
    pub issuer: String,
}

impl CertificateInfo {
    pub(crate) fn of(cert: &KzCertificate, at: OffsetDateTime) -> Self {
        let s = cert.summary(at);
        Self {
            holder: s.holder,
            iin: s.iin,
            iin_valid: s.iin_valid,
            purpose: s.purpose,
            algorithm: s.key_algorithm,
            not_before: s.not_before.into(),
            not_after: s.not_after.into(),
            days_left: s.days_left,
            serial: s.serial,
            issuer: s.issuer,
        }
    }
}

/// A key this device knows: its certificate and where the key lives.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KnownKey {
    pub certificate: CertificateInfo,
    /// `file:/path/GOST512_….p12`, `card:slot-83-auth`, …
    pub location: String,
    /// Replaced by a renewal (kept for the record; no reminders).
    pub replaced: bool,
}
