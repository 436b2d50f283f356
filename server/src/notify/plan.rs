//! Which notices are due: a pure decision per (certificate, channel), and the
//! database read that feeds it.
//!
//! A notice for offset `D` days is due when `now >= not_after - D days` and
//! `now < not_after`. When several offsets of one channel are due at once
//! (the server was down, or a certificate was issued with less than 30 days
//! left), only the most urgent one (the smallest `D` whose moment has passed)
//! is sent; the larger ones are recorded as done without sending, so nobody
//! receives three e-mails in the same minute about the same certificate.
//! Offsets recorded earlier are never sent again, which is what makes the
//! schedule survive restarts: the `notices` table is the only state.

use std::collections::HashMap;

use crate::db::{Conn, params};
use serde::Serialize;

use super::NotifyError;
use crate::config;
use crate::db::Db;

/// Seconds in a day; offsets are whole days before `not_after`.
pub const DAY: i64 = 86_400;

/// At most this many offsets per channel: their "done" state is a bit mask.
pub const MAX_OFFSETS: usize = 64;

/// Certificates read per lock of the database, so that a million valid
/// certificates never hold the connection for more than a few milliseconds
/// at a time and the API keeps answering while the scheduler plans.
const CHUNK: i64 = 20_000;

/// A way of reaching a citizen, named as in the `notices` and `outbox` tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
    Push,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Push];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        match text {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            "push" => Some(Channel::Push),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The configured offsets, validated: per channel largest first, without
/// duplicates, without 0 (a notice "0 days before" could never be due,
/// because a certificate gets notices only while `now < not_after`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    offsets: [Vec<u32>; 3],
}

impl Schedule {
    pub fn from_config(notices: &config::Notices) -> Result<Self, NotifyError> {
        let mut offsets: [Vec<u32>; 3] = Default::default();
        for (channel, days) in [
            (Channel::Email, &notices.email_days),
            (Channel::Sms, &notices.sms_days),
            (Channel::Push, &notices.push_days),
        ] {
            let mut list: Vec<u32> = days.iter().copied().filter(|&d| d > 0).collect();
            list.sort_unstable_by(|a, b| b.cmp(a));
            list.dedup();
            if list.len() > MAX_OFFSETS {
                return Err(NotifyError::TooManyOffsets {
                    channel: channel.as_str(),
                    count: list.len(),
                });
            }
            offsets[channel.index()] = list;
        }
        Ok(Self { offsets })
    }

    /// The channel's offsets in days, largest first.
    pub fn offsets(&self, channel: Channel) -> &[u32] {
        &self.offsets[channel.index()]
    }

    /// The largest offset of any channel: certificates ending later than
    /// `now` plus this need no look.
    pub fn horizon_days(&self) -> u32 {
        self.offsets
            .iter()
            .filter_map(|list| list.first().copied())
            .max()
            .unwrap_or(0)
    }

    /// Bit `i` of the mask stands for `offsets(channel)[i]`; `None` for an
    /// offset no longer configured (an old `notices` row, harmless).
    fn bit(&self, channel: Channel, days: u32) -> Option<u64> {
        self.offsets(channel)
            .iter()
            .position(|&d| d == days)
            .map(|i| 1u64 << i)
    }
}

/// What one channel owes one certificate right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Index into the channel's offsets of the notice to send.
    pub send: usize,
    /// Larger offsets that are due, not yet recorded, and to be recorded as
    /// done without sending (bit `i` = offset `i`).
    pub skip: u64,
}

