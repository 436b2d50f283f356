//! Checking every signature of a document.
//!
//! A signature is accepted only in the shape signXml makes (and xmlsec1 or
//! Santuario make for the same job): SignedInfo with a known
//! CanonicalizationMethod and SignatureMethod and exactly one Reference,
//! `URI=""` or `URI="#id"`, transforms among enveloped-signature and the
//! four C14N 1.0 URIs, a known DigestMethod, and KeyInfo with exactly one
//! X509Certificate. No ds:Object, no external or XPointer references, no
//! XPath or XSLT transforms, no InclusiveNamespaces.
//!
//! Wrapping attacks move the signed element away and put another where the
//! application looks. Against them: an id must be carried by exactly one
//! element, and a `#id` reference must point to an ancestor of the
//! signature or into the subtree of the signature's parent (the element the
//! signature is about), never into a ds:Signature; the path of the signed
//! element is returned for the caller to compare with where it reads.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node};

use super::{
    SignedPart, VerifiedXmlSignature, XmlDigest, XmlSignatureError, absolute_path, c14n,
    element_by_id, is_ds, parse, uri,
};
use crate::cert::KzCertificate;
use crate::crypto::{SignatureAlgorithm, ecdsa_signature_der, verify_signature};

/// Verify every `ds:Signature` in `xml`: the reference's digest and the
/// signature over SignedInfo with the certificate the signature carries.
/// Trust in those certificates is the caller's. A document without a
/// signature, or with any signature that does not check out, is an error.
pub fn verify_xml(xml: &str) -> Result<Vec<VerifiedXmlSignature>, XmlSignatureError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let doc = parse(xml)?;
    let signatures: Vec<Node> = doc
        .descendants()
        .filter(|n| is_ds(*n, "Signature"))
        .collect();
    if signatures.is_empty() {
        return Err(XmlSignatureError::NoSignature);
    }
    // Each signature canonicalizes what it covers, the whole document at
    // most: bound the work.
    if signatures.len() > MAX_SIGNATURES {
        return Err(XmlSignatureError::SignatureStructure(format!(
            "more than {MAX_SIGNATURES} signatures in one document"
        )));
    }
    signatures
        .iter()
        .enumerate()
        .map(|(i, signature)| verify_one(&doc, *signature, &signatures[i + 1..]))
        .collect()
}

/// The most signatures one document may carry.
const MAX_SIGNATURES: usize = 32;

fn structure(what: &str) -> XmlSignatureError {
    XmlSignatureError::SignatureStructure(what.to_string())
}

/// The element children of `node` (text between them is whitespace in
/// signXml's layout, and inside SignedInfo it is signed anyway).
fn element_children<'a, 'input>(node: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
    node.children().filter(|c| c.is_element()).collect()
}

/// The one child `ds:<local>`, in the position XML-DSig gives it.
fn expect<'a, 'input>(
    children: &[Node<'a, 'input>],
    index: usize,
    local: &str,
) -> Result<Node<'a, 'input>, XmlSignatureError> {
    children
        .get(index)
        .copied()
        .filter(|n| is_ds(*n, local))
        .ok_or_else(|| XmlSignatureError::SignatureStructure(format!("expected ds:{local}")))
}

fn algorithm_attr<'a>(node: Node<'a, '_>) -> Result<&'a str, XmlSignatureError> {
    node.attribute("Algorithm").ok_or_else(|| {
        XmlSignatureError::SignatureStructure(format!(
            "ds:{} has no Algorithm",
            node.tag_name().name()
        ))
    })
}

/// A C14N URI: (exclusive, with comments).
fn c14n_method(uri_value: &str) -> Option<c14n::Method> {
    let (exclusive, comments) = match uri_value {
        uri::C14N => (false, false),
        uri::C14N_WITH_COMMENTS => (false, true),
        uri::EXC_C14N => (true, false),
        uri::EXC_C14N_WITH_COMMENTS => (true, true),
        _ => return None,
    };
    Some(c14n::Method {
        exclusive,
        comments,
    })
}

