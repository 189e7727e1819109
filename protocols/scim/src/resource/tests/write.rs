//! `check_write`: RFC 7643 §8.2 and §8.3 examples, names, types,
//! mutability, required attributes, primaries.

use serde_json::{json, Value};

use super::{create_user, fails, full_user};
use crate::error::ScimType;
use crate::resource::WriteMode;
use crate::resource_type::{ResourceType, SchemaDef};
use crate::schema::{ENTERPRISE_USER, GROUP, USER};

#[test]
fn full_user_passes_and_comes_out_canonical() {
    let out = create_user(full_user()).unwrap_or_else(|e| panic!("{e}"));
    let mut expected = full_user();
    if let Value::Object(m) = &mut expected {
        m.remove("id");
        m.remove("meta");
        m.remove("groups");
    }
    // manager.displayName is read-only.
    expected[ENTERPRISE_USER]["manager"]
        .as_object_mut()
        .map(|m| m.remove("displayName"));
    assert_eq!(out, expected);
    // Canonical output is a fixed point.
    let again = create_user(out.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, out);
}

#[test]
fn names_are_canonicalized() {
    let out = create_user(json!({
        "SCHEMAS": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara"},
        "EMAILS": [{"VALUE": "b@example.com", "Primary": "TRUE"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"DEPARTMENT": "Tours"}
    }));
    assert_eq!(
        out.ok(),
        Some(json!({
            "schemas": [USER, ENTERPRISE_USER],
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "emails": [{"value": "b@example.com", "primary": true}],
            ENTERPRISE_USER: {"department": "Tours"}
        }))
    );
}

#[test]
fn schema_urns() {
    let detail = fails(
        create_user(json!({"schemas": [USER, "urn:example:unknown:2.0:User"], "userName": "b"})),
        400,
        ScimType::InvalidValue,
    );
    assert!(detail.contains("unknown schema"), "{detail}");
    assert!(detail.contains("urn:example:unknown:2.0:User"), "{detail}");
    fails(
        create_user(json!({"userName": "b"})),
        400,
        ScimType::InvalidValue,
    );
    fails(
        create_user(json!({"schemas": [ENTERPRISE_USER], "userName": "b"})),
        400,
        ScimType::InvalidValue,
    );
    fails(
        create_user(json!({"schemas": USER, "userName": "b"})),
        400,
        ScimType::InvalidValue,
    );
    let detail = fails(
        create_user(
            json!({"schemas": [USER], "userName": "b", "urn:example:other:2.0:User": {"x": 1}}),
        ),
        400,
        ScimType::InvalidValue,
    );
    assert!(detail.contains("unknown schema"), "{detail}");
    // A registered extension object is accepted without its URN in schemas.
    let out = create_user(
        json!({"schemas": [USER], "userName": "b", ENTERPRISE_USER: {"division": "Parks"}}),
    );
    assert_eq!(
        out.ok().map(|o| o["schemas"].clone()),
        Some(json!([USER, ENTERPRISE_USER]))
    );
    // An extension URN without attributes leaves `schemas`.
    let out = create_user(json!({"schemas": [USER, ENTERPRISE_USER], "userName": "b"}));
    assert_eq!(out.ok().map(|o| o["schemas"].clone()), Some(json!([USER])));
    // URN-qualified attribute names.
    let out = create_user(json!({
        "schemas": [USER],
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "b",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": "4130"
    }));
    assert_eq!(
        out.ok().map(|o| (
            o["userName"].clone(),
            o[ENTERPRISE_USER]["costCenter"].clone()
        )),
        Some((json!("b"), json!("4130")))
    );
}

#[test]
fn unknown_attributes() {
    let detail = fails(
        create_user(json!({"schemas": [USER], "userName": "b", "shoeSize": 42})),
        400,
        ScimType::InvalidValue,
    );
    assert!(detail.contains("shoeSize"), "{detail}");
    let detail = fails(
        create_user(
            json!({"schemas": [USER], "userName": "b", "emails": [{"value": "x", "label": "y"}]}),
        ),
        400,
        ScimType::InvalidValue,
    );
    assert!(detail.contains("emails.label"), "{detail}");
    fails(
        create_user(json!({"schemas": [USER], "userName": "b", ENTERPRISE_USER: {"badge": "1"}})),
        400,
        ScimType::InvalidValue,
    );
    // Unknown attributes with null values are dropped.
    let out = create_user(
        json!({"schemas": [USER], "userName": "b", "shoeSize": null, "nickName": null}),
    );
    assert_eq!(out.ok(), Some(json!({"schemas": [USER], "userName": "b"})));
}

#[test]
fn booleans_from_strings() {
    let out = create_user(json!({"schemas": [USER], "userName": "b", "active": "False"}));
    assert_eq!(out.ok().map(|o| o["active"].clone()), Some(json!(false)));
    let out = create_user(json!({"schemas": [USER], "userName": "b", "active": "tRUE"}));
    assert_eq!(out.ok().map(|o| o["active"].clone()), Some(json!(true)));
    fails(
        create_user(json!({"schemas": [USER], "userName": "b", "active": "yes"})),
        400,
        ScimType::InvalidValue,
    );
}

#[test]
fn read_only_attributes_are_dropped() {
    let out = create_user(json!({
        "schemas": [USER],
        "id": "client-chosen",
        "meta": {"created": "not even a date"},
        "userName": "b",
        "groups": [{"value": "g1"}]
    }));
    assert_eq!(out.ok(), Some(json!({"schemas": [USER], "userName": "b"})));
}

#[test]
fn required_attributes() {
    let detail = fails(
        create_user(json!({"schemas": [USER], "name": {"givenName": "B"}})),
        400,
        ScimType::InvalidValue,
    );
    assert_eq!(detail, "attribute 'userName' is required");
    fails(
        create_user(json!({"schemas": [USER], "userName": null})),
        400,
        ScimType::InvalidValue,
    );
    let group = ResourceType::group();
    let detail = fails(
        group.check_write(json!({"schemas": [GROUP]}), WriteMode::Create, None),
        400,
        ScimType::InvalidValue,
    );
    assert_eq!(detail, "attribute 'displayName' is required");
}

#[test]
fn at_most_one_primary() {
    let detail = fails(
        create_user(json!({"schemas": [USER], "userName": "b", "emails": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": "True"}
        ]})),
        400,
        ScimType::InvalidValue,
    );
    assert!(detail.contains("emails"), "{detail}");
    let out = create_user(json!({"schemas": [USER], "userName": "b", "emails": [
        {"value": "a@example.com", "primary": true},
        {"value": "b@example.com", "primary": false}
    ]}));
    assert!(out.is_ok());
}

