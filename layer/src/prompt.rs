//! The consent prompt as text, for a terminal: what [`crate::consent`]
//! asks, in the citizen's language. Everything a page controls (origin,
//! method, excerpts, root names, XPaths) is shown through
//! [`visible`](crate::consent::visible): no control, bidi or format
//! character reaches the terminal, no value is longer than a line, and the
//! origin, the unknown-site warning, the method and the document count come
//! again right above the question, so nothing a page sends can scroll them
//! away or draw a fake of them there.

use qoltanba_l10n::{Locale, Text, render};

use crate::consent::{Asked, ConsentRequest, DocumentKind, HASH_BYTES_SHOWN, KeyChoice, visible};

/// How many documents are listed one by one; the rest are counted.
pub const DOCUMENTS_LISTED: usize = 5;

/// The width assumed when the terminal's is unknown.
pub const DEFAULT_WIDTH: usize = 80;

/// The longest origin shown (a real one is far shorter).
const ORIGIN_CHARS: usize = 120;

/// The whole prompt for `request`, up to and including the question (no
/// newline after it), for a terminal `width` columns wide.
pub fn request_prompt(locale: Locale, request: &ConsentRequest, width: usize) -> String {
    let say = |t: Text| render(locale, &t);
    // Room for a page's value on one line beside its label.
    let value_room = width.max(40) - 20;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(String::new());
    let header = match request.asked {
        Asked::KeyInfo => "layer-prompt-header-keyinfo",
        Asked::Sign { .. } => "layer-prompt-header",
    };
    line(format!("== {} ==", say(Text::new(header))));
    let origin = match &request.origin {
        Some(o) => visible(o, ORIGIN_CHARS.min(value_room)),
        None => say(Text::new("layer-prompt-no-origin")),
    };
    let origin_line = say(Text::new("layer-prompt-origin").arg("origin", origin));
    let warning = (!request.origin_allowed)
        .then(|| format!("!! {}", say(Text::new("layer-prompt-unknown-origin"))));
    let method = visible(&request.method, value_room);
    line(origin_line.clone());
    if let Some(w) = &warning {
        line(w.clone());
    }
    line(say(
        Text::new("layer-prompt-method").arg("method", method.clone())
    ));
    let mut count = 0;
    if let Asked::Sign {
        xml,
        attached,
        documents,
        timestamp_missing,
        signed_xpath,
        signature_parent_xpath,
    } = &request.asked
    {
        count = documents.len();
        let format = if *xml {
            Text::new("layer-prompt-format-xml")
        } else {
            Text::new("layer-prompt-format-cms")
                .arg("attached", if *attached { "yes" } else { "no" })
        };
        line(say(format));
        if let Some(xpath) = signed_xpath {
            line(say(
                Text::new("layer-prompt-signed-element").arg("xpath", visible(xpath, value_room))
            ));
        }
        if let Some(xpath) = signature_parent_xpath {
            line(say(
                Text::new("layer-prompt-signature-parent").arg("xpath", visible(xpath, value_room))
            ));
        }
        line(say(
            Text::new("layer-prompt-documents").arg("count", count as i64)
        ));
        for (i, d) in documents.iter().take(DOCUMENTS_LISTED).enumerate() {
            let size = d.size as i64;
            let text = match &d.kind {
                DocumentKind::Xml { root, excerpt } => Text::new("layer-prompt-document-xml")
                    .arg("root", visible(root, value_room))
                    .arg("size", size)
                    .arg("excerpt", visible(excerpt, value_room)),
                DocumentKind::Text { excerpt } => Text::new("layer-prompt-document-text")
                    .arg("size", size)
                    .arg("excerpt", visible(excerpt, value_room)),
                DocumentKind::Hash { hex, bytes } => {
                    let shown = if hex.len() / 2 < *bytes {
                        format!("{hex}…")
                    } else {
                        hex.clone()
                    };
                    Text::new("layer-prompt-document-hash")
                        .arg("hex", visible(&shown, 2 * HASH_BYTES_SHOWN + 1))
                        .arg("size", *bytes as i64)
                }
                DocumentKind::Binary => Text::new("layer-prompt-document-binary").arg("size", size),
            };
            line(format!("  {}", say(text.arg("n", (i + 1) as i64))));
        }
        if count > DOCUMENTS_LISTED {
            line(format!(
                "  {}",
                say(Text::new("layer-prompt-more").arg("count", (count - DOCUMENTS_LISTED) as i64))
            ));
        }
        if *timestamp_missing {
            line(format!(
                "!! {}",
                say(Text::new("layer-prompt-no-timestamp"))
            ));
        }
    }
    for (i, label) in request.sources.iter().enumerate() {
        line(format!(
            "  {}",
            say(Text::new("layer-prompt-source")
                .arg("n", (i + 1) as i64)
                .arg("label", visible(label, 2 * width)))
        ));
    }
    // Once more, right above the question: who asks, and for what.
    line(format!("-- {origin_line}"));
    if let Some(w) = &warning {
        line(w.clone());
    }
    line(format!(
        "-- {}",
        say(Text::new("layer-prompt-recap")
            .arg("method", method)
            .arg("count", count as i64))
    ));
    out.push_str(&say(
        Text::new("layer-prompt-question").arg("count", request.sources.len() as i64)
    ));
    out
}

