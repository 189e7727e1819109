//! PATCH paths (RFC 7644 §3.5.2, Figure 7): `attrPath / valuePath [subAttr]`.

use super::*;
use crate::schema;

fn path(src: &str) -> PatchPath {
    PatchPath::parse(src).unwrap_or_else(|e| panic!("{src:?} should parse: {e}"))
}

fn value(attr: &str, filter: Filter, sub: Option<&str>) -> PatchPath {
    PatchPath::Value {
        attr: at(attr),
        filter: Box::new(filter),
        sub: sub.map(str::to_owned),
    }
}

#[test]
fn the_paths_of_section_3_5_2_parse() {
    let id = "2819c223-7f76-453a-919d-413861904646";
    let cases = vec![
        ("members", PatchPath::Attr(at("members"))),
        ("name.familyName", PatchPath::Attr(at("name.familyName"))),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            value("members", eq("value", s(id)), None),
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            value("members", eq("value", s(id)), Some("displayName")),
        ),
        (
            r#"emails[type eq "work" and value ew "example.com"]"#,
            value(
                "emails",
                and(
                    eq("type", s("work")),
                    cmp("value", CompareOp::Ew, s("example.com")),
                ),
                None,
            ),
        ),
        (
            r#"addresses[type eq "work"]"#,
            value("addresses", eq("type", s("work")), None),
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            value("addresses", eq("type", s("work")), Some("streetAddress")),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            PatchPath::Attr(AttrPath::new("manager").with_urn(schema::ENTERPRISE_USER)),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            PatchPath::Attr(
                AttrPath::new("manager")
                    .with_urn(schema::ENTERPRISE_USER)
                    .with_sub("value"),
            ),
        ),
        (
            r#"emails[ type eq "work" ].value"#,
            value("emails", eq("type", s("work")), Some("value")),
        ),
        (
            r#"EMAILS[TYPE EQ "work"].VALUE"#,
            value("emails", eq("type", s("work")), Some("value")),
        ),
        (
            "members[$ref pr].$ref",
            value("members", pr("$ref"), Some("$ref")),
        ),
        (
            r#"emails[value eq "a]b\"]"].display"#,
            value("emails", eq("value", s("a]b\"]")), Some("display")),
        ),
    ];
    for (src, want) in cases {
        let got = path(src);
        assert_eq!(got, want, "{src:?}");
        assert_eq!(path(&got.to_string()), want, "{src:?} -> {got}");
        assert_eq!(parse_path(src), Ok(want), "{src:?}");
    }
}

#[test]
fn canonical_text_and_accessors() {
    let p = path(r#"emails[type EQ "work" AND primary eq true].value"#);
    assert_eq!(
        p.to_string(),
        r#"emails[type eq "work" and primary eq true].value"#
    );
    assert_eq!(p.attr(), &at("emails"));
    assert_eq!(p.sub_attr(), Some("value"));
    assert_eq!(
        p.filter(),
        Some(&and(eq("type", s("work")), eq("primary", CompValue::True)))
    );
    let p = path("name.givenName");
    assert_eq!(p.to_string(), "name.givenName");
    assert_eq!(p.attr(), &at("name.givenName"));
    assert_eq!(p.sub_attr(), Some("givenName"));
    assert_eq!(p.filter(), None);
}

#[test]
fn malformed_paths_are_refused() {
    use ScimType::{InvalidFilter as F, InvalidPath as P};
    let cases: &[(&str, ScimType, usize, &str)] = &[
        ("", P, 0, "empty path"),
        (" name", P, 0, "expected an attribute path, found ' '"),
        ("name ", P, 4, "expected '[' or the end of the path"),
        (
            "emails [type pr]",
            P,
            6,
            "expected '[' or the end of the path",
        ),
        ("a.b.c", P, 3, "at most one sub-attribute"),
        ("1abc", P, 0, "must start with a letter"),
        ("urn:x:y:", P, 8, "expected an attribute name"),
        ("[type pr]", P, 0, "expected an attribute path, found '['"),
        ("emails.value[type pr]", P, 12, "no sub-attribute"),
        (r#"emails[type eq "work""#, P, 6, "unclosed '['"),
        (r#"emails[type eq "work"]value"#, P, 22, "expected '.'"),
        (
            r#"emails[type eq "work"]."#,
            P,
            23,
            "expected an attribute name",
        ),
        (
            r#"emails[type eq "work"].value.x"#,
            P,
            28,
            "invalid character '.'",
        ),
        ("emails[type pr] ", P, 15, "expected '.'"),
        ("emails[type pr]]", P, 15, "expected '.'"),
        ("emails[type pr][x pr]", P, 15, "expected '.'"),
        ("emails[type eq]", F, 14, "expected a value after 'eq'"),
        ("emails[type eq", P, 6, "unclosed '['"),
        ("emails[", P, 6, "unclosed '['"),
        (r#"emails[type eq "]""#, P, 6, "unclosed '['"),
        ("emails[type eq ] ", F, 15, "expected a value after 'eq'"),
        ("emails[]", F, 7, "expected an attribute path"),
        ("emails[type[a pr]]", F, 11, "do not nest"),
        ("emails[emails.type pr]", F, 7, "bare sub-attribute name"),
        ("emails[type pr)]", F, 14, "expected 'and', 'or' or ']'"),
        (r#"emails[type eq "x\q"]"#, F, 17, "invalid escape"),
    ];
    for &(src, kind, at, words) in cases {
        let err = match PatchPath::parse(src) {
            Ok(p) => panic!("{src:?} should be refused, parsed as {p:?}"),
            Err(e) => e,
        };
        assert_eq!(err.status, 400, "{src:?}");
        assert_eq!(err.scim_type, Some(kind), "{src:?}: {err}");
        let detail = err.detail.as_deref().unwrap_or_default();
        let prefix = match kind {
            F => "invalid filter in path at byte ",
            _ => "invalid path at byte ",
        };
        assert!(detail.starts_with(prefix), "{src:?}: {detail}");
        assert_eq!(position(&err), at, "{src:?}: {detail}");
        assert!(
            detail.contains(words),
            "{src:?}: {detail:?} lacks {words:?}"
        );
    }
}
