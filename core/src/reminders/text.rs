//! The words of a reminder, Kazakh then Russian in one text, like the RA's
//! push for a device whose language it does not know: the OS shows the
//! notification before the app runs, so the text cannot wait for the UI's
//! language choice. Times are Astana time (UTC+5, the single time zone of
//! Kazakhstan since March 2024), as on the RA's notices.

use time::OffsetDateTime;
use time::macros::{format_description, offset};

use super::ReminderKind;
use qoltanba_pki::cert::Purpose;

/// The notification's title.
pub(super) fn title(kind: ReminderKind) -> String {
    match kind {
        ReminderKind::DaysLeft(days) => {
            format!("ЭЦҚ мерзімі аяқталуда: {days} күн / Срок ЭЦП истекает: {days} дн.")
        }
        ReminderKind::Expired => "ЭЦҚ мерзімі аяқталды / Срок ЭЦП истёк".to_owned(),
    }
}

/// The notification's body: which certificate, when it ends, what to do.
pub(super) fn body(
    serial: &str,
    purpose: Purpose,
    not_after: OffsetDateTime,
    kind: ReminderKind,
) -> String {
    let end = astana(not_after);
    match kind {
        ReminderKind::DaysLeft(_) => format!(
            "{purpose} {serial}: {end} аяқталады / истекает. \
             Жаңарту үшін түртіңіз / Нажмите, чтобы обновить."
        ),
        ReminderKind::Expired => format!(
            "{purpose} {serial}: {end} аяқталды / истёк. \
             Жаңа сертификат алыңыз / Получите новый сертификат."
        ),
    }
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
