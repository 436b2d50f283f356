//! Devices registered for push notices.

use std::sync::Arc;

use crate::db::params;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qoltanba_pki::protocol::{DeviceCreated, NewDevice};

use super::auth::Session;
use super::extract::{self, Path};
use super::{AppState, Problem};
use crate::db;
use crate::registry::unix;

pub async fn register(
    State(state): State<Arc<AppState>>,
    session: Session,
    extract::Json(device): extract::Json<NewDevice>,
) -> Result<(StatusCode, Json<DeviceCreated>), Problem> {
    if device.platform != "android" && device.platform != "ios" {
        return Err(Problem::bad_request(
            "invalid-input",
            "platform must be android or ios",
        ));
    }
    let token_ok = !device.token.is_empty()
        && device.token.len() <= 4096
        && device.token.bytes().all(|b| b.is_ascii_graphic());
    if !token_ok {
        return Err(Problem::bad_request(
            "invalid-input",
            "token must be 1-4096 printable ASCII characters",
        ));
    }
    let locale_ok = (2..=35).contains(&device.locale.len())
        && device
            .locale
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !locale_ok {
        return Err(Problem::bad_request(
            "invalid-input",
            "locale must be a language tag such as kk-KZ",
        ));
    }
    let now = unix(state.now());
    let conn = state.db.conn();
    // A token moves to whoever registers it last (a phone changes hands).
    conn.execute(
        "INSERT INTO devices (iin, platform, token, locale, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(platform, token) DO UPDATE SET iin = ?1, locale = ?4, created_at = ?5",
        params![
            session.iin,
            device.platform,
            device.token,
            device.locale,
            now
        ],
    )?;
    let id: i64 = conn.query_row(
        "SELECT id FROM devices WHERE platform = ?1 AND token = ?2",
        params![device.platform, device.token],
        |r| r.get(0),
    )?;
    db::audit(
        &conn,
        now,
        &session.iin,
        "device-register",
        &id.to_string(),
        Some(&device.platform),
    )?;
    Ok((StatusCode::CREATED, Json(DeviceCreated { id })))
}

pub async fn remove(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let conn = state.db.conn();
    let removed = conn.execute(
        "DELETE FROM devices WHERE id = ?1 AND iin = ?2",
        params![id, session.iin],
    )?;
    if removed == 0 {
        return Err(Problem::not_found(format!(
            "no device {id} of yours is registered"
        )));
    }
    db::audit(
        &conn,
        unix(state.now()),
        &session.iin,
        "device-remove",
        &id.to_string(),
        None,
    )?;
    Ok(StatusCode::NO_CONTENT)
}
