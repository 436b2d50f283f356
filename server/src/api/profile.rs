//! The citizen's profile on the RA: the contact e-mail given in the cabinet
//! (the seed: expiry notices go to it) and which channels notices use. The
//! notifier (`notify`) reads both.

use std::sync::Arc;

use crate::db::{OptionalExtension, params};
use axum::Json;
use axum::extract::State;
use qoltanba_pki::protocol::{NotificationPreferences, Profile, ProfileUpdate};
use qoltanba_pki::reissue::{MAX_EMAIL_LEN, is_valid_email};

use super::auth::Session;
use super::extract;
use super::{AppState, Problem};
use crate::db;
use crate::registry::{RegistryError, unix};

/// What the `profiles` table holds for a citizen, defaults when nothing.
fn stored(
    conn: &crate::db::Conn,
    iin: &str,
) -> crate::db::Result<(Option<String>, NotificationPreferences)> {
    Ok(conn
        .query_row(
            "SELECT contact_email, notify_email, notify_sms, notify_push FROM profiles WHERE iin = ?1",
            [iin],
            |r| {
                Ok((
                    r.get(0)?,
                    NotificationPreferences {
                        email: r.get(1)?,
                        sms: r.get(2)?,
                        push: r.get(3)?,
                    },
                ))
            },
        )
        .optional()?
        .unwrap_or_default())
}

fn profile_of(state: &AppState, iin: &str) -> Result<Profile, Problem> {
    let conn = state.db.conn();
    let citizen =
        db::citizen(&conn, iin)?.ok_or_else(|| RegistryError::UnknownCitizen(iin.to_string()))?;
    let (contact_email, notifications) = stored(&conn, iin)?;
    let notices_email = contact_email
        .clone()
        .or(citizen.email)
        .filter(|e| !e.trim().is_empty());
    Ok(Profile {
        iin: iin.to_string(),
        contact_email,
        notices_email,
        sms_to: citizen
            .phone
            .filter(|p| !p.trim().is_empty())
            .map(|p| super::applications::masked(&p)),
        notifications,
    })
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    session: Session,
) -> Result<Json<Profile>, Problem> {
    profile_of(&state, &session.iin).map(Json)
}

/// Replace the profile.
pub async fn update(
    State(state): State<Arc<AppState>>,
    session: Session,
    extract::Json(update): extract::Json<ProfileUpdate>,
) -> Result<Json<Profile>, Problem> {
    let email = update
        .contact_email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if let Some(email) = email
        && !is_valid_email(email)
    {
        return Err(Problem::bad_request(
            "bad-email",
            format!(
                "the contact e-mail is not a valid address (name@domain.kz, Latin letters, at most {MAX_EMAIL_LEN} characters); correct it"
            ),
        ));
    }
    let now = unix(state.now());
    {
        let mut conn = state.db.conn();
        if db::citizen(&conn, &session.iin)?.is_none() {
            return Err(RegistryError::UnknownCitizen(session.iin.clone()).into());
        }
        let tx = conn.transaction()?;
        let n = update.notifications;
        tx.execute(
            "INSERT INTO profiles (iin, contact_email, notify_email, notify_sms, notify_push, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(iin) DO UPDATE SET contact_email = ?2, notify_email = ?3,
                 notify_sms = ?4, notify_push = ?5, updated_at = ?6",
            params![session.iin, email, n.email, n.sms, n.push, now],
        )?;
        // The address itself is personal data: the audit says what changed,
        // not to what.
        db::audit(
            &tx,
            now,
            &session.iin,
            "profile-update",
            &session.iin,
            Some(&format!(
                "contact e-mail {}; email {}, sms {}, push {}",
                if email.is_some() { "set" } else { "cleared" },
                on_off(n.email),
                on_off(n.sms),
                on_off(n.push)
            )),
        )?;
        tx.commit()?;
    }
    profile_of(&state, &session.iin).map(Json)
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}
