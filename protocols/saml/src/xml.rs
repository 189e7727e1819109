//! XML plumbing shared by every message: the pre-parse guard (size cap,
//! DOCTYPE/ENTITY refusal before any parser sees the bytes), a
//! namespace-aware parse with node-count and depth caps, escaping for the
//! documents this crate writes, and `xs:dateTime` in UTC as SAML requires
//! (saml-core-2.0-os §1.3.3).

use crate::error::{Result, SamlError};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `urn:oasis:names:tc:SAML:2.0:protocol` (samlp).
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// `urn:oasis:names:tc:SAML:2.0:assertion` (saml).
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// `urn:oasis:names:tc:SAML:2.0:metadata` (md).
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// `http://www.w3.org/2000/09/xmldsig#` (ds).
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// `http://www.w3.org/2001/04/xmlenc#` (xenc).
pub const NS_XENC: &str = "http://www.w3.org/2001/04/xmlenc#";

/// Most elements any message of this crate may hold.
const NODES_LIMIT: u32 = 20_000;
/// Deepest element nesting accepted (SAML messages are a dozen deep).
const MAX_DEPTH: usize = 48;

/// Refuses XML that is over `limit` bytes, not UTF-8, or that holds any
/// markup declaration (`<!DOCTYPE`, `<!ENTITY`, …): every `<!` must open a
/// comment or a CDATA section. Runs before any parser sees the bytes.
pub fn guard<'a>(bytes: &'a [u8], what: &'static str, limit: usize) -> Result<&'a str> {
    if bytes.len() > limit {
        return Err(SamlError::TooLarge {
            what,
            size: bytes.len(),
            limit,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| SamlError::NotUtf8)?;
    let mut rest = text;
    while let Some(at) = rest.find("<!") {
        let after = &rest[at + 2..];
        if !(after.starts_with("--") || after.starts_with("[CDATA[")) {
            return Err(SamlError::DtdRefused);
        }
        rest = after;
    }
    Ok(text)
}

/// Parses guarded text: namespace-aware, DTDs refused, node count and
/// nesting depth capped.
pub fn parse(text: &str) -> Result<roxmltree::Document<'_>> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => SamlError::DtdRefused,
        other => SamlError::Xml(other.to_string()),
    })?;
    let mut stack = vec![(doc.root(), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(SamlError::Xml(format!("nesting deeper than {MAX_DEPTH}")));
        }
        for child in node.children().filter(|c| c.is_element()) {
            stack.push((child, depth + 1));
        }
    }
    Ok(doc)
}

/// Whether `node` is the element `{ns}name`.
pub fn is(node: roxmltree::Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

/// The `{ns}Name` form of an element's name, for error messages.
pub fn expanded(node: roxmltree::Node<'_, '_>) -> String {
    let t = node.tag_name();
    match t.namespace() {
        Some(ns) => format!("{{{ns}}}{}", t.name()),
        None => t.name().to_owned(),
    }
}

/// Child elements `{ns}name` of `node`.
pub fn children<'a, 'i: 'a>(
    node: roxmltree::Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
    node.children().filter(move |c| is(*c, ns, name))
}

/// The only child element `{ns}name`; more than one is an error.
pub fn child<'a, 'i: 'a>(
    node: roxmltree::Node<'a, 'i>,
    ns: &'a str,
    name: &'static str,
) -> Result<Option<roxmltree::Node<'a, 'i>>> {
    let mut it = children(node, ns, name);
    let first = it.next();
    if it.next().is_some() {
        return Err(SamlError::InvalidValue {
            name,
            reason: "appears more than once".into(),
        });
    }
    Ok(first)
}

