//! The RA's expiry push on the device: the payload's type is the wire
//! protocol's ([`ExpiryPush`], in qoltanba-pki, which the server builds);
//! here it becomes the reminder the local schedule would hold.

use qoltanba_pki::protocol::push::{ExpiryPush, PushError};
use time::Duration;

use super::{Reminder, ReminderKind};

/// The reminder a notice amounts to, the same one the local schedule holds
/// for that moment: "N days left" firing N days before the end, or
/// "expired" when none are left.
pub fn reminder_of(push: &ExpiryPush) -> Reminder {
    let kind = match push.days_left() {
        0 => ReminderKind::Expired,
        n => ReminderKind::DaysLeft(n),
    };
    // `ExpiryPush::new` bounds days_left and keeps not_after within the
    // years 0..=9999, so saturation never happens; it only spares a
    // fallible path.
    let fire_at = push
        .not_after()
        .saturating_sub(Duration::days(i64::from(push.days_left())));
    Reminder::at(
        push.serial().to_owned(),
        push.purpose(),
        push.not_after(),
        kind,
        fire_at,
    )
}

/// Parse the RA's push payload (see [`ExpiryPush::parse`] for the shapes)
/// into the reminder to show. Pure: on error nothing has happened.
pub fn parse_push(payload: &[u8]) -> Result<Reminder, PushError> {
    ExpiryPush::parse(payload).map(|p| reminder_of(&p))
}
