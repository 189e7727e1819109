//! The in-memory evaluator over resource JSON.

use serde_json::{json, Value};

use super::*;

/// The User of RFC 7643 §8.2 (enterprise extension included), abridged.
fn bjensen() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": null},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "nickName": "",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "phoneNumbers": [],
        "x509Certificates": [{}],
        "loginCount": 42,
        "score": 2.5,
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}

fn check(cases: &[(&str, bool)]) {
    let user = bjensen();
    for &(src, want) in cases {
        assert_eq!(parse(src).matches(&user), want, "{src}");
    }
}

#[test]
fn string_comparisons_ignore_case() {
    check(&[
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"userName eq "BJensen@Example.COM""#, true),
        (r#"userName eq "bjensen""#, false),
        (r#"userName ne "bjensen""#, true),
        (r#"userName ne "BJENSEN@example.com""#, false),
        (r#"name.familyName co "ENS""#, true),
        (r#"name.familyName co "x""#, false),
        (r#"userName sw "BJ""#, true),
        (r#"userName sw "example""#, false),
        (r#"userName ew "@EXAMPLE.com""#, true),
        (r#"userName ew "bjensen""#, false),
        (r#"userName sw """#, true),
        (r#"displayName gt "Babs""#, true),
        (r#"displayName gt "babs zzz""#, false),
        (r#"displayName ge "BABS JENSEN""#, true),
        (r#"displayName lt "c""#, true),
        (r#"displayName le "babs jensen""#, true),
        (r#"displayName lt "Babs Jensen""#, false),
    ]);
}

#[test]
fn dates_compare_as_their_text() {
    check(&[
        (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2012-01-01T00:00:00Z""#, true),
        (r#"meta.lastModified le "2010-01-01T00:00:00Z""#, false),
    ]);
}

#[test]
fn numbers_compare_numerically() {
    check(&[
        ("loginCount eq 42", true),
        ("loginCount eq 42.0", true),
        ("loginCount gt 9", true),
        ("loginCount lt 100", true),
        ("loginCount ge 42", true),
        ("loginCount le 41", false),
        ("loginCount gt -1", true),
        ("score gt 2", true),
        ("score lt 2.51", true),
        ("score eq 2.5", true),
        ("score eq 25e-1", true),
        (r#"loginCount eq "42""#, false),
        (r#"loginCount co "4""#, false),
        ("loginCount gt 18446744073709551615", false),
    ]);
}

#[test]
fn booleans_and_null() {
    check(&[
        ("active eq true", true),
        ("active eq false", false),
        ("active ne false", true),
        ("active gt false", false),
        (r#"active eq "true""#, false),
        ("manager eq null", true),
        ("name.middleName eq null", true),
        ("title eq null", false),
        ("title ne null", true),
        ("nope ne null", false),
        ("title gt null", false),
    ]);
}

#[test]
fn multi_valued_attributes_match_if_any_value_does() {
    check(&[
        (r#"emails.value eq "babs@jensen.org""#, true),
        (r#"emails.type eq "home""#, true),
        (r#"emails.type eq "other""#, false),
        (r#"emails.value ew ".org""#, true),
        (r#"emails.type ne "work""#, true),
        (r#"ims.type ne "aim""#, false),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        // No single email is both work and .org, but each condition holds
        // for some email: that is the difference a value path makes.
        (r#"emails.type eq "work" and emails.value ew ".org""#, true),
        (r#"emails[type eq "work" and value ew ".org"]"#, false),
        (r#"emails[type eq "home" and value ew ".org"]"#, true),
        (
            r#"emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (r#"emails[type eq "work" and primary eq true]"#, true),
        (r#"emails[type eq "home" and primary eq true]"#, false),
        (r#"emails[not (type eq "work")]"#, true),
        (r#"emails[TYPE EQ "WORK"]"#, true),
        (r#"ims[type eq "xmpp"]"#, false),
        (r#"phoneNumbers[type pr]"#, false),
        // A value path over a single-valued complex attribute.
        (r#"name[givenName eq "barbara"]"#, true),
        (r#"name[givenName eq "x"]"#, false),
        (r#"nope[type pr]"#, false),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
    ]);
}

#[test]
fn present_means_not_null_and_not_empty() {
    check(&[
        ("title pr", true),
        ("nickName pr", false),
        ("name.middleName pr", false),
        ("nope pr", false),
        ("phoneNumbers pr", false),
        ("x509Certificates pr", false),
        ("emails pr", true),
        ("emails.primary pr", true),
        ("name pr", true),
        ("active pr", true),
        ("loginCount pr", true),
    ]);
}

#[test]
fn names_and_schema_uris_ignore_case() {
    check(&[
        (r#"USERNAME eq "bjensen@example.com""#, true),
        (r#"Name.FamilyName eq "jensen""#, true),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj""#,
            true,
        ),
        (
            r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME sw "bj""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:EMPLOYEENUMBER eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value sw "2611""#,
            true,
        ),
        // An extension attribute is not a core attribute, nor the reverse.
        (r#"employeeNumber eq "701984""#, false),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName pr"#,
            false,
        ),
        (r#"urn:example:other:1.0:User:userName pr"#, false),
    ]);
}

#[test]
fn logic() {
    check(&[
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr and userType eq "Intern""#, false),
        (r#"nope pr or userType eq "Employee""#, true),
        (r#"nope pr or userType eq "Intern""#, false),
        (r#"not (userType eq "Intern")"#, true),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (
            r#"userType eq "Employee" and not (emails.value co "example.net")"#,
            true,
        ),
        ("nope eq 1 or title pr and active eq false", false),
        ("(nope eq 1 or title pr) and active eq true", true),
    ]);
}

#[test]
fn a_value_filter_evaluates_against_one_value() {
    // As a PATCH engine uses it: the filter of `emails[type eq "work"]`
    // applied to each email.
    let PatchPath::Value { filter, .. } = PatchPath::parse(r#"emails[type eq "work"]"#).unwrap()
    else {
        panic!("a value path");
    };
    let user = bjensen();
    let hits: Vec<_> = user["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| filter.matches(e))
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(hits, ["bjensen@example.com"]);
}

#[test]
fn non_objects_match_nothing() {
    for doc in [json!(null), json!(1), json!("x"), json!([{"a": 1}])] {
        assert!(!parse("a eq 1").matches(&doc), "{doc}");
        assert!(!parse("a pr").matches(&doc), "{doc}");
        assert!(parse("not (a pr)").matches(&doc), "{doc}");
    }
}
