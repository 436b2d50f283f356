//! Expiry notices: the scheduler that reminds citizens before a certificate
//! ends, and the senders that carry the reminders and one-time codes.
//!
//! # The schedule
//! For every *valid* certificate (not revoked, not replaced by a reissue,
//! not yet expired) the scheduler sends, by default, e-mail 30, 14 and 7
//! days before its end (when the citizen gave an address), SMS 10 days
//! before (when a number is known) and push 30, 14, 10, 7, 3 and 1 days
//! before to every registered device; `[notices]` in config.toml changes
//! the offsets. See [`plan`] for the exact rule and the catch-up after
//! downtime (only the most urgent due notice per channel goes out; larger
//! ones are recorded as done without sending).
//!
//! # Exactly once, across nodes
//! The `notices` table, keyed by (certificate, channel, days before), is the
//! scheduler's only state, so a restart loses nothing. Every API node runs
//! the scheduler; before sending a due notice a run claims it with a lease
//! (`notice_leases`: the run's random name and an expiry, [`LEASE_SECONDS`]
//! on), one upsert that succeeds only when no unexpired lease exists, and,
//! in the same transaction, checks that no run recorded it (or a more
//! urgent notice of the channel) since it planned. A notice is then sent,
//! and recorded, together with the skipped larger offsets and an audit row,
//! in one transaction that also drops the lease; a failed send drops the
//! lease and is simply due again on the next run. A node that dies between
//! claim and record leaves its lease to expire, and the next run of any
//! node takes the notice over. The database is never locked across a send.
//! What remains is the classic window between a successful send and the
//! commit of its record: a node dying exactly there has the notice sent
//! once more after its lease ends (at-least-once at that edge, exactly-once
//! otherwise). Within a process, runs also never overlap ([`Senders`] holds
//! a run lock), which saves planning twice.
//!
//! # The citizen's choices
//! The profile a citizen keeps in the cabinet (`GET/PUT /v1/profile`, table
//! `profiles`) is honoured: a channel switched off gets no notices (they
//! are counted as `declined`, not recorded, so switching it on again sends
//! the most urgent notice then due), and e-mail goes to the contact e-mail
//! given there, else to the address the registration centre recorded.
//!
//! Push goes to all devices of the citizen; the notice counts as sent when
//! at least one device accepted it (the schema records notices per
//! certificate, not per device).

pub mod code_delivery;
mod message;
pub mod plan;
mod redact;
pub(crate) mod send;

use std::time::Duration;

use crate::db::{Conn, OptionalExtension, params};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::push::ExpiryPush;
use qoltanba_pki::timestamp::rfc3339_unix;
use serde::Serialize;
use time::OffsetDateTime;

use crate::config;
use crate::db::{self, Db};

pub use plan::{Channel, DueNotice, Plan, Schedule};
pub use redact::phone_for_citizen;
pub use send::Senders;

use send::Push;

/// What went wrong, in one line that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(
        "notices.{channel}_days lists {count} offsets; at most 64 are supported, shorten the list in config.toml"
    )]
    TooManyOffsets { channel: &'static str, count: usize },
    #[error("senders.{what} in config.toml is not usable: {why}")]
    Config { what: &'static str, why: String },
    #[error(
        "the database failed while {doing}: {source}; check the disk and the server's home directory"
    )]
    Db {
        doing: &'static str,
        source: crate::db::Error,
    },
    #[error(
        "the {sender} did not take the message: {why}; check [senders] in config.toml and that the service is reachable"
    )]
    Send { sender: &'static str, why: String },
    #[error("the phone number {shown} cannot receive SMS: {why}")]
    BadPhone { shown: String, why: &'static str },
    #[error("a background task of the notice scheduler failed: {0}; see the server log")]
    Task(String),
}

impl NotifyError {
    /// `map_err` helper naming what the database was doing.
    pub(crate) fn db(doing: &'static str) -> impl FnOnce(crate::db::Error) -> NotifyError {
        move |source| NotifyError::Db { doing, source }
    }
}

/// What one scheduler run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// The instant the run judged by (RFC 3339).
    pub at: String,
    /// Valid certificates within the largest offset of their end.
    pub considered: usize,
    /// (certificate, channel) pairs with a notice due.
    pub due: usize,
    /// Notices sent and recorded.
    pub sent: usize,
    /// Larger offsets recorded as done without sending (catch-up).
    pub skipped: usize,
    /// Notices whose send failed; they are due again on the next run.
    pub failed: usize,
    /// Due notices with nowhere to go (no registered device), or whose
    /// certificate was revoked or replaced while the run was planning.
    pub unreachable: usize,
    /// Due notices on a channel the citizen switched off in the profile.
    pub declined: usize,
    /// Due notices another run (this node's or another's) was sending or
    /// had sent since this one planned.
    pub taken: usize,
}

