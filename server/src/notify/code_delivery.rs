//! The one-time code's SMS, delivered in spite of faults.
//!
//! Every application awaiting its code has a row in `code_deliveries`
//! (pending, sent or failed, with the attempts made and the next try),
//! created in the transaction that creates the application and its code.
//! The submit sends at once; a failed send is tried again by
//! [`run_forever`] with backoff (`[code_delivery]` in config.toml) until it
//! is sent or its attempts are used up (`failed`); the citizen may then ask
//! for the code again (`POST /v1/applications/{number}/resend-code`, rate
//! limited), which starts a new round.
//!
//! # The code is not kept
//! The database holds only the code's hash, as before. Every attempt makes
//! a fresh code and, in the transaction that claims the attempt, replaces
//! the application's hash and gives the code a new lifetime; the code then
//! lives in memory (zeroized on drop) only until its SMS is handed to the
//! gateway. So a retry or a resend invalidates the code of an earlier SMS:
//! the newest SMS counts, which is what the citizen expects of "send me
//! the code again" and what a gateway that delivered but answered 500
//! makes necessary anyway. (The no-gateway outbox keeps the message text,
//! code included: showing it to a test server's operator is its purpose.)
//!
//! # Crashes and races
//! A claimed attempt is `in_flight` until its outcome is recorded; the
//! retry task releases such rows when it starts (one process per
//! database), so an attempt cut off by a crash is made again after the
//! restart. Each claim bumps `claim`, and an outcome is recorded only for
//! the claim it belongs to, so a resend racing a retry cannot have the
//! older attempt's outcome overwrite the newer one's.

use std::time::Duration;

use crate::db::{Conn, OptionalExtension, params};
use qoltanba_pki::protocol::{ApplicationState, CodeDelivery, CodeDeliveryState};
use qoltanba_pki::timestamp::rfc3339_unix;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::{Senders, redact};
use crate::config;
use crate::db::{self, Db};
use crate::registry;

/// How long a claimed attempt holds its delivery: longer than the HTTP
/// senders' 30 s timeout, so a slow gateway is not asked twice at once.
const LEASE_SECONDS: i64 = 60;
/// How often the retry task looks for deliveries that are due.
const TICK: Duration = Duration::from_secs(1);
/// Deliveries retried per tick, at most (the rest wait for the next one).
const BATCH: i64 = 50;

/// One claimed attempt: the fresh code to send and the claim its outcome
/// is recorded under. Not `Clone`, not `Debug`: it holds the code.
pub struct Attempt {
    application_id: i64,
    claim: i64,
    phone: String,
    code: Zeroizing<String>,
}

/// Why an attempt is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round<'a> {
    /// The retry task: the next attempt of the current round.
    Retry,
    /// Citizen `by` asked again: a new round, attempts from 1, to `phone`
    /// (the number on record now).
    Resend { phone: &'a str, by: &'a str },
}

/// The SMS text; `qoltanba-ra outbox` and the test kit read codes back
/// from it in this form.
fn text(application_id: i64, code: &str) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "qoltanba: application {application_id}, code {code}"
    ))
}

/// Record the delivery of a new application's `code` to `phone`, claimed
/// for its first attempt, in `tx` (the transaction that creates the
/// application and stores the code's hash).
pub fn begin(
    tx: &Conn,
    application_id: i64,
    phone: &str,
    code: Zeroizing<String>,
    now: i64,
) -> crate::db::Result<Attempt> {
    tx.execute(
        "INSERT INTO code_deliveries (application_id, phone, state, attempts, claim, in_flight,
             next_attempt_at, updated_at)
         VALUES (?1, ?2, 'pending', 1, 1, 1, ?3, ?4)",
        params![application_id, phone, now + LEASE_SECONDS, now],
    )?;
    Ok(Attempt {
        application_id,
        claim: 1,
        phone: phone.to_owned(),
        code,
    })
}

