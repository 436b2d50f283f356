//! `GET /renew/{serial}`: where the link in an expiry notice leads
//! (`notices.renew_link`, by default `{public_url}/renew/{serial}`). An
//! https link, so that a phone with the app opens it in the app (Android
//! App Links, iOS universal links, both verified against the RA's host);
//! without the app, or where the operating system shows the page, this
//! small page (Kazakh, Russian or English by Accept-Language, no script)
//! says what the link is and offers a button to the app's own scheme,
//! `qoltanba://renew?serial=…`.
//!
//! The page echoes only the serial, normalised to upper-case hex, and looks
//! nothing up: it tells no one whether such a certificate exists.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qoltanba_l10n::{Locale, Text, render};
use qoltanba_pki::cert::normalise_serial;

use super::Problem;
use super::extract::Path;

/// `GET /renew/{serial}`
pub async fn page(headers: HeaderMap, Path(serial): Path<String>) -> Result<Response, Problem> {
    let serial = normalise_serial(&serial).map_err(|e| {
        Problem::not_found(format!(
            "the renewal link's serial number is not usable ({e}); open the link from the notice again"
        ))
    })?;
    let locale = preferred_locale(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let html = page_html(locale, &serial);
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(locale.tag()),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-language"));
    // No script, no images, no frames; the serial stays off other sites' logs.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// The first of kk, ru, en in the header's order of preference (q values
/// honoured), else Kazakh, the state language.
pub fn preferred_locale(accept_language: &str) -> Locale {
    let mut best: Option<(u32, usize, Locale)> = None;
    for (index, item) in accept_language.split(',').enumerate().take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let weight = (q.clamp(0.0, 1.0) * 1000.0) as u32;
        if weight == 0 {
            continue;
        }
        if let Some(locale) = Locale::from_tag(tag)
            && best.is_none_or(|(w, i, _)| weight > w || (weight == w && index < i))
        {
            best = Some((weight, index, locale));
        }
    }
    best.map(|(_, _, l)| l).unwrap_or(Locale::Kk)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Fluent's bidi isolation marks around arguments: not in HTML.
            '\u{2068}' | '\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The page; `serial` is already upper-case hex.
pub fn page_html(locale: Locale, serial: &str) -> String {
    let title = escape(&render(locale, &Text::new("notice-page-title")));
    let body = escape(&render(
        locale,
        &Text::new("notice-page-body").arg("serial", serial),
    ));
    let button = escape(&render(locale, &Text::new("notice-page-button")));
    let lang = locale.tag();
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 34em; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
a.open {{ display: inline-block; padding: .8em 1.4em; background: #00a3b4; color: #fff; border-radius: .5em; text-decoration: none; font-weight: bold; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{body}</p>
<p><a class="open" href="qoltanba://renew?serial={serial}">{button}</a></p>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_accept_language_and_defaults_to_kazakh() {
        assert_eq!(preferred_locale(""), Locale::Kk);
        assert_eq!(preferred_locale("de-DE,fr;q=0.9"), Locale::Kk);
        assert_eq!(preferred_locale("ru-RU,ru;q=0.9,en;q=0.8"), Locale::Ru);
        assert_eq!(preferred_locale("en;q=0.5, kk-KZ;q=0.9"), Locale::Kk);
        assert_eq!(preferred_locale("de, en-GB"), Locale::En);
        assert_eq!(preferred_locale("ru;q=0, en"), Locale::En);
        assert_eq!(preferred_locale("ru;q=abc"), Locale::Ru);
    }

    #[test]
    fn the_page_names_the_serial_and_opens_the_app() {
        let html = page_html(Locale::Ru, "5E0001");
        assert!(html.contains(r#"<html lang="ru">"#), "{html}");
        assert!(
            html.contains("5E0001") && html.contains("qoltanba"),
            "{html}"
        );
        assert!(
            html.contains(r#"href="qoltanba://renew?serial=5E0001""#),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains('\u{2068}'), "{html}");
    }
}
