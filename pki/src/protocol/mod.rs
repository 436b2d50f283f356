//! The RA wire protocol, one definition for the client (the device core's
//! RA client) and the server (qoltanba-ra serialises its answers from these
//! types and reads its request bodies into them): the JSON bodies of API v1,
//! as server/openapi.json describes them (the server's tests check each type
//! against its schema), and the expiry push ([`push`]).
//!
//! Where a type's name differs from its OpenAPI schema's, the doc says so.
//! Times are RFC 3339 text ([`crate::timestamp`]); DER is standard base64.

pub mod push;
mod revocation;

pub use revocation::RevocationReason;

use serde::{Deserialize, Serialize};

use crate::cert::Purpose;
use crate::reissue::StorageKind;

/// RFC 9457 problem details with qoltanba's stable `code`.
///
/// `type` and `title` default when absent, so that a client still reads the
/// `code` and `detail` of a problem a proxy wrote more sparingly.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// A URL naming the problem: `https://qoltanba.example/problems/{code}`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The HTTP status's reason phrase.
    #[serde(default)]
    pub title: String,
    pub status: u16,
    pub code: String,
    /// One line telling the citizen what is wrong and what to do.
    pub detail: String,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

impl Health {
    pub fn ok() -> Self {
        Self {
            status: "ok".into(),
        }
    }
}

/// `POST /v1/auth/challenge`: a single-use nonce to sign with the AUTH key.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Challenge {
    pub nonce: String,
    pub expires_at: String,
}

/// `POST /v1/auth/login`: the session (OpenAPI schema `Session`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct LoginAnswer {
    /// The bearer token; the client keeps it zeroised.
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub iin: String,
    pub expires_at: String,
}

/// A certificate's standing, as the citizen's list shows it.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CertificateStatus {
    Valid,
    /// Valid, but ending within the RA's `expiring_days`.
    Expiring,
    Expired,
    Revoked,
}

/// One certificate of the citizen's list (OpenAPI schema `Certificate`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Upper-case hex.
    pub serial: String,
    pub purpose: Purpose,
    pub algorithm: String,
    /// The issuing CA: rsa, ecdsa or gost.
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub status: CertificateStatus,
    /// Whole days until `not_after`, 0 once it has passed.
    pub days_left: i64,
    /// A newer certificate of the same purpose was issued.
    pub replaced: bool,
    /// When it was revoked (RFC 3339), for a revoked certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// The RFC 5280 reason name it was revoked for, e.g. keyCompromise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// Where the RA established the key lives (its validity follows from
    /// it); absent for certificates issued before the RA recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageKind>,
    /// DER, base64.
    pub certificate: String,
}

/// `GET /v1/certificates`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct CertificateList {
    pub iin: String,
    pub certificates: Vec<CertificateInfo>,
}

/// Where a reissue application is in its life (docs/protocol.md):
/// awaiting_code → confirmed → approved → issued, or locked (too many wrong
/// codes), or rejected (by an operator).
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ApplicationState {
    AwaitingCode,
    Locked,
    Confirmed,
    Approved,
    Issued,
    Rejected,
}

impl ApplicationState {
    pub const ALL: [Self; 6] = [
        Self::AwaitingCode,
        Self::Locked,
        Self::Confirmed,
        Self::Approved,
        Self::Issued,
        Self::Rejected,
    ];

    /// The token the wire and the RA's database use, as serde writes it.
    pub fn token(self) -> &'static str {
        match self {
            Self::AwaitingCode => "awaiting_code",
            Self::Locked => "locked",
            Self::Confirmed => "confirmed",
            Self::Approved => "approved",
            Self::Issued => "issued",
            Self::Rejected => "rejected",
        }
    }

    /// The state a [`token`](Self::token) names; `None` for anything else.
    pub fn from_token(token: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.token() == token)
    }

    /// Being processed by the RA: the API answers 202 with Retry-After.
    pub fn is_deferred(self) -> bool {
        matches!(self, Self::Confirmed | Self::Approved)
    }
}

impl std::fmt::Display for ApplicationState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.token())
    }
}

/// What the RA recorded about one new key's attestation, in the order of the
/// application's key requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAttestation {
    /// The request's purpose: auth, sign or both.
    pub purpose: Purpose,
    /// none (no attestation sent), software, tee or strongbox.
    pub level: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keymint_version: Option<u32>,
    /// verified, self-signed, unverified or failed, when the device says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_boot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_locked: Option<bool>,
}

/// Where the SMS with an application's one-time code is (docs/protocol.md,
/// "Code delivery"): the RA retries a failed send with backoff until it
/// is sent or its attempts are used up.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CodeDeliveryState {
    /// The SMS gateway took the message.
    Sent,
    /// Not sent yet; the RA tries again at `next_attempt_at`.
    Pending,
    /// Every attempt failed; only a resend asks for a new one.
    Failed,
}

