//! What the citizen is shown before anything is signed, and what they
//! answer. The service builds a [`ConsentRequest`] from the page's request;
//! a [`Consent`] (the terminal prompt of `qoltanba layer serve`, or a test's
//! stand-in) shows it and returns the citizen's [`Answer`].

use qoltanba_pki::cert::KzCertificate;

/// What one document to be signed looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSummary {
    pub size: usize,
    pub kind: DocumentKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKind {
    /// An XML document and its root element's name.
    Xml { root: String },
    /// Readable text: its first characters.
    Text { excerpt: String },
    /// The hash of a document the citizen cannot see here (hex).
    Hash { hex: String },
    /// Bytes that are not text.
    Binary,
}

/// The first characters of readable text that a prompt shows.
pub const EXCERPT_CHARS: usize = 200;

impl DocumentSummary {
    pub fn of_bytes(bytes: &[u8], digested: bool) -> Self {
        let kind = if digested {
            DocumentKind::Hash {
                hex: hex::encode(bytes),
            }
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) => Self::of_text(text).kind,
                Err(_) => DocumentKind::Binary,
            }
        };
        Self {
            size: bytes.len(),
            kind,
        }
    }

    pub fn of_text(text: &str) -> Self {
        let kind = match xml_root(text) {
            Some(root) => DocumentKind::Xml { root },
            None if text.chars().all(|c| !c.is_control() || c.is_whitespace()) => {
                DocumentKind::Text {
                    excerpt: text.chars().take(EXCERPT_CHARS).collect(),
                }
            }
            None => DocumentKind::Binary,
        };
        Self {
            size: text.len(),
            kind,
        }
    }
}

/// The root element's name of what looks like an XML document.
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
        .collect();
    (!name.is_empty()).then_some(name)
}

/// What is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Signatures: CMS or XML, over these documents.
    Sign {
        xml: bool,
        attached: bool,
        documents: Vec<DocumentSummary>,
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
    pub holder: String,
    pub iin: String,
    pub serial: String,
    pub purpose: String,
    pub algorithm: String,
    pub not_after: String,
}

impl KeyChoice {
    pub fn of(label: &str, cert: &KzCertificate) -> Self {
        let holder = cert.holder();
        Self {
            label: label.to_owned(),
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
                    excerpt: "11\n".into()
                }
            }
        );
        assert_eq!(
            DocumentSummary::of_bytes(&[0, 159, 146], false).kind,
            DocumentKind::Binary
        );
        assert_eq!(
            DocumentSummary::of_bytes(&[0xab, 0xcd], true).kind,
            DocumentKind::Hash { hex: "abcd".into() }
        );
        let long = "я".repeat(500);
        let DocumentKind::Text { excerpt } = DocumentSummary::of_text(&long).kind else {
            panic!()
        };
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS);
    }
}