#[test]
fn wrong_types() {
    let cases = [
        json!({"userName": 42}),
        json!({"userName": ["b"]}),
        json!({"name": "Barbara"}),
        json!({"active": 1}),
        json!({"emails": {"value": "a@example.com"}}),
        json!({"emails": ["a@example.com"]}),
        json!({"emails": [{"value": 7}]}),
        json!({"x509Certificates": [{"value": "not base64!"}]}),
        json!({"profileUrl": false}),
        json!({ENTERPRISE_USER: "Tours"}),
        json!({ENTERPRISE_USER: {"manager": [1]}}),
    ];
    for case in cases {
        let mut body = json!({"schemas": [USER], "userName": "b"});
        if let (Value::Object(b), Value::Object(c)) = (&mut body, case.clone()) {
            b.extend(c);
        }
        fails(create_user(body), 400, ScimType::InvalidValue);
    }
    fails(
        create_user(json!(["not", "an", "object"])),
        400,
        ScimType::InvalidSyntax,
    );
}

#[test]
fn bare_manager_value_becomes_complex() {
    let out = create_user(
        json!({"schemas": [USER], "userName": "b", ENTERPRISE_USER: {"manager": "m1"}}),
    );
    assert_eq!(
        out.ok().map(|o| o[ENTERPRISE_USER]["manager"].clone()),
        Some(json!({"value": "m1"}))
    );
}

#[test]
fn duplicate_names_differing_in_case() {
    fails(
        create_user(json!({"schemas": [USER], "userName": "a", "USERNAME": "b"})),
        400,
        ScimType::InvalidValue,
    );
}