/// How long a claimed notice is held by the run sending it: far longer
/// than a send may take (the HTTP senders give up after 30 s), so a live
/// run's lease never ends under it.
pub const LEASE_SECONDS: i64 = 300;

/// One message the outbox sender recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The newest `limit` outbox messages, newest first.
pub fn outbox(db: &Db, limit: usize) -> Result<Vec<OutboxEntry>, NotifyError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let conn = db.conn();
    let mut stmt = conn
        .prepare(
            "SELECT id, channel, recipient, subject, body, created_at
             FROM outbox ORDER BY id DESC LIMIT ?1",
        )
        .map_err(NotifyError::db("reading the outbox"))?;
    let rows = stmt
        .query_map([limit], |r| {
            Ok(OutboxEntry {
                id: r.get(0)?,
                channel: r.get(1)?,
                recipient: r.get(2)?,
                subject: r.get(3)?,
                body: r.get(4)?,
                created_at: rfc3339_unix(r.get(5)?),
            })
        })
        .map_err(NotifyError::db("reading the outbox"))?;
    rows.collect::<Result<_, _>>()
        .map_err(NotifyError::db("reading the outbox"))
}

/// Send the one-time code of an application by SMS: through the gateway
/// when one is configured, else into the outbox. `text` holds the code, so
/// it appears in no log line and no error; the outbox row keeps it, which
/// is that sender's purpose. One attempt: [`code_delivery`] records it and
/// retries a failure.
pub async fn send_code(
    senders: &Senders,
    db: &Db,
    phone: &str,
    text: &str,
) -> Result<(), NotifyError> {
    check_phone(phone)?;
    let at = OffsetDateTime::now_utc().unix_timestamp();
    senders.sms(db, phone, text, at).await?;
    tracing::info!(
        phone = %redact::phone(phone),
        via = senders.describe(Channel::Sms),
        "one-time code sent by SMS"
    );
    Ok(())
}

/// A number an SMS gateway can take: `+` and 7 to 15 digits (E.164).
pub fn check_phone(phone: &str) -> Result<(), NotifyError> {
    let digits = phone.strip_prefix('+').unwrap_or(phone);
    let why = if digits.is_empty() {
        Some("it is empty")
    } else if !digits.chars().all(|c| c.is_ascii_digit()) {
        Some("only digits after an optional + are allowed")
    } else if !(7..=15).contains(&digits.len()) {
        Some("it must have 7 to 15 digits, e.g. +77011234567")
    } else {
        None
    };
    match why {
        Some(why) => Err(NotifyError::BadPhone {
            shown: redact::phone(phone),
            why,
        }),
        None => Ok(()),
    }
}

