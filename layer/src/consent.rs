//! What the citizen is shown before anything is signed, and what they
//! answer. The service builds a [`ConsentRequest`] from the page's request;
//! a [`Consent`] (the terminal prompt of `qoltanba layer serve`, or a test's
//! stand-in) shows it and returns the citizen's [`Answer`].

use qoltanba_pki::cert::KzCertificate;

/// What one document to be signed looks like. Every string in it comes
/// from the page: already capped here, and made visible (no control,
/// format or bidi characters) by [`visible`] when shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSummary {
    pub size: usize,
    pub kind: DocumentKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKind {
    /// An XML document: its root element's name (a valid XML Name of at
    /// most [`ROOT_CHARS`]) and the first characters of what is signed (the
    /// element the page's XPath selects, else the whole document).
    Xml { root: String, excerpt: String },
    /// Readable text: its first characters.
    Text { excerpt: String },
    /// The hash of a document the citizen cannot see here: the first
    /// [`HASH_BYTES_SHOWN`] bytes in hex, of `bytes` in all.
    Hash { hex: String, bytes: usize },
    /// Bytes that are not text.
    Binary,
}

/// The first characters of readable text that a prompt shows.
pub const EXCERPT_CHARS: usize = 200;
/// The longest root element name shown; a longer one is not taken as XML.
pub const ROOT_CHARS: usize = 64;
/// How much of a hash is shown (64 bytes: SHA-512 and GOST 2015-512 whole).
pub const HASH_BYTES_SHOWN: usize = 64;

impl DocumentSummary {
    /// A document of a CMS request: `digested` when the page sends a hash.
    /// Text is always shown by its excerpt, even when it looks like XML: a
    /// CMS signature covers every byte, not an element.
    pub fn of_bytes(bytes: &[u8], digested: bool) -> Self {
        let kind = if digested {
            DocumentKind::Hash {
                hex: hex::encode(&bytes[..bytes.len().min(HASH_BYTES_SHOWN)]),
                bytes: bytes.len(),
            }
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) if is_readable(text) => DocumentKind::Text {
                    excerpt: excerpt(text),
                },
                _ => DocumentKind::Binary,
            }
        };
        Self {
            size: bytes.len(),
            kind,
        }
    }

    /// A document of an XML request; `signed_xpath`: the element the page
    /// asks to sign (tbsElementXPath), if any.
    pub fn of_xml(text: &str, signed_xpath: Option<&str>) -> Self {
        let kind = if !is_readable(text) {
            DocumentKind::Binary
        } else {
            match xml_root(text) {
                Some(root) => {
                    let signed = signed_xpath
                        .filter(|p| !p.trim().is_empty())
                        .and_then(|p| qoltanba_pki::xmldsig::selected_element_text(text, p));
                    DocumentKind::Xml {
                        root,
                        excerpt: excerpt(signed.as_deref().unwrap_or(text)),
                    }
                }
                None => DocumentKind::Text {
                    excerpt: excerpt(text),
                },
            }
        };
        Self {
            size: text.len(),
            kind,
        }
    }
}

/// Text with no control characters other than whitespace.
fn is_readable(text: &str) -> bool {
    text.chars().all(|c| !c.is_control() || c.is_whitespace())
}

/// The first [`EXCERPT_CHARS`] characters of `text`, runs of whitespace
/// collapsed to one space (a page's spaces and newlines cannot push a line
/// of its own making under the prompt).
pub fn excerpt(text: &str) -> String {
    collapse_whitespace(text)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::new();
    for word in text.split(char::is_whitespace) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > EXCERPT_CHARS * 4 {
            break;
        }
    }
    out
}

/// The root element's name of what looks like an XML document: a valid
/// XML Name of at most [`ROOT_CHARS`] characters, else `None`.
pub fn xml_root(text: &str) -> Option<String> {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->")?.1.trim_start();
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = after.split_once('>')?.1.trim_start();
        } else {
            break;
        }
    }
    let name: String = rest
        .strip_prefix('<')?
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, '>' | '/'))
        .take(ROOT_CHARS + 1)
        .collect();
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid =
        name.chars().count() <= ROOT_CHARS && is_name_start(first) && chars.all(is_name_char);
    valid.then_some(name)
}