/// Claim the next attempt of application `id`'s delivery: a fresh code
/// whose hash replaces the application's and which lives `code_ttl`
/// seconds. `None` when the application no longer awaits its code, or
/// (for a retry) when the delivery is not due. A resend also creates the
/// delivery of an application made before deliveries were recorded, and
/// is audited.
pub fn claim(
    db: &Db,
    id: i64,
    round: Round<'_>,
    code_ttl: u64,
    now: i64,
) -> crate::db::Result<Option<Attempt>> {
    let mut conn = db.conn();
    let tx = conn.transaction()?;
    // Locked until the commit (PostgreSQL; SQLite's transaction holds the
    // write lock): a confirmation or rejection cannot slip in between.
    let sql = format!(
        "SELECT state FROM applications WHERE id = ?1{}",
        tx.for_update()
    );
    let state: Option<String> = tx.query_row(&sql, [id], |r| r.get(0)).optional()?;
    if state.as_deref() != Some(ApplicationState::AwaitingCode.token()) {
        return Ok(None);
    }
    let claimed = match round {
        Round::Retry => tx
            .query_row(
                "UPDATE code_deliveries
                 SET attempts = attempts + 1, claim = claim + 1, in_flight = 1,
                     next_attempt_at = ?2, updated_at = ?3
                 WHERE application_id = ?1 AND state = 'pending' AND in_flight = 0
                     AND next_attempt_at <= ?3
                 RETURNING claim, phone",
                params![id, now + LEASE_SECONDS, now],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?,
        Round::Resend { phone, by } => {
            let claim = tx.query_row(
                "INSERT INTO code_deliveries (application_id, phone, state, attempts, claim,
                     in_flight, next_attempt_at, updated_at)
                 VALUES (?1, ?2, 'pending', 1, 1, 1, ?3, ?4)
                 ON CONFLICT (application_id) DO UPDATE SET
                     phone = excluded.phone, state = 'pending', attempts = 1,
                     claim = code_deliveries.claim + 1, in_flight = 1, next_attempt_at = excluded.next_attempt_at,
                     last_error = NULL, updated_at = excluded.updated_at
                 RETURNING claim",
                params![id, phone, now + LEASE_SECONDS, now],
                |r| r.get::<_, i64>(0),
            )?;
            db::audit(
                &tx,
                now,
                by,
                "code.resend",
                &id.to_string(),
                Some(&format!("to {}", redact::phone(phone))),
            )?;
            Some((claim, phone.to_owned()))
        }
    };
    let Some((claim, phone)) = claimed else {
        return Ok(None);
    };
    let code = registry::new_code();
    let ttl = i64::try_from(code_ttl).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE applications SET code_hash = ?1, code_expires_at = ?2, updated_at = ?3
         WHERE id = ?4",
        params![
            registry::code_hash(id, code.as_str()),
            now.saturating_add(ttl),
            now,
            id
        ],
    )?;
    tx.commit()?;
    Ok(Some(Attempt {
        application_id: id,
        claim,
        phone,
        code,
    }))
}

/// Send a claimed attempt and record its outcome; the delivery as it then
/// stands. A failed send is not an error here: it is recorded (and retried
/// later, or marked failed when the round's attempts are used up).
pub async fn attempt(
    senders: &Senders,
    db: &Db,
    settings: &config::CodeDelivery,
    attempt: Attempt,
) -> crate::db::Result<CodeDelivery> {
    let message = text(attempt.application_id, attempt.code.as_str());
    let sent = super::send_code(senders, db, &attempt.phone, &message).await;
    drop(message);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let db = db.clone();
    let settings = settings.clone();
    let failure = sent.err().map(|e| e.to_string());
    let (id, claim) = (attempt.application_id, attempt.claim);
    drop(attempt);
    record(&db, &settings, id, claim, failure.as_deref(), now)
}

