//! Reissue applications: submit, confirm with the one-time code, follow,
//! download the issued certificates.
//!
//! States: awaiting_code → confirmed → approved → issued, or locked (too many
//! wrong codes). Deferred states (confirmed, approved) answer 202 with
//! Retry-After; approval and issuance are one transaction, and following an
//! application left between confirmation and issuance by a killed RA moves
//! it on ([`registry::finish_pending`]). On submit each new key's attestation is checked
//! ([`crate::attestation`]) and the result recorded; the status shows it.

use std::sync::Arc;

use crate::db::{OptionalExtension, params};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::{
    ApplicationAccepted, ApplicationList, ApplicationState, ApplicationStatus, CodeDelivery,
    Confirmation, IssuedCertificate, IssuedCertificates,
};
use qoltanba_pki::reissue::verify_application;
use qoltanba_pki::timestamp::rfc3339;
use qoltanba_pki::timestamp::rfc3339_unix;
use subtle::ConstantTimeEq;
use time::Duration;

use super::auth::Session;
use super::extract::{self, Body, Path};
use super::rate_limit::Bucket;
use super::{AppState, Problem};
use crate::attestation;
use crate::ca::CaKind;
use crate::db;
use crate::notify::code_delivery;
use crate::registry::{self, RegistryError, unix};

/// "+7******4567": enough for the citizen to recognise the number.
pub(super) fn masked(phone: &str) -> String {
    crate::notify::phone_for_citizen(phone)
}

struct Row {
    id: i64,
    iin: String,
    state: ApplicationState,
    code_hash: Option<Vec<u8>>,
    code_expires_at: Option<i64>,
    code_tries_left: u32,
    created_at: i64,
    updated_at: i64,
    attestation: Option<String>,
}

fn load(state: &AppState, iin: &str, id: i64) -> Result<Row, Problem> {
    let row = state
        .db
        .conn()
        .query_row(
            "SELECT id, iin, state, code_hash, code_expires_at, code_tries_left, created_at, updated_at,
                 attestation
             FROM applications WHERE id = ?1",
            [id],
            |r| {
                Ok(Row {
                    id: r.get(0)?,
                    iin: r.get(1)?,
                    state: db::token_column(r, 2, ApplicationState::from_token)?,
                    code_hash: r.get(3)?,
                    code_expires_at: r.get(4)?,
                    code_tries_left: r.get(5)?,
                    created_at: r.get(6)?,
                    updated_at: r.get(7)?,
                    attestation: r.get(8)?,
                })
            },
        )
        .optional()?;
    // Another citizen's application is indistinguishable from none.
    row.filter(|r| r.iin == iin)
        .ok_or_else(|| RegistryError::NoSuchApplication(id).into())
}

fn status_body(state: &AppState, row: &Row) -> Result<ApplicationStatus, Problem> {
    // Where the code is matters only while it is awaited.
    let code_delivery = if row.state == ApplicationState::AwaitingCode {
        code_delivery::view(&state.db.conn(), row.id)?
    } else {
        None
    };
    Ok(ApplicationStatus {
        number: row.id,
        state: row.state,
        created_at: rfc3339_unix(row.created_at),
        updated_at: rfc3339_unix(row.updated_at),
        attestation: attestation::from_column(row.attestation.as_deref()),
        code_delivery,
    })
}

fn deferred(state: &AppState, body: ApplicationStatus) -> Response {
    let mut response = (StatusCode::ACCEPTED, Json(body)).into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(state.config.policy.retry_after_seconds),
    );
    response
}

fn location(id: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("/v1/applications/{id}")).expect("ASCII")
}

