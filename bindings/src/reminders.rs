//! Expiry reminders: the schedule the app hands to the OS, the RA's push
//! payloads, and the deep link a notification opens.

use std::time::SystemTime;

use qoltanba_core::reminders::{self as core_reminders, DeepLink, Reminder, ReminderKind};
use qoltanba_pki::cert::Purpose;

use crate::error::{QoltanbaError, guard};

/// One notification for one certificate at one moment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderInfo {
    /// Stable: schedule under this id, so the same reminder computed here
    /// and received by push replaces rather than duplicates.
    pub id: String,
    /// The certificate's serial (upper-case hex).
    pub serial: String,
    pub purpose: Purpose,
    pub not_after: SystemTime,
    /// When to show it.
    pub fire_at: SystemTime,
    /// Days left at `fire_at`; `None` for the notice at the end itself.
    pub days_left: Option<u32>,
    /// Kazakh and Russian.
    pub title: String,
    /// Kazakh and Russian: which certificate, when it ends (Astana time).
    pub body: String,
    /// `qoltanba://renew?serial=…`: what tapping the notification opens.
    pub deep_link: String,
}

impl From<&Reminder> for ReminderInfo {
    fn from(r: &Reminder) -> Self {
        Self {
            id: r.id(),
            serial: r.serial.clone(),
            purpose: r.purpose,
            not_after: r.not_after.into(),
            fire_at: r.fire_at.into(),
            days_left: match r.kind {
                ReminderKind::DaysLeft(d) => Some(d),
                ReminderKind::Expired => None,
            },
            title: r.title.clone(),
            body: r.body.clone(),
            deep_link: r.deep_link(),
        }
    }
}

/// What to show now and what to hand to the OS scheduler.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderPlan {
    /// Show these now (one per certificate, the most urgent), soonest end first.
    pub due: Vec<ReminderInfo>,
    /// Replace every scheduled notification with these (sorted by `fire_at`).
    pub scheduled: Vec<ReminderInfo>,
}

/// The reminder an RA push carries, given as the payload's JSON: Android's
/// `RemoteMessage.data` as a JSON object, or iOS's `userInfo` serialised.
/// Nothing is stored: show it (under its `id`) and re-plan.
#[uniffi::export]
pub fn reminder_from_push(payload: Vec<u8>) -> Result<ReminderInfo, QoltanbaError> {
    guard(|| {
        let reminder = core_reminders::parse_push(&payload).map_err(QoltanbaError::invalid)?;
        Ok((&reminder).into())
    })
}

/// The serial of the certificate a `qoltanba://renew?serial=…` link asks
/// to renew (what a tapped notification opens).
#[uniffi::export]
pub fn serial_from_deep_link(link: String) -> Result<String, QoltanbaError> {
    guard(|| {
        let link = DeepLink::parse(&link)?;
        Ok(link.serial().to_string())
    })
}
