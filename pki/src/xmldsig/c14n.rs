//! Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 over a parsed
//! document (roxmltree), for a document or one element's subtree, minus an
//! optional excluded subtrees (the enveloped signature, and the
//! signatures added after it).
//!
//! No maintained Rust crate does both over a document subset (the c14n
//! crates on crates.io are either unmaintained or do C14N 2.0 only), so the
//! rules are written here, and tested against the W3C recommendations'
//! examples and against libxml2 through python3-lxml (pki/tests/xmldsig.rs).
//!
//! What the node-sets here are: an apex (the document or an element) with
//! all its descendants except `exclude`'s subtree, comments kept or not. So
//! every output element but the apex has its parent in the node-set, which
//! is what makes the namespace rules below exact:
//!
//! - inclusive: an element renders the in-scope namespaces its output parent
//!   does not render with the same value (all of them at the apex), and
//!   `xmlns=""` when it has no default namespace but its parent had one; the
//!   apex also takes the `xml:` attributes of its ancestors (C14N 1.0 §2.4);
//! - exclusive: an element renders only the namespaces it visibly uses (its
//!   own prefix and its attributes' prefixes) that its nearest output
//!   ancestor did not already render with the same value (no
//!   InclusiveNamespaces PrefixList: refused by the verifier).
//!
//! The `xml` namespace is never rendered. Attributes are sorted by namespace
//! URI then local name, declarations by prefix (the default first); text and
//! attribute values are escaped as §2.3 says; line ends arrive normalised by
//! the parser.

use roxmltree::{Node, NodeType};

/// The `xml:` prefix's namespace, bound implicitly in every document.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Which canonicalization, and whether comments stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Method {
    pub exclusive: bool,
    pub comments: bool,
}

/// A namespace binding: prefix (None: the default namespace) and URI ("" for
/// an undeclared default).
type Binding<'a> = (Option<&'a str>, &'a str);

/// Canonicalize `apex` (the document root node or an element) without the
/// subtrees of `exclude`.
pub(crate) fn canonicalize(apex: Node, exclude: &[Node], method: Method) -> String {
    let mut out = String::new();
    let c = Canonicalizer { exclude, method };
    if apex.node_type() == NodeType::Root {
        let mut after_root = false;
        for child in apex.children() {
            match child.node_type() {
                NodeType::Element => {
                    c.element(&mut out, child, true, &[]);
                    after_root = true;
                }
                NodeType::PI | NodeType::Comment => {
                    if child.node_type() == NodeType::Comment && !method.comments {
                        continue;
                    }
                    // §2.1: a line break between nodes outside the document element.
                    if after_root {
                        out.push('\n');
                    }
                    c.leaf(&mut out, child);
                    if !after_root {
                        out.push('\n');
                    }
                }
                _ => {}
            }
        }
    } else {
        c.element(&mut out, apex, true, &[]);
    }
    out
}

struct Canonicalizer<'e, 'a, 'input> {
    exclude: &'e [Node<'a, 'input>],
    method: Method,
}