pub async fn submit(
    State(state): State<Arc<AppState>>,
    session: Session,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Response, Problem> {
    let now = state.now();
    let idempotency_key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .map(str::to_string)
                .ok_or_else(|| {
                    Problem::bad_request(
                        "invalid-input",
                        "Idempotency-Key must be 1-200 visible ASCII characters",
                    )
                })
        })
        .transpose()?;
    // A retry with the same key returns the application it made.
    if let Some(key) = &idempotency_key {
        let existing: Option<(i64, Vec<u8>)> = state
            .db
            .conn()
            .query_row(
                "SELECT id, p7s FROM applications WHERE iin = ?1 AND idempotency_key = ?2",
                params![session.iin, key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, p7s)) = existing {
            if p7s != body.as_ref() {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency-key-reused",
                    "this Idempotency-Key was used for another application; use a new key",
                ));
            }
            let row = load(&state, &session.iin, id)?;
            let mut response = (StatusCode::OK, Json(status_body(&state, &row)?)).into_response();
            response
                .headers_mut()
                .insert(header::LOCATION, location(id));
            return Ok(response);
        }
    }
    state
        .limiter
        .check(Bucket::Submit, &session.iin)
        .map_err(Problem::too_many)?;

    let verified = verify_application(&body)
        .map_err(|e| Problem::bad_request("bad-application", e.to_string()))?;
    let (signer_iin, record) =
        registry::check_presented(&state.db, &state.cas, &verified.signer, Purpose::Sign, now)?;
    if signer_iin != session.iin || verified.application.applicant.iin.as_str() != session.iin {
        return Err(RegistryError::OtherPerson.into());
    }
    registry::check_policy(&verified, &state.config.policy)?;
    let challenges = attestation::accepted_challenges(
        &state.db.conn(),
        &session.iin,
        &state.config.attestation,
        now,
    )?;
    let attested = attestation::check_application(
        &verified,
        &state.config.attestation,
        &state.attestation_roots,
        &challenges,
        now,
    )?;
    let claimed = verified.application.storage;
    let storage = registry::establish_storage(claimed, &attested, &record, &state.config.policy);
    if storage != claimed {
        tracing::info!(
            claimed = claimed.token(),
            established = storage.token(),
            "a storage claim the RA cannot back gets the validity of a key file"
        );
    }
    let citizen = db::citizen(&state.db.conn(), &session.iin)?
        .ok_or_else(|| RegistryError::UnknownCitizen(session.iin.clone()))?;
    let phone = citizen.phone.clone().ok_or(RegistryError::NoPhone)?;
    // A number no gateway can take is refused before anything is recorded.
    crate::notify::check_phone(&phone).map_err(|e| {
        tracing::warn!("application refused: {e}");
        RegistryError::NoPhone
    })?;

    let code = registry::new_code();
    let expires = now + Duration::seconds(state.config.policy.code_ttl_seconds as i64);
    let (id, attempt) = {
        let mut conn = state.db.conn();
        let tx = conn.transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO applications (iin, state, p7s, email, locality, signer_serial, idempotency_key,
                 code_expires_at, code_tries_left, created_at, updated_at, attestation,
                 storage_claimed, storage)
             VALUES (?1, ?11, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?12, ?13) RETURNING id",
            params![
                session.iin,
                body.as_ref(),
                verified.application.email.as_str(),
                verified.application.locality.as_str(),
                record.serial,
                idempotency_key,
                unix(expires),
                state.config.policy.code_tries,
                unix(now),
                attestation::to_column(&attested),
                ApplicationState::AwaitingCode.token(),
                claimed.token(),
                storage.token(),
            ],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE applications SET code_hash = ?1 WHERE id = ?2",
            params![registry::code_hash(id, &code), id],
        )?;
        // The code's delivery is recorded with the application: if the
        // send below fails, or the process dies before it, the retry task
        // sends a code later (notify::code_delivery).
        let attempt = code_delivery::begin(&tx, id, &phone, code, unix(now))?;
        db::audit(
            &tx,
            unix(now),
            &session.iin,
            "submit",
            &id.to_string(),
            Some(&format!(
                "{}; storage {} (claimed {})",
                record.serial,
                storage.token(),
                claimed.token()
            )),
        )?;
        tx.commit()?;
        (id, attempt)
    };
    crate::crash::point("submit-committed");
    // A failed send is recorded and retried, not refused: the citizen is
    // told truthfully that the code is pending, and the application stands.
    let delivery = code_delivery::attempt(
        &state.senders,
        &state.db,
        &state.config.code_delivery,
        attempt,
    )
    .await?;
    let mut response = (
        StatusCode::ACCEPTED,
        Json(ApplicationAccepted {
            number: id,
            state: ApplicationState::AwaitingCode,
            code_sent_to: masked(&phone),
            code_expires_at: rfc3339(expires),
            attestation: attested,
            code_delivery: Some(delivery),
        }),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, location(id));
    Ok(response)
}

