//! The W3C recommendations' own examples (Canonical XML 1.0 §3, Exclusive
//! XML Canonicalization 1.0 §2.2), the parser's limits and the XPath subset.
//! The DTD parts of the examples are left out (DTDs are refused), so the
//! outputs lack what the DTDs added (default attributes, ID normalisation).

use super::*;

const INCLUSIVE: c14n::Method = c14n::Method {
    exclusive: false,
    comments: false,
};
const EXCLUSIVE: c14n::Method = c14n::Method {
    exclusive: true,
    comments: false,
};

fn whole(xml: &str, method: c14n::Method) -> String {
    let doc = parse(xml).unwrap();
    c14n::canonicalize(doc.root(), &[], method)
}

/// C14N 1.0 §3.1, PIs, comments and outside of the document element.
#[test]
fn w3c_3_1_pis_comments_and_outside_of_the_document_element() {
    let input = "<?xml version=\"1.0\"?>\n\n<?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\n\n<doc>Hello, world!<!-- Comment 1 --></doc>\n\n<?pi-without-data     ?>\n\n<!-- Comment 2 -->\n\n<!-- Comment 3 -->";
    let without = "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n<doc>Hello, world!</doc>\n<?pi-without-data?>";
    let with = "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n<doc>Hello, world!<!-- Comment 1 --></doc>\n<?pi-without-data?>\n<!-- Comment 2 -->\n<!-- Comment 3 -->";
    assert_eq!(whole(input, INCLUSIVE), without);
    let comments = c14n::Method {
        exclusive: false,
        comments: true,
    };
    assert_eq!(whole(input, comments), with);
}

/// §3.2, whitespace in document content: kept as it is.
#[test]
fn w3c_3_2_whitespace_in_document_content() {
    let input = "<doc>\n   <clean>   </clean>\n   <dirty>   A   B   </dirty>\n   <mixed>\n      A\n      <clean>   </clean>\n      B\n      <dirty>   A   B   </dirty>\n      C\n   </mixed>\n</doc>";
    assert_eq!(
        whole(&format!("<?xml version=\"1.0\"?>\n{input}"), INCLUSIVE),
        input
    );
}

/// §3.3, start and end tags: empty elements, attribute and namespace order,
/// superfluous declarations, `xmlns=""`.
#[test]
fn w3c_3_3_start_and_end_tags() {
    let input = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
    let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
    assert_eq!(whole(input, INCLUSIVE), expected);
}

/// §3.4, character modifications and character references.
#[test]
fn w3c_3_4_character_modifications_and_references() {
    let input = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
    let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>";
    assert_eq!(whole(input, INCLUSIVE), expected);
}

/// §3.6, UTF-8 encoding: a character reference becomes the character.
#[test]
fn w3c_3_6_utf8() {
    assert_eq!(whole("<doc>&#169;</doc>", INCLUSIVE), "<doc>©</doc>");
}

/// Exclusive C14N §2.2: a subtree carries only the namespaces it uses;
/// the inclusive form carries every one in scope, and the ancestors' xml:
/// attributes.
#[test]
fn exc_c14n_2_2_subtree_namespaces() {
    let input = "<n0:local xmlns:n0=\"foo:bar\" xmlns:n3=\"ftp://example.org\" xml:space=\"preserve\">\n  <n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n     <n3:stuff xmlns:n3=\"ftp://example.org\"/>\n  </n1:elem2>\n</n0:local>";
    let doc = parse(input).unwrap();
    let elem2 = doc
        .descendants()
        .find(|n| n.tag_name().name() == "elem2")
        .unwrap();
    assert_eq!(
        c14n::canonicalize(elem2, &[], EXCLUSIVE),
        "<n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n     <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>"
    );
    assert_eq!(
        c14n::canonicalize(elem2, &[], INCLUSIVE),
        "<n1:elem2 xmlns:n0=\"foo:bar\" xmlns:n1=\"http://example.net\" xmlns:n3=\"ftp://example.org\" xml:lang=\"en\" xml:space=\"preserve\">\n     <n3:stuff></n3:stuff>\n  </n1:elem2>"
    );
}

