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

/// How long a CRL is valid.
const CRL_VALIDITY: time::Duration = time::Duration::days(1);
/// A CRL with less than this left is issued anew when next asked for, so
/// one is never served expired, however long a node runs.
const CRL_RENEW_BEFORE: time::Duration = time::Duration::hours(12);

/// Issue and publish a new CRL of `kind` (on every revocation, and when
/// the published one nears its end): into the database's `crls`, where
/// every node finds it (a higher number replaces a lower one, so two nodes
/// publishing at once leave the newer), and into this node's copy. Its DER.
pub fn publish_crl(state: &AppState, kind: CaKind) -> Result<Vec<u8>, RegistryError> {
    let now = state.now();
    let entries = registry::revoked_entries(&state.db, kind)?;
    let number = registry::next_crl_number(&state.db, kind)?;
    let der = build_crl(
        state.cas.get(kind),
        &entries,
        number,
        now,
        now + CRL_VALIDITY,
    )
    .map_err(|e| RegistryError::Ca(e.into()))?;
    let number = i64::try_from(number).unwrap_or(i64::MAX);
    state.db.conn().execute(
        "INSERT INTO crls (ca, number, next_update, der) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (ca) DO UPDATE
             SET number = excluded.number, next_update = excluded.next_update, der = excluded.der
             WHERE crls.number < excluded.number",
        crate::db::params![kind.name(), number, registry::unix(now + CRL_VALIDITY), der],
    )?;
    state
        .crls
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(kind, (number, der.clone()));
    Ok(der)
}

/// The CRL of `kind` to serve: the published one (this node's copy while
/// its number is the database's), issued anew first when there is none yet
/// or it nears its end.
pub fn current_crl(state: &AppState, kind: CaKind) -> Result<Vec<u8>, RegistryError> {
    use crate::db::OptionalExtension;
    let renew_after = registry::unix(state.now() + CRL_RENEW_BEFORE);
    let published: Option<(i64, i64)> = state
        .db
        .conn()
        .query_row(
            "SELECT number, next_update FROM crls WHERE ca = ?1",
            [kind.name()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let number = match published {
        Some((number, next_update)) if next_update > renew_after => number,
        _ => return publish_crl(state, kind),
    };
    if let Some((copy, der)) = state
        .crls
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&kind)
        && *copy == number
    {
        return Ok(der.clone());
    }
    // Another node published a newer one: take it.
    let der: Vec<u8> = state.db.conn().query_row(
        "SELECT der FROM crls WHERE ca = ?1 AND number = ?2",
        crate::db::params![kind.name(), number],
        |r| r.get(0),
    )?;
    state
        .crls
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(kind, (number, der.clone()));
    Ok(der)
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
    let der = current_crl(&state, kind)?;
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
