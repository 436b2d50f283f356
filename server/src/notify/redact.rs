//! Shortened forms of addresses, numbers and tokens for log lines and audit
//! details: enough for an operator to tell recipients apart, not enough to
//! reuse a device token or harvest contacts from a log.

/// `aigul@mail.kz` → `a***@mail.kz`.
pub fn email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// `+77011234567` → `+7701***67`.
pub fn phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() < 8 {
        return "***".to_owned();
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}***{tail}")
}

/// `+77011234567` → `+7******4567`: what the citizen is shown of the
/// number a one-time code goes to, enough to recognise it.
pub fn phone_for_citizen(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let keep = 4.min(chars.len());
    let head: String = chars.iter().take(2.min(chars.len() - keep)).collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!(
        "{head}{}{tail}",
        "*".repeat(chars.len() - keep - head.chars().count())
    )
}

/// A device token or any long secret: its first 6 characters and length.
pub fn token(token: &str) -> String {
    let head: String = token.chars().take(6).collect();
    format!("{head}…({} chars)", token.chars().count())
}

/// Replace every occurrence of each secret in `text` (an error message from a
/// library that may quote a URL or a request) by a mask.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.len() >= 4 && out.contains(secret) {
            out = out.replace(secret, "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_without_panicking_on_short_or_odd_input() {
        assert_eq!(email("aigul@mail.kz"), "a***@mail.kz");
        assert_eq!(email("ә@x"), "ә***@x");
        assert_eq!(email("nonsense"), "***");
        assert_eq!(phone("+77011234567"), "+7701***67");
        assert_eq!(phone("123"), "***");
        assert_eq!(phone("+7701ққққ"), "+7701***ққ");
        assert_eq!(token("abcdefghijkl"), "abcdef…(12 chars)");
        assert_eq!(token(""), "…(0 chars)");
        assert_eq!(
            scrub("GET /3/device/abcdef0123 failed", &["abcdef0123"]),
            "GET /3/device/[redacted] failed"
        );
    }
}
