//! Fixed-window rate limits, in the database so that every API node on it
//! counts together (docs/operations.md, sections 3 and 6): challenges and
//! logins per client address, logins, code entries, submissions and code
//! resends per IIN.
//!
//! A window is a row (bucket, subject, window start) whose `hits` an upsert
//! bumps and returns in one statement, so two nodes counting at once never
//! lose a hit. Windows start at multiples of their length (a client may
//! squeeze up to twice the limit around a window's edge, the usual price of
//! fixed windows for one row per subject). Ended windows are pruned now and
//! then by whichever node counts; a refused request counts too, which costs
//! nothing and keeps the statement one upsert.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::params;

use super::Problem;
use crate::config::Limits;
use crate::db::Db;

/// What is limited, and by what subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Login challenges, per client address.
    Challenge,
    /// Login attempts, per client address (sized for a carrier's NAT).
    Login,
    /// Logins of one citizen, per IIN: counted once the login is signed by
    /// the citizen's key over a fresh challenge (auth.rs says why).
    LoginIin,
    /// Code entries, per IIN.
    Code,
    /// Applications, per IIN.
    Submit,
    /// Asking for the one-time code again (`resend-code`), per IIN.
    CodeResend,
}

impl Bucket {
    /// The name in `rate_windows.bucket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Challenge => "challenge",
            Bucket::Login => "login",
            Bucket::LoginIin => "login-iin",
            Bucket::Code => "code",
            Bucket::Submit => "submit",
            Bucket::CodeResend => "code-resend",
        }
    }
}

/// The longest window: rows older than this are of no use.
const LONGEST_WINDOW: i64 = 3600;
/// How often (seconds) one node prunes ended windows.
const PRUNE_EVERY: i64 = 60;

pub struct RateLimiter {
    db: Db,
    limits: Limits,
    /// When this node last pruned: only to spread the work, not state that
    /// matters (another node, or a restart, prunes as well).
    last_pruned: AtomicI64,
}

impl RateLimiter {
    pub fn new(limits: &Limits, db: Db) -> Self {
        Self {
            db,
            limits: limits.clone(),
            last_pruned: AtomicI64::new(0),
        }
    }

    /// The limit and window (seconds) of `bucket`.
    fn limit(&self, bucket: Bucket) -> (u32, i64) {
        let l = &self.limits;
        match bucket {
            Bucket::Challenge => (l.challenges_per_minute, 60),
            Bucket::Login => (l.logins_per_minute, 60),
            Bucket::LoginIin => (l.logins_per_iin_per_minute, 60),
            Bucket::Code => (l.codes_per_minute, 60),
            Bucket::Submit => (l.submissions_per_hour, 3600),
            Bucket::CodeResend => (l.code_resends_per_hour, 3600),
        }
    }

    /// Count one request of `bucket` by `who` at `now` (Unix seconds):
    /// `Ok(None)` within the limit, `Ok(Some(seconds))` over it, with the
    /// time until the window ends.
    pub fn count(&self, bucket: Bucket, who: &str, now: i64) -> crate::db::Result<Option<u64>> {
        let (max, window) = self.limit(bucket);
        let start = now - now.rem_euclid(window);
        let conn = self.db.conn();
        let last = self.last_pruned.load(Ordering::Relaxed);
        if now - last >= PRUNE_EVERY
            && self
                .last_pruned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            conn.execute(
                "DELETE FROM rate_windows WHERE window_start < ?1",
                [now - LONGEST_WINDOW],
            )?;
        }
        let hits: i64 = conn.query_row(
            "INSERT INTO rate_windows (bucket, subject, window_start, hits) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (bucket, subject, window_start)
                 DO UPDATE SET hits = rate_windows.hits + 1
             RETURNING hits",
            params![bucket.as_str(), who, start],
            |r| r.get(0),
        )?;
        if hits > i64::from(max) {
            Ok(Some(
                u64::try_from(start + window - now).unwrap_or(1).max(1),
            ))
        } else {
            Ok(None)
        }
    }

    /// [`RateLimiter::count`] now, as the handlers want it: a 429
    /// problem with Retry-After over the limit.
    pub fn check(&self, bucket: Bucket, who: &str, now: i64) -> Result<(), Problem> {
        match self.count(bucket, who, now)? {
            None => Ok(()),
            Some(wait) => {
                crate::metrics::rate_limited(bucket.as_str());
                tracing::info!(
                    bucket = bucket.as_str(),
                    retry_after = wait,
                    "request refused by a rate limit"
                );
                Err(Problem::too_many(wait))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_subject_and_bucket_shared_by_every_handle_on_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ra.db");
        let limits = Limits {
            logins_per_minute: 2,
            ..Limits::default()
        };
        // Two nodes: two connections to one database.
        let a = RateLimiter::new(&limits, Db::open(&path).unwrap());
        let b = RateLimiter::new(&limits, Db::open(&path).unwrap());
        let now = 60 * 16_666_667 + 30;
        assert_eq!(a.count(Bucket::Login, "10.0.0.1", now).unwrap(), None);
        assert_eq!(b.count(Bucket::Login, "10.0.0.1", now).unwrap(), None);
        // The window started at a multiple of 60: 30 s left.
        assert_eq!(
            a.count(Bucket::Login, "10.0.0.1", now).unwrap(),
            Some(30),
            "the third of the minute over both nodes"
        );
        assert_eq!(b.count(Bucket::Login, "10.0.0.2", now).unwrap(), None);
        assert_eq!(b.count(Bucket::Code, "10.0.0.1", now).unwrap(), None);
        // The next window counts afresh, and the ended ones are pruned.
        let later = now + LONGEST_WINDOW + 60;
        assert_eq!(a.count(Bucket::Login, "10.0.0.1", later).unwrap(), None);
        let rows: i64 =
            a.db.conn()
                .query_row("SELECT COUNT(*) FROM rate_windows", params![], |r| r.get(0))
                .unwrap();
        assert_eq!(rows, 1, "only the current window is left");
    }
}