fn signature_method(uri_value: &str) -> Option<SignatureAlgorithm> {
    Some(match uri_value {
        uri::RSA_SHA256 => SignatureAlgorithm::RsaPkcs1Sha256,
        uri::ECDSA_SHA256 => SignatureAlgorithm::EcdsaP256Sha256,
        uri::GOST2015_512 => SignatureAlgorithm::Gost2015_512,
        uri::GOST2004 => SignatureAlgorithm::Gost2004,
        _ => return None,
    })
}

fn base64_content(node: Node, what: &str) -> Result<Vec<u8>, XmlSignatureError> {
    let text: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .flat_map(|t| t.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD
        .decode(text)
        .map_err(|_| XmlSignatureError::SignatureStructure(format!("{what} is not base64")))
}

/// One signature; `later` are the signatures after it in document order,
/// which a co-signed document may have gained after this one was made.
fn verify_one<'a, 'input>(
    doc: &'a Document<'input>,
    signature: Node<'a, 'input>,
    later: &[Node<'a, 'input>],
) -> Result<VerifiedXmlSignature, XmlSignatureError> {
    let parts = element_children(signature);
    let signed_info = expect(&parts, 0, "SignedInfo")?;
    let signature_value = expect(&parts, 1, "SignatureValue")?;
    let key_info = expect(&parts, 2, "KeyInfo")?;
    if parts.len() != 3 {
        return Err(structure(
            "only SignedInfo, SignatureValue and KeyInfo are accepted (no ds:Object)",
        ));
    }

    // SignedInfo: CanonicalizationMethod, SignatureMethod, one Reference.
    let info = element_children(signed_info);
    let c14n_node = expect(&info, 0, "CanonicalizationMethod")?;
    let c14n_uri = algorithm_attr(c14n_node)?;
    let info_method = c14n_method(c14n_uri)
        .ok_or_else(|| XmlSignatureError::UnsupportedAlgorithm(c14n_uri.to_string()))?;
    if c14n_node.children().any(|c| c.is_element()) {
        return Err(XmlSignatureError::UnsupportedTransform(format!(
            "{c14n_uri} with parameters"
        )));
    }
    let method_node = expect(&info, 1, "SignatureMethod")?;
    let method_uri = algorithm_attr(method_node)?;
    let algorithm = signature_method(method_uri)
        .ok_or_else(|| XmlSignatureError::UnsupportedAlgorithm(method_uri.to_string()))?;
    if method_node.children().any(|c| c.is_element()) {
        return Err(structure("SignatureMethod has parameters"));
    }
    let reference = expect(&info, 2, "Reference")?;
    if info.len() != 3 {
        return Err(structure("exactly one Reference is accepted"));
    }

    // The reference: what it names, its transforms, its digest.
    let reference_uri = reference
        .attribute("URI")
        .ok_or_else(|| structure("the Reference has no URI"))?;
    let (apex, signed) = dereference(doc, signature, reference_uri)?;
    let steps = element_children(reference);
    let (transforms, rest) = match steps.first() {
        Some(t) if is_ds(*t, "Transforms") => (element_children(*t), &steps[1..]),
        _ => (Vec::new(), &steps[..]),
    };
    let digest_method = expect(rest, 0, "DigestMethod")?;
    let digest_value = expect(rest, 1, "DigestValue")?;
    if rest.len() != 2 {
        return Err(structure("the Reference has extra elements"));
    }
    let (mut enveloped, mut reference_method) = (false, None);
    for (i, transform) in transforms.iter().enumerate() {
        if !is_ds(*transform, "Transform") {
            return Err(structure(
                "Transforms holds something else than ds:Transform",
            ));
        }
        let t = algorithm_attr(*transform)?;
        if transform.children().any(|c| c.is_element()) {
            return Err(XmlSignatureError::UnsupportedTransform(format!(
                "{t} with parameters"
            )));
        }
        match (t, c14n_method(t)) {
            (uri::ENVELOPED, _) if !enveloped && reference_method.is_none() => enveloped = true,
            (_, Some(m)) if reference_method.is_none() && i + 1 == transforms.len() => {
                reference_method = Some(m)
            }
            _ => return Err(XmlSignatureError::UnsupportedTransform(t.to_string())),
        }
    }
    // Node-set to octets without an explicit transform: inclusive C14N
    // (XML-DSig §4.4.3.2). Same-document references never carry comments
    // (§4.4.3.3), whatever the transform's URI says.
    let reference_method = c14n::Method {
        comments: false,
        ..reference_method.unwrap_or(c14n::Method {
            exclusive: false,
            comments: false,
        })
    };
    let digest_uri = algorithm_attr(digest_method)?;
    let digest = XmlDigest::from_uri(digest_uri)
        .ok_or_else(|| XmlSignatureError::UnsupportedAlgorithm(digest_uri.to_string()))?;
    let expected = base64_content(digest_value, "DigestValue")?;
    let digest_of = |exclude: &[Node]| {
        digest.digest(c14n::canonicalize(apex, exclude, reference_method).as_bytes())
    };
    // Enveloped: without this signature. NCA co-signs by appending another
    // enveloped signature, which the earlier one's digest did not see
    // (NCANode verifies them last first, removing each): so the digest may
    // also be over the document without the signatures that follow. Those
    // are verified in their turn, so nothing unsigned slips in.
    let matches = if enveloped {
        let mut without_later = vec![signature];
        without_later.extend_from_slice(later);
        digest_of(&[signature]) == expected
            || (!later.is_empty() && digest_of(&without_later) == expected)
    } else {
        digest_of(&[]) == expected
    };
    if !matches {
        return Err(XmlSignatureError::DigestMismatch);
    }

    // The certificate, then the signature over SignedInfo.
    let certificates: Vec<Node> = key_info
        .descendants()
        .filter(|n| is_ds(*n, "X509Certificate"))
        .collect();
    let [certificate] = certificates[..] else {
        return Err(structure("KeyInfo must carry exactly one X509Certificate"));
    };
    let signer = KzCertificate::from_der(&base64_content(certificate, "X509Certificate")?)
        .map_err(|e| XmlSignatureError::Certificate(e.to_string()))?;
    let mut value = base64_content(signature_value, "SignatureValue")?;
    if algorithm == SignatureAlgorithm::EcdsaP256Sha256 {
        if value.len() != 64 {
            return Err(structure(
                "an ECDSA P-256 SignatureValue is 64 bytes (r ‖ s)",
            ));
        }
        value = ecdsa_signature_der(&value).map_err(|e| structure(&e.to_string()))?;
    }
    let signed_info_c14n = c14n::canonicalize(signed_info, &[], info_method);
    verify_signature(
        signer.public_key(),
        &algorithm.identifier(),
        signed_info_c14n.as_bytes(),
        &value,
    )
    .map_err(XmlSignatureError::BadSignature)?;
    Ok(VerifiedXmlSignature {
        signer,
        algorithm,
        signed,
    })
}

/// What a Reference URI names: the document, or the one element with the id,
/// which must be what the signature is about (see the module's doc).
fn dereference<'a, 'input>(
    doc: &'a Document<'input>,
    signature: Node<'a, 'input>,
    reference: &str,
) -> Result<(Node<'a, 'input>, SignedPart), XmlSignatureError> {
    if reference.is_empty() {
        return Ok((doc.root(), SignedPart::Document));
    }
    let unsupported = || XmlSignatureError::UnsupportedReference(reference.to_string());
    let id = reference.strip_prefix('#').ok_or_else(unsupported)?;
    if id.is_empty() || id.contains(['(', ')', '/', '#']) {
        return Err(unsupported());
    }
    let element = element_by_id(doc, id)?
        .ok_or_else(|| XmlSignatureError::ReferenceNotFound(reference.to_string()))?;
    let is_ancestor = signature.ancestors().any(|a| a == element);
    let about = signature
        .parent_element()
        .is_some_and(|parent| element.ancestors().any(|a| a == parent));
    let in_a_signature = element.ancestors().any(|a| is_ds(a, "Signature"));
    if !(is_ancestor || about) || in_a_signature {
        return Err(XmlSignatureError::ReferenceOutside(reference.to_string()));
    }
    Ok((
        element,
        SignedPart::Element {
            id: id.to_string(),
            path: absolute_path(element),
        },
    ))
}