/// `POST /v1/applications/{number}/resend-code`: a new code, sent now to
/// the number on record, in a new round of attempts (rate limited per
/// citizen). The code of any earlier SMS stops working.
pub async fn resend_code(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Json<CodeDelivery>, Problem> {
    let row = load(&state, &session.iin, id)?;
    match row.state {
        ApplicationState::AwaitingCode => {}
        ApplicationState::Locked => return Err(RegistryError::Locked.into()),
        other => return Err(RegistryError::WrongState(other).into()),
    }
    state
        .limiter
        .check(Bucket::CodeResend, &session.iin)
        .map_err(Problem::too_many)?;
    let citizen = db::citizen(&state.db.conn(), &session.iin)?
        .ok_or_else(|| RegistryError::UnknownCitizen(session.iin.clone()))?;
    let phone = citizen.phone.ok_or(RegistryError::NoPhone)?;
    crate::notify::check_phone(&phone).map_err(|e| {
        tracing::warn!("code resend refused: {e}");
        RegistryError::NoPhone
    })?;
    let now = unix(state.now());
    let round = code_delivery::Round::Resend {
        phone: &phone,
        by: &session.iin,
    };
    let attempt = code_delivery::claim(
        &state.db,
        id,
        round,
        state.config.policy.code_ttl_seconds,
        now,
    )?
    // Confirmed or locked since it was loaded.
    .ok_or(RegistryError::WrongState(ApplicationState::Confirmed))?;
    let delivery = code_delivery::attempt(
        &state.senders,
        &state.db,
        &state.config.code_delivery,
        attempt,
    )
    .await?;
    Ok(Json(delivery))
}

pub async fn confirm(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path(id): Path<i64>,
    extract::Json(confirmation): extract::Json<Confirmation>,
) -> Result<Response, Problem> {
    state
        .limiter
        .check(Bucket::Code, &session.iin)
        .map_err(Problem::too_many)?;
    let code = zeroize::Zeroizing::new(confirmation.code);
    let now = state.now();
    let row = load(&state, &session.iin, id)?;
    match row.state {
        ApplicationState::AwaitingCode => {}
        ApplicationState::Locked => return Err(RegistryError::Locked.into()),
        other => return Err(RegistryError::WrongState(other).into()),
    }
    if row.code_expires_at.is_none_or(|t| t <= unix(now)) {
        return Err(RegistryError::CodeExpired.into());
    }
    let expected = row.code_hash.clone().unwrap_or_default();
    let given = registry::code_hash(id, code.trim());
    if !bool::from(expected.ct_eq(&given)) {
        let left = row.code_tries_left.saturating_sub(1);
        let mut conn = state.db.conn();
        if left == 0 {
            // The lock and its audit row together, or neither.
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE applications SET state = ?3, code_hash = NULL, code_tries_left = 0, updated_at = ?1 WHERE id = ?2",
                params![unix(now), id, ApplicationState::Locked.token()],
            )?;
            db::audit(&tx, unix(now), &session.iin, "lock", &id.to_string(), None)?;
            tx.commit()?;
            return Err(RegistryError::Locked.into());
        }
        conn.execute(
            "UPDATE applications SET code_tries_left = ?1, updated_at = ?2 WHERE id = ?3",
            params![left, unix(now), id],
        )?;
        return Err(RegistryError::WrongCode(left).into());
    }
    {
        // The confirmation and its audit row together; only while the
        // application still awaits its code (a concurrent confirmation
        // with the same code changes nothing).
        let mut conn = state.db.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE applications SET state = ?3, code_hash = NULL, updated_at = ?1 WHERE id = ?2 AND state = ?4",
            params![
                unix(now),
                id,
                ApplicationState::Confirmed.token(),
                ApplicationState::AwaitingCode.token()
            ],
        )?;
        if changed == 1 {
            db::audit(
                &tx,
                unix(now),
                &session.iin,
                "confirm",
                &id.to_string(),
                None,
            )?;
        }
        tx.commit()?;
    }
    crate::crash::point("confirm-committed");
    // Auto-approval issues now; had the RA died right here, its next start
    // or the client's next look at the application would.
    let row = follow(&state, &session.iin, id)?;
    respond_with_state(&state, &row)
}

