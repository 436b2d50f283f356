//! Making an enveloped signature as NCALayer's signXml does.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roxmltree::Node;

use super::xpath::{Selected, select};
use super::{
    C14n, DSIG_NS, XmlSignOptions, XmlSignatureError, c14n, element_by_id, element_id, is_ds,
    parse, signature_uris, uri,
};
use crate::cert::KzCertificate;
use crate::crypto::{SignError, SignatureAlgorithm, Signer};

/// The declaration NCALayer's output starts with (Java's serializer writes it).
const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#;

/// Sign `xml` with `signer`, whose certificate is `cert`: an enveloped
/// `ds:Signature` over the element `options.tbs_element_xpath` chooses (the
/// whole document by default), appended to the element
/// `options.signature_parent_xpath` chooses (the document element by
/// default), with the algorithms of the key (RSA-SHA256, ECDSA-SHA256,
/// GOST 2015-512). Returns the caller's text with the signature spliced in
/// (and NCALayer's XML declaration in front when the text had none).
pub fn sign_xml(
    xml: &str,
    options: &XmlSignOptions,
    signer: &dyn Signer,
    cert: &KzCertificate,
) -> Result<String, XmlSignatureError> {
    let (key, certified) = (signer.public_key(), cert.public_key());
    if key.algorithm.oid != certified.algorithm.oid
        || key.subject_public_key != certified.subject_public_key
    {
        return Err(XmlSignatureError::KeyMismatch);
    }
    let algorithm = signer.algorithm();
    let (signature_uri, digest_uri) = signature_uris(algorithm)
        .ok_or_else(|| XmlSignatureError::UnsupportedSigner(algorithm.name().into()))?;
    let digest = algorithm
        .digest()
        .ok_or_else(|| XmlSignatureError::UnsupportedSigner(algorithm.name().into()))?;

    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let doc = parse(xml)?;
    let method = options.canonicalization.method();

    // What is signed, and how the Reference names it.
    let chosen = |path: &Option<String>| -> Result<Option<Node>, XmlSignatureError> {
        match path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => Ok(None),
            Some(p) => match select(&doc, p)? {
                Selected::Document => Ok(None),
                Selected::Element(node) => Ok(Some(node)),
            },
        }
    };
    let (reference_uri, signed_content) = match chosen(&options.tbs_element_xpath)? {
        None => (String::new(), c14n::canonicalize(doc.root(), &[], method)),
        Some(element) => match element_id(element) {
            Some(id) => {
                // The id must name this element alone, or a verifier could
                // resolve it to another.
                element_by_id(&doc, id)?;
                (format!("#{id}"), c14n::canonicalize(element, &[], method))
            }
            None if Some(element) == doc.root().first_element_child() => {
                (String::new(), c14n::canonicalize(doc.root(), &[], method))
            }
            None => {
                return Err(XmlSignatureError::NoId(
                    options.tbs_element_xpath.clone().unwrap_or_default(),
                ));
            }
        },
    };
    let parent = match chosen(&options.signature_parent_xpath)? {
        Some(node) => node,
        None => doc.root_element(),
    };
    let digest_value = STANDARD.encode(digest.digest(signed_content.as_bytes()));

    let signed_info = signed_info(
        options.canonicalization,
        signature_uri,
        &reference_uri,
        digest_uri,
        &digest_value,
    );
    let certificate = wrap76(&STANDARD.encode(cert.der()));
    let head =
        format!("<ds:Signature xmlns:ds=\"{DSIG_NS}\">\n{signed_info}\n<ds:SignatureValue>\n");
    let tail = format!(
        "\n</ds:SignatureValue>\n<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>\n{certificate}\n</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n</ds:Signature>"
    );

    // Splice the signature (without its value yet) into the caller's text.
    let (mut text, at) = splice(xml, parent, &format!("{head}{tail}"));
    let value_at = at + head.len();

    // SignedInfo is canonicalized where it stands: the inclusive method
    // renders the namespaces it inherits from the document.
    let placed = parse(&text)?;
    let signature = placed
        .descendants()
        .find(|n| is_ds(*n, "Signature") && n.range().start == at)
        .ok_or_else(|| XmlSignatureError::SignatureStructure("lost after insertion".into()))?;
    let signed_info_node = signature
        .children()
        .find(|n| is_ds(*n, "SignedInfo"))
        .ok_or_else(|| XmlSignatureError::SignatureStructure("no SignedInfo".into()))?;
    let signed_info_c14n = c14n::canonicalize(signed_info_node, &[], method);
    let raw = signer.sign(signed_info_c14n.as_bytes())?;
    let value = xml_signature_value(algorithm, &raw)?;
    text.insert_str(value_at, &wrap76(&STANDARD.encode(value)));

    if !xml.trim_start().starts_with("<?xml") {
        text.insert_str(0, DECLARATION);
    }
    Ok(text)
}

