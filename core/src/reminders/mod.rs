//! Expiry reminders on the device, and the RA's push payload.
//!
//! # Why the device keeps its own schedule
//! Push is best effort: a phone that is off for a week, an FCM token that
//! went stale, notifications declined at first start, an RA that is down on
//! the day. A citizen whose EDS lapses must go to a service centre in person,
//! so the apps do not rely on push alone: whenever the set of known
//! certificates changes they hand the whole [`schedule`] to the OS scheduler
//! (Android's AlarmManager/WorkManager, iOS's `UNCalendarNotificationTrigger`),
//! and on start they show what is [`due`]. The RA's push ([`push`]) is a second
//! path to the same [`Reminder`] with the same [`Reminder::id`], so an app
//! replaces rather than duplicates a notice that arrives both ways.
//!
//! # The offsets
//! [`DEFAULT_OFFSETS`] are the RA's push offsets (30, 14, 10, 7, 3 and 1 days
//! before the end, docs/protocol.md), plus one reminder at the end itself
//! ([`ReminderKind::Expired`]). A reminder "N days left" fires exactly N × 24 h
//! before `not_after`, when the certificate has exactly N days left.
//!
//! # Purity
//! Nothing here reads a clock, a file, the network or a global: the caller
//! passes `now` and the certificates, so the same inputs give the same
//! reminders on every platform and in every test.

mod link;
mod push;
mod text;

use std::collections::HashSet;

use serde::Serialize;
use serde::ser::SerializeStruct;
use time::{Duration, OffsetDateTime};

use qoltanba_pki::cert::{KzCertificate, Purpose, normalise_serial};

pub use link::{DeepLink, DeepLinkError};
pub use push::{parse_push, reminder_of};

/// Days before the end at which a reminder fires, besides the one at the end.
pub const DEFAULT_OFFSETS: [u32; 6] = [30, 14, 10, 7, 3, 1];

/// A certificate the device knows, as the reminders need it. The store's
/// rows and parsed [`KzCertificate`]s both become this, so the schedule does
/// not depend on where the certificate came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedCertificate {
    /// The serial number in hex (either case; reminders carry it upper-case).
    pub serial: String,
    pub purpose: Purpose,
    pub not_after: OffsetDateTime,
    /// Replaced by a renewal: its successor carries the reminders.
    pub replaced: bool,
    /// Revoked: renewing it is impossible, reminding would mislead.
    pub revoked: bool,
}

impl TrackedCertificate {
    /// A certificate that is neither replaced nor revoked.
    pub fn new(serial: impl Into<String>, purpose: Purpose, not_after: OffsetDateTime) -> Self {
        Self {
            serial: serial.into(),
            purpose,
            not_after,
            replaced: false,
            revoked: false,
        }
    }
}

impl From<&KzCertificate> for TrackedCertificate {
    fn from(cert: &KzCertificate) -> Self {
        Self::new(cert.serial_hex(), cert.purpose(), cert.not_after())
    }
}

/// What a reminder says: so many days left, or the end has come.
///
/// Serialised as `{"days_left": 7}` or `"expired"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    DaysLeft(u32),
    Expired,
}

/// One reminder for one certificate at one moment: what the app hands to
/// the OS scheduler, or shows when a push arrives.
///
/// Serialises (for the apps and `--json`) with its [`Reminder::id`] and
/// [`Reminder::deep_link`] as extra fields `id` and `deep_link`, times in
/// RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Upper-case hex.
    pub serial: String,
    pub purpose: Purpose,
    pub not_after: OffsetDateTime,
    /// When to show it: `not_after` minus the days left, or `not_after`.
    pub fire_at: OffsetDateTime,
    pub kind: ReminderKind,
    /// Short, Kazakh and Russian (`kk / ru`), for the notification's title.
    pub title: String,
    /// Kazakh and Russian: which certificate, when it ends (Astana time).
    pub body: String,
}

impl Reminder {
    /// The reminder of `kind` for a certificate; `None` when its moment is
    /// outside the representable time range. `serial` must be normalised.
    fn new(
        serial: String,
        purpose: Purpose,
        not_after: OffsetDateTime,
        kind: ReminderKind,
    ) -> Option<Self> {
        let fire_at = match kind {
            ReminderKind::DaysLeft(days) => {
                not_after.checked_sub(Duration::DAY.checked_mul(i32::try_from(days).ok()?)?)?
            }
            ReminderKind::Expired => not_after,
        };
        Some(Self::at(serial, purpose, not_after, kind, fire_at))
    }

    /// The reminder with its words, firing at `fire_at`.
    fn at(
        serial: String,
        purpose: Purpose,
        not_after: OffsetDateTime,
        kind: ReminderKind,
        fire_at: OffsetDateTime,
    ) -> Self {
        let title = text::bilingual(&text::title(kind));
        let body = text::bilingual(&text::body(&serial, purpose, not_after, kind));
        Self {
            serial,
            purpose,
            not_after,
            fire_at,
            kind,
            title,
            body,
        }
    }

    /// The title as a text, for an app that shows it in the citizen's
    /// language rather than the Kazakh and Russian of [`Reminder::title`].
    pub fn title_text(&self) -> qoltanba_l10n::Text {
        text::title(self.kind)
    }

    /// The body as a text (see [`Reminder::title_text`]).
    pub fn body_text(&self) -> qoltanba_l10n::Text {
        text::body(&self.serial, self.purpose, self.not_after, self.kind)
    }

