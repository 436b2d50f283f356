//! The XPath subset portals pass to signXml: absolute location paths of
//! element names, `/root/child`, `/p:root/p:child`, with an optional
//! position, `/root/item[2]`. Anything else (`//`, `*`, `@`, functions,
//! other predicates) is refused.
//!
//! A prefixed step matches an element of that local name whose namespace is
//! the one the prefix is bound to where the element stands. An unprefixed
//! step matches an element of that name written without a prefix, in no
//! namespace or in a default one: strict XPath 1.0 would match only the
//! former, so a document with a default namespace selected nothing in NCA's
//! signXml; here it selects what the portal evidently meant. The first match
//! in document order is taken, as signXml's single-node selection does.

use roxmltree::{Document, Node};

use super::{XmlSignatureError, c14n::qualified_name};

/// What a path selects.
pub(super) enum Selected<'a, 'input> {
    /// `/`: the document itself.
    Document,
    Element(Node<'a, 'input>),
}

struct Step<'s> {
    prefix: Option<&'s str>,
    local: &'s str,
    position: Option<usize>,
}

pub(super) fn select<'a, 'input>(
    doc: &'a Document<'input>,
    path: &str,
) -> Result<Selected<'a, 'input>, XmlSignatureError> {
    let trimmed = path.trim();
    let unsupported = || XmlSignatureError::XPathUnsupported(path.to_string());
    if trimmed == "/" {
        return Ok(Selected::Document);
    }
    let rest = trimmed.strip_prefix('/').ok_or_else(unsupported)?;
    let steps = rest
        .split('/')
        .map(|s| parse_step(s).ok_or_else(unsupported))
        .collect::<Result<Vec<_>, _>>()?;

    let mut candidates: Vec<Node<'a, 'input>> = vec![doc.root()];
    for step in &steps {
        let mut next = Vec::new();
        for parent in &candidates {
            let matching = parent.children().filter(|c| matches(*c, step));
            match step.position {
                Some(p) => next.extend(matching.skip(p - 1).take(1)),
                None => next.extend(matching),
            }
        }
        candidates = next;
    }
    candidates
        .into_iter()
        .next()
        .map(Selected::Element)
        .ok_or_else(|| XmlSignatureError::XPathNoMatch(path.to_string()))
}

fn parse_step(step: &str) -> Option<Step<'_>> {
    let (name, position) = match step.split_once('[') {
        Some((name, rest)) => {
            let n: usize = rest.strip_suffix(']')?.trim().parse().ok()?;
            (name, Some(n).filter(|n| *n > 0)?.into())
        }
        None => (step, None),
    };
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
    };
    if !valid(local) || prefix.is_some_and(|p| !valid(p)) {
        return None;
    }
    Some(Step {
        prefix,
        local,
        position,
    })
}

fn matches(node: Node, step: &Step) -> bool {
    if !node.is_element() || node.tag_name().name() != step.local {
        return false;
    }
    match step.prefix {
        Some(prefix) => {
            node.lookup_namespace_uri(Some(prefix)).is_some()
                && node.tag_name().namespace() == node.lookup_namespace_uri(Some(prefix))
        }
        None => !qualified_name(node).contains(':'),
    }
}