/// Load application `id` of `iin`, moving it on first if an RA that was
/// killed left it between confirmation and issuance
/// ([`registry::finish_pending`]).
fn follow(state: &AppState, iin: &str, id: i64) -> Result<Row, Problem> {
    let row = load(state, iin, id)?;
    if !row.state.is_deferred() {
        return Ok(row);
    }
    if registry::finish_pending(
        &state.db,
        &state.cas,
        &state.config.public_url,
        &state.config.policy,
        id,
        state.now(),
    )? {
        return load(state, iin, id);
    }
    Ok(row)
}

fn respond_with_state(state: &AppState, row: &Row) -> Result<Response, Problem> {
    let body = status_body(state, row)?;
    Ok(if row.state.is_deferred() {
        deferred(state, body)
    } else {
        (StatusCode::OK, Json(body)).into_response()
    })
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let row = follow(&state, &session.iin, id)?;
    respond_with_state(&state, &row)
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    session: Session,
) -> Result<Json<ApplicationList>, Problem> {
    let conn = state.db.conn();
    let mut stmt = conn.prepare(
        "SELECT id, state, created_at, updated_at, attestation FROM applications WHERE iin = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map([&session.iin], |r| {
            Ok(ApplicationStatus {
                number: r.get(0)?,
                state: db::token_column(r, 1, ApplicationState::from_token)?,
                created_at: rfc3339_unix(r.get(2)?),
                updated_at: rfc3339_unix(r.get(3)?),
                attestation: attestation::from_column(r.get::<_, Option<String>>(4)?.as_deref()),
                // The list is an overview; one application's status says.
                code_delivery: None,
            })
        })?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok(Json(ApplicationList { applications: rows }))
}

pub async fn certificates(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let row = follow(&state, &session.iin, id)?;
    match row.state {
        ApplicationState::Issued => {}
        deferred_state if deferred_state.is_deferred() => {
            return Ok(deferred(&state, status_body(&state, &row)?));
        }
        other => return Err(RegistryError::WrongState(other).into()),
    }
    let conn = state.db.conn();
    let mut stmt = conn.prepare(
        "SELECT serial, purpose, ca, der FROM certificates WHERE application_id = ?1 ORDER BY id",
    )?;
    let certificates = stmt
        .query_map([row.id], |r| {
            let ca: String = r.get(2)?;
            let der: Vec<u8> = r.get(3)?;
            Ok((
                r.get::<_, String>(0)?,
                db::token_column(r, 1, Purpose::from_token)?,
                ca,
                der,
            ))
        })?
        .collect::<crate::db::Result<Vec<_>>>()?
        .into_iter()
        .map(|(serial, purpose, ca, der)| {
            let kind = CaKind::from_name(&ca).unwrap_or(CaKind::Rsa);
            let chain: Vec<String> = state
                .cas
                .chain(kind)
                .into_iter()
                .map(|c| registry::pem(c.der()))
                .collect();
            IssuedCertificate {
                serial,
                purpose,
                certificate: registry::base64_std(&der),
                pem: registry::pem(&der),
                chain,
            }
        })
        .collect::<Vec<_>>();
    drop(conn);
    Ok((
        StatusCode::OK,
        Json(IssuedCertificates {
            number: row.id,
            certificates,
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn phone_numbers_are_masked() {
        assert_eq!(masked("+77011234567"), "+7******4567");
        assert_eq!(masked("1234"), "1234");
    }
}
