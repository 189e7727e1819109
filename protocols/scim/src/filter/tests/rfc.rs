//! Every example filter of RFC 7644 §3.4.2.2, as printed there (line breaks
//! included), and the tree each must parse to.

use super::*;
use crate::schema;

fn lm(op: CompareOp) -> Filter {
    cmp("meta.lastModified", op, s("2011-05-13T04:42:34Z"))
}

/// `(emails co "example.com" or emails.value co "example.org")`.
fn example_com_or_org() -> Filter {
    or(
        cmp("emails", CompareOp::Co, s("example.com")),
        cmp("emails.value", CompareOp::Co, s("example.org")),
    )
}

fn work_example_com() -> Filter {
    vp(
        "emails",
        and(
            eq("type", s("work")),
            cmp("value", CompareOp::Co, s("@example.com")),
        ),
    )
}

#[test]
fn every_example_of_section_3_4_2_2_parses_to_its_tree() {
    let cases: Vec<(&str, Filter)> = vec![
        (r#"userName eq "bjensen""#, eq("userName", s("bjensen"))),
        (
            r#"name.familyName co "O'Malley""#,
            cmp("name.familyName", CompareOp::Co, s("O'Malley")),
        ),
        (r#"userName sw "J""#, cmp("userName", CompareOp::Sw, s("J"))),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            Filter::Compare {
                path: AttrPath::new("userName").with_urn(schema::USER),
                op: CompareOp::Sw,
                value: s("J"),
            },
        ),
        ("title pr", pr("title")),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            lm(CompareOp::Gt),
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            lm(CompareOp::Ge),
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            lm(CompareOp::Lt),
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            lm(CompareOp::Le),
        ),
        (
            r#"title pr and userType eq "Employee""#,
            and(pr("title"), eq("userType", s("Employee"))),
        ),
        (
            r#"title pr or userType eq "Intern""#,
            or(pr("title"), eq("userType", s("Intern"))),
        ),
        (
            "\n schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\"",
            eq("schemas", s(schema::ENTERPRISE_USER)),
        ),
        (
            "userType eq \"Employee\" and (emails co \"example.com\" or\n  emails.value co \"example.org\")",
            and(eq("userType", s("Employee")), example_com_or_org()),
        ),
        (
            "userType ne \"Employee\" and not (emails co \"example.com\" or\n  emails.value co \"example.org\")",
            and(
                cmp("userType", CompareOp::Ne, s("Employee")),
                not(example_com_or_org()),
            ),
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            and(eq("userType", s("Employee")), eq("emails.type", s("work"))),
        ),
        (
            "userType eq \"Employee\" and emails[type eq \"work\" and\n  value co \"@example.com\"]",
            and(eq("userType", s("Employee")), work_example_com()),
        ),
        (
            "emails[type eq \"work\" and value co \"@example.com\"] or\n  ims[type eq \"xmpp\" and value co \"@foo.com\"]",
            or(
                work_example_com(),
                vp(
                    "ims",
                    and(
                        eq("type", s("xmpp")),
                        cmp("value", CompareOp::Co, s("@foo.com")),
                    ),
                ),
            ),
        ),
    ];
    assert_eq!(cases.len(), 17);
    for (src, want) in cases {
        let got = parse(src);
        assert_eq!(got, want, "{src:?}");
        // The canonical text parses back to the same tree.
        assert_eq!(parse(&got.to_string()), want, "{src:?} -> {got}");
    }
}

#[test]
fn the_examples_print_in_canonical_form() {
    let cases = [
        (r#"userName eq "bjensen""#, r#"userName eq "bjensen""#),
        ("title  PR", "title pr"),
        (
            "userType ne \"Employee\" and not (emails co \"example.com\" or\n  emails.value co \"example.org\")",
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails.type eq "work""#,
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        ),
        (
            "emails[ type eq \"work\" and value co \"@example.com\" ] or\n  ims[type eq \"xmpp\" and value co \"@foo.com\"]",
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        ),
    ];
    for (src, want) in cases {
        assert_eq!(parse(src).to_string(), want, "{src:?}");
    }
}
