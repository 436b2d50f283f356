//! XML signatures (XML-DSig) as NCALayer's `signXml` makes them: an
//! enveloped `ds:Signature` with one Reference, the certificate in
//! KeyInfo/X509Data, and the algorithm URIs of NCA's Kalkan provider
//! (docs/xml-signatures.md has what is signed, the URIs, the byte orders and
//! their sources, and what is refused).
//!
//! Formats and crypto only: the caller hands in the document as text and a
//! [`Signer`](crate::crypto::Signer); trust in the signer's certificate (chain, validity,
//! revocation) is the caller's, as for signed messages.
//!
//! Documents are read with roxmltree, which refuses DTDs (so no entity
//! expansion, no external entities); the size and the depth are bounded
//! here. The signed document is the caller's text with the signature spliced
//! in before the closing tag of its parent: every byte the caller gave stays
//! as it was (quoting, entity references, whitespace), so what the citizen was
//! shown is what the portal gets back.

mod c14n;
mod sign;
mod verify;
mod xpath;

use roxmltree::{Document, Node, NodeType};

use crate::cert::KzCertificate;
use crate::crypto::{DigestAlgorithm, SignError, SignatureAlgorithm, VerifyError};

pub use sign::sign_xml;
pub use verify::verify_xml;

/// The XML-DSig namespace (written with the prefix `ds`, as NCA does).
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Algorithm URIs, as NCA's Kalkan provider writes and reads them.
pub mod uri {
    pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    pub const C14N_WITH_COMMENTS: &str =
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
    pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
    pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    pub const GOST2015_512: &str =
        "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512";
    pub const GOST2004: &str = "http://www.w3.org/2001/04/xmldsig-more#gost34310-gost34311";
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    pub const STREEBOG512: &str =
        "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512";
    pub const GOST34311: &str = "http://www.w3.org/2001/04/xmldsig-more#gost34311";
}

/// The largest document read: portals sign forms, not archives.
pub const MAX_XML_BYTES: usize = 8 * 1024 * 1024;
/// The deepest element nesting read.
pub const MAX_XML_DEPTH: usize = 256;

/// Which canonicalization the signature uses, for SignedInfo and for the
/// Reference's transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum C14n {
    /// Canonical XML 1.0 (`http://www.w3.org/TR/2001/REC-xml-c14n-20010315`),
    /// what NCALayer's signXml uses; the Reference's transform is written as
    /// NCA writes it, `…#WithComments`, which for a same-document reference
    /// yields the same bytes (comments are not part of it, XML-DSig §4.4.3.3).
    #[default]
    Inclusive,
    /// Exclusive XML Canonicalization 1.0 (`http://www.w3.org/2001/10/xml-exc-c14n#`).
    Exclusive,
}

impl C14n {
    fn method(self) -> c14n::Method {
        c14n::Method {
            exclusive: self == Self::Exclusive,
            comments: false,
        }
    }
}

/// What to sign and where the signature goes, as signXml's
/// `tbsElementXPath` and `signatureParentElementXPath` say it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlSignOptions {
    /// The element to sign (absolute path such as `/root/child` or
    /// `/p:root/p:child[2]`); `None`, empty or `/`: the whole document
    /// (`URI=""`). An element is referenced by its `Id` (or `ID`, `id`)
    /// attribute, `URI="#…"`; the document element without one is signed as
    /// the whole document.
    pub tbs_element_xpath: Option<String>,
    /// The element the signature is appended to; `None`, empty or `/`: the
    /// document element.
    pub signature_parent_xpath: Option<String>,
    pub canonicalization: C14n,
}

/// A signature that checked out.
#[derive(Debug, Clone)]
pub struct VerifiedXmlSignature {
    /// The certificate from the signature's KeyInfo, for the caller's trust decision.
    pub signer: KzCertificate,
    pub algorithm: SignatureAlgorithm,
    /// What the signature covers.
    pub signed: SignedPart,
}

/// The part of the document a signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedPart {
    /// `URI=""`: the whole document except the signature itself.
    Document,
    /// `URI="#id"`: the one element with that id, at `path` (absolute, with
    /// positions: `/root[1]/data[2]`).
    Element { id: String, path: String },
}