/// Record the outcome of claim `claim` of application `id`'s delivery
/// (`failure` is `None` when the gateway took the message).
fn record(
    db: &Db,
    settings: &config::CodeDelivery,
    id: i64,
    claim: i64,
    failure: Option<&str>,
    now: i64,
) -> crate::db::Result<CodeDelivery> {
    let mut conn = db.conn();
    let tx = conn.transaction()?;
    let sql = format!(
        "SELECT claim, attempts FROM code_deliveries WHERE application_id = ?1{}",
        tx.for_update()
    );
    let current: Option<(i64, u32)> = tx
        .query_row(&sql, [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match (current, failure) {
        // A newer claim (a resend) owns the row now: its outcome counts.
        (Some((current, _)), _) if current != claim => {}
        (None, _) => {}
        (Some(_), None) => {
            tx.execute(
                "UPDATE code_deliveries SET state = 'sent', in_flight = 0, next_attempt_at = NULL,
                     last_error = NULL, updated_at = ?2
                 WHERE application_id = ?1",
                params![id, now],
            )?;
            tracing::info!(
                application = id,
                "one-time code delivered to the SMS gateway"
            );
        }
        (Some((_, attempts)), Some(why)) if attempts >= settings.attempts.max(1) => {
            tx.execute(
                "UPDATE code_deliveries SET state = 'failed', in_flight = 0,
                     next_attempt_at = NULL, last_error = ?2, updated_at = ?3
                 WHERE application_id = ?1",
                params![id, why, now],
            )?;
            db::audit(
                &tx,
                now,
                "ra",
                "code.undelivered",
                &id.to_string(),
                Some(&format!("after {attempts} attempts: {why}")),
            )?;
            tracing::error!(
                application = id,
                attempts,
                error = %why,
                "the one-time code could not be sent; the citizen may ask for it again"
            );
        }
        (Some((_, attempts)), Some(why)) => {
            let wait = i64::try_from(settings.backoff_seconds(attempts)).unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE code_deliveries SET state = 'pending', in_flight = 0,
                     next_attempt_at = ?2, last_error = ?3, updated_at = ?4
                 WHERE application_id = ?1",
                params![id, now.saturating_add(wait), why, now],
            )?;
            tracing::warn!(
                application = id,
                attempts,
                retry_in_seconds = wait,
                error = %why,
                "the one-time code was not sent; it will be tried again"
            );
        }
    }
    let view = view(&tx, id)?;
    tx.commit()?;
    view.ok_or(crate::db::Error::NoRow)
}

/// Application `id`'s code delivery as the citizen is shown it; `None` for
/// an application made before deliveries were recorded.
pub fn view(conn: &Conn, id: i64) -> crate::db::Result<Option<CodeDelivery>> {
    conn.query_row(
        "SELECT state, phone, attempts, next_attempt_at FROM code_deliveries
         WHERE application_id = ?1",
        [id],
        |r| {
            let state = db::token_column(r, 0, CodeDeliveryState::from_token)?;
            let next: Option<i64> = r.get(3)?;
            Ok(CodeDelivery {
                state,
                sent_to: redact::phone_for_citizen(&r.get::<_, String>(1)?),
                attempts: r.get(2)?,
                next_attempt_at: next
                    .filter(|_| state == CodeDeliveryState::Pending)
                    .map(rfc3339_unix),
            })
        },
    )
    .optional()
}

/// Deliveries an earlier process left in flight (it died mid-attempt) are
/// due now. Called once when the retry task starts.
fn release_interrupted(db: &Db, now: i64) -> crate::db::Result<usize> {
    db.conn().execute(
        "UPDATE code_deliveries SET in_flight = 0, next_attempt_at = ?1, updated_at = ?1
         WHERE in_flight = 1 AND state = 'pending'",
        [now],
    )
}

/// The applications whose delivery is due at `now`.
fn due(db: &Db, now: i64) -> crate::db::Result<Vec<i64>> {
    let conn = db.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT d.application_id FROM code_deliveries d
             JOIN applications a ON a.id = d.application_id
         WHERE d.state = 'pending' AND d.in_flight = 0 AND d.next_attempt_at <= ?1
             AND a.state = ?2
         ORDER BY d.next_attempt_at LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![now, ApplicationState::AwaitingCode.token(), BATCH],
        |r| r.get(0),
    )?;
    rows.collect()
}

/// One pass of the retry task: claim and send every due delivery (the
/// sends run side by side); how many were tried.
pub async fn retry_due(
    db: &Db,
    senders: &Senders,
    settings: &config::CodeDelivery,
    code_ttl: u64,
) -> crate::db::Result<usize> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut sends = tokio::task::JoinSet::new();
    for id in due(db, now)? {
        if let Some(claimed) = claim(db, id, Round::Retry, code_ttl, now)? {
            let (db, senders, settings) = (db.clone(), senders.clone(), settings.clone());
            sends.spawn(async move { attempt(&senders, &db, &settings, claimed).await });
        }
    }
    let mut tried = 0;
    while let Some(done) = sends.join_next().await {
        tried += 1;
        match done {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "recording a code delivery failed"),
            Err(e) => tracing::error!(error = %e, "a code delivery task failed"),
        }
    }
    Ok(tried)
}