/// A resource type with immutable attributes, read from a Schema document.
fn badges() -> ResourceType {
    let core = SchemaDef::from_json(&json!({
        "id": "urn:example:params:scim:schemas:Badge",
        "name": "Badge",
        "attributes": [
            {"name": "serial", "type": "string", "mutability": "immutable", "required": true},
            {"name": "holder", "type": "string"},
            {"name": "issued", "type": "dateTime"},
            {"name": "level", "type": "integer"},
            {"name": "weight", "type": "decimal"},
            {"name": "site", "type": "complex", "subAttributes": [
                {"name": "code", "type": "string", "mutability": "immutable"},
                {"name": "label", "type": "string"}
            ]}
        ]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    ResourceType {
        name: "Badge".into(),
        endpoint: "/Badges".into(),
        description: "Badge".into(),
        core,
        extensions: Vec::new(),
    }
}

#[test]
fn immutable_attributes_on_replace() {
    let t = badges();
    let urn = "urn:example:params:scim:schemas:Badge";
    let prior = json!({"schemas": [urn], "id": "1", "serial": "S1", "holder": "Ann", "site": {"code": "PAR", "label": "Paris"}});
    let replace = |body: Value| t.check_write(body, WriteMode::Replace, Some(&prior));
    let detail = fails(
        replace(json!({"schemas": [urn], "serial": "S2"})),
        400,
        ScimType::Mutability,
    );
    assert!(detail.contains("serial"), "{detail}");
    fails(
        replace(json!({"schemas": [urn], "serial": "S1", "site": {"code": "LYS"}})),
        400,
        ScimType::Mutability,
    );
    // The same value, in any case of names, passes; an absent one is kept.
    let out = replace(
        json!({"schemas": [urn], "SERIAL": "S1", "holder": "Bob", "site": {"label": "Paris Nord"}}),
    );
    assert_eq!(
        out.ok(),
        Some(
            json!({"schemas": [urn], "serial": "S1", "holder": "Bob", "site": {"code": "PAR", "label": "Paris Nord"}})
        )
    );
    let out = replace(json!({"schemas": [urn], "holder": "Bob"}));
    assert_eq!(out.ok().map(|o| o["serial"].clone()), Some(json!("S1")));
    // Create sets immutable attributes freely.
    assert!(t
        .check_write(
            json!({"schemas": [urn], "serial": "S9"}),
            WriteMode::Create,
            Some(&prior)
        )
        .is_ok());
}

#[test]
fn scalar_types() {
    let t = badges();
    let urn = "urn:example:params:scim:schemas:Badge";
    let write = |extra: Value| {
        let mut body = json!({"schemas": [urn], "serial": "S"});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        t.check_write(body, WriteMode::Create, None)
    };
    for ok in [
        json!({"issued": "2010-01-23T04:56:22Z"}),
        json!({"issued": "2024-02-29T23:59:60.123+05:30"}),
        json!({"level": -3}),
        json!({"weight": 1.5}),
        json!({"weight": 2}),
    ] {
        assert!(write(ok.clone()).is_ok(), "{ok}");
    }
    for bad in [
        json!({"issued": "2010-01-23"}),
        json!({"issued": "2023-02-29T00:00:00Z"}),
        json!({"issued": "2010-13-01T00:00:00Z"}),
        json!({"issued": "2010-01-23T04:56:22"}),
        json!({"level": 1.5}),
        json!({"level": "3"}),
        json!({"weight": "1.5"}),
    ] {
        fails(write(bad), 400, ScimType::InvalidValue);
    }
}

#[test]
fn group_members() {
    let group = ResourceType::group();
    let out = group.check_write(
        json!({"schemas": [GROUP], "displayName": "Tour Guides", "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"}
        ]}),
        WriteMode::Create,
        None,
    );
    assert!(out.is_ok(), "{out:?}");
    // Members change freely on replace: values are what is added or removed.
    let prior =
        json!({"schemas": [GROUP], "id": "g", "displayName": "T", "members": [{"value": "a"}]});
    let out = group.check_write(
        json!({"schemas": [GROUP], "displayName": "T", "members": [{"value": "b"}]}),
        WriteMode::Replace,
        Some(&prior),
    );
    assert_eq!(
        out.ok().map(|o| o["members"].clone()),
        Some(json!([{"value": "b"}]))
    );
}