/// The element's text: every text child concatenated (a comment splitting
/// the value does not truncate it), surrounding whitespace trimmed. Child
/// elements are refused: these are simple-content elements.
pub fn text(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<String> {
    exact_text(node, name).map(|t| t.trim().to_owned())
}

/// [`text`] without the trimming: the value exactly as written.
pub fn exact_text(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<String> {
    let mut out = String::new();
    for c in node.children() {
        if c.is_element() {
            return Err(SamlError::InvalidValue {
                name,
                reason: "element content where text is expected".into(),
            });
        }
        if let Some(t) = c.text().filter(|_| c.is_text()) {
            out.push_str(t);
        }
    }
    Ok(out)
}

/// All the text inside an element, at any depth (`<AttributeValue>` with
/// element content), concatenated and trimmed.
pub fn deep_text(node: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for t in node.descendants().filter(|d| d.is_text()) {
        out.push_str(t.text().unwrap_or_default());
    }
    out.trim().to_owned()
}

/// The element `node` of `text` (its exact source octets) as a document of
/// its own: every namespace in scope at `node` that its start tag does not
/// declare is declared there. Exclusive canonicalization renders only the
/// namespaces an element uses, and inclusive canonicalization every one in
/// scope, so both give the same octets for the copy as for the original.
pub fn standalone(text: &str, node: roxmltree::Node<'_, '_>) -> Result<String> {
    let element = text
        .get(node.range())
        .ok_or_else(|| SamlError::Xml("element range outside the document".into()))?;
    let scope: Vec<(Option<&str>, &str)> = node.namespaces().map(|n| (n.name(), n.uri())).collect();
    declare_namespaces(element, &scope)
}

/// Adds to the start tag of `element` (text beginning with `<`) a
/// declaration for each `(prefix, uri)` of `scope` it does not declare
/// itself (the `xml` prefix excepted).
pub fn declare_namespaces(element: &str, scope: &[(Option<&str>, &str)]) -> Result<String> {
    let bad = || SamlError::Xml("malformed start tag".into());
    let bytes = element.as_bytes();
    if bytes.first() != Some(&b'<') {
        return Err(bad());
    }
    let mut declared: Vec<Option<&str>> = Vec::new();
    let mut i = 1;
    while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
        i += 1;
    }
    let end = loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        match bytes.get(i) {
            None => return Err(bad()),
            Some(b'>' | b'/') => break i,
            Some(_) => {}
        }
        let name_start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        let name = &element[name_start..i];
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            return Err(bad());
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        let quote = *bytes.get(i).ok_or_else(bad)?;
        if quote != b'"' && quote != b'\'' {
            return Err(bad());
        }
        let close = element[i + 1..].find(quote as char).ok_or_else(bad)?;
        i += close + 2;
        if name == "xmlns" {
            declared.push(None);
        } else if let Some(p) = name.strip_prefix("xmlns:") {
            declared.push(Some(p));
        }
    };
    let mut extra = String::new();
    for (prefix, uri) in scope {
        if *prefix == Some("xml") || declared.contains(prefix) {
            continue;
        }
        match prefix {
            Some(p) => extra.push_str(&format!(" xmlns:{p}=\"{}\"", escape(uri))),
            None => extra.push_str(&format!(" xmlns=\"{}\"", escape(uri))),
        }
    }
    Ok(format!("{}{extra}{}", &element[..end], &element[end..]))
}

/// A required attribute.
pub fn required_attr<'a>(node: roxmltree::Node<'a, '_>, name: &'static str) -> Result<&'a str> {
    node.attribute(name)
        .ok_or(SamlError::MissingAttribute(name))
}

/// An optional `xs:boolean` attribute (`true`, `false`, `1`, `0`).
pub fn bool_attr(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<Option<bool>> {
    match node.attribute(name).map(str::trim) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(other) => Err(SamlError::InvalidValue {
            name,
            reason: format!("{other:?} is not an xs:boolean"),
        }),
    }
}

/// An optional `xs:unsignedShort` attribute.
pub fn u16_attr(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<Option<u16>> {
    node.attribute(name)
        .map(|v| {
            v.trim()
                .parse::<u16>()
                .map_err(|_| SamlError::InvalidValue {
                    name,
                    reason: format!("{v:?} is not an xs:unsignedShort"),
                })
        })
        .transpose()
}

/// An optional `xs:dateTime` attribute.
pub fn time_attr(
    node: roxmltree::Node<'_, '_>,
    name: &'static str,
) -> Result<Option<OffsetDateTime>> {
    node.attribute(name)
        .map(|v| parse_time(v, name))
        .transpose()
}

/// Parses an `xs:dateTime` with an explicit offset (SAML times are UTC).
pub fn parse_time(v: &str, name: &'static str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(v.trim(), &Rfc3339).map_err(|e| SamlError::InvalidValue {
        name,
        reason: format!("{v:?}: {e}"),
    })
}

/// Formats `t` as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds).
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Escapes text and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    out
}