/// XML 1.0's NameStartChar.
fn is_name_start(c: char) -> bool {
    matches!(c, ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
        // Joiners are Name characters to XML but invisible on a terminal.
        && !is_invisible(c)
}

/// XML 1.0's NameChar.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Characters a terminal does not show as themselves: controls (C0, DEL,
/// C1, among them ESC and the CSI that redraw the screen), bidi embeddings,
/// overrides and isolates, zero-width and other format characters, line and
/// paragraph separators, tags, and noncharacters.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{FFFE}'..='\u{FFFF}'
            | '\u{600}'..='\u{605}' | '\u{6DD}' | '\u{70F}' | '\u{8E2}' | '\u{110BD}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// `text` as a terminal can show it without being driven by it: every
/// invisible character (see [`is_invisible`]) written as a visible escape
/// (`\u{1b}`), at most `max_chars` characters kept (then `…`).
pub fn visible(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let shown = if is_invisible(c) {
            format!("\\u{{{:x}}}", c as u32)
        } else {
            c.to_string()
        };
        count += shown.chars().count();
        if count > max_chars {
            out.push('…');
            break;
        }
        out.push_str(&shown);
    }
    out
}

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Signatures: CMS or XML, over these documents.
    Sign {
        xml: bool,
        attached: bool,
        documents: Vec<DocumentSummary>,
        /// XML: the element the page asks to sign (tbsElementXPath), when it
        /// names one; else the whole document is signed.
        signed_xpath: Option<String>,
        /// XML: where the signature goes (signatureParentXPath), if given.
        signature_parent_xpath: Option<String>,
        /// The page asks for a time-stamp and no TSA is configured: the
        /// signature will carry none.
        timestamp_missing: bool,
    },
    /// The facts of a certificate (`getKeyInfo`): no signature.
    KeyInfo,
}

/// Everything the citizen sees before answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// The page's origin (the WebSocket handshake's Origin header); `None`
    /// for a program that sent none.
    pub origin: Option<String>,
    /// On the allow-list (a known portal).
    pub origin_allowed: bool,
    /// The protocol method (`createCMSSignatureFromBase64`, `sign`, …).
    pub method: String,
    pub asked: Asked,
    /// The places the citizen may choose a key from (labels).
    pub sources: Vec<String>,
}

/// The citizen's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Decline,
    /// Decline, and refuse this origin without asking until the service
    /// stops (a page that asks again and again).
    RefuseOrigin,
    /// Go ahead with the key source at this index of
    /// [`ConsentRequest::sources`]; `remember_origin`: put the origin on the
    /// allow-list.
    Allow {
        source: usize,
        remember_origin: bool,
    },
}

/// A key the citizen may choose, as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChoice {
    pub label: String,
    /// The storage name (`PKCS12`, `AKKZIDCardStore`, …).
    pub storage: String,
    pub holder: String,
    pub iin: String,
    pub serial: String,
    pub purpose: String,
    pub algorithm: String,
    pub not_after: String,
}

impl KeyChoice {
    pub fn of(label: &str, storage: &str, cert: &KzCertificate) -> Self {
        let holder = cert.holder();
        Self {
            label: label.to_owned(),
            storage: storage.to_owned(),
            holder: holder.full_name().unwrap_or_default(),
            iin: holder.iin_digits(),
            serial: cert.serial_hex(),
            purpose: cert.purpose().to_string(),
            algorithm: cert.key_algorithm().to_string(),
            not_after: cert.not_after().date().to_string(),
        }
    }
}