impl CodeDeliveryState {
    /// The token the wire and the RA's database use, as serde writes it.
    pub fn token(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Pending => "pending",
            Self::Failed => "failed",
        }
    }

    /// The state a [`token`](Self::token) names; `None` for anything else.
    pub fn from_token(token: &str) -> Option<Self> {
        [Self::Sent, Self::Pending, Self::Failed]
            .into_iter()
            .find(|s| s.token() == token)
    }
}

/// The delivery of an application's one-time code: in the submit's answer,
/// the status of an application awaiting its code, and the answer of
/// `POST /v1/applications/{number}/resend-code`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CodeDelivery {
    pub state: CodeDeliveryState,
    /// The phone the code goes to, masked: `+7******4567`.
    pub sent_to: String,
    /// Sends tried for the current code (a resend starts again at 1).
    pub attempts: u32,
    /// When the RA tries again (RFC 3339); only while `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

/// `POST /v1/applications`, 202: a new application, awaiting the one-time
/// code. (A repeat with the same Idempotency-Key answers 200 with the
/// [`ApplicationStatus`] instead.)
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ApplicationAccepted {
    pub number: i64,
    pub state: ApplicationState,
    /// The phone the code goes to, masked: `+7******4567` (also in
    /// `code_delivery`; kept for clients that predate it).
    pub code_sent_to: String,
    pub code_expires_at: String,
    pub attestation: Vec<KeyAttestation>,
    /// Whether the code was sent. Absent from RAs that predate it, which
    /// answered 202 only after the code was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_delivery: Option<CodeDelivery>,
}

/// One application's state (`GET /v1/applications/{number}`, the confirm's
/// answer, an idempotent repeat of a submit).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ApplicationStatus {
    pub number: i64,
    pub state: ApplicationState,
    pub created_at: String,
    pub updated_at: String,
    /// Empty for applications made before the RA recorded it.
    pub attestation: Vec<KeyAttestation>,
    /// While the application awaits its code: where the code's SMS is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_delivery: Option<CodeDelivery>,
}

/// `GET /v1/applications`, newest first.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct ApplicationList {
    pub applications: Vec<ApplicationStatus>,
}

/// `POST /v1/applications/{number}/confirm`: the one-time code.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    pub code: String,
}

/// One certificate of an issued application.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct IssuedCertificate {
    pub serial: String,
    pub purpose: Purpose,
    /// DER, base64.
    pub certificate: String,
    /// The same certificate, PEM.
    pub pem: String,
    /// PEM, issuing CA first, root last.
    pub chain: Vec<String>,
}

/// `GET /v1/applications/{number}/certificates`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct IssuedCertificates {
    pub number: i64,
    pub certificates: Vec<IssuedCertificate>,
}

/// The signed content of `POST /v1/revocations` (inside the CMS message).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RevocationRequest {
    /// Hex, any case.
    pub serial: String,
    /// An RFC 5280 reason name: keyCompromise, affiliationChanged,
    /// superseded, cessationOfOperation.
    pub reason: String,
}

/// `POST /v1/revocations`: what was revoked (OpenAPI schema `Revocation`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Revoked {
    /// Upper-case hex.
    pub serial: String,
    pub reason: String,
    pub revoked_at: String,
}

/// `POST /v1/devices`: a device for push notices.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// android or ios. Text, not an enum: the RA refuses anything else with
    /// its own problem (invalid-input), not a deserialisation error.
    pub platform: String,
    /// The FCM registration token or APNs device token.
    pub token: String,
    /// BCP 47, e.g. kk-KZ, ru-KZ.
    pub locale: String,
}

/// `POST /v1/devices`, 201.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct DeviceCreated {
    pub id: i64,
}

/// How the RA confirms an application's claim that the new keys live in a
/// storage (docs/protocol.md, "Validity by storage").
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum StorageCheck {
    /// Nothing to confirm: a key file gets the shortest validity anyway.
    NotNeeded,
    /// Every new key carries its platform's attestation, verified.
    KeyAttestation,
    /// The application is signed with a certificate this RA issued to an
    /// ID card.
    IdCardSigner,
    /// The RA takes the claim on trust (its `trust_token_claims` switch).
    Trusted,
    /// The RA cannot confirm it: such a claim gets
    /// [`RaPolicy::unconfirmed_validity_days`].
    NotPossible,
}

/// What the RA issues for one storage.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct StoragePolicy {
    pub storage: StorageKind,
    /// The validity of certificates for keys there, when the claim is
    /// confirmed.
    pub validity_days: u32,
    /// How the claim is confirmed.
    pub check: StorageCheck,
}

/// NCA's rule for a new key-file password, as hints for the form (the core
/// enforces it: `keyfile::NewPassword`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct PasswordRule {
    pub min_chars: u32,
    pub max_chars: u32,
    /// At least one each of: a Latin capital, a Latin small letter, a digit;
    /// printable ASCII only.
    pub needs_uppercase: bool,
    pub needs_lowercase: bool,
    pub needs_digit: bool,
}

