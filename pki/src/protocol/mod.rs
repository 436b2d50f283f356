//! The RA wire protocol, one definition for the client (the device core's
//! RA client) and the server: the JSON bodies of API v1, as
//! server/openapi.json describes them, and the expiry push ([`push`]).

pub mod push;

use serde::{Deserialize, Serialize};

/// RFC 9457 problem details with qoltanba's stable `code`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Problem {
    pub status: u16,
    pub code: String,
    pub detail: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Challenge {
    pub nonce: String,
    pub expires_at: String,
}

#[derive(Deserialize)]
pub struct LoginAnswer {
    pub token: String,
    pub iin: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct CertificateInfo {
    pub serial: String,
    pub purpose: String,
    pub algorithm: String,
    pub not_before: String,
    pub not_after: String,
    /// valid | expiring | expired | revoked
    pub status: String,
    pub days_left: i64,
    pub replaced: bool,
    /// DER, base64.
    pub certificate: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CertificateList {
    pub iin: String,
    pub certificates: Vec<CertificateInfo>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Submitted {
    pub number: i64,
    pub state: String,
    /// Present on a first submit (202), absent on an idempotent repeat (200).
    #[serde(default)]
    pub code_sent_to: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ApplicationStatus {
    pub number: i64,
    /// awaiting_code | locked | confirmed | approved | issued | rejected
    pub state: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct IssuedCertificate {
    pub serial: String,
    pub purpose: String,
    /// DER, base64.
    pub certificate: String,
    /// PEM, issuing CA first, root last.
    pub chain: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct IssuedCertificates {
    pub number: i64,
    pub certificates: Vec<IssuedCertificate>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Revoked {
    pub serial: String,
    pub reason: String,
    pub revoked_at: String,
}