/// The enveloped transform: the excluded subtree leaves no trace.
#[test]
fn an_excluded_subtree_is_left_out() {
    let doc = parse("<a><b>x</b><s:S xmlns:s=\"urn:s\"><c/></s:S><d/></a>").unwrap();
    let signature = doc
        .descendants()
        .find(|n| n.tag_name().name() == "S")
        .unwrap();
    assert_eq!(
        c14n::canonicalize(doc.root(), &[signature], INCLUSIVE),
        "<a><b>x</b><d></d></a>"
    );
}

#[test]
fn the_parser_refuses_dtds_entities_depth_size_and_other_encodings() {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>";
    assert!(matches!(parse(laughs), Err(XmlSignatureError::Dtd)));
    let xxe = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
    assert!(matches!(parse(xxe), Err(XmlSignatureError::Dtd)));
    let deep = format!(
        "{}{}",
        "<a>".repeat(MAX_XML_DEPTH + 1),
        "</a>".repeat(MAX_XML_DEPTH + 1)
    );
    assert!(matches!(parse(&deep), Err(XmlSignatureError::TooDeep(_))));
    let fine = format!(
        "{}{}",
        "<a>".repeat(MAX_XML_DEPTH),
        "</a>".repeat(MAX_XML_DEPTH)
    );
    assert!(parse(&fine).is_ok());
    let huge = format!("<a>{}</a>", "x".repeat(MAX_XML_BYTES));
    assert!(matches!(parse(&huge), Err(XmlSignatureError::TooLarge(_))));
    assert!(matches!(
        parse("<?xml version=\"1.0\" encoding=\"windows-1251\"?><a/>"),
        Err(XmlSignatureError::Encoding(e)) if e == "windows-1251"
    ));
    assert!(parse("<?xml version='1.0' encoding='utf-8'?><a/>").is_ok());
    assert!(matches!(
        parse("<a xmlns=\"urn:a\" b='1' xmlns = 'urn:b'/>"),
        Err(XmlSignatureError::Malformed(m)) if m.contains("xmlns is repeated")
    ));
    assert!(parse("<a xmlns='urn:a' xmlns:p='urn:a' p:x='>' x='/'/>").is_ok());
    assert!(matches!(
        parse("<this>is not a valid XML"),
        Err(XmlSignatureError::Malformed(_))
    ));
    assert!(matches!(
        xml_from_utf8(b"<a>\xff</a>"),
        Err(XmlSignatureError::NotUtf8)
    ));
    // Every message is one line.
    for e in [
        parse("<a>").unwrap_err(),
        parse(laughs).unwrap_err(),
        parse(&deep).unwrap_err(),
    ] {
        assert!(!e.to_string().contains('\n'), "{e}");
    }
}

#[test]
fn the_xpath_subset() {
    use xpath::{Selected, select};
    let doc = parse(
        "<r xmlns:p=\"urn:p\"><a/><p:b><c/><c id=\"2\"/></p:b><d xmlns=\"urn:d\"><e/></d></r>",
    )
    .unwrap();
    let name = |path: &str| match select(&doc, path).unwrap() {
        Selected::Document => "/".to_string(),
        Selected::Element(n) => absolute_path(n),
    };
    assert_eq!(name("/"), "/");
    assert_eq!(name("/r"), "/r[1]");
    assert_eq!(name("/r/p:b/c"), "/r[1]/p:b[1]/c[1]");
    assert_eq!(name("/r/p:b/c[2]"), "/r[1]/p:b[1]/c[2]");
    assert_eq!(name(" /r/d/e "), "/r[1]/d[1]/e[1]");
    for unsupported in [
        "r",
        "//c",
        "/r/*",
        "/r/@a",
        "/r/c[last()]",
        "/r/c[0]",
        "/r//c",
        "",
    ] {
        assert!(
            matches!(
                select(&doc, unsupported),
                Err(XmlSignatureError::XPathUnsupported(_))
            ),
            "{unsupported}"
        );
    }
    for none in ["/x", "/r/b", "/r/q:b", "/r/p:b/c[3]"] {
        assert!(
            matches!(select(&doc, none), Err(XmlSignatureError::XPathNoMatch(_))),
            "{none}"
        );
    }
}