/// Why an XML document could not be signed or its signatures not verified.
#[derive(Debug, thiserror::Error)]
pub enum XmlSignatureError {
    #[error("the XML is not valid UTF-8; send the document in UTF-8")]
    NotUtf8,
    #[error("the XML declares the encoding {0}; send the document in UTF-8")]
    Encoding(String),
    #[error("the XML is larger than {0} bytes; sign a smaller document")]
    TooLarge(usize),
    #[error("the XML nests elements deeper than {0} levels")]
    TooDeep(usize),
    #[error("the XML has a DOCTYPE; documents with a DTD or entities are refused")]
    Dtd,
    #[error("the XML is not well-formed: {0}")]
    Malformed(String),
    #[error("the XPath {0} is not supported; use an absolute path such as /root/child")]
    XPathUnsupported(String),
    #[error("the XPath {0} selects no element")]
    XPathNoMatch(String),
    #[error(
        "the element to sign ({0}) has no Id attribute; give it one or sign the whole document"
    )]
    NoId(String),
    #[error("the id {0} is carried by more than one element; ids must be unique")]
    DuplicateId(String),
    #[error("the key's algorithm {0} cannot sign XML; use a GOST 2015, RSA or ECDSA P-256 key")]
    UnsupportedSigner(String),
    #[error("the signing certificate does not belong to this key")]
    KeyMismatch,
    #[error("the key cannot sign the XML: {0}")]
    Sign(#[from] SignError),
    #[error("the XML carries no ds:Signature")]
    NoSignature,
    #[error("the ds:Signature is malformed: {0}")]
    SignatureStructure(String),
    #[error("the algorithm {0} is not supported in XML signatures")]
    UnsupportedAlgorithm(String),
    #[error("the transform {0} is not supported; only enveloped-signature and C14N are")]
    UnsupportedTransform(String),
    #[error(
        "the reference {0} is not supported; only URI=\"\" and URI=\"#id\" in the same document are"
    )]
    UnsupportedReference(String),
    #[error("the reference {0} names no element of the document")]
    ReferenceNotFound(String),
    #[error(
        "the reference {0} points outside the element that carries the signature; the document may have been rearranged"
    )]
    ReferenceOutside(String),
    #[error("the signed content does not match its digest; the document was altered")]
    DigestMismatch,
    #[error("the signature does not verify: {0}")]
    BadSignature(VerifyError),
    #[error("the signer's certificate in the signature is unreadable: {0}")]
    Certificate(String),
}

impl qoltanba_l10n::Localize for XmlSignatureError {
    /// `error-xml-…`: one message per variant; names, URIs and a parser's or
    /// key's own reason stay as they are.
    fn text(&self) -> qoltanba_l10n::Text {
        use qoltanba_l10n::Text;
        match self {
            Self::NotUtf8 => Text::new("error-xml-not-utf8"),
            Self::Encoding(e) => Text::new("error-xml-encoding").arg("encoding", e.as_str()),
            Self::TooLarge(n) => Text::new("error-xml-too-large").arg("limit", n.to_string()),
            Self::TooDeep(n) => Text::new("error-xml-too-deep").arg("limit", n.to_string()),
            Self::Dtd => Text::new("error-xml-dtd"),
            Self::Malformed(r) => Text::new("error-xml-malformed").arg("reason", r.as_str()),
            Self::XPathUnsupported(x) => {
                Text::new("error-xml-xpath-unsupported").arg("xpath", x.as_str())
            }
            Self::XPathNoMatch(x) => Text::new("error-xml-xpath-no-match").arg("xpath", x.as_str()),
            Self::NoId(x) => Text::new("error-xml-no-id").arg("xpath", x.as_str()),
            Self::DuplicateId(id) => Text::new("error-xml-duplicate-id").arg("id", id.as_str()),
            Self::UnsupportedSigner(a) => {
                Text::new("error-xml-unsupported-signer").arg("algorithm", a.as_str())
            }
            Self::KeyMismatch => Text::new("error-xml-key-mismatch"),
            Self::Sign(e) => Text::new("error-xml-sign").arg("reason", e.to_string()),
            Self::NoSignature => Text::new("error-xml-no-signature"),
            Self::SignatureStructure(r) => {
                Text::new("error-xml-signature-structure").arg("reason", r.as_str())
            }
            Self::UnsupportedAlgorithm(a) => {
                Text::new("error-xml-unsupported-algorithm").arg("algorithm", a.as_str())
            }
            Self::UnsupportedTransform(t) => {
                Text::new("error-xml-unsupported-transform").arg("transform", t.as_str())
            }
            Self::UnsupportedReference(r) => {
                Text::new("error-xml-unsupported-reference").arg("reference", r.as_str())
            }
            Self::ReferenceNotFound(r) => {
                Text::new("error-xml-reference-not-found").arg("reference", r.as_str())
            }
            Self::ReferenceOutside(r) => {
                Text::new("error-xml-reference-outside").arg("reference", r.as_str())
            }
            Self::DigestMismatch => Text::new("error-xml-digest-mismatch"),
            Self::BadSignature(e) => {
                Text::new("error-xml-bad-signature").arg("reason", e.to_string())
            }
            Self::Certificate(r) => Text::new("error-xml-certificate").arg("reason", r.as_str()),
        }
    }
}

