//! Fixed-window rate limits, in memory: challenges and logins per client
//! address, code entries, submissions and code resends per IIN. A reference server on one machine
//! needs no shared store; a restart forgets the windows, which errs on the
//! side of the citizen.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Limits;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Challenge,
    Login,
    Code,
    Submit,
    /// Asking for the one-time code again (`resend-code`).
    CodeResend,
}

impl Bucket {
    /// Its name in the metrics (`qoltanba_ra_rate_limited_total`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Challenge => "challenge",
            Self::Login => "login",
            Self::Code => "code",
            Self::Submit => "submit",
            Self::CodeResend => "code_resend",
        }
    }
}

pub struct RateLimiter {
    limits: HashMap<Bucket, (u32, Duration)>,
    windows: Mutex<HashMap<(Bucket, String), (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(limits: &Limits) -> Self {
        Self {
            limits: HashMap::from([
                (
                    Bucket::Challenge,
                    (limits.challenges_per_minute, Duration::from_secs(60)),
                ),
                (
                    Bucket::Login,
                    (limits.logins_per_minute, Duration::from_secs(60)),
                ),
                (
                    Bucket::Code,
                    (limits.codes_per_minute, Duration::from_secs(60)),
                ),
                (
                    Bucket::Submit,
                    (limits.submissions_per_hour, Duration::from_secs(3600)),
                ),
                (
                    Bucket::CodeResend,
                    (limits.code_resends_per_hour, Duration::from_secs(3600)),
                ),
            ]),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Count one request of `bucket` by `who`; `Err(seconds)` when over the
    /// limit, with the time until the window ends.
    pub fn check(&self, bucket: Bucket, who: &str) -> Result<(), u64> {
        let (max, window) = self.limits[&bucket];
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|(b, _), (start, _)| now.duration_since(*start) < self.limits[b].1);
        }
        let entry = windows.entry((bucket, who.to_string())).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= max {
            crate::metrics::rate_limited(bucket.name());
            let left = window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_bucket() {
        let limiter = RateLimiter::new(&Limits {
            logins_per_minute: 2,
            ..Limits::default()
        });
        assert!(limiter.check(Bucket::Login, "a").is_ok());
        assert!(limiter.check(Bucket::Login, "a").is_ok());
        let wait = limiter.check(Bucket::Login, "a").unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(Bucket::Login, "b").is_ok());
        assert!(limiter.check(Bucket::Code, "a").is_ok());
    }
}