/// The retry task: release what a crash left in flight, then every second
/// retry the deliveries that are due, until the task is dropped.
pub async fn run_forever(db: Db, senders: Senders, settings: config::CodeDelivery, code_ttl: u64) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    match release_interrupted(&db, now) {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            deliveries = n,
            "one-time codes cut off by a stop are sent again"
        ),
        Err(e) => tracing::error!(error = %e, "releasing interrupted code deliveries failed"),
    }
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if let Err(e) = retry_due(&db, &senders, &settings, code_ttl).await {
            tracing::error!(error = %e, "retrying code deliveries failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with citizen 900101300001 and application 1 awaiting its
    /// code, whose first attempt was claimed and then cut off (the process
    /// died before recording its outcome).
    fn interrupted() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("ra.db")).unwrap();
        {
            let mut conn = db.conn();
            conn.execute(
                "INSERT INTO citizens (iin, surname, name, phone, created_at)
                 VALUES ('900101300001', 'Сейітова', 'Айгүл', '+77011234567', 0)",
                params![],
            )
            .unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute(
                "INSERT INTO applications (id, iin, state, p7s, email, locality, signer_serial,
                     code_hash, code_expires_at, code_tries_left, created_at, updated_at)
                 VALUES (1, '900101300001', 'awaiting_code', x'30', 'a@b.kz', 'Астана', '5E',
                     x'00', 600, 3, 0, 0)",
                params![],
            )
            .unwrap();
            let attempt = begin(&tx, 1, "+77011234567", registry::new_code(), 0).unwrap();
            tx.commit().unwrap();
            drop(attempt); // never sent: the crash
        }
        (dir, db)
    }

    #[test]
    fn an_attempt_cut_off_by_a_crash_is_made_again_after_the_restart_with_a_fresh_code() {
        let (_dir, db) = interrupted();
        // Before the restart the lease holds it: not due.
        assert!(due(&db, 10).unwrap().is_empty());
        assert_eq!(release_interrupted(&db, 10).unwrap(), 1);
        assert_eq!(due(&db, 10).unwrap(), vec![1]);
        let hash_before: Vec<u8> = db
            .conn()
            .query_row(
                "SELECT code_hash FROM applications WHERE id = 1",
                params![],
                |r| r.get(0),
            )
            .unwrap();
        let attempt = claim(&db, 1, Round::Retry, 600, 10).unwrap().unwrap();
        assert_eq!(attempt.claim, 2);
        let (hash, expires): (Vec<u8>, i64) = db
            .conn()
            .query_row(
                "SELECT code_hash, code_expires_at FROM applications WHERE id = 1",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_ne!(hash, hash_before, "a fresh code");
        assert_eq!(hash, registry::code_hash(1, attempt.code.as_str()));
        assert_eq!(expires, 610, "with a fresh lifetime");
        // Claimed: neither due nor claimable twice.
        assert!(due(&db, 10).unwrap().is_empty());
        assert!(claim(&db, 1, Round::Retry, 600, 10).unwrap().is_none());
        // The outcome of the older claim is ignored; its own counts.
        let settings = config::CodeDelivery::default();
        let view = record(&db, &settings, 1, 1, None, 11).unwrap();
        assert_eq!(view.state, CodeDeliveryState::Pending);
        let view = record(&db, &settings, 1, 2, None, 11).unwrap();
        assert_eq!(view.state, CodeDeliveryState::Sent);
        assert_eq!(view.attempts, 2);
        assert_eq!(view.sent_to, "+7******4567");
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let settings = config::CodeDelivery {
            attempts: 5,
            first_retry_seconds: 5,
            max_retry_seconds: 30,
        };
        let waits: Vec<u64> = (1..=5).map(|a| settings.backoff_seconds(a)).collect();
        assert_eq!(waits, vec![5, 10, 20, 30, 30]);
    }
}