/// Check and send every notice due at `now`, recording each one sent.
pub async fn run_once(
    db: &Db,
    notices: &config::Notices,
    senders: &Senders,
    now: OffsetDateTime,
) -> Result<RunReport, NotifyError> {
    let _running = senders.lock_run().await;
    let schedule = Schedule::from_config(notices)?;
    let now = now.unix_timestamp();
    // Planning reads up to every valid certificate: off the async workers.
    let (considered, due, jobs, unreachable, declined) = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || prepare(&db, &schedule, now))
            .await
            .map_err(|e| NotifyError::Task(e.to_string()))??
    };
    let mut report = RunReport {
        at: rfc3339_unix(now),
        considered,
        due,
        unreachable,
        declined,
        ..RunReport::default()
    };
    // Leases of runs that died long ago on notices no longer due (their
    // certificate was renewed or revoked meanwhile) are of no use.
    db.conn()
        .execute(
            "DELETE FROM notice_leases WHERE expires_at < ?1",
            [now - plan::DAY],
        )
        .map_err(NotifyError::db("clearing old notice leases"))?;
    // This run's name on its leases.
    let holder = {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).expect("the OS random number generator works");
        hex::encode(bytes)
    };
    for job in &jobs {
        match claim(db, job, &holder, now) {
            Ok(true) => {}
            Ok(false) => {
                report.taken += 1;
                continue;
            }
            Err(e) => {
                report.failed += 1;
                tracing::error!(serial = %job.serial, error = %e, "claiming an expiry notice failed");
                continue;
            }
        }
        match deliver(db, senders, job, now, notices).await {
            Ok(to) => match record(db, job, &holder, now, &to) {
                Ok(()) => {
                    crate::metrics::notice_sent(job.due.channel.as_str());
                    report.sent += 1;
                    report.skipped += job.due.skipped.len();
                    tracing::info!(
                        serial = %job.serial,
                        channel = job.due.channel.as_str(),
                        days_before = job.due.days_before,
                        skipped = ?job.due.skipped,
                        to = %to,
                        "expiry notice sent"
                    );
                }
                Err(e) => {
                    // Sent but not recorded: it will go out once more.
                    crate::metrics::notice_failed(job.due.channel.as_str());
                    report.failed += 1;
                    tracing::error!(
                        serial = %job.serial,
                        channel = job.due.channel.as_str(),
                        days_before = job.due.days_before,
                        error = %e,
                        "expiry notice sent but not recorded; it will be sent again"
                    );
                }
            },
            Err(why) => {
                crate::metrics::notice_failed(job.due.channel.as_str());
                report.failed += 1;
                if let Err(e) = release(&db.conn(), job, &holder) {
                    // Its lease ends by itself; the notice waits until then.
                    tracing::error!(serial = %job.serial, error = %e, "releasing an expiry notice failed");
                }
                tracing::warn!(
                    serial = %job.serial,
                    channel = job.due.channel.as_str(),
                    days_before = job.due.days_before,
                    error = %why,
                    "expiry notice not sent; retried on the next run"
                );
            }
        }
    }
    Ok(report)
}

/// Run the scheduler every `interval_seconds` by the real clock until the
/// task is dropped. Errors are logged and the next run tries again.
pub async fn run_forever(db: Db, notices: config::Notices, senders: Senders) {
    let period = Duration::from_secs(notices.interval_seconds.max(1));
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(
        interval_seconds = period.as_secs(),
        email = senders.describe(Channel::Email),
        sms = senders.describe(Channel::Sms),
        push = senders.describe(Channel::Push),
        "expiry-notice scheduler started"
    );
    loop {
        ticker.tick().await;
        match run_once(&db, &notices, &senders, OffsetDateTime::now_utc()).await {
            Ok(report) if report.sent > 0 || report.failed > 0 => {
                tracing::info!(?report, "expiry-notice run")
            }
            Ok(report) => tracing::debug!(?report, "expiry-notice run"),
            Err(e) => tracing::error!(error = %e, "expiry-notice run failed"),
        }
    }
}

/// Wait until a notice run in progress has ended, for at most `grace`
/// (a stopping server lets the run it is in finish before ending the
/// scheduler's task); whether it ended in time.
pub async fn wait_for_run(senders: &Senders, grace: Duration) -> bool {
    tokio::time::timeout(grace, senders.lock_run())
        .await
        .is_ok()
}

/// A due notice with what it takes to send it.
struct Job {
    due: DueNotice,
    serial: String,
    purpose: String,
    name: Option<String>,
    to: Recipients,
}

enum Recipients {
    Email(String),
    Phone(String),
    Devices(Vec<Device>),
}

struct Device {
    platform: String,
    token: String,
    locale: String,
}

struct Details {
    serial: String,
    iin: String,
    purpose: String,
    name: Option<String>,
    /// The profile's contact e-mail, else the registration centre's.
    email: Option<String>,
    phone: Option<String>,
    /// The channels the citizen wants (all, without a profile).
    wants: qoltanba_pki::protocol::NotificationPreferences,
}

