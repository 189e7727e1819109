//! The grammar's corners: precedence, associativity, case, values, schema
//! URI prefixes, whitespace, and the canonical text.

use super::*;
use crate::schema;

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        parse("a eq 1 or b eq 2 and c eq 3"),
        or(eq("a", n(1)), and(eq("b", n(2)), eq("c", n(3))))
    );
    assert_eq!(
        parse("a eq 1 and b eq 2 or c eq 3"),
        or(and(eq("a", n(1)), eq("b", n(2))), eq("c", n(3)))
    );
    assert_eq!(
        parse("(a eq 1 or b eq 2) and c eq 3"),
        and(or(eq("a", n(1)), eq("b", n(2))), eq("c", n(3)))
    );
}

#[test]
fn and_and_or_are_left_associative() {
    assert_eq!(
        parse("a pr and b pr and c pr"),
        and(and(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr or b pr or c pr"),
        or(or(pr("a"), pr("b")), pr("c"))
    );
    assert_eq!(
        parse("a pr or b pr and c pr or d pr"),
        or(or(pr("a"), and(pr("b"), pr("c"))), pr("d"))
    );
}

#[test]
fn not_applies_to_its_group_only() {
    assert_eq!(parse("not (a pr) and b pr"), and(not(pr("a")), pr("b")));
    assert_eq!(parse("not(a pr)"), not(pr("a")));
    assert_eq!(parse("not (not (a pr))"), not(not(pr("a"))));
    assert_eq!(parse("((a pr))"), pr("a"));
}

#[test]
fn operators_keywords_and_names_are_case_insensitive() {
    let lower = parse(r#"username eq "john" and title pr or not (x ne 1)"#);
    for src in [
        r#"userName Eq "john" AND title PR Or NOT (x NE 1)"#,
        r#"USERNAME EQ "john" And TITLE pr oR Not (X nE 1)"#,
    ] {
        assert_eq!(parse(src), lower, "{src}");
    }
    // §3.4.2.2's own pair.
    assert_eq!(
        parse(r#"userName Eq "john""#),
        parse(r#"Username eq "john""#)
    );
    // Paths compare ignoring case, URN included, but keep their spelling.
    let upper = parse(r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:NAME.GIVENNAME eq "x""#);
    let mixed = parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x""#);
    assert_eq!(upper, mixed);
    assert_eq!(
        upper.to_string(),
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:NAME.GIVENNAME eq "x""#
    );
    // Values do not: they are JSON strings.
    assert_ne!(parse(r#"a eq "X""#), parse(r#"a eq "x""#));
    for op in CompareOp::ALL {
        let upper = op.as_str().to_ascii_uppercase();
        assert_eq!(CompareOp::from_keyword(&upper), Some(op));
        assert_eq!(parse(&format!("a {upper} 1")), cmp("a", op, n(1)));
    }
}

#[test]
fn compvalues_follow_json() {
    assert_eq!(parse("active eq true"), eq("active", CompValue::True));
    assert_eq!(parse("active eq false"), eq("active", CompValue::False));
    assert_eq!(parse("manager eq null"), eq("manager", CompValue::Null));
    assert_eq!(parse("n gt -12"), cmp("n", CompareOp::Gt, n(-12)));
    assert_eq!(parse("n eq 0"), eq("n", n(0)));
    let float = |text: &str| {
        let Filter::Compare {
            value: CompValue::Number(num),
            ..
        } = parse(&format!("n eq {text}"))
        else {
            panic!("{text} is not a number comparison");
        };
        num.as_f64().unwrap()
    };
    assert!((float("1.5") - 1.5).abs() < f64::EPSILON);
    assert!((float("-2.5E3") + 2500.0).abs() < f64::EPSILON);
    assert!((float("1e-2") - 0.01).abs() < f64::EPSILON);
    assert!((float("1E+2") - 100.0).abs() < f64::EPSILON);
    assert_eq!(
        parse(r#"a eq 18446744073709551615"#),
        eq("a", CompValue::Number(u64::MAX.into()))
    );
    // Escapes.
    assert_eq!(
        parse(r#"a eq "q\" b\\ s\/ \b\f\n\r\t \u00e9 \uD83D\uDE00""#),
        eq("a", s("q\" b\\ s/ \u{8}\u{c}\n\r\t é 😀"))
    );
    assert_eq!(parse(r#"a eq "O\u0027Malley""#), eq("a", s("O'Malley")));
    assert_eq!(parse(r#"a eq """#), eq("a", s("")));
    assert_eq!(
        parse(r#"a eq "日本 ()[] and or""#),
        eq("a", s("日本 ()[] and or"))
    );
}

#[test]
fn schema_uri_prefixes() {
    let f = parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    );
    assert_eq!(
        f,
        Filter::Compare {
            path: AttrPath::new("employeeNumber").with_urn(schema::ENTERPRISE_USER),
            op: CompareOp::Eq,
            value: s("701984"),
        }
    );
    let f = parse(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
    );
    let Filter::Compare { path, .. } = &f else {
        panic!("{f:?}");
    };
    assert_eq!(path.urn.as_deref(), Some(schema::ENTERPRISE_USER));
    assert_eq!(path.name, "manager");
    assert_eq!(path.sub.as_deref(), Some("value"));
    // A value path may carry the prefix too.
    let f = parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#);
    assert_eq!(
        f,
        Filter::ValuePath {
            attr: AttrPath::new("emails").with_urn(schema::USER),
            filter: Box::new(eq("type", s("work"))),
        }
    );
}

#[test]
fn names_with_digits_dashes_underscores_and_ref() {
    assert_eq!(parse("x-1_y pr"), pr("x-1_y"));
    assert_eq!(parse("members.$ref pr"), pr("members.$ref"));
    assert_eq!(
        parse(r#"members[$ref eq "https://x/Users/1"]"#),
        vp("members", eq("$ref", s("https://x/Users/1")))
    );
}

#[test]
fn keywords_are_names_where_a_name_is_expected() {
    assert_eq!(parse("not eq 1"), eq("not", n(1)));
    assert_eq!(parse("and pr and or pr"), and(pr("and"), pr("or")));
    assert_eq!(parse("pr pr"), pr("pr"));
    assert_eq!(parse("not[eq eq 1]"), vp("not", eq("eq", n(1))));
    // They print back to the same tree.
    let f = parse("not pr or not (not pr)");
    assert_eq!(f, or(pr("not"), not(pr("not"))));
    assert_eq!(parse(&f.to_string()), f);
}

#[test]
fn whitespace_runs_stand_for_sp() {
    assert_eq!(
        parse(" \t a  eq\n1\r\nand ( b pr ) "),
        and(eq("a", n(1)), pr("b"))
    );
    assert_eq!(parse(r#"a eq"x""#), eq("a", s("x")));
    assert_eq!(parse("emails[ type pr ]"), vp("emails", pr("type")));
}

#[test]
fn canonical_text_keeps_only_needed_parentheses() {
    let cases = [
        ("a pr or b pr and c pr", "a pr or b pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("(a pr and b pr) and c pr", "a pr and b pr and c pr"),
        ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
        ("a pr and (b pr or c pr)", "a pr and (b pr or c pr)"),
        ("not((a pr))", "not (a pr)"),
        (r#"a eq "\u0001\"\\/""#, r#"a eq "\u0001\"\\/""#),
        ("a eq 1.50", "a eq 1.5"),
        ("a eq -0", "a eq 0"),
        // Floats print as their shortest text and read back exactly.
        (
            "a eq -2.4453214154501474e29",
            "a eq -2.4453214154501474e+29",
        ),
        ("a eq 5e-324", "a eq 5e-324"),
        ("a eq 0.1", "a eq 0.1"),
        ("a eq 1E2", "a eq 100.0"),
        (
            "a eq 12345678901234567890123",
            "a eq 1.2345678901234568e+22",
        ),
    ];
    for (src, want) in cases {
        let f = parse(src);
        assert_eq!(f.to_string(), want, "{src}");
        assert_eq!(parse(want), f, "{src}");
    }
}

#[test]
fn attr_path_equality_and_hash_ignore_case() {
    use std::collections::HashSet;
    let a = AttrPath::new("Emails")
        .with_sub("Value")
        .with_urn("urn:ietf:params:scim:schemas:core:2.0:User");
    let b = AttrPath::new("emails")
        .with_sub("value")
        .with_urn("URN:ietf:params:scim:schemas:core:2.0:user");
    assert_eq!(a, b);
    let set: HashSet<_> = [a.clone(), b].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_ne!(a, AttrPath::new("emails").with_sub("value"));
    assert_ne!(
        AttrPath::new("emails"),
        AttrPath::new("emails").with_sub("value")
    );
    assert_eq!(
        a.to_string(),
        "urn:ietf:params:scim:schemas:core:2.0:User:Emails.Value"
    );
}

#[test]
fn comp_value_to_json() {
    use serde_json::json;
    assert_eq!(CompValue::True.to_json(), json!(true));
    assert_eq!(CompValue::False.to_json(), json!(false));
    assert_eq!(CompValue::Null.to_json(), json!(null));
    assert_eq!(n(3).to_json(), json!(3));
    assert_eq!(s("x").to_json(), json!("x"));
}
