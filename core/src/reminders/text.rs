//! The words of a reminder, from the message catalogs (`notice-…`, shared
//! with the RA's notices). [`Reminder::title`](super::Reminder) and `body`
//! hold Kazakh then Russian in one text, like the RA's push for a device
//! whose language it does not know: the OS shows the notification before
//! the app runs, so the text cannot wait for the UI's language choice. An
//! app that knows the citizen's language renders [`title`] and [`body`] in
//! it instead. Times are Astana time (UTC+5, the single time zone of
//! Kazakhstan since March 2024), as on the RA's notices.

use qoltanba_l10n::{Locale, Localize, Text, render};
use time::OffsetDateTime;
use time::macros::{format_description, offset};

use super::ReminderKind;
use qoltanba_pki::cert::Purpose;

/// The notification's title.
pub(super) fn title(kind: ReminderKind) -> Text {
    match kind {
        ReminderKind::DaysLeft(days) => Text::new("notice-expiring-title").arg("days", days),
        ReminderKind::Expired => Text::new("notice-expired-title"),
    }
}

/// The notification's body: which certificate, when it ends, what to do.
pub(super) fn body(
    serial: &str,
    purpose: Purpose,
    not_after: OffsetDateTime,
    kind: ReminderKind,
) -> Text {
    let id = match kind {
        ReminderKind::DaysLeft(_) => "notice-expiring-body",
        ReminderKind::Expired => "notice-expired-body",
    };
    Text::new(id)
        .arg("purpose", purpose.text())
        .arg("serial", serial)
        .arg("end", astana(not_after))
}

/// Kazakh, then Russian: "… / …".
pub(super) fn bilingual(text: &Text) -> String {
    format!(
        "{} / {}",
        render(Locale::Kk, text),
        render(Locale::Ru, text)
    )
}

/// "01.07.2025 17:00" in Astana time.
fn astana(t: OffsetDateTime) -> String {
    t.checked_to_offset(offset!(+5))
        .and_then(|t| {
            t.format(format_description!("[day].[month].[year] [hour]:[minute]"))
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}