impl Details {
    fn wants(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.wants.email,
            Channel::Sms => self.wants.sms,
            Channel::Push => self.wants.push,
        }
    }
}

/// What [`prepare`] found: (considered, due, jobs, unreachable, declined).
type Prepared = (usize, usize, Vec<Job>, usize, usize);

/// Plan, then look up recipients, the jobs most urgent first.
fn prepare(db: &Db, schedule: &Schedule, now: i64) -> Result<Prepared, NotifyError> {
    let plan = plan::plan(db, schedule, now)?;
    let (considered, due) = (plan.considered, plan.due.len());
    let mut jobs = Vec::with_capacity(due);
    let mut unreachable = 0;
    let mut declined = 0;
    let mut push_iins = std::collections::HashSet::new();
    let mut push_jobs: Vec<(String, Job)> = Vec::new();
    for batch in plan.due.chunks(1000) {
        let conn = db.conn();
        let mut last: Option<(i64, Option<Details>)> = None;
        for due in batch {
            if last.as_ref().map(|(id, _)| *id) != Some(due.certificate_id) {
                let details =
                    details(&conn, due.certificate_id).map_err(NotifyError::db("planning"))?;
                last = Some((due.certificate_id, details));
            }
            let Some((_, Some(d))) = &last else {
                unreachable += 1;
                continue;
            };
            if !d.wants(due.channel) {
                declined += 1;
                continue;
            }
            let to = match due.channel {
                Channel::Email => d.email.clone().map(Recipients::Email),
                Channel::Sms => d.phone.clone().map(Recipients::Phone),
                Channel::Push => Some(Recipients::Devices(Vec::new())),
            };
            let Some(to) = to else {
                unreachable += 1;
                continue;
            };
            let job = Job {
                due: due.clone(),
                serial: d.serial.clone(),
                purpose: d.purpose.clone(),
                name: d.name.clone(),
                to,
            };
            if due.channel == Channel::Push {
                push_iins.insert(d.iin.clone());
                push_jobs.push((d.iin.clone(), job));
            } else {
                jobs.push(job);
            }
        }
    }
    if !push_jobs.is_empty() {
        let mut devices = devices_of(db, &push_iins).map_err(NotifyError::db("planning"))?;
        for (iin, mut job) in push_jobs {
            match devices.get_mut(&iin) {
                Some(list) if !list.is_empty() => {
                    job.to = Recipients::Devices(
                        list.iter()
                            .map(|d| Device {
                                platform: d.platform.clone(),
                                token: d.token.clone(),
                                locale: d.locale.clone(),
                            })
                            .collect(),
                    );
                    jobs.push(job);
                }
                _ => unreachable += 1,
            }
        }
    }
    jobs.sort_by_key(|j| (j.due.not_after, j.due.certificate_id, j.due.channel));
    Ok((considered, due, jobs, unreachable, declined))
}

/// The certificate's facts and its holder's addresses, if it is still valid.
fn details(conn: &Conn, id: i64) -> crate::db::Result<Option<Details>> {
    conn.prepare_cached(
        "SELECT c.serial, c.iin, c.purpose, z.name, z.patronymic,
             COALESCE(NULLIF(TRIM(p.contact_email), ''), z.email), z.phone,
             COALESCE(p.notify_email, 1), COALESCE(p.notify_sms, 1), COALESCE(p.notify_push, 1)
         FROM certificates c LEFT JOIN citizens z ON z.iin = c.iin
             LEFT JOIN profiles p ON p.iin = c.iin
         WHERE c.id = ?1 AND c.revoked_at IS NULL AND c.replaced_at IS NULL",
    )?
    .query_row([id], |r| {
        let name: Option<String> = r.get(3)?;
        let patronymic: Option<String> = r.get(4)?;
        Ok(Details {
            serial: r.get(0)?,
            iin: r.get(1)?,
            purpose: r.get(2)?,
            name: match (name, patronymic) {
                (Some(n), Some(p)) if !p.is_empty() => Some(format!("{n} {p}")),
                (n, _) => n,
            },
            email: r
                .get::<_, Option<String>>(5)?
                .filter(|e| !e.trim().is_empty()),
            phone: r
                .get::<_, Option<String>>(6)?
                .filter(|p| !p.trim().is_empty()),
            wants: qoltanba_pki::protocol::NotificationPreferences {
                email: r.get(7)?,
                sms: r.get(8)?,
                push: r.get(9)?,
            },
        })
    })
    .optional()
}