/// One key as a line, with its number when the citizen chooses among
/// several.
fn key_text(id: &'static str, n: usize, key: &KeyChoice, width: usize) -> Text {
    let room = width.max(40);
    Text::new(id)
        .arg("n", n as i64)
        .arg("holder", visible(&key.holder, room))
        .arg("iin", visible(&key.iin, 20))
        .arg("purpose", visible(&key.purpose, 20))
        .arg("algorithm", visible(&key.algorithm, 30))
        .arg("until", visible(&key.not_after, 20))
        .arg("label", visible(&key.label, 2 * room))
        .arg("storage", visible(&key.storage, 40))
}

/// The keys that fit, numbered, and the question which signs.
pub fn keys_prompt(locale: Locale, keys: &[KeyChoice], width: usize) -> String {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        out.push_str(&format!(
            "  {}\n",
            render(locale, &key_text("layer-prompt-key", i + 1, k, width))
        ));
    }
    out.push_str(&render(
        locale,
        &Text::new("layer-prompt-key-question").arg("count", keys.len() as i64),
    ));
    out
}

/// The line that says which key signs.
pub fn key_line(locale: Locale, key: &KeyChoice, width: usize) -> String {
    render(locale, &key_text("layer-prompt-key-signing", 1, key, width))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::DocumentSummary;

    /// The bytes a terminal acts on rather than shows: C0 controls but the
    /// newline, DEL, C1 controls, bidi embeddings, overrides and isolates,
    /// zero-width and other format characters.
    fn drives_the_terminal(c: char) -> bool {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{61c}')
    }

    fn sign_request(
        origin: &str,
        allowed: bool,
        documents: Vec<DocumentSummary>,
    ) -> ConsentRequest {
        ConsentRequest {
            origin: Some(origin.into()),
            origin_allowed: allowed,
            method: "createCMSSignatureFromBase64".into(),
            asked: Asked::Sign {
                xml: false,
                attached: true,
                documents,
                timestamp_missing: false,
                signed_xpath: None,
                signature_parent_xpath: None,
            },
            sources: vec!["key file /home/a/AUTH.p12".into()],
        }
    }

    /// The lines right above the question: the origin, the warning when the
    /// site is unknown, the method and count, then the question.
    fn assert_ends_with_who_asks(prompt: &str, origin: &str, count: usize) {
        let lines: Vec<&str> = prompt.lines().collect();
        let n = lines.len();
        assert!(lines[n - 1].starts_with("Sign with which key?"), "{prompt}");
        assert_eq!(
            lines[n - 2],
            format!("-- request:   createCMSSignatureFromBase64, documents: {count}")
        );
        assert!(lines[n - 3].starts_with("!! This site is not on your list"));
        assert_eq!(lines[n - 4], format!("-- page:      {origin}"));
    }

    fn assert_inert(prompt: &str) {
        if let Some(c) = prompt.chars().find(|&c| drives_the_terminal(c)) {
            panic!("the prompt carries {:?}:\n{prompt}", c);
        }
    }

    #[test]
    fn escape_codes_in_a_cms_document_that_looks_like_xml_never_reach_the_terminal() {
        let hostile = "<\u{1b}[1A\u{1b}[2K\rpage:      https://egov.kz\u{1b}[0m>";
        let doc = DocumentSummary::of_bytes(hostile.as_bytes(), false);
        let prompt = request_prompt(
            Locale::En,
            &sign_request("https://evil.example", false, vec![doc]),
            80,
        );
        assert_inert(&prompt);
        // Bytes that are not readable text are called what they are.
        assert!(prompt.contains("binary data, "), "{prompt}");
        assert_ends_with_who_asks(&prompt, "https://evil.example", 1);
        // The same attack in an XML root name: not taken as XML at all.
        let root = DocumentSummary::of_xml("<a\u{1b}[2K>x</a>", None);
        let prompt = request_prompt(
            Locale::En,
            &sign_request("https://evil.example", false, vec![root]),
            80,
        );
        assert_inert(&prompt);
    }

    #[test]
    fn bidi_zero_width_and_nul_are_shown_as_escapes() {
        let doc = DocumentSummary::of_xml("<a>moc.vog\u{202e}egov.kz\u{200b}</a>", None);
        let origin = "https://evil\u{202e}zk.voge\u{0}";
        let prompt = request_prompt(Locale::En, &sign_request(origin, false, vec![doc]), 80);
        assert_inert(&prompt);
        assert!(
            prompt.contains("moc.vog\\u{202e}egov.kz\\u{200b}"),
            "{prompt}"
        );
        assert_ends_with_who_asks(&prompt, "https://evil\\u{202e}zk.voge\\u{0}", 1);
    }

    #[test]
    fn a_cms_document_starting_with_lt_shows_its_excerpt() {
        let doc = DocumentSummary::of_bytes(b"<transfer><to>KZ99</to><sum>5000000</sum>", false);
        let prompt = request_prompt(
            Locale::En,
            &sign_request("https://bank.example", false, vec![doc]),
            80,
        );
        assert!(
            prompt.contains("<transfer><to>KZ99</to><sum>5000000</sum>"),
            "{prompt}"
        );
    }

    #[test]
    fn whitespace_cannot_draw_a_fake_origin_line() {
        let fake = format!("x{}page:      https://egov.kz\n\n\n", " ".repeat(300));
        let doc = DocumentSummary::of_bytes(fake.as_bytes(), false);
        let prompt = request_prompt(
            Locale::En,
            &sign_request("https://evil.example", false, vec![doc]),
            80,
        );
        assert!(prompt.contains("x page: https://egov.kz"), "{prompt}");
        assert!(!prompt.contains("page:      https://egov.kz"));
        assert_ends_with_who_asks(&prompt, "https://evil.example", 1);
        for line in prompt.lines() {
            assert!(
                line.chars().count() < 2 * 80,
                "a line longer than two rows: {line}"
            );
        }
    }

    #[test]
    fn a_huge_root_many_documents_and_a_huge_hash_stay_bounded() {
        let root = format!("<{}>", "a".repeat(1 << 20));
        let many: Vec<DocumentSummary> = (0..10_000)
            .map(|i| DocumentSummary::of_bytes(format!("doc {i}").as_bytes(), false))
            .chain([
                DocumentSummary::of_xml(&root, None),
                DocumentSummary::of_bytes(&vec![0xab; 24 << 20], true),
            ])
            .collect();
        let mut request = sign_request("https://evil.example", false, many);
        let prompt = request_prompt(Locale::En, &request, 80);
        assert!(prompt.len() < 4096, "{} bytes", prompt.len());
        assert!(prompt.contains("…and 9997 more"), "{prompt}");
        assert_ends_with_who_asks(&prompt, "https://evil.example", 10_002);
        // The huge root and hash listed first.
        if let Asked::Sign { documents, .. } = &mut request.asked {
            documents.rotate_right(2);
        }
        let prompt = request_prompt(Locale::En, &request, 80);
        assert_inert(&prompt);
        assert!(prompt.len() < 4096, "{} bytes", prompt.len());
        assert!(
            prompt.contains(&format!("{}…", "ab".repeat(64))),
            "{prompt}"
        );
        assert!(
            prompt.contains("cannot see here (25165824 bytes)"),
            "{prompt}"
        );
    }

    #[test]
    fn an_xml_request_names_the_element_it_signs() {
        let xml = "<doc><head>x</head><body id=\"b\"><sum>1000</sum></body></doc>";
        let request = ConsentRequest {
            origin: Some("https://egov.kz".into()),
            origin_allowed: true,
            method: "signXml".into(),
            asked: Asked::Sign {
                xml: true,
                attached: true,
                documents: vec![DocumentSummary::of_xml(xml, Some("/doc/body"))],
                timestamp_missing: false,
                signed_xpath: Some("/doc/body".into()),
                signature_parent_xpath: Some("/doc/head".into()),
            },
            sources: vec!["key file k.p12".into()],
        };
        let prompt = request_prompt(Locale::En, &request, 80);
        assert!(prompt.contains("only the element at /doc/body"), "{prompt}");
        assert!(prompt.contains("into the element at /doc/head"), "{prompt}");
        assert!(
            prompt.contains("<body id=\"b\"><sum>1000</sum></body>"),
            "{prompt}"
        );
        // A known portal: no warning, the origin still right above.
        let lines: Vec<&str> = prompt.lines().collect();
        assert_eq!(lines[lines.len() - 3], "-- page:      https://egov.kz");
    }

    #[test]
    fn the_key_line_names_holder_purpose_and_storage() {
        let key = KeyChoice {
            label: "key file k.p12".into(),
            storage: "PKCS12".into(),
            holder: "ТЕСТОВ ТЕСТ".into(),
            iin: "900101300001".into(),
            serial: "01".into(),
            purpose: "SIGN".into(),
            algorithm: "GOST2015-512".into(),
            not_after: "2027-01-01".into(),
        };
        let line = key_line(Locale::En, &key, 80);
        assert_eq!(
            line,
            "signing with: ТЕСТОВ ТЕСТ (IIN 900101300001), SIGN, GOST2015-512, until 2027-01-01 — key file k.p12 (PKCS12)"
        );
        for locale in [Locale::Kk, Locale::Ru] {
            let line = key_line(locale, &key, 80);
            assert!(
                line.contains("ТЕСТОВ ТЕСТ") && line.contains("PKCS12"),
                "{line}"
            );
        }
    }
}
