#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::{json, Value};

fn wire(err: &ScimError) -> String {
    serde_json::to_string(err).unwrap()
}

#[test]
fn keywords_match_table_9() {
    let names: Vec<_> = ScimType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "invalidFilter",
            "tooMany",
            "uniqueness",
            "mutability",
            "invalidSyntax",
            "invalidPath",
            "noTarget",
            "invalidValue",
            "invalidVers",
            "sensitive",
        ]
    );
}

#[test]
fn serde_display_and_from_keyword_agree() {
    for t in ScimType::ALL {
        assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        assert_eq!(t.to_string(), t.as_str());
        assert_eq!(ScimType::from_keyword(t.as_str()), Some(t));
        assert_eq!(
            serde_json::from_value::<ScimType>(json!(t.as_str())).unwrap(),
            t
        );
    }
    assert_eq!(ScimType::from_keyword("InvalidFilter"), None);
    assert_eq!(ScimType::from_keyword("invalid_filter"), None);
}

#[test]
fn statuses_per_keyword() {
    for t in ScimType::ALL {
        let want = match t {
            ScimType::Uniqueness => 409,
            ScimType::Sensitive => 403,
            _ => 400,
        };
        assert_eq!(t.http_status(), want, "{t}");
        assert_eq!(ScimError::typed(t).status, want);
    }
}

#[test]
fn uniqueness_body_is_exact() {
    let err = ScimError::typed(ScimType::Uniqueness).with_detail("userName is already taken");
    assert_eq!(
        wire(&err),
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"userName is already taken"}"#
    );
}

#[test]
fn status_only_body_omits_absent_members() {
    assert_eq!(
        wire(&ScimError::internal()),
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500"}"#
    );
}

#[test]
fn rfc_7644_section_3_12_examples() {
    // The two example bodies of RFC 7644 §3.12 (member order differs there).
    let not_found = ScimError::not_found()
        .with_detail("Resource 2819c223-7f76-453a-919d-413861904646 not found");
    let want: Value = serde_json::from_str(
        r#"{
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "detail": "Resource 2819c223-7f76-453a-919d-413861904646 not found",
            "status": "404"
        }"#,
    )
    .unwrap();
    assert_eq!(serde_json::to_value(&not_found).unwrap(), want);

    let mutability =
        ScimError::typed(ScimType::Mutability).with_detail("Attribute 'id' is readOnly");
    let want: Value = serde_json::from_str(
        r#"{
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "scimType": "mutability",
            "detail": "Attribute 'id' is readOnly",
            "status": "400"
        }"#,
    )
    .unwrap();
    assert_eq!(serde_json::to_value(&mutability).unwrap(), want);
}

#[test]
fn status_is_always_a_json_string() {
    for err in [
        ScimError::bad_request(),
        ScimError::unauthorized(),
        ScimError::forbidden(),
        ScimError::not_found(),
        ScimError::precondition_failed(),
        ScimError::payload_too_large(),
        ScimError::internal(),
        ScimError::not_implemented(),
        ScimError::typed(ScimType::InvalidFilter),
    ] {
        let value = serde_json::to_value(&err).unwrap();
        assert_eq!(value["status"], json!(err.status.to_string()));
        assert_eq!(value["schemas"], json!([schema::ERROR]));
    }
}

#[test]
fn constructor_statuses() {
    assert_eq!(ScimError::bad_request().status, 400);
    assert_eq!(ScimError::unauthorized().status, 401);
    assert_eq!(ScimError::forbidden().status, 403);
    assert_eq!(ScimError::not_found().status, 404);
    assert_eq!(ScimError::precondition_failed().status, 412);
    assert_eq!(ScimError::payload_too_large().status, 413);
    assert_eq!(ScimError::internal().status, 500);
    assert_eq!(ScimError::not_implemented().status, 501);
}

#[test]
fn detail_is_json_escaped() {
    let err = ScimError::typed(ScimType::InvalidValue).with_detail("bad \"value\"\n\\");
    let value: Value = serde_json::from_str(&wire(&err)).unwrap();
    assert_eq!(value["detail"], json!("bad \"value\"\n\\"));
}

#[test]
fn display_and_from() {
    let err: ScimError = ScimType::NoTarget.into();
    assert_eq!(err.to_string(), "400 noTarget");
    assert_eq!(
        err.with_detail("no member matched").to_string(),
        "400 noTarget: no member matched"
    );
    assert_eq!(ScimError::not_found().to_string(), "404");
}
