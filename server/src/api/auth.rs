//! Challenge/response login with an AUTH key.
//!
//! `POST /v1/auth/challenge` hands out a single-use nonce valid for a short
//! time. The client signs it as a CMS message (`core::signed_message`, or
//! `openssl cms -sign -nodetach`) with its AUTH key and posts the DER to
//! `/v1/auth/login`. The server checks the nonce (known, unused, unexpired;
//! it is burnt on the first try), the signature, the certificate (issued
//! here, chains to the root now, not revoked, allows login) and answers with
//! a short-lived bearer token bound to the certificate holder's IIN. The
//! nonce of a successful login is remembered for the IIN: a key the phone
//! makes in this session carries it as its attestation challenge.

use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::{Challenge, LoginAnswer};
use qoltanba_pki::signed_message::verify_message;
use qoltanba_pki::timestamp::rfc3339;
use rusqlite::params;
use sha2::{Digest, Sha256};
use time::Duration;

use super::extract::Body;
use super::rate_limit::Bucket;
use super::{AppState, PeerAddr, Problem};
use crate::db;
use crate::registry::{self, RegistryError, unix};

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator works");
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub async fn challenge(
    State(state): State<Arc<AppState>>,
) -> Result<(StatusCode, Json<Challenge>), Problem> {
    let now = state.now();
    let nonce = random_token();
    let expires = now + Duration::seconds(state.config.policy.challenge_ttl_seconds as i64);
    {
        let conn = state.db.lock();
        // Forget long-expired challenges as new ones are made.
        conn.execute(
            "DELETE FROM challenges WHERE expires_at < ?1",
            [unix(now) - 3600],
        )?;
        conn.execute(
            "INSERT INTO challenges (nonce, expires_at) VALUES (?1, ?2)",
            params![nonce, unix(expires)],
        )?;
    }
    Ok((
        StatusCode::CREATED,
        Json(Challenge {
            nonce,
            expires_at: rfc3339(expires),
        }),
    ))
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    Body(body): Body,
) -> Result<Json<LoginAnswer>, Problem> {
    state
        .limiter
        .check(Bucket::Login, &peer.ip().to_string())
        .map_err(Problem::too_many)?;
    let now = state.now();
    let message = verify_message(&body)
        .map_err(|e| Problem::bad_request("bad-signed-message", e.to_string()))?;
    let nonce = std::str::from_utf8(&message.content)
        .map_err(|_| bad_challenge())?
        .trim()
        .to_string();
    let burnt = state.db.lock().execute(
        "UPDATE challenges SET used = 1 WHERE nonce = ?1 AND used = 0 AND expires_at > ?2",
        params![nonce, unix(now)],
    )?;
    if burnt != 1 {
        return Err(bad_challenge());
    }
    let (iin, record) =
        registry::check_presented(&state.db, &state.cas, &message.signer, Purpose::Auth, now)?;
    if db::citizen(&state.db.lock(), &iin)?.is_none() {
        return Err(RegistryError::UnknownCitizen(iin).into());
    }
    let token = random_token();
    let expires = now + Duration::seconds(state.config.policy.session_ttl_seconds as i64);
    {
        let conn = state.db.lock();
        conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [unix(now)])?;
        conn.execute(
            "INSERT INTO sessions (token_hash, iin, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash(&token), iin, unix(expires)],
        )?;
        db::audit(&conn, unix(now), &iin, "login", &record.serial, None)?;
        // The nonce a key made in this session carries as its attestation
        // challenge.
        crate::attestation::remember_login(&conn, &iin, &nonce, &state.config.attestation, now)?;
    }
    Ok(Json(LoginAnswer {
        token,
        token_type: "Bearer".into(),
        iin,
        expires_at: rfc3339(expires),
    }))
}

fn bad_challenge() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "bad-challenge",
        "the challenge is unknown, already used or expired; request a new one and sign it",
    )
}

/// A logged-in citizen, from `Authorization: Bearer <token>`.
pub struct Session {
    pub iin: String,
}

impl FromRequestParts<Arc<AppState>> for Session {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                Problem::unauthorized("log in first: send Authorization: Bearer <token>")
            })?;
        let now = unix(state.now());
        let iin: Option<String> = {
            use rusqlite::OptionalExtension;
            state
                .db
                .lock()
                .query_row(
                    "SELECT iin FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                    params![token_hash(token.trim()), now],
                    |r| r.get(0),
                )
                .optional()?
        };
        iin.map(|iin| Session { iin }).ok_or_else(|| {
            Problem::unauthorized("the session is unknown or has expired; log in again")
        })
    }
}