/// The devices of the given citizens. The `devices` table has no index by
/// IIN, so this is one scan in pages by id (short locks), not a lookup per
/// certificate.
fn devices_of(
    db: &Db,
    iins: &std::collections::HashSet<String>,
) -> crate::db::Result<std::collections::HashMap<String, Vec<Device>>> {
    let mut found: std::collections::HashMap<String, Vec<Device>> = Default::default();
    let mut after = i64::MIN;
    loop {
        let conn = db.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, iin, platform, token, locale FROM devices
             WHERE id > ?1 ORDER BY id LIMIT 50000",
        )?;
        let mut rows = stmt.query([after])?;
        let mut count = 0;
        while let Some(r) = rows.next()? {
            count += 1;
            after = r.get(0)?;
            let iin: String = r.get(1)?;
            if iins.contains(&iin) {
                found.entry(iin).or_default().push(Device {
                    platform: r.get(2)?,
                    token: r.get(3)?,
                    locale: r.get(4)?,
                });
            }
        }
        if count < 50000 {
            return Ok(found);
        }
    }
}

/// Send one notice; on success, a masked description of where it went.
async fn deliver(
    db: &Db,
    senders: &Senders,
    job: &Job,
    now: i64,
    notices: &config::Notices,
) -> Result<String, String> {
    let link = notices.renew_link_for(&job.serial);
    let facts = message::Facts {
        serial: &job.serial,
        purpose: &job.purpose,
        not_after: job.due.not_after,
        now,
        name: job.name.as_deref(),
        link: &link,
    };
    match &job.to {
        Recipients::Email(address) => {
            let (subject, body) = message::email(&facts);
            senders
                .email(db, address, &subject, &body, now)
                .await
                .map(|()| redact::email(address))
                .map_err(|e| format!("{}: {}", e.sender, e.why))
        }
        Recipients::Phone(number) => senders
            .sms(db, number, &message::sms(&facts), now)
            .await
            .map(|()| redact::phone(number))
            .map_err(|e| format!("{}: {}", e.sender, e.why)),
        Recipients::Devices(devices) => {
            let data = expiry_push(job, &facts);
            let (mut delivered, mut errors) = (0usize, Vec::new());
            for device in devices {
                let (title, body) = message::push(&facts, &device.locale);
                let push = Push {
                    token: &device.token,
                    title: &title,
                    body: &body,
                    data: data.as_ref(),
                };
                match senders.push(db, &device.platform, &push, now).await {
                    Ok(()) => delivered += 1,
                    Err(e) => {
                        tracing::warn!(
                            serial = %job.serial,
                            device = %redact::token(&device.token),
                            error = %format!("{}: {}", e.sender, e.why),
                            "push to one device failed"
                        );
                        errors.push(format!("{}: {}", e.sender, e.why));
                    }
                }
            }
            if delivered > 0 {
                Ok(format!("{delivered} of {} devices", devices.len()))
            } else {
                Err(errors.join("; "))
            }
        }
    }
}

/// The push payload's facts (docs/protocol.md, "Push payload"). A row the
/// payload cannot express (a purpose other than auth/sign/both, a serial
/// that is not hex) still gets the human notice, without data, and a warning.
fn expiry_push(job: &Job, facts: &message::Facts<'_>) -> Option<ExpiryPush> {
    let purpose = Purpose::from_token(&job.purpose).filter(|p| *p != Purpose::Neither);
    let not_after = OffsetDateTime::from_unix_timestamp(job.due.not_after).ok();
    let days_left = u32::try_from(facts.days_left()).unwrap_or(u32::MAX);
    let made = match (purpose, not_after) {
        (Some(purpose), Some(not_after)) => {
            ExpiryPush::new(&job.serial, purpose, not_after, days_left).map_err(|e| e.to_string())
        }
        _ => Err(format!(
            "purpose {:?} or end {} unusable",
            job.purpose, job.due.not_after
        )),
    };
    made.map_err(|why| {
        tracing::warn!(serial = %job.serial, error = %why, "push sent without its data payload")
    })
    .ok()
}

