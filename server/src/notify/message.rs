//! The texts of expiry notices, in Kazakh and Russian (push in the device's
//! language when it is one of kk, ru, en). Each says which certificate (its
//! serial and purpose), when it ends (Astana time, UTC+5, the single time
//! zone of Kazakhstan since March 2024), and that the app renews it.

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

    fn purpose(&self) -> &'static str {
        match Purpose::from_token(self.purpose) {
            Some(purpose @ (Purpose::Auth | Purpose::Sign | Purpose::Both)) => purpose.name(),
            _ => "ЭЦҚ/ЭЦП",
        }
    }
}

/// Subject and body of the e-mail.
pub fn email(f: &Facts<'_>) -> (String, String) {
    let (end, days, serial, purpose) = (f.end(), f.days_left(), f.serial, f.purpose());
    let subject = format!(
        "qoltanba: ЭЦҚ сертификатының мерзімі {end} аяқталады / срок сертификата ЭЦП истекает {end}"
    );
    let (kk_hello, ru_hello) = match f.name {
        Some(name) => (
            format!("Құрметті {name}!"),
            format!("Уважаемый(ая) {name}!"),
        ),
        None => (
            "Құрметті азамат!".to_owned(),
            "Уважаемый(ая) гражданин(ка)!".to_owned(),
        ),
    };
    let body = format!(
        "{kk_hello}\n\n\
         Сіздің ЭЦҚ сертификатыңыздың ({purpose}, сериялық нөмірі {serial}) қолданылу мерзімі \
         {end} (Астана уақыты) аяқталады, {days} күн қалды. Сертификатты qoltanba қосымшасында \
         бірнеше қадаммен жаңартуға болады.\n\n\
         {ru_hello}\n\n\
         Срок действия вашего сертификата ЭЦП ({purpose}, серийный номер {serial}) истекает \
         {end} (время Астаны), осталось дней: {days}. Обновить сертификат можно в приложении \
         qoltanba за несколько шагов.\n\n\
         -- \nqoltanba\n"
    );
    (subject, body)
}

/// The SMS text: both languages, as short as the facts allow.
pub fn sms(f: &Facts<'_>) -> String {
    let (end, serial) = (f.end(), f.serial);
    format!(
        "qoltanba: ЭЦҚ сертификаты {serial} {end} аяқталады, қосымшада жаңартыңыз. \
         Сертификат ЭЦП {serial} истекает {end}, обновите в приложении."
    )
}

/// Title and body of a push notification in the device's locale.
pub fn push(f: &Facts<'_>, locale: &str) -> (String, String) {
    let (end, days, serial, purpose) = (f.end(), f.days_left(), f.serial, f.purpose());
    let language = locale.get(..2).unwrap_or("").to_ascii_lowercase();
    match language.as_str() {
        "kk" => (
            format!("ЭЦҚ мерзімі аяқталуда: {days} күн"),
            format!("{purpose} сертификаты {serial} {end} аяқталады. Жаңарту үшін түртіңіз."),
        ),
        "en" => (
            format!("Your EDS certificate expires in {days} days"),
            format!("{purpose} certificate {serial} expires on {end} (Astana time). Tap to renew."),
        ),
        "ru" => (
            format!("Срок ЭЦП истекает: осталось дней: {days}"),
            format!("Сертификат {purpose} {serial} истекает {end}. Нажмите, чтобы обновить."),
        ),
        _ => (
            format!("ЭЦҚ / ЭЦП: {days} күн / дн."),
            format!(
                "{purpose} {serial}: {end} аяқталады / истекает. Жаңарту / обновить: qoltanba."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_name_the_serial_the_end_and_the_app() {
        let facts = Facts {
            serial: "4A1B",
            purpose: "sign",
            // 2025-07-01T12:00:00Z = 17:00 in Astana.
            not_after: 1_751_371_200,
            now: 1_751_371_200 - 7 * DAY + 100,
            name: Some("Айгүл"),
        };
        let (subject, body) = email(&facts);
        assert!(subject.contains("01.07.2025 17:00"), "{subject}");
        assert!(body.contains("4A1B") && body.contains("qoltanba") && body.contains("7 күн"));
        assert!(sms(&facts).contains("4A1B"));
        for locale in ["kk-KZ", "ru", "en_US", "", "ә"] {
            let (title, body) = push(&facts, locale);
            assert!(!title.is_empty() && body.contains("4A1B"), "{locale}");
        }
    }
}