    /// `qoltanba://renew?serial=HEX`: what tapping the notification opens.
    pub fn deep_link(&self) -> String {
        DeepLink::Renew {
            serial: self.serial.clone(),
        }
        .to_string()
    }

    /// A stable identifier for the OS scheduler, e.g.
    /// `qoltanba-expiry-4A1B-7` or `qoltanba-expiry-4A1B-expired`: the same
    /// reminder computed locally and received by push has the same id, so
    /// scheduling it again replaces it instead of adding a second one.
    pub fn id(&self) -> String {
        match self.kind {
            ReminderKind::DaysLeft(days) => format!("qoltanba-expiry-{}-{days}", self.serial),
            ReminderKind::Expired => format!("qoltanba-expiry-{}-expired", self.serial),
        }
    }
}

impl Serialize for Reminder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use time::format_description::well_known::Rfc3339;
        let rfc3339 = |t: OffsetDateTime| t.format(&Rfc3339).map_err(serde::ser::Error::custom);
        let mut st = s.serialize_struct("Reminder", 9)?;
        st.serialize_field("id", &self.id())?;
        st.serialize_field("serial", &self.serial)?;
        st.serialize_field("purpose", &self.purpose)?;
        st.serialize_field("not_after", &rfc3339(self.not_after)?)?;
        st.serialize_field("fire_at", &rfc3339(self.fire_at)?)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("title", &self.title)?;
        st.serialize_field("body", &self.body)?;
        st.serialize_field("deep_link", &self.deep_link())?;
        st.end()
    }
}

/// The certificates that get reminders, each once: not replaced, not
/// revoked (a serial listed several times is skipped if any entry says so),
/// an end-entity purpose (CA certificates are not the citizen's to renew),
/// and a serial a deep link can carry.
fn remindable<'a>(
    certs: impl IntoIterator<Item = &'a TrackedCertificate>,
) -> Vec<(String, Purpose, OffsetDateTime)> {
    let certs: Vec<&TrackedCertificate> = certs.into_iter().collect();
    let ended: HashSet<String> = certs
        .iter()
        .filter(|c| c.replaced || c.revoked)
        .map(|c| c.serial.to_ascii_uppercase())
        .collect();
    let mut seen = HashSet::new();
    certs
        .into_iter()
        .filter(|c| c.purpose != Purpose::Neither)
        .filter_map(|c| {
            let serial = normalise_serial(&c.serial).ok()?;
            (!ended.contains(&serial) && seen.insert(serial.clone())).then_some((
                serial,
                c.purpose,
                c.not_after,
            ))
        })
        .collect()
}

/// The offsets that make a "days left" reminder, ascending: 0 is dropped
/// (the end has its own reminder) and duplicates once.
fn day_offsets(offsets: &[u32]) -> Vec<u32> {
    let mut days: Vec<u32> = offsets.iter().copied().filter(|&d| d > 0).collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// Every reminder still to come (`fire_at > now`) for the certificates, at
/// `offsets` days before each end (usually [`DEFAULT_OFFSETS`]) plus one at
/// the end, sorted by `fire_at` (then serial). Replaced and revoked
/// certificates get none. The apps replace their whole scheduled set with
/// this whenever a certificate is added, renewed or revoked.
pub fn schedule<'a>(
    certs: impl IntoIterator<Item = &'a TrackedCertificate>,
    now: OffsetDateTime,
    offsets: &[u32],
) -> Vec<Reminder> {
    let days = day_offsets(offsets);
    let mut out = Vec::new();
    for (serial, purpose, not_after) in remindable(certs) {
        let kinds = days
            .iter()
            .map(|&d| ReminderKind::DaysLeft(d))
            .chain([ReminderKind::Expired]);
        for kind in kinds {
            if let Some(r) = Reminder::new(serial.clone(), purpose, not_after, kind)
                && r.fire_at > now
            {
                out.push(r);
            }
        }
    }
    out.sort_by(|a, b| (a.fire_at, &a.serial, a.kind).cmp(&(b.fire_at, &b.serial, b.kind)));
    out
}

/// What to show right now: for each certificate that has not ended yet
/// (`now < not_after`) and whose first reminder's moment has passed, the
/// most urgent reminder that has (the smallest offset with `fire_at <= now`).
/// Ordered by end, soonest first.
///
/// Ended certificates are left out on purpose: an expired key can no longer
/// sign the reissue application, so "tap to renew" would lead nowhere; the
/// scheduled [`ReminderKind::Expired`] notice is the last word the app says.
pub fn due<'a>(
    certs: impl IntoIterator<Item = &'a TrackedCertificate>,
    now: OffsetDateTime,
    offsets: &[u32],
) -> Vec<Reminder> {
    let days = day_offsets(offsets);
    let mut out: Vec<Reminder> = remindable(certs)
        .into_iter()
        .filter(|(_, _, not_after)| now < *not_after)
        .filter_map(|(serial, purpose, not_after)| {
            days.iter().find_map(|&d| {
                Reminder::new(
                    serial.clone(),
                    purpose,
                    not_after,
                    ReminderKind::DaysLeft(d),
                )
                .filter(|r| r.fire_at <= now)
            })
        })
        .collect();
    out.sort_by(|a, b| (a.not_after, &a.serial).cmp(&(b.not_after, &b.serial)));
    out
}

#[cfg(test)]
mod tests;