/// Checks that `id` is an `xs:ID` (an NCName) as SAML IDs must be
/// (saml-core-2.0-os §1.3.4): a letter or `_` first, then letters, digits,
/// `.`, `-`, `_`. (A conservative ASCII subset of NCName.)
pub fn check_id(id: &str, name: &'static str) -> Result<()> {
    let mut chars = id.chars();
    let ok_first = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if ok_first
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && id.len() <= 256
    {
        Ok(())
    } else {
        Err(SamlError::InvalidValue {
            name,
            reason: format!("{id:?} is not an NCName"),
        })
    }
}

/// A SAML ID built from 16 or more random bytes: `_` then lowercase hex
/// (saml-core-2.0-os §1.3.4 asks for at least 128 bits of randomness). The
/// caller supplies the bytes, from its injectable RNG.
pub fn new_id(random: &[u8]) -> String {
    let mut s = String::with_capacity(1 + 2 * random.len());
    s.push('_');
    for b in random {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Appends `<Issuer>` in the `saml` prefix.
pub fn issuer_element(out: &mut String, issuer: &str) {
    out.push_str("<saml:Issuer Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\">");
    out.push_str(&escape(issuer));
    out.push_str("</saml:Issuer>");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn guard_refuses_declarations_but_not_comments_or_cdata() {
        assert!(guard(b"<a><!-- c --><![CDATA[x]]></a>", "x", 100).is_ok());
        for bad in [
            &b"<!DOCTYPE a><a/>"[..],
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
            b"<a><!ENTITY x></a>",
            b"<a/><!ELEMENT a ANY>",
        ] {
            assert_eq!(guard(bad, "x", 1000), Err(SamlError::DtdRefused));
        }
        assert!(matches!(
            guard(b"<a/>", "x", 3),
            Err(SamlError::TooLarge { .. })
        ));
        assert_eq!(guard(b"<a>\xff</a>", "x", 100), Err(SamlError::NotUtf8));
    }

    #[test]
    fn parse_caps_depth() {
        let deep = "<a>".repeat(60) + &"</a>".repeat(60);
        assert!(matches!(parse(&deep), Err(SamlError::Xml(_))));
        assert!(parse("<a><b/></a>").is_ok());
    }

    #[test]
    fn text_concatenates_around_comments() {
        let doc = parse("<n>user@evil.com<!---->.example.org</n>").unwrap();
        assert_eq!(
            text(doc.root_element(), "n").unwrap(),
            "user@evil.com.example.org"
        );
    }

    #[test]
    fn standalone_declares_inherited_namespaces() {
        let text = "<r xmlns='urn:r' xmlns:a=\"urn:a\" xmlns:b='urn:b'><a:x  b:k = 'v>' xmlns:c=\"urn:c\"><a:y/>t</a:x><e/></r>";
        let doc = parse(text).unwrap();
        let x = doc.root_element().first_element_child().unwrap();
        let alone = standalone(text, x).unwrap();
        assert!(
            alone.starts_with("<a:x  b:k = 'v>' xmlns:c=\"urn:c\""),
            "{alone}"
        );
        let again = parse(&alone).unwrap();
        let root = again.root_element();
        assert_eq!(root.tag_name().namespace(), Some("urn:a"));
        assert_eq!(root.attribute(("urn:b", "k")), Some("v>"));
        assert_eq!(root.lookup_namespace_uri(None), Some("urn:r"));
        assert_eq!(deep_text(root), "t");
        assert!(declare_namespaces("x", &[]).is_err());
        assert!(declare_namespaces("<x a=\"1>", &[]).is_err());
        assert_eq!(
            declare_namespaces("<x/>", &[(Some("p"), "u&")]).unwrap(),
            "<x xmlns:p=\"u&amp;\"/>"
        );
    }

    #[test]
    fn times_and_ids() {
        let t = parse_time("2024-05-01T10:20:30.123Z", "t").unwrap();
        assert_eq!(format_time(t), "2024-05-01T10:20:30Z");
        assert!(parse_time("2024-05-01T10:20:30", "t").is_err());
        assert_eq!(new_id(&[0xab, 0x01]), "_ab01");
        assert!(check_id("_ab01", "ID").is_ok());
        assert!(check_id("1abc", "ID").is_err());
        assert!(check_id("a b", "ID").is_err());
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
