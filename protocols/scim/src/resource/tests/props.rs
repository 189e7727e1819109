//! Property tests: `check_write` and `project` never panic on arbitrary
//! JSON, and `project` without parameters is stable on canonical output.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::filter::AttrPath;
use crate::resource::WriteMode;
use crate::resource_type::ResourceType;
use crate::schema::{ENTERPRISE_USER, USER};

/// Names the User schema knows, in odd cases, and some it does not.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName".to_owned()),
        Just("USERNAME".to_owned()),
        Just("name".to_owned()),
        Just("givenName".to_owned()),
        Just("emails".to_owned()),
        Just("value".to_owned()),
        Just("primary".to_owned()),
        Just("active".to_owned()),
        Just("meta".to_owned()),
        Just("id".to_owned()),
        Just("schemas".to_owned()),
        Just("manager".to_owned()),
        Just(ENTERPRISE_USER.to_owned()),
        Just(format!("{ENTERPRISE_USER}:department")),
        "[a-zA-Z$]{1,6}",
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just("True".to_owned()),
            Just(USER.to_owned()),
            Just("2010-01-23T04:56:22Z".to_owned()),
            ".{0,8}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((name(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        proptest::option::of(Just(ENTERPRISE_USER.to_owned())),
        name(),
        proptest::option::of(name()),
    )
        .prop_map(|(urn, name, sub)| AttrPath { urn, name, sub })
}

proptest! {
    #[test]
    fn check_write_never_panics(body in json_value(), prior in json_value(), replace in any::<bool>()) {
        let mode = if replace { WriteMode::Replace } else { WriteMode::Create };
        let t = ResourceType::user();
        if let Ok(out) = t.check_write(body, mode, Some(&prior)) {
            // What comes out is canonical: checking it again changes nothing.
            prop_assert_eq!(t.check_write(out.clone(), WriteMode::Create, None).ok(), Some(out));
        }
    }

    #[test]
    fn check_write_with_schemas_never_panics(members in prop::collection::vec((name(), json_value()), 0..6)) {
        let mut body: Map<String, Value> = members.into_iter().collect();
        body.insert("schemas".into(), json!([USER]));
        let _ = ResourceType::group().check_write(Value::Object(body.clone()), WriteMode::Create, None);
        let _ = ResourceType::user().check_write(Value::Object(body), WriteMode::Create, None);
    }

    #[test]
    fn project_never_panics(
        resource in json_value(),
        attributes in prop::collection::vec(attr_path(), 0..3),
        excluded in prop::collection::vec(attr_path(), 0..3),
    ) {
        let t = ResourceType::user();
        let once = t.project(&resource, &attributes, &excluded);
        prop_assert!(once.get("password").is_none());
        let _ = ResourceType::group().project(&resource, &attributes, &excluded);
    }
}
