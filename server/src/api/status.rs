//! Certificate status: revocation requests, CRLs, the OCSP responder and the
//! CA certificates (the URLs issued certificates point to).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::{RevocationRequest, Revoked};
use qoltanba_pki::signed_message::verify_message;
use qoltanba_pki::timestamp::rfc3339;

use super::auth::Session;
use super::extract::{Body, Path};
use super::{AppState, Problem};
use crate::ca::crl::{RevocationReason, build_crl};
use crate::ca::ocsp::{CertStatus, respond};
use crate::ca::{CaKind, CaSet};
use crate::registry::{self, RegistryError, from_unix};

/// Regenerate and publish the CRL of `kind` (valid one day; regenerated on
/// every revocation and at start).
pub fn publish_crl(state: &AppState, kind: CaKind) -> Result<(), RegistryError> {
    let now = state.now();
    let entries = registry::revoked_entries(&state.db, kind)?;
    let number = registry::next_crl_number(&state.db, kind)?;
    let der = build_crl(
        state.cas.get(kind),
        &entries,
        number,
        now,
        now + time::Duration::days(1),
    )
    .map_err(|e| RegistryError::Ca(e.into()))?;
    state
        .crls
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(kind, der);
    Ok(())
}

/// `POST /v1/revocations`: a CMS signed message (signed by any valid key of
/// the same citizen) whose content is `{"serial": "...", "reason": "..."}`.
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    session: Session,
    Body(body): Body,
) -> Result<Response, Problem> {
    let now = state.now();
    let message = verify_message(&body)
        .map_err(|e| Problem::bad_request("bad-signed-message", e.to_string()))?;
    let (signer_iin, _) = registry::check_presented(
        &state.db,
        &state.cas,
        &message.signer,
        Purpose::Neither,
        now,
    )?;
    if signer_iin != session.iin {
        return Err(RegistryError::OtherPerson.into());
    }
    let request: RevocationRequest = serde_json::from_slice(&message.content).map_err(|e| {
        Problem::bad_request(
            "invalid-input",
            format!("the signed content must be {{\"serial\": \"…\", \"reason\": \"…\"}}: {e}"),
        )
    })?;
    let reason = RevocationReason::from_name(&request.reason).ok_or_else(|| {
        Problem::bad_request(
            "invalid-input",
            "reason must be an RFC 5280 reason such as keyCompromise, affiliationChanged, superseded or cessationOfOperation",
        )
    })?;
    let ca = registry::revoke(
        &state.db,
        &session.iin,
        &request.serial,
        reason,
        &session.iin,
        now,
    )?;
    publish_crl(&state, ca)?;
    Ok((
        StatusCode::OK,
        Json(Revoked {
            serial: request.serial.to_ascii_uppercase(),
            reason: reason.name().into(),
            revoked_at: rfc3339(now),
        }),
    )
        .into_response())
}

fn ca_from_file(file: &str, extension: &str) -> Option<CaKind> {
    CaKind::from_name(file.strip_suffix(extension)?)
}

fn der_response(content_type: &'static str, der: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, der).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `GET /v1/crl/{ca}.crl`
pub async fn crl(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let kind = ca_from_file(&file, ".crl")
        .filter(|k| *k != CaKind::Root)
        .ok_or_else(|| Problem::not_found("CRLs are rsa.crl, ecdsa.crl and gost.crl"))?;
    let der = state
        .crls
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&kind)
        .cloned()
        .ok_or_else(Problem::internal)?;
    Ok(der_response("application/pkix-crl", der))
}

/// `GET /v1/ca/{ca}.cer`
pub async fn ca_certificate(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let kind = ca_from_file(&file, ".cer").ok_or_else(|| {
        Problem::not_found("CA certificates are root.cer, rsa.cer, ecdsa.cer and gost.cer")
    })?;
    Ok(der_response(
        "application/pkix-cert",
        state.cas.get(kind).cert.der().to_vec(),
    ))
}

/// `POST /v1/ocsp` (RFC 6960, application/ocsp-request).
pub async fn ocsp(State(state): State<Arc<AppState>>, Body(body): Body) -> Response {
    let now = state.now();
    let db = state.db.clone();
    let cas: &CaSet = &state.cas;
    let status_of = |kind: CaKind, serial: &[u8]| -> CertStatus {
        let record =
            registry::certificate_by_serial(&db.conn(), &qoltanba_pki::cert::serial_hex(serial));
        match record {
            Ok(Some(r)) if r.ca == kind => match r.revoked_at {
                None => CertStatus::Good,
                Some(at) => {
                    let reason: Option<u8> = db
                        .conn()
                        .query_row(
                            "SELECT revocation_reason FROM certificates WHERE id = ?1",
                            [r.id],
                            |row| row.get(0),
                        )
                        .ok()
                        .flatten();
                    CertStatus::Revoked {
                        at: from_unix(at),
                        reason: reason.and_then(RevocationReason::from_code),
                    }
                }
            },
            _ => CertStatus::Unknown,
        }
    };
    der_response(
        "application/ocsp-response",
        respond(&body, cas, status_of, now),
    )
}