impl<'a, 'input: 'a> Canonicalizer<'_, 'a, 'input> {
    /// `rendered`: the exclusive method's namespaces as the nearest output
    /// ancestor left them (unused by the inclusive method, which compares
    /// with the parent's in-scope namespaces).
    fn element(
        &self,
        out: &mut String,
        node: Node<'a, 'input>,
        apex: bool,
        rendered: &[Binding<'a>],
    ) {
        if self.exclude.contains(&node) {
            return;
        }
        let name = qualified_name(node);
        let own = in_scope(node);
        let mut declare: Vec<Binding<'a>> = Vec::new();
        let mut now_rendered: Vec<Binding<'a>> = Vec::new();
        if self.method.exclusive {
            now_rendered.extend_from_slice(rendered);
            let mut used: Vec<Option<&str>> = vec![prefix_of(name)];
            for attr in node.attributes() {
                let qname = attr_qname(node, &attr);
                if let Some(prefix) = prefix_of(qname).filter(|p| *p != "xml") {
                    used.push(Some(prefix));
                }
            }
            for prefix in used {
                let uri = lookup(&own, prefix);
                let current = lookup(&now_rendered, prefix);
                if uri != current && !declare.iter().any(|(p, _)| *p == prefix) {
                    declare.push((prefix, uri));
                    now_rendered.retain(|(p, _)| *p != prefix);
                    now_rendered.push((prefix, uri));
                }
            }
        } else {
            let parent_scope = if apex {
                Vec::new()
            } else {
                node.parent_element().map(in_scope).unwrap_or_default()
            };
            for &(prefix, uri) in &own {
                if lookup(&parent_scope, prefix) != uri {
                    declare.push((prefix, uri));
                }
            }
            if lookup(&own, None).is_empty() && !lookup(&parent_scope, None).is_empty() {
                declare.push((None, ""));
            }
        }
        declare.sort_by(|a, b| a.0.cmp(&b.0));

        let mut attrs: Vec<(&str, &str, &str, &str)> = node
            .attributes()
            .map(|a| {
                (
                    a.namespace().unwrap_or(""),
                    a.name(),
                    attr_qname(node, &a),
                    a.value(),
                )
            })
            .collect();
        if apex && !self.method.exclusive {
            // C14N 1.0: the apex inherits the xml: attributes (xml:lang,
            // xml:space, …) of its ancestors, the nearest one winning.
            for ancestor in node.ancestors().skip(1).filter(|n| n.is_element()) {
                for a in ancestor.attributes() {
                    if a.namespace() == Some(XML_NS)
                        && !attrs.iter().any(|x| x.0 == XML_NS && x.1 == a.name())
                    {
                        attrs.push((XML_NS, a.name(), attr_qname(ancestor, &a), a.value()));
                    }
                }
            }
        }
        attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        out.push('<');
        out.push_str(name);
        for (prefix, uri) in &declare {
            match prefix {
                None => out.push_str(" xmlns=\""),
                Some(p) => {
                    out.push_str(" xmlns:");
                    out.push_str(p);
                    out.push_str("=\"");
                }
            }
            escape_attribute(out, uri);
            out.push('"');
        }
        for (_, _, qname, value) in &attrs {
            out.push(' ');
            out.push_str(qname);
            out.push_str("=\"");
            escape_attribute(out, value);
            out.push('"');
        }
        out.push('>');
        for child in node.children() {
            match child.node_type() {
                NodeType::Element => self.element(out, child, false, &now_rendered),
                NodeType::Text => escape_text(out, child.text().unwrap_or("")),
                NodeType::Comment if !self.method.comments => {}
                NodeType::PI | NodeType::Comment => self.leaf(out, child),
                NodeType::Root => {}
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }

    /// A processing instruction or a comment.
    fn leaf(&self, out: &mut String, node: Node) {
        match node.node_type() {
            NodeType::PI => {
                if let Some(pi) = node.pi() {
                    out.push_str("<?");
                    out.push_str(pi.target);
                    if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                        out.push(' ');
                        out.push_str(value);
                    }
                    out.push_str("?>");
                }
            }
            NodeType::Comment => {
                out.push_str("<!--");
                out.push_str(node.text().unwrap_or(""));
                out.push_str("-->");
            }
            _ => {}
        }
    }
}

/// The element's name as written (`prefix:local` or `local`), read from the
/// source text, since the parsed tree keeps only the namespace URI.
pub(crate) fn qualified_name<'input>(node: Node<'_, 'input>) -> &'input str {
    let text = node.document().input_text();
    let start = node.range().start + 1;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    &rest[..end]
}

fn attr_qname<'input>(
    node: Node<'_, 'input>,
    attr: &roxmltree::Attribute<'_, 'input>,
) -> &'input str {
    let range = attr.range_qname();
    node.document()
        .input_text()
        .get(range)
        .unwrap_or_else(|| attr.name())
}

fn prefix_of(qname: &str) -> Option<&str> {
    qname.split_once(':').map(|(p, _)| p)
}

/// The element's in-scope namespaces, without `xml` and without an empty default.
fn in_scope<'a>(node: Node<'a, '_>) -> Vec<Binding<'a>> {
    node.namespaces()
        .filter(|ns| ns.name() != Some("xml"))
        .filter(|ns| !(ns.name().is_none() && ns.uri().is_empty()))
        .map(|ns| (ns.name(), ns.uri()))
        .collect()
}

fn lookup<'a>(bindings: &[Binding<'a>], prefix: Option<&str>) -> &'a str {
    bindings
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, uri)| *uri)
        .unwrap_or("")
}

fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

pub(crate) fn escape_attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}
