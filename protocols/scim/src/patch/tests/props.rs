//! Property tests: whatever operations a client sends, the engine answers
//! with a patched object or a 400, never a panic, and keeps an extension
//! object and its URN in `schemas` together.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::super::PatchRequest;
use super::{bjensen, message, TestSchema};
use crate::schema::ENTERPRISE_USER;

const PATHS: &[Option<&str>] = &[
    None,
    Some("title"),
    Some("active"),
    Some("id"),
    Some("meta.version"),
    Some("userName"),
    Some("name"),
    Some("name.givenName"),
    Some("NAME.familyname"),
    Some("emails"),
    Some("emails.value"),
    Some("emails[type eq \"work\"]"),
    Some("emails[type eq \"work\"].value"),
    Some("emails[type eq \"home\" or primary eq true].primary"),
    Some("addresses[type eq \"work\" and locality pr]"),
    Some("groups"),
    Some("shoeSize"),
    Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
    Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
    Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
    Some("urn:ietf:params:scim:schemas:core:2.0:User:displayName"),
];

fn values() -> Vec<Value> {
    vec![
        Value::Null,
        json!("x"),
        json!("False"),
        json!(true),
        json!(7),
        json!([]),
        json!({}),
        json!({"value": "a@example.com", "type": "work", "primary": true}),
        json!([{"value": "b@example.com", "type": "home"}, {"value": null}]),
        json!({"givenName": "B", "familyName": null}),
        json!({"name.givenName": "B", "active": "True", "title": "T"}),
        json!({ENTERPRISE_USER: {"department": "D"}}),
        json!(["nested", ["deeper"]]),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["add", "remove", "replace", "Add", "Replace", "REMOVE"]),
        prop::sample::select(PATHS.to_vec()),
        prop::option::of(prop::sample::select(values())),
    )
        .prop_map(|(op, path, value)| {
            let mut o = serde_json::Map::new();
            o.insert("op".into(), json!(op));
            if let Some(p) = path {
                o.insert("path".into(), json!(p));
            }
            if let Some(v) = value {
                o.insert("value".into(), v);
            }
            Value::Object(o)
        })
}

fn extension_coherent(resource: &Value) -> bool {
    let listed = resource["schemas"]
        .as_array()
        .is_some_and(|s| s.iter().any(|u| u == ENTERPRISE_USER));
    listed == resource.get(ENTERPRISE_USER).is_some()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_operations_patch_or_fail_with_400(ops in prop::collection::vec(operation(), 1..8)) {
        let user = bjensen();
        let schema = TestSchema::user();
        match PatchRequest::from_json(&message(Value::Array(ops))) {
            Err(e) => prop_assert_eq!(e.status, 400),
            Ok(request) => match request.apply(&user, &schema) {
                Err(e) => {
                    prop_assert_eq!(e.status, 400);
                    prop_assert!(e.scim_type.is_some());
                }
                Ok(out) => {
                    prop_assert!(out.is_object());
                    prop_assert!(extension_coherent(&out), "{}", out);
                    prop_assert_eq!(&out["id"], &user["id"]);
                    prop_assert_eq!(&out["meta"], &user["meta"]);
                }
            },
        }
    }

    #[test]
    fn any_json_body_parses_or_fails_with_400(body in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = PatchRequest::parse(&body) {
            prop_assert_eq!(e.status, 400);
        }
    }
}