/// The pure rule. `offsets` largest first (as [`Schedule::offsets`]), `done`
/// the bit mask of offsets already recorded for this certificate and channel.
pub fn decide(offsets: &[u32], not_after: i64, now: i64, done: u64) -> Option<Decision> {
    if now >= not_after {
        return None;
    }
    // Offsets are sorted largest first, so the due ones are a prefix: an
    // offset is due once fewer than `d` days are left.
    let due = offsets
        .iter()
        .take_while(|&&d| now >= not_after.saturating_sub(i64::from(d) * DAY))
        .count();
    if due == 0 {
        return None;
    }
    let send = due - 1;
    if done & (1u64 << send) != 0 {
        // The most urgent due notice went out already; any unrecorded larger
        // one is stale (e.g. an offset added to the configuration later).
        return None;
    }
    let prefix = (1u64 << send) - 1;
    Some(Decision {
        send,
        skip: prefix & !done,
    })
}

/// A notice the scheduler should send now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueNotice {
    pub certificate_id: i64,
    pub not_after: i64,
    pub channel: Channel,
    pub days_before: u32,
    /// Larger offsets recorded as done without sending once this one is sent.
    pub skipped: Vec<u32>,
}

/// The result of one planning pass.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Valid certificates ending within the largest offset.
    pub considered: usize,
    pub due: Vec<DueNotice>,
}

/// Read the valid certificates near their end and decide, per channel,
/// what is due at `now` (Unix seconds). E-mail and SMS are planned only for
/// citizens with an address or a number, push only for citizens with a
/// registered device (resolved to the devices when sending). Planning push
/// for everyone made every device-less holder near an end a due notice
/// again each night: at national scale over a million lookups a night that
/// ended as `unreachable` (docs/operations.md section 7).
pub fn plan(db: &Db, schedule: &Schedule, now: i64) -> Result<Plan, NotifyError> {
    let horizon = now.saturating_add(i64::from(schedule.horizon_days()) * DAY);
    let mut result = Plan::default();
    if schedule.horizon_days() == 0 {
        return Ok(result);
    }
    // Keyset pagination over (not_after, id), which the not_after index
    // (implicitly ending in the rowid) serves in order.
    let mut after: (i64, i64) = (now, i64::MAX);
    loop {
        let conn = db.conn();
        let chunk = read_chunk(&conn, now, horizon, after).map_err(NotifyError::db("planning"))?;
        let Some(last) = chunk.last() else { break };
        let last_key = (last.not_after, last.id);
        let done =
            read_done(&conn, schedule, after, last_key).map_err(NotifyError::db("planning"))?;
        drop(conn);
        result.considered += chunk.len();
        for candidate in &chunk {
            let masks = done.get(&candidate.id).copied().unwrap_or_default();
            for channel in Channel::ALL {
                let reachable = match channel {
                    Channel::Email => candidate.has_email,
                    Channel::Sms => candidate.has_phone,
                    Channel::Push => candidate.has_device,
                };
                if !reachable {
                    continue;
                }
                let offsets = schedule.offsets(channel);
                if let Some(decision) =
                    decide(offsets, candidate.not_after, now, masks[channel.index()])
                {
                    result.due.push(DueNotice {
                        certificate_id: candidate.id,
                        not_after: candidate.not_after,
                        channel,
                        days_before: offsets[decision.send],
                        skipped: offsets
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| decision.skip & (1u64 << i) != 0)
                            .map(|(_, &d)| d)
                            .collect(),
                    });
                }
            }
        }
        if (chunk.len() as i64) < CHUNK {
            break;
        }
        after = last_key;
    }
    Ok(result)
}

struct Candidate {
    id: i64,
    not_after: i64,
    has_email: bool,
    has_phone: bool,
    has_device: bool,
}