/// `GET /v1/policy` (OpenAPI schema `Policy`): what the RA will issue and
/// accept, so a client shows the RA's numbers rather than guesses. Public:
/// no login needed.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct RaPolicy {
    /// One entry per storage.
    pub storage: Vec<StoragePolicy>,
    /// The validity a storage claim the RA cannot confirm gets (that of a
    /// key file): the application is issued, not refused.
    pub unconfirmed_validity_days: u32,
    /// Key algorithms new certificates may have: gost2015, rsa, p256.
    pub algorithms: Vec<String>,
    pub min_rsa_bits: u32,
    /// Key attestation of new keys: optional or required.
    pub attestation: String,
    /// A certificate is "expiring" this many days before its end.
    pub expiring_days: u32,
    /// How long a one-time code is valid, in seconds.
    pub code_ttl_seconds: u64,
    pub password: PasswordRule,
}

impl RaPolicy {
    /// The entry for `storage`, if the RA lists it.
    pub fn for_storage(&self, storage: StorageKind) -> Option<&StoragePolicy> {
        self.storage.iter().find(|s| s.storage == storage)
    }

    /// The validity the RA will issue for keys in `storage`, given whether
    /// the client can back the claim the way [`StoragePolicy::check`] asks
    /// (`confirmable`: the new keys carry a verified attestation for
    /// `key-attestation`; the application is signed with an ID-card
    /// certificate for `id-card-signer`). A storage the RA does not list
    /// gets the unconfirmed validity.
    pub fn validity_days(&self, storage: StorageKind, confirmable: bool) -> u32 {
        match self.for_storage(storage) {
            Some(entry) => match entry.check {
                StorageCheck::NotNeeded | StorageCheck::Trusted => entry.validity_days,
                StorageCheck::KeyAttestation | StorageCheck::IdCardSigner if confirmable => {
                    entry.validity_days
                }
                _ => self.unconfirmed_validity_days,
            },
            None => self.unconfirmed_validity_days,
        }
    }
}

/// Which channels the citizen wants expiry notices on.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NotificationPreferences {
    pub email: bool,
    pub sms: bool,
    pub push: bool,
}

impl Default for NotificationPreferences {
    /// Every channel on: what the RA does for a citizen who never chose.
    fn default() -> Self {
        Self {
            email: true,
            sms: true,
            push: true,
        }
    }
}

/// `GET /v1/profile`, and the answer of `PUT /v1/profile`: the citizen's
/// contact settings on the RA.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Profile {
    pub iin: String,
    /// The e-mail the citizen gave in the cabinet, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Where e-mail notices go: the contact e-mail, else the e-mail the
    /// registration centre recorded; absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notices_email: Option<String>,
    /// The phone SMS notices and codes go to, masked (`+7******4567`); it is
    /// changed at a registration centre, not here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_to: Option<String>,
    pub notifications: NotificationPreferences,
}

/// `PUT /v1/profile`: the whole profile the citizen can change (a missing
/// `contact_email` clears it).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    pub notifications: NotificationPreferences,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_written_as_their_tokens() {
        for state in ApplicationState::ALL {
            assert_eq!(
                serde_json::to_value(state).unwrap_or_default(),
                state.token()
            );
            assert_eq!(ApplicationState::from_token(state.token()), Some(state));
        }
        assert_eq!(ApplicationState::from_token("Issued"), None);
        assert_eq!(
            serde_json::to_value(CertificateStatus::Expiring).unwrap_or_default(),
            "expiring"
        );
    }

    fn policy(token_check: StorageCheck) -> RaPolicy {
        RaPolicy {
            storage: vec![
                StoragePolicy {
                    storage: StorageKind::File,
                    validity_days: 365,
                    check: StorageCheck::NotNeeded,
                },
                StoragePolicy {
                    storage: StorageKind::IdCard,
                    validity_days: 1095,
                    check: StorageCheck::IdCardSigner,
                },
                StoragePolicy {
                    storage: StorageKind::Token,
                    validity_days: 1095,
                    check: token_check,
                },
            ],
            unconfirmed_validity_days: 365,
            algorithms: vec!["rsa".into()],
            min_rsa_bits: 2048,
            attestation: "optional".into(),
            expiring_days: 30,
            code_ttl_seconds: 600,
            password: PasswordRule {
                min_chars: 6,
                max_chars: 32,
                needs_uppercase: true,
                needs_lowercase: true,
                needs_digit: true,
            },
        }
    }

    #[test]
    fn the_validity_a_client_expects_follows_the_check() {
        let p = policy(StorageCheck::NotPossible);
        assert_eq!(p.validity_days(StorageKind::File, false), 365);
        assert_eq!(p.validity_days(StorageKind::IdCard, true), 1095);
        assert_eq!(p.validity_days(StorageKind::IdCard, false), 365);
        assert_eq!(p.validity_days(StorageKind::Token, true), 365);
        // Not listed: the unconfirmed validity.
        assert_eq!(p.validity_days(StorageKind::PlatformKeystore, true), 365);
        let trusting = policy(StorageCheck::Trusted);
        assert_eq!(trusting.validity_days(StorageKind::Token, false), 1095);
    }
}
