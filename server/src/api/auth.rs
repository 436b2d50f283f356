//! Challenge/response login with an AUTH key.
//!
//! `POST /v1/auth/challenge` hands out a single-use nonce valid for a short
//! time. It stores nothing: the nonce carries its expiry and an HMAC of
//! both under a key the server draws at start ([`ChallengeKey`]), so a
//! flood of challenges costs no database rows; each client address may ask
//! `limits.challenges_per_minute` times a minute. The client signs it as a
//! CMS message (`core::signed_message`, or `openssl cms -sign -nodetach`)
//! with its AUTH key and posts the DER to `/v1/auth/login`. The server
//! checks the nonce (its HMAC, unexpired, unused: it is recorded as used on
//! the first try, until it expires), the signature, the certificate (issued
//! here, chains to the root now, not revoked, allows login) and answers with
//! a short-lived bearer token bound to the certificate holder's IIN. The
//! nonce of a successful login is remembered for the IIN: a key the phone
//! makes in this session carries it as its attestation challenge.

use std::sync::Arc;

use crate::db::params;
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
use ring::hmac;
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

/// The key login challenges are signed with, drawn when the server starts
/// and never stored: a restart voids the challenges handed out before it
/// (their login gets `bad-challenge`, and the client asks for a new one).
///
/// A nonce is base64url of 16 random bytes, its expiry (Unix seconds, 8
/// bytes big-endian) and the HMAC-SHA256 of both (32 bytes): 75 characters.
pub struct ChallengeKey(hmac::Key);

/// Domain separation: this key signs nothing else, but say what is signed.
const CHALLENGE_CONTEXT: &[u8] = b"qoltanba-ra login challenge v1\0";
const NONCE_RANDOM: usize = 16;
const NONCE_PAYLOAD: usize = NONCE_RANDOM + 8;

impl ChallengeKey {
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the OS random number generator works");
        let k = hmac::Key::new(hmac::HMAC_SHA256, &key);
        zeroize::Zeroize::zeroize(&mut key);
        Self(k)
    }

    fn tag(&self, payload: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.0);
        context.update(CHALLENGE_CONTEXT);
        context.update(payload);
        context.sign()
    }

    /// A new nonce that expires at `expires` (Unix seconds).
    pub fn issue(&self, expires: i64) -> String {
        let mut nonce = [0u8; NONCE_PAYLOAD];
        getrandom::fill(&mut nonce[..NONCE_RANDOM]).expect("the OS random number generator works");
        nonce[NONCE_RANDOM..].copy_from_slice(&expires.to_be_bytes());
        let tag = self.tag(&nonce);
        URL_SAFE_NO_PAD.encode([&nonce[..], tag.as_ref()].concat())
    }

    /// When `nonce` expires, if this key issued it and it has not expired
    /// at `now` (Unix seconds).
    pub fn check(&self, nonce: &str, now: i64) -> Option<i64> {
        let bytes = URL_SAFE_NO_PAD.decode(nonce).ok()?;
        if bytes.len() <= NONCE_PAYLOAD {
            return None;
        }
        let (payload, tag) = bytes.split_at(NONCE_PAYLOAD);
        let mut signed = CHALLENGE_CONTEXT.to_vec();
        signed.extend_from_slice(payload);
        hmac::verify(&self.0, &signed, tag).ok()?;
        let expires = i64::from_be_bytes(payload[NONCE_RANDOM..].try_into().ok()?);
        (expires > now).then_some(expires)
    }
}

pub async fn challenge(
    State(state): State<Arc<AppState>>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
) -> Result<(StatusCode, Json<Challenge>), Problem> {
    state
        .limiter
        .check(Bucket::Challenge, &peer.ip().to_string())
        .map_err(Problem::too_many)?;
    let now = state.now();
    let expires = now + Duration::seconds(state.config.policy.challenge_ttl_seconds as i64);
    Ok((
        StatusCode::CREATED,
        Json(Challenge {
            nonce: state.challenge_key.issue(unix(expires)),
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
    let expires = state
        .challenge_key
        .check(&nonce, unix(now))
        .ok_or_else(bad_challenge)?;
    // Burn the nonce: the one row a challenge ever costs, kept until it
    // expires (an expired nonce fails the check above anyway).
    let burnt = {
        let conn = state.db.conn();
        conn.execute("DELETE FROM challenges WHERE expires_at <= ?1", [unix(now)])?;
        conn.execute(
            "INSERT INTO challenges (nonce, expires_at, used) VALUES (?1, ?2, 1)
             ON CONFLICT DO NOTHING",
            params![nonce, expires],
        )?
    };
    if burnt != 1 {
        return Err(bad_challenge());
    }
    let (iin, record) =
        registry::check_presented(&state.db, &state.cas, &message.signer, Purpose::Auth, now)?;
    if db::citizen(&state.db.conn(), &iin)?.is_none() {
        return Err(RegistryError::UnknownCitizen(iin).into());
    }
    let token = random_token();
    let expires = now + Duration::seconds(state.config.policy.session_ttl_seconds as i64);
    {
        let conn = state.db.conn();
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
            use crate::db::OptionalExtension;
            state
                .db
                .conn()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_checked_by_their_hmac_and_expiry() {
        let key = ChallengeKey::generate();
        let nonce = key.issue(1_000);
        assert_eq!(nonce.len(), 75, "{nonce}");
        assert_ne!(key.issue(1_000), nonce, "each nonce is random");
        assert_eq!(key.check(&nonce, 999), Some(1_000));
        assert_eq!(key.check(&nonce, 1_000), None, "expired");
        // Another server's (or a restarted one's) nonce.
        assert_eq!(ChallengeKey::generate().check(&nonce, 0), None);
        // A later expiry written into the nonce breaks its HMAC.
        let mut bytes = URL_SAFE_NO_PAD.decode(&nonce).unwrap();
        bytes[NONCE_PAYLOAD - 1] ^= 0x40;
        assert_eq!(key.check(&URL_SAFE_NO_PAD.encode(&bytes), 0), None);
        for forged in [
            "",
            "a-nonce-we-never-issued",
            "!!!",
            &nonce[..NONCE_PAYLOAD],
        ] {
            assert_eq!(key.check(forged, 0), None, "{forged}");
        }
    }
}
