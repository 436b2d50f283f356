//! The texts of expiry notices, from the message catalogs (`notice-…` in
//! qoltanba-l10n, shared with the device's own reminders): e-mail and SMS in
//! Kazakh and Russian, push in the device's language when it is one of kk,
//! ru, en (else both). Each says which certificate (its serial and
//! purpose), when it ends (Astana time, UTC+5, the single time zone of
//! Kazakhstan since March 2024), and carries the link that opens its
//! renewal (`notices.renew_link`).

use qoltanba_l10n::{Locale, Localize, Text, render};
use qoltanba_pki::cert::Purpose;
use time::{OffsetDateTime, UtcOffset, macros::format_description};

use super::plan::DAY;

/// What a notice says about one certificate.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub serial: &'a str,
    /// `auth`, `sign` or `both`, as in the certificates table.
    pub purpose: &'a str,
    pub not_after: i64,
    pub now: i64,
    /// The citizen's given name and patronymic, for a salutation.
    pub name: Option<&'a str>,
    /// Opens the renewal of this certificate (`notices.renew_link`, filled in).
    pub link: &'a str,
}

impl Facts<'_> {
    /// "01.07.2025 17:00" in Astana time.
    fn end(&self) -> String {
        let astana = UtcOffset::from_hms(5, 0, 0).unwrap_or(UtcOffset::UTC);
        OffsetDateTime::from_unix_timestamp(self.not_after)
            .ok()
            .map(|t| t.to_offset(astana))
            .and_then(|t| {
                t.format(format_description!("[day].[month].[year] [hour]:[minute]"))
                    .ok()
            })
            .unwrap_or_else(|| self.not_after.to_string())
    }

    /// Whole days left, rounded up: a certificate ending in 6.5 days has 7.
    /// The push payload's `days_left` is this number, so text and data agree.
    pub fn days_left(&self) -> i64 {
        let left = self.not_after.saturating_sub(self.now).max(0);
        (left + DAY - 1) / DAY
    }

    /// The purpose in words; anything but auth/sign/both is just "EDS".
    fn purpose(&self) -> Text {
        Purpose::from_token(self.purpose)
            .unwrap_or(Purpose::Neither)
            .text()
    }
}

/// Kazakh, then Russian.
fn kk_ru(text: &Text, between: &str) -> String {
    format!(
        "{}{between}{}",
        render(Locale::Kk, text),
        render(Locale::Ru, text)
    )
}

/// Subject and body of the e-mail: Kazakh, then Russian, each with the link.
pub fn email(f: &Facts<'_>) -> (String, String) {
    let subject = kk_ru(
        &Text::new("notice-email-subject").arg("end", f.end()),
        " / ",
    );
    let greeting = match f.name {
        Some(name) => Text::new("notice-email-greeting").arg("name", name),
        None => Text::new("notice-email-greeting-anonymous"),
    };
    let text = Text::new("notice-email-body")
        .arg("purpose", f.purpose())
        .arg("serial", f.serial)
        .arg("end", f.end())
        .arg("days", f.days_left())
        .arg("link", f.link);
    let mut body = String::new();
    for locale in [Locale::Kk, Locale::Ru] {
        body.push_str(&render(locale, &greeting));
        body.push_str("\n\n");
        body.push_str(&render(locale, &text));
        body.push_str("\n\n");
    }
    body.push_str("-- \nqoltanba\n");
    (subject, body)
}

/// The SMS text: both languages, as short as the facts allow, the link once.
pub fn sms(f: &Facts<'_>) -> String {
    let text = Text::new("notice-sms")
        .arg("serial", f.serial)
        .arg("end", f.end());
    format!("qoltanba: {}: {}", kk_ru(&text, ". "), f.link)
}

/// Title and body of a push notification in the device's locale (Kazakh
/// and Russian when it is none of kk, ru, en). The tap opens the renewal
/// through the payload's data (docs/protocol.md, "Push payload").
pub fn push(f: &Facts<'_>, locale: &str) -> (String, String) {
    let (title, body) = match f.days_left() {
        0 => (Text::new("notice-expired-title"), "notice-expired-body"),
        days => (
            Text::new("notice-expiring-title").arg("days", days),
            "notice-expiring-body",
        ),
    };
    let body = Text::new(body)
        .arg("purpose", f.purpose())
        .arg("serial", f.serial)
        .arg("end", f.end());
    match Locale::from_tag(locale) {
        Some(locale) => (render(locale, &title), render(locale, &body)),
        None => (kk_ru(&title, " / "), kk_ru(&body, " / ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            serial: "4A1B",
            purpose: "sign",
            // 2025-07-01T12:00:00Z = 17:00 in Astana.
            not_after: 1_751_371_200,
            now: 1_751_371_200 - 7 * DAY + 100,
            name: Some("Айгүл"),
            link: "qoltanba://renew?serial=4A1B",
        }
    }

    #[test]
    fn texts_name_the_serial_the_end_and_the_link() {
        let facts = facts();
        let (subject, body) = email(&facts);
        assert_eq!(
            subject,
            "qoltanba: ЭЦҚ тіркеу куәлігінің мерзімі 01.07.2025 17:00 аяқталады / \
             qoltanba: срок регистрационного свидетельства ЭЦП истекает 01.07.2025 17:00"
        );
        assert!(body.starts_with("Құрметті Айгүл!\n\n"), "{body}");
        assert!(body.contains("\n\nУважаемый(ая) Айгүл!\n\n"), "{body}");
        assert!(body.contains("(қол қою, сериялық нөмірі 4A1B)") && body.contains("7 күн қалды"));
        assert!(
            body.contains("(подпись, серийный номер 4A1B)") && body.contains("осталось 7 дней")
        );
        // The link that opens the renewal of this certificate, in both languages.
        assert_eq!(
            body.matches("qoltanba://renew?serial=4A1B").count(),
            2,
            "{body}"
        );
        let sms = sms(&facts);
        assert!(
            sms.contains("4A1B") && sms.ends_with(": qoltanba://renew?serial=4A1B"),
            "{sms}"
        );
        assert!(
            sms.contains("аяқталады") && sms.contains("истекает"),
            "{sms}"
        );
        let anonymous = Facts {
            name: None,
            ..facts
        };
        assert!(email(&anonymous).1.contains("Уважаемый(ая) гражданин(ка)!"));
    }

    #[test]
    fn push_speaks_the_device_language_or_both() {
        let facts = facts();
        assert_eq!(
            push(&facts, "en_US"),
            (
                "Your EDS certificate expires in 7 days".to_owned(),
                "signing certificate 4A1B expires on 01.07.2025 17:00 (Astana time). Tap to renew."
                    .to_owned()
            )
        );
        assert_eq!(push(&facts, "ru").0, "Срок ЭЦП истекает: осталось 7 дней");
        assert_eq!(
            push(&facts, "kk-KZ").0,
            "ЭЦҚ мерзімі аяқталуда: 7 күн қалды"
        );
        for locale in ["", "ә", "de-DE"] {
            let (title, body) = push(&facts, locale);
            assert!(
                title.contains("7 күн") && title.contains("7 дней"),
                "{title}"
            );
            assert!(
                body.contains("аяқталады") && body.contains("истекает"),
                "{body}"
            );
        }
        let ended = Facts {
            now: facts.not_after,
            ..facts
        };
        assert_eq!(push(&ended, "en").0, "Your EDS certificate has expired");
    }
}
