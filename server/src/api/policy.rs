//! `GET /v1/policy`: what the RA will issue and accept, public, so the
//! phone's review screen shows the validity the RA will issue rather than a
//! guess (docs/protocol.md, "Validity by storage").

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use qoltanba_pki::keyfile::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use qoltanba_pki::protocol::{PasswordRule, RaPolicy, StorageCheck, StoragePolicy};
use qoltanba_pki::reissue::StorageKind;

use super::AppState;
use crate::config::{AttestationPolicy, Policy};

/// How the RA backs a claim of `storage` under `policy` (the same rule as
/// `registry::establish_storage`).
fn check(storage: StorageKind, policy: &Policy) -> StorageCheck {
    match storage {
        StorageKind::File => StorageCheck::NotNeeded,
        StorageKind::PlatformKeystore => StorageCheck::KeyAttestation,
        StorageKind::IdCard => StorageCheck::IdCardSigner,
        StorageKind::Token if policy.trust_token_claims => StorageCheck::Trusted,
        StorageKind::Token => StorageCheck::NotPossible,
    }
}

/// The RA's policy as the wire shows it.
pub fn describe(state: &AppState) -> RaPolicy {
    let policy = &state.config.policy;
    RaPolicy {
        storage: StorageKind::ALL
            .into_iter()
            .map(|storage| StoragePolicy {
                storage,
                validity_days: policy.validity_days.for_storage(storage),
                check: check(storage, policy),
            })
            .collect(),
        unconfirmed_validity_days: policy.validity_days.for_storage(StorageKind::File),
        algorithms: policy.algorithms.clone(),
        min_rsa_bits: policy.min_rsa_bits,
        attestation: match state.config.attestation.policy {
            AttestationPolicy::Optional => "optional",
            AttestationPolicy::Required => "required",
        }
        .into(),
        expiring_days: policy.expiring_days,
        code_ttl_seconds: policy.code_ttl_seconds,
        password: PasswordRule {
            min_chars: MIN_PASSWORD_CHARS as u32,
            max_chars: MAX_PASSWORD_CHARS as u32,
            needs_uppercase: true,
            needs_lowercase: true,
            needs_digit: true,
        },
    }
}

pub async fn show(State(state): State<Arc<AppState>>) -> Json<RaPolicy> {
    Json(describe(&state))
}