/// The citizen, as the service asks them.
pub trait Consent: Send {
    /// Show `request`; the answer. Nothing is signed on [`Answer::Decline`].
    fn ask(&mut self, request: &ConsentRequest) -> Answer;
    /// Which of the keys that fit (more than one) signs; `None`: decline.
    fn choose_key(&mut self, keys: &[KeyChoice]) -> Option<usize>;
    /// Tell the citizen something the page is not told: why a key could
    /// not be opened, that an origin was refused. One line.
    fn tell(&mut self, _message: &qoltanba_l10n::Text) {}
    /// The key that signs, once it is known (always called before signing,
    /// also when only one key fits): the citizen sees which key it is.
    fn show_key(&mut self, _key: &KeyChoice) {}
    /// The page left before its request was carried out: nothing is opened
    /// or signed.
    fn page_left(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_citizen_sees_of_a_document() {
        assert_eq!(
            xml_root("<?xml version=\"1.0\"?>\n<!-- c --><ns:root a='1'>x</ns:root>").as_deref(),
            Some("ns:root")
        );
        assert_eq!(xml_root("<tag>data</tag>").as_deref(), Some("tag"));
        assert_eq!(xml_root("plain"), None);
        let s = DocumentSummary::of_bytes(b"11\n", false);
        assert_eq!(
            s,
            DocumentSummary {
                size: 3,
                kind: DocumentKind::Text {
                    excerpt: "11".into()
                }
            }
        );
        assert_eq!(
            DocumentSummary::of_bytes(&[0, 159, 146], false).kind,
            DocumentKind::Binary
        );
        assert_eq!(
            DocumentSummary::of_bytes(&[0xab, 0xcd], true).kind,
            DocumentKind::Hash {
                hex: "abcd".into(),
                bytes: 2
            }
        );
        let long = "я".repeat(500);
        let DocumentKind::Text { excerpt } = DocumentSummary::of_bytes(long.as_bytes(), false).kind
        else {
            panic!()
        };
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn a_root_name_is_an_xml_name_of_bounded_length() {
        assert_eq!(
            xml_root("<a\u{1b}[2K>x</a>"),
            None,
            "ESC is no Name character"
        );
        assert_eq!(xml_root("<a\u{202e}b>x</a>"), None, "nor a bidi override");
        assert_eq!(xml_root("<1a>x</1a>"), None);
        let long = format!("<{}>", "a".repeat(1 << 20));
        assert_eq!(xml_root(&long), None, "a 1 MB name is no root");
        let max = format!("<{}>", "a".repeat(ROOT_CHARS));
        assert_eq!(xml_root(&max).map(|r| r.len()), Some(ROOT_CHARS));
    }

    #[test]
    fn cms_text_that_looks_like_xml_is_shown_by_its_excerpt() {
        let doc = b"<payment>\n  <to>KZ12</to>   <sum>1000</sum>\n</payment>";
        assert_eq!(
            DocumentSummary::of_bytes(doc, false).kind,
            DocumentKind::Text {
                excerpt: "<payment> <to>KZ12</to> <sum>1000</sum> </payment>".into()
            }
        );
        // A control character anywhere: not text, whatever it starts with.
        assert_eq!(
            DocumentSummary::of_bytes(b"<a>\x1b[1A</a>", false).kind,
            DocumentKind::Binary
        );
    }

    #[test]
    fn xml_shows_the_element_its_xpath_signs() {
        let xml = "<doc><head>ignored</head><body id=\"b\"><sum>1000</sum></body></doc>";
        let DocumentKind::Xml { root, excerpt } =
            DocumentSummary::of_xml(xml, Some("/doc/body")).kind
        else {
            panic!()
        };
        assert_eq!(root, "doc");
        assert_eq!(excerpt, "<body id=\"b\"><sum>1000</sum></body>");
        let DocumentKind::Xml { excerpt, .. } = DocumentSummary::of_xml(xml, None).kind else {
            panic!()
        };
        assert!(excerpt.starts_with("<doc><head>"));
    }

    #[test]
    fn visible_escapes_every_invisible_character() {
        assert_eq!(visible("a\u{1b}[2Kb", 100), "a\\u{1b}[2Kb");
        assert_eq!(
            visible("x\u{202e}y\u{200b}\u{0}", 100),
            "x\\u{202e}y\\u{200b}\\u{0}"
        );
        assert_eq!(visible("\u{9b}1A", 100), "\\u{9b}1A", "C1 CSI");
        assert_eq!(visible("abcdef", 3), "abc…");
        assert_eq!(visible("Өтініш", 100), "Өтініш");
    }
}