/// SignedInfo as NCA's Santuario writes it: one element a line.
fn signed_info(
    c14n: C14n,
    signature_uri: &str,
    reference_uri: &str,
    digest_uri: &str,
    digest_value: &str,
) -> String {
    let (method_uri, transform_uri) = match c14n {
        C14n::Inclusive => (uri::C14N, uri::C14N_WITH_COMMENTS),
        C14n::Exclusive => (uri::EXC_C14N, uri::EXC_C14N),
    };
    let mut escaped_uri = String::new();
    c14n::escape_attribute(&mut escaped_uri, reference_uri);
    format!(
        "<ds:SignedInfo>\n\
<ds:CanonicalizationMethod Algorithm=\"{method_uri}\"/>\n\
<ds:SignatureMethod Algorithm=\"{signature_uri}\"/>\n\
<ds:Reference URI=\"{escaped_uri}\">\n\
<ds:Transforms>\n\
<ds:Transform Algorithm=\"{enveloped}\"/>\n\
<ds:Transform Algorithm=\"{transform_uri}\"/>\n\
</ds:Transforms>\n\
<ds:DigestMethod Algorithm=\"{digest_uri}\"/>\n\
<ds:DigestValue>{digest_value}</ds:DigestValue>\n\
</ds:Reference>\n\
</ds:SignedInfo>",
        enveloped = uri::ENVELOPED,
    )
}

/// The caller's text with `signature` as the last child of `parent`;
/// returns the text and where the signature starts.
fn splice(xml: &str, parent: Node, signature: &str) -> (String, usize) {
    let range = parent.range();
    let element = &xml[range.clone()];
    let mut text = String::with_capacity(xml.len() + signature.len() + 64);
    if element.ends_with("/>") {
        // `<parent …/>` becomes `<parent …>signature</parent>`.
        let name = c14n::qualified_name(parent);
        let open_end = range.end - 2;
        let head = xml[range.start..open_end].trim_end();
        text.push_str(&xml[..range.start]);
        text.push_str(head);
        text.push('>');
        let at = text.len();
        text.push_str(signature);
        text.push_str("</");
        text.push_str(name);
        text.push('>');
        text.push_str(&xml[range.end..]);
        (text, at)
    } else {
        // Before the end tag, the last `</` of the element.
        let close = element.rfind("</").map_or(range.end, |i| range.start + i);
        text.push_str(&xml[..close]);
        let at = text.len();
        text.push_str(signature);
        text.push_str(&xml[close..]);
        (text, at)
    }
}

/// The SignatureValue's bytes: RSA and GOST as the key gives them (GOST in
/// the Kazakh r ‖ s, each little-endian, as NCA writes it: docs), ECDSA as
/// XML-DSig wants it, r ‖ s big-endian of the curve's size instead of DER.
fn xml_signature_value(
    algorithm: SignatureAlgorithm,
    signature: &[u8],
) -> Result<Vec<u8>, XmlSignatureError> {
    match algorithm {
        SignatureAlgorithm::EcdsaP256Sha256 => ecdsa_der_to_raw(signature, 32)
            .ok_or_else(|| SignError::Device("the ECDSA signature is not DER".into()).into()),
        _ => Ok(signature.to_vec()),
    }
}

/// DER ECDSA-Sig-Value to r ‖ s, each `size` bytes.
pub(super) fn ecdsa_der_to_raw(der: &[u8], size: usize) -> Option<Vec<u8>> {
    #[derive(der::Sequence)]
    struct EcdsaSigValue<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    let value: EcdsaSigValue = der::Decode::from_der(der).ok()?;
    let mut out = Vec::with_capacity(2 * size);
    for n in [value.r.as_bytes(), value.s.as_bytes()] {
        if n.len() > size {
            return None;
        }
        out.extend(std::iter::repeat_n(0, size - n.len()));
        out.extend_from_slice(n);
    }
    Some(out)
}

/// Base64 in lines of 76, as Santuario writes SignatureValue and the
/// certificate (with `\n`, not its `&#13;\n`).
fn wrap76(b64: &str) -> String {
    b64.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}
