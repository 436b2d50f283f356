//! What a renewal remembers and reports: the citizen's request, the new
//! keys, the [`RenewalState`] committed to the store after every step (no
//! secrets), how a run ended ([`Outcome`], [`Summary`]), and reading the
//! committed state back.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Step;
use super::error::RenewalError;
use super::key_home::{HomeRecord, ResumeSecret};
use super::platform_home::is_keystore_location;
use crate::store::{Store, StoreError};
use qoltanba_pki::cert::Purpose;

/// What the citizen chose for the new certificates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewalRequest {
    /// The current key files: one GOST512_ file, or AUTH_… and RSA256_/ECDSA256_ files.
    pub key_files: Vec<PathBuf>,
    pub email: String,
    pub locality: String,
    /// Where the new key files go.
    pub new_keys_dir: PathBuf,
}

/// A new key and its file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NewKey {
    pub purpose: Purpose,
    pub file: PathBuf,
    /// The issued certificate's serial, once installed.
    pub serial: Option<String>,
}

/// Everything a renewal remembers (no secrets).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenewalState {
    pub step: Step,
    pub request: RenewalRequest,
    pub auth_file: PathBuf,
    pub sign_file: PathBuf,
    pub old_serials: Vec<String>,
    pub algorithm: String,
    pub new_keys: Vec<NewKey>,
    pub idempotency_key: Option<String>,
    /// application.p7s, base64.
    pub application: Option<String>,
    pub number: Option<i64>,
    /// Issued certificates (DER, base64) per purpose with their chains (PEM).
    pub issued: Vec<(Purpose, String, Vec<String>)>,
    pub failure: Option<String>,
    /// The citizen confirmed the [`Review`](super::Review) (renewals stored
    /// before the review existed read as not reviewed).
    #[serde(default)]
    pub reviewed: bool,
    /// Where the keys live ([`HomeRecord`]), so that a resume finds them
    /// again; `None` for renewals stored before homes were remembered.
    #[serde(default)]
    pub home: Option<HomeRecord>,
}

impl RenewalState {
    /// What a resume of this renewal needs given again, in the order a
    /// shell asks for it; `None` when the renewal does not remember its home.
    pub fn resume_secrets(&self) -> Option<Vec<ResumeSecret>> {
        let home = self.home.as_ref()?;
        Some(home.secrets(!is_keystore_location(&self.auth_file)))
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one per run
pub enum Outcome {
    /// Renewed; the summary.
    Done(Summary),
    /// Waiting for the one-time code of application `number`; `delivery`
    /// says whether the code was sent or is still pending (`None`: the RA
    /// does not say, it predates code delivery).
    NeedCode {
        number: i64,
        delivery: Option<qoltanba_pki::protocol::CodeDelivery>,
    },
    /// Waiting for the citizen to confirm what will be applied for
    /// (nothing is made or signed before).
    NeedReview(super::Review),
}

/// The verified result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub renewal: i64,
    pub application: i64,
    pub old_serials: Vec<String>,
    pub new: Vec<NewCertificate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCertificate {
    pub purpose: Purpose,
    pub serial: String,
    /// Written as RFC 3339 where the summary is printed as JSON.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    pub algorithm: String,
    pub file: PathBuf,
}

/// The committed state of renewal `id`.
pub(super) fn stored_state(store: &Store, id: i64) -> Result<RenewalState, RenewalError> {
    let stored = store.renewal(id)?.ok_or(StoreError::NoSuchRenewal(id))?;
    serde_json::from_str(&stored.state).map_err(|e| RenewalError::Corrupt(e.to_string()))
}
