//! The PatchOp message (RFC 7644 §3.5.2): its schema, `Operations`, the
//! operation members and the operation limit.

use serde_json::{json, Value};

use super::super::{PatchOp, PatchRequest, MAX_OPERATIONS};
use super::message;
use crate::error::{ScimError, ScimType};
use crate::schema::PATCH_OP;

fn parse(v: &Value) -> Result<PatchRequest, ScimError> {
    PatchRequest::from_json(v)
}

fn kind(r: Result<PatchRequest, ScimError>) -> ScimType {
    let e = r.unwrap_err();
    assert_eq!(e.status, 400);
    e.scim_type.unwrap()
}

fn ops(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"op": "add", "path": "members", "value": [{"value": i.to_string()}]}))
            .collect(),
    )
}

#[test]
fn parses_operations_in_order() {
    let req = PatchRequest::parse(
        br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations":[{"op":"Add","path":"members","value":[{"value":"1"}]},
                           {"op":"remove","path":"members[value eq \"2\"]"},
                           {"op":"REPLACE","value":{"displayName":"x"}}]}"#,
    )
    .unwrap();
    let kinds: Vec<PatchOp> = req.operations().iter().map(|o| o.op).collect();
    assert_eq!(kinds, [PatchOp::Add, PatchOp::Remove, PatchOp::Replace]);
    assert_eq!(
        req.operations()[1].path.as_ref().unwrap().to_string(),
        "members[value eq \"2\"]"
    );
    assert!(req.operations()[2].path.is_none());
    assert!(req.operations()[1].value.is_none());
}

#[test]
fn member_names_match_ignoring_case() {
    let req = parse(&json!({
        "Schemas": [PATCH_OP],
        "operations": [{"OP": "add", "Path": "title", "VALUE": "x"}]
    }))
    .unwrap();
    assert_eq!(req.operations()[0].value, Some(json!("x")));
}

#[test]
fn schemas_must_be_exactly_patch_op() {
    for schemas in [
        json!(null),
        json!([]),
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]),
        json!([PATCH_OP, PATCH_OP]),
        json!([PATCH_OP, "urn:ietf:params:scim:schemas:core:2.0:User"]),
        json!(PATCH_OP),
    ] {
        let msg = json!({"schemas": schemas, "Operations": ops(1)});
        assert_eq!(kind(parse(&msg)), ScimType::InvalidSyntax, "{schemas}");
    }
    assert_eq!(
        kind(parse(&json!({"Operations": ops(1)}))),
        ScimType::InvalidSyntax
    );
}

#[test]
fn operations_must_be_a_non_empty_array() {
    for operations in [json!(null), json!([]), json!({}), json!("add")] {
        let msg = json!({"schemas": [PATCH_OP], "Operations": operations});
        assert_eq!(kind(parse(&msg)), ScimType::InvalidSyntax, "{operations}");
    }
    assert_eq!(
        kind(parse(&json!({"schemas": [PATCH_OP]}))),
        ScimType::InvalidSyntax
    );
}

#[test]
fn body_must_be_a_json_object() {
    assert_eq!(
        kind(PatchRequest::parse(b"not json")),
        ScimType::InvalidSyntax
    );
    assert_eq!(kind(PatchRequest::parse(b"[]")), ScimType::InvalidSyntax);
}

#[test]
fn op_must_be_add_remove_or_replace() {
    for op in [
        json!("move"),
        json!("copy"),
        json!(""),
        json!(1),
        json!(null),
    ] {
        let msg = message(json!([{"op": op, "path": "title", "value": "x"}]));
        assert_eq!(kind(parse(&msg)), ScimType::InvalidSyntax, "{op}");
    }
    let msg = message(json!(["add"]));
    assert_eq!(kind(parse(&msg)), ScimType::InvalidSyntax);
}

#[test]
fn malformed_path_is_invalid_path_and_bad_filter_invalid_filter() {
    for path in ["", "emails[", "name..givenName", "a b"] {
        let msg = message(json!([{"op": "remove", "path": path}]));
        assert_eq!(kind(parse(&msg)), ScimType::InvalidPath, "{path}");
    }
    let msg = message(json!([{"op": "remove", "path": "emails[type xx \"work\"]"}]));
    assert_eq!(kind(parse(&msg)), ScimType::InvalidFilter);
    let msg = message(json!([{"op": "remove", "path": 7}]));
    assert_eq!(kind(parse(&msg)), ScimType::InvalidSyntax);
}

#[test]
fn add_and_replace_need_a_value() {
    for op in ["add", "replace"] {
        let msg = message(json!([{"op": op, "path": "title"}]));
        let e = parse(&msg).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{op}");
        assert!(e.detail.unwrap().starts_with("Operations[0]: "));
    }
}

#[test]
fn at_most_max_operations() {
    assert_eq!(MAX_OPERATIONS, 1000);
    let req = parse(&message(ops(1000))).unwrap();
    assert_eq!(req.operations().len(), 1000);
    assert_eq!(kind(parse(&message(ops(1001)))), ScimType::InvalidValue);
    let many = PatchRequest::new(
        parse(&message(ops(1000)))
            .unwrap()
            .operations()
            .iter()
            .chain(parse(&message(ops(1))).unwrap().operations())
            .cloned()
            .collect(),
    );
    assert_eq!(kind(many), ScimType::InvalidValue);
}

#[test]
fn built_request_is_checked_like_a_parsed_one() {
    use super::super::PatchOperation;
    let missing = PatchOperation {
        op: PatchOp::Replace,
        path: None,
        value: None,
    };
    assert_eq!(
        kind(PatchRequest::new(vec![missing])),
        ScimType::InvalidValue
    );
    assert_eq!(kind(PatchRequest::new(Vec::new())), ScimType::InvalidSyntax);
}
