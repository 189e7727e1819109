//! Malformed filters: each is a 400 `invalidFilter` whose detail names the
//! byte where the fault is and says what is wrong.

use super::*;

#[test]
fn malformed_filters_are_refused_with_position_and_reason() {
    // (input, byte offset named, words the detail must hold)
    let cases: &[(&str, usize, &str)] = &[
        // empty
        ("", 0, "empty filter"),
        ("   \t\n", 0, "empty filter"),
        // strings
        (r#"userName eq "bjensen"#, 12, "unterminated string"),
        (r#"userName eq "bjensen\"#, 20, "unterminated string"),
        (r#"a eq "x\q""#, 7, "invalid escape '\\q'"),
        (r#"a eq "\u12""#, 6, "four hexadecimal digits"),
        (r#"a eq "\uD800""#, 6, "unpaired surrogate"),
        (r#"a eq "\uD800\u0041""#, 6, "unpaired surrogate"),
        (r#"a eq "\uDC00""#, 6, "unpaired surrogate"),
        ("a eq \"x\ny\"", 7, "control character U+000A"),
        // operators and values
        (r#"userName xx "bjensen""#, 9, "unknown operator 'xx'"),
        (
            r#"userName equals "bjensen""#,
            9,
            "unknown operator 'equals'",
        ),
        (r#"userName = "bjensen""#, 9, "unexpected character '='"),
        ("userName eq", 11, "missing value after 'eq'"),
        ("userName eq )", 12, "expected a value after 'eq'"),
        ("userName eq bjensen", 12, "found 'bjensen'"),
        ("active eq True", 10, "lower-case"),
        ("a eq NULL", 5, "lower-case"),
        ("userName", 8, "expected an operator"),
        (r#"userName "bjensen""#, 9, "expected an operator"),
        (r#"title pr "x""#, 9, "'pr' takes no value"),
        ("title pr 1", 9, "'pr' takes no value"),
        ("title pr true", 9, "'pr' takes no value"),
        // numbers
        ("a eq 01", 5, "invalid number"),
        ("a eq 1.", 5, "invalid number"),
        ("a eq .5", 5, "found '.5'"),
        ("a eq -", 5, "invalid number"),
        ("a eq --1", 5, "invalid number"),
        ("a eq 1e", 5, "invalid number"),
        ("a eq 1e+", 5, "invalid number"),
        ("a eq 1abc", 5, "invalid number"),
        ("a eq 1.2.3", 5, "invalid number"),
        ("a eq +1", 5, "unexpected character '+'"),
        ("a eq 1e999", 5, "out of range"),
        // logical operators
        ("a pr and", 8, "after 'and', expected an attribute path"),
        ("a pr or", 7, "expected an attribute path"),
        ("and a pr", 4, "unknown operator 'a'"),
        ("a pr and or b pr", 12, "unknown operator 'b'"),
        (
            "a pr b pr",
            5,
            "expected 'and', 'or' or the end of the filter, found 'b'",
        ),
        ("a pr xor b pr", 5, "found 'xor'"),
        ("not a pr", 4, "unknown operator 'a'"),
        ("not", 3, "expected an operator"),
        ("not ()", 5, "expected an attribute path"),
        // brackets and parentheses
        ("(a pr", 0, "unclosed '('"),
        ("((a pr)", 0, "unclosed '('"),
        ("a pr)", 4, "unbalanced ')'"),
        ("(a pr))", 6, "unbalanced ')'"),
        ("()", 1, "expected an attribute path"),
        (")", 0, "found ')'"),
        ("(a pr]", 5, "expected 'and', 'or' or ')'"),
        (r#"emails[type eq "work""#, 6, "unclosed '['"),
        (
            r#"emails[type eq "work")"#,
            21,
            "expected 'and', 'or' or ']'",
        ),
        (r#"emails[type eq "work"]]"#, 22, "unbalanced ']'"),
        ("emails[]", 7, "expected an attribute path"),
        ("[type pr]", 0, "expected an attribute path"),
        ("emails[type[value pr]]", 11, "do not nest"),
        ("emails[emails.type pr]", 7, "bare sub-attribute name"),
        (
            "emails[urn:ietf:params:scim:schemas:core:2.0:User:type pr]",
            7,
            "bare sub-attribute name",
        ),
        ("emails.value[type pr]", 12, "no sub-attribute"),
        (
            r#"emails[type eq "work"].value eq "x""#,
            22,
            "found '.value'",
        ),
        // attribute paths
        ("a..b pr", 2, "expected an attribute name"),
        ("a.b.c pr", 3, "at most one sub-attribute"),
        ("a. pr", 2, "expected an attribute name"),
        ("_a pr", 0, "must start with a letter"),
        ("$foo pr", 0, "must start with a letter"),
        ("a$b pr", 1, "invalid character '$'"),
        ("urn:x pr", 0, "'urn:<nid>:<nss>'"),
        ("foo:bar:baz:name pr", 0, "starts with 'urn:'"),
        ("urn::x:name pr", 4, "empty segment"),
        ("urn:ietf:params: pr", 16, "expected an attribute name"),
        (
            "urn:ietf:pa$rams:name pr",
            11,
            "invalid character '$' in schema URI",
        ),
        (":name pr", 0, "empty segment"),
        ("12 eq 1", 0, "expected an attribute path"),
        ("\"a\" eq 1", 0, "found a string"),
        ("é eq 1", 0, "unexpected character 'é'"),
        ("a eq 1 & b eq 2", 7, "unexpected character '&'"),
        ("a eq 'x'", 5, "unexpected character '\\''"),
    ];
    for &(src, at, words) in cases {
        let err = refused(src);
        let detail = err.detail.as_deref().unwrap_or_default();
        assert_eq!(position(&err), at, "{src:?}: {detail}");
        assert!(
            detail.contains(words),
            "{src:?}: {detail:?} lacks {words:?}"
        );
    }
}

#[test]
fn the_error_is_the_scim_wire_error() {
    let err = Filter::parse(r#"userName xx "bjensen""#).unwrap_err();
    assert_eq!(
        serde_json::to_value(&err).unwrap(),
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400",
            "scimType": "invalidFilter",
            "detail": "invalid filter at byte 9: unknown operator 'xx': expected eq, ne, co, sw, ew, gt, lt, ge, le or pr",
        })
    );
}

#[test]
fn long_tokens_are_cut_in_the_detail() {
    let long = "x".repeat(1000);
    let err = refused(&format!("a pr {long} b pr"));
    let detail = err.detail.unwrap();
    assert!(detail.len() < 200, "{detail}");
    assert!(detail.contains('…'), "{detail}");
}