/// The document's text from bytes, refusing what is not UTF-8.
pub fn xml_from_utf8(bytes: &[u8]) -> Result<&str, XmlSignatureError> {
    std::str::from_utf8(bytes).map_err(|_| XmlSignatureError::NotUtf8)
}

/// The canonical form of a whole document (comments dropped): what a
/// `URI=""` reference with no enveloped signature digests.
pub fn canonicalize(xml: &str, method: C14n) -> Result<String, XmlSignatureError> {
    let doc = parse(xml)?;
    Ok(c14n::canonicalize(doc.root(), &[], method.method()))
}

/// The source text of the element `xpath` selects in `xml` (the subset
/// [`sign_xml`] accepts), as a consent prompt shows what will be signed;
/// `None` when the document does not parse or the path selects no element.
pub fn selected_element_text(xml: &str, xpath: &str) -> Option<String> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let doc = parse(xml).ok()?;
    match xpath::select(&doc, xpath).ok()? {
        xpath::Selected::Document => Some(xml.to_owned()),
        xpath::Selected::Element(node) => xml.get(node.range()).map(str::to_owned),
    }
}

/// Parse a document under the limits: size, no DTD, depth, UTF-8 only.
fn parse(xml: &str) -> Result<Document<'_>, XmlSignatureError> {
    if xml.len() > MAX_XML_BYTES {
        return Err(XmlSignatureError::TooLarge(MAX_XML_BYTES));
    }
    check_declared_encoding(xml)?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        // A node per 2 bytes at most is already absurd; bounds the memory.
        nodes_limit: (MAX_XML_BYTES / 2) as u32,
        ..Default::default()
    };
    let doc = Document::parse_with_options(xml, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => XmlSignatureError::Dtd,
        e => XmlSignatureError::Malformed(e.to_string()),
    })?;
    if depth(doc.root()) > MAX_XML_DEPTH {
        return Err(XmlSignatureError::TooDeep(MAX_XML_DEPTH));
    }
    // roxmltree lets a repeated default declaration (`xmlns="a" xmlns="b"`)
    // through; XML forbids any repeated attribute, and a parser that reads
    // another namespace than the signer's is how signatures get bypassed.
    for element in doc.descendants().filter(|n| n.is_element()) {
        let names = start_tag_attribute_names(&xml[element.range()]);
        if let Some(name) = names
            .iter()
            .enumerate()
            .find_map(|(i, n)| names[..i].contains(n).then_some(n))
        {
            let pos = doc.text_pos_at(element.range().start);
            return Err(XmlSignatureError::Malformed(format!(
                "attribute {name} is repeated at {pos}"
            )));
        }
    }
    Ok(doc)
}