/// Claim `job` for run `holder`: whether it is this run's to send. Not
/// when another run holds an unexpired lease on it, nor when it (or a more
/// urgent notice of its channel) was recorded since this run planned.
fn claim(db: &Db, job: &Job, holder: &str, now: i64) -> crate::db::Result<bool> {
    let channel = job.due.channel.as_str();
    let mut conn = db.conn();
    let tx = conn.transaction()?;
    let held: Option<i64> = tx
        .query_row(
            &format!(
                "SELECT expires_at FROM notice_leases
                 WHERE certificate_id = ?1 AND channel = ?2 AND days_before = ?3{}",
                // PostgreSQL: a lease another run is claiming right now
                // is passed over rather than waited for.
                tx.for_update_skip_locked()
            ),
            params![job.due.certificate_id, channel, job.due.days_before],
            |r| r.get(0),
        )
        .optional()?;
    if held.is_some_and(|expires| expires > now) {
        return Ok(false);
    }
    // Taken over when expired: its run died between claim and record.
    let claimed = tx.execute(
        "INSERT INTO notice_leases (certificate_id, channel, days_before, holder, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (certificate_id, channel, days_before) DO UPDATE
             SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE notice_leases.expires_at <= ?6",
        params![
            job.due.certificate_id,
            channel,
            job.due.days_before,
            holder,
            now + LEASE_SECONDS,
            now
        ],
    )?;
    if claimed != 1 {
        return Ok(false);
    }
    // After the lease, so a record committed before it is seen here.
    let recorded: i64 = tx.query_row(
        "SELECT COUNT(*) FROM notices
         WHERE certificate_id = ?1 AND channel = ?2 AND days_before <= ?3",
        params![job.due.certificate_id, channel, job.due.days_before],
        |r| r.get(0),
    )?;
    if recorded > 0 {
        // Rolled back with the lease: sent already.
        return Ok(false);
    }
    tx.commit()?;
    Ok(true)
}

/// Drop run `holder`'s lease on `job`: after a failed send (due again), or
/// in the transaction that records the notice sent.
fn release(conn: &crate::db::Conn, job: &Job, holder: &str) -> crate::db::Result<()> {
    conn.execute(
        "DELETE FROM notice_leases
         WHERE certificate_id = ?1 AND channel = ?2 AND days_before = ?3 AND holder = ?4",
        params![
            job.due.certificate_id,
            job.due.channel.as_str(),
            job.due.days_before,
            holder
        ],
    )?;
    Ok(())
}

/// Record a sent notice, the offsets it made redundant and an audit row,
/// and drop run `holder`'s lease on it, in one transaction. A notice
/// recorded already (a run that took over an expired lease while this one
/// was still sending) is left as it is.
fn record(db: &Db, job: &Job, holder: &str, now: i64, to: &str) -> crate::db::Result<()> {
    let mut conn = db.conn();
    let tx = conn.transaction()?;
    {
        let insert = |params: Vec<db::Value>| {
            tx.execute(
                "INSERT INTO notices (certificate_id, channel, days_before, sent_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (certificate_id, channel, days_before) DO NOTHING",
                params,
            )
        };
        let channel = job.due.channel.as_str();
        insert(params![
            job.due.certificate_id,
            channel,
            job.due.days_before,
            now
        ])?;
        for skipped in &job.due.skipped {
            insert(params![job.due.certificate_id, channel, skipped, now])?;
        }
    }
    let mut detail = format!(
        "{} {} days before to {to}",
        job.due.channel, job.due.days_before
    );
    if !job.due.skipped.is_empty() {
        let list: Vec<String> = job.due.skipped.iter().map(u32::to_string).collect();
        detail.push_str(&format!("; skipped {}", list.join(", ")));
    }
    db::audit(
        &tx,
        now,
        "scheduler",
        "notice.sent",
        &job.serial,
        Some(&detail),
    )?;
    release(&tx, job, holder)?;
    tx.commit()
}