fn read_chunk(
    conn: &Conn,
    now: i64,
    horizon: i64,
    after: (i64, i64),
) -> crate::db::Result<Vec<Candidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.not_after, z.email IS NOT NULL, z.phone IS NOT NULL,
             EXISTS (SELECT 1 FROM devices d WHERE d.iin = c.iin)
         FROM certificates c LEFT JOIN citizens z ON z.iin = c.iin
         WHERE c.not_after > ?1 AND c.not_after <= ?2
           AND c.not_after >= ?3 AND (c.not_after, c.id) > (?3, ?4)
           AND c.revoked_at IS NULL AND c.replaced_at IS NULL
         ORDER BY c.not_after, c.id
         LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![now, horizon, after.0, after.1, CHUNK], |r| {
        Ok(Candidate {
            id: r.get(0)?,
            not_after: r.get(1)?,
            has_email: r.get(2)?,
            has_phone: r.get(3)?,
            has_device: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// The recorded notices of the certificates with keys in `(from, to]`, as
/// one bit mask per channel.
fn read_done(
    conn: &Conn,
    schedule: &Schedule,
    from: (i64, i64),
    to: (i64, i64),
) -> crate::db::Result<HashMap<i64, [u64; 3]>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.certificate_id, n.channel, n.days_before
         FROM certificates c JOIN notices n ON n.certificate_id = c.id
         WHERE c.not_after >= ?1 AND c.not_after <= ?3
           AND (c.not_after, c.id) > (?1, ?2) AND (c.not_after, c.id) <= (?3, ?4)",
    )?;
    let mut done: HashMap<i64, [u64; 3]> = HashMap::new();
    let mut rows = stmt.query(params![from.0, from.1, to.0, to.1])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let channel: String = row.get(1)?;
        let days: i64 = row.get(2)?;
        let (Some(channel), Ok(days)) = (Channel::parse(&channel), u32::try_from(days)) else {
            continue;
        };
        if let Some(bit) = schedule.bit(channel, days) {
            done.entry(id).or_default()[channel.index()] |= bit;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFSETS: [u32; 3] = [30, 14, 7];

    fn at(days_left: f64) -> (i64, i64) {
        let not_after = 1_000_000_000;
        (not_after, not_after - (days_left * DAY as f64) as i64)
    }

    #[test]
    fn nothing_before_the_first_offset_or_after_the_end() {
        let (end, now) = at(30.5);
        assert_eq!(decide(&OFFSETS, end, now, 0), None);
        assert_eq!(decide(&OFFSETS, end, end, 0), None);
        assert_eq!(decide(&OFFSETS, end, end + 1, 0), None);
        assert_eq!(decide(&[], end, end - 1, 0), None);
    }

    #[test]
    fn each_offset_at_its_moment() {
        let (end, now) = at(30.0);
        assert_eq!(
            decide(&OFFSETS, end, now, 0),
            Some(Decision { send: 0, skip: 0 })
        );
        assert_eq!(decide(&OFFSETS, end, now, 0b1), None);
        let (end, now) = at(14.0);
        assert_eq!(
            decide(&OFFSETS, end, now, 0b1),
            Some(Decision { send: 1, skip: 0 })
        );
    }

    #[test]
    fn catch_up_sends_only_the_most_urgent() {
        let (end, now) = at(6.0);
        assert_eq!(
            decide(&OFFSETS, end, now, 0),
            Some(Decision {
                send: 2,
                skip: 0b11
            })
        );
        assert_eq!(
            decide(&OFFSETS, end, now, 0b01),
            Some(Decision {
                send: 2,
                skip: 0b10
            })
        );
        assert_eq!(decide(&OFFSETS, end, now, 0b100), None);
    }

    #[test]
    fn schedule_sorts_dedups_and_bounds() {
        let notices = config::Notices {
            email_days: vec![7, 30, 14, 30, 0],
            ..config::Notices::default()
        };
        let schedule = Schedule::from_config(&notices).unwrap();
        assert_eq!(schedule.offsets(Channel::Email), &[30, 14, 7]);
        assert_eq!(schedule.horizon_days(), 30);
        let notices = config::Notices {
            push_days: (1..=65).collect(),
            ..config::Notices::default()
        };
        assert!(matches!(
            Schedule::from_config(&notices),
            Err(NotifyError::TooManyOffsets { count: 65, .. })
        ));
    }
}