/// The attribute names (namespace declarations included) of the start tag
/// `element` begins with, as written.
fn start_tag_attribute_names(element: &str) -> Vec<&str> {
    let bytes = element.as_bytes();
    let mut i = 1;
    let skip_space = |i: &mut usize| {
        while *i < bytes.len() && bytes[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    // The element's name.
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'/' | b'>') {
        i += 1;
    }
    let mut names = Vec::new();
    loop {
        skip_space(&mut i);
        if i >= bytes.len() || matches!(bytes[i], b'/' | b'>') {
            return names;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        names.push(&element[start..i]);
        skip_space(&mut i);
        i += 1; // '='
        skip_space(&mut i);
        let Some(&quote) = bytes.get(i) else {
            return names;
        };
        i += 1;
        while i < bytes.len() && bytes[i] != quote {
            i += 1;
        }
        i += 1;
    }
}

/// The text is UTF-8 already (a `&str`); a declaration naming another
/// encoding would make the output lie about itself.
fn check_declared_encoding(xml: &str) -> Result<(), XmlSignatureError> {
    let text = xml.trim_start_matches('\u{feff}');
    let Some(rest) = text.strip_prefix("<?xml") else {
        return Ok(());
    };
    let Some(end) = rest.find("?>") else {
        return Ok(()); // the parser reports it
    };
    let decl = &rest[..end];
    if let Some(at) = decl.find("encoding") {
        let value = decl[at + "encoding".len()..]
            .trim_start()
            .trim_start_matches('=')
            .trim_start();
        let quote = value.chars().next().unwrap_or('"');
        let name: String = value.chars().skip(1).take_while(|c| *c != quote).collect();
        if !name.eq_ignore_ascii_case("utf-8") && !name.eq_ignore_ascii_case("utf8") {
            return Err(XmlSignatureError::Encoding(name));
        }
    }
    Ok(())
}

/// The deepest element nesting, walked without recursion.
fn depth(root: Node) -> usize {
    let (mut max, mut stack) = (0, vec![(root, 0usize)]);
    while let Some((node, d)) = stack.pop() {
        max = max.max(d);
        if max > MAX_XML_DEPTH {
            break;
        }
        stack.extend(
            node.children()
                .filter(|c| c.is_element())
                .map(|c| (c, d + 1)),
        );
    }
    max
}

/// The id an element carries, under the names signXml and XML-DSig tools use.
fn element_id<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    ["Id", "ID", "id"]
        .into_iter()
        .find_map(|name| node.attribute(name))
}

/// The one element whose id is `id`; more than one is refused (a wrapping
/// attack plants a second element with the signed one's id).
fn element_by_id<'a, 'input>(
    doc: &'a Document<'input>,
    id: &str,
) -> Result<Option<Node<'a, 'input>>, XmlSignatureError> {
    let mut found = doc.descendants().filter(|n| n.is_element()).filter(|n| {
        ["Id", "ID", "id"]
            .iter()
            .any(|a| n.attribute(*a) == Some(id))
    });
    match (found.next(), found.next()) {
        (first, None) => Ok(first),
        _ => Err(XmlSignatureError::DuplicateId(id.to_string())),
    }
}

/// `/root[1]/child[2]`: an element's place, for people and the caller's checks.
fn absolute_path(node: Node) -> String {
    let mut steps: Vec<String> = node
        .ancestors()
        .filter(|n| n.is_element())
        .map(|n| {
            let name = c14n::qualified_name(n);
            // prev_siblings() starts at the node itself: a 1-based position.
            let position = n
                .prev_siblings()
                .filter(|s| s.is_element() && c14n::qualified_name(*s) == name)
                .count();
            format!("{name}[{position}]")
        })
        .collect();
    steps.reverse();
    format!("/{}", steps.join("/"))
}

/// The algorithm URIs a signer writes.
fn signature_uris(algorithm: SignatureAlgorithm) -> Option<(&'static str, &'static str)> {
    Some(match algorithm {
        SignatureAlgorithm::RsaPkcs1Sha256 => (uri::RSA_SHA256, uri::SHA256),
        SignatureAlgorithm::EcdsaP256Sha256 => (uri::ECDSA_SHA256, uri::SHA256),
        SignatureAlgorithm::Gost2015_512 => (uri::GOST2015_512, uri::STREEBOG512),
        _ => return None,
    })
}

/// A digest named by its URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum XmlDigest {
    Known(DigestAlgorithm),
    /// GOST R 34.11-94 with the test parameter set (Kazakh GOST 34.311-95).
    Gost34311,
}

impl XmlDigest {
    fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            uri::SHA256 => Self::Known(DigestAlgorithm::Sha256),
            uri::STREEBOG512 => Self::Known(DigestAlgorithm::Streebog512),
            uri::GOST34311 => Self::Gost34311,
            _ => return None,
        })
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Known(d) => d.digest(data),
            Self::Gost34311 => crate::crypto::gost_hash::gost94_test(data).to_vec(),
        }
    }
}

fn is_ds(node: Node, local: &str) -> bool {
    node.node_type() == NodeType::Element
        && node.tag_name().namespace() == Some(DSIG_NS)
        && node.tag_name().name() == local
}

#[cfg(test)]
mod tests;
