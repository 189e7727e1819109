//! Tests of the schema definitions: the embedded files parse and
//! round-trip, cover RFC 7643 §4.1 to §4.3, and answer the PATCH port.

use serde_json::{json, Value};

use super::*;
use crate::error::ScimType;
use crate::patch::{AttrRef, PatchRequest, Schema};

fn file(i: usize) -> Value {
    serde_json::from_str(SCHEMA_FILES[i]).unwrap_or_else(|e| panic!("file {i}: {e}"))
}

#[test]
fn files_parse_and_round_trip() {
    for i in 0..SCHEMA_FILES.len() {
        let v = file(i);
        let def = SchemaDef::from_json(&v).unwrap_or_else(|e| panic!("file {i}: {e}"));
        assert_eq!(def.to_json(), v, "file {i} does not round-trip");
        assert!(v.get("meta").is_none());
        assert_eq!(v["schemas"], json!([schema::SCHEMA]));
    }
}

#[test]
fn every_attribute_spells_out_every_characteristic() {
    fn check(a: &Value) {
        for key in [
            "name",
            "type",
            "multiValued",
            "description",
            "required",
            "caseExact",
            "mutability",
            "returned",
            "uniqueness",
        ] {
            assert!(a.get(key).is_some(), "{} lacks {key}", a["name"]);
        }
        assert!(!a["description"].as_str().unwrap_or_default().is_empty());
        if a["type"] == "complex" {
            assert!(a["subAttributes"].is_array(), "{}", a["name"]);
            a["subAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .for_each(check);
        } else {
            assert!(a["canonicalValues"].is_array(), "{}", a["name"]);
        }
        if a["type"] == "reference" {
            assert!(a["referenceTypes"].is_array(), "{}", a["name"]);
        }
    }
    for i in 0..SCHEMA_FILES.len() {
        file(i)["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .for_each(check);
    }
}

fn names(defs: &[AttributeDef]) -> Vec<&str> {
    defs.iter().map(|d| d.name.as_str()).collect()
}

#[test]
fn user_has_every_rfc_7643_4_1_attribute() {
    let user = ResourceType::user();
    assert_eq!(user.core.id, schema::USER);
    assert_eq!(
        names(&user.core.attributes),
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates",
        ]
    );
    let sub_names = |attr: &str| {
        names(
            user.core
                .attribute(attr)
                .map_or(&[][..], |a| &a.sub_attributes[..]),
        )
        .join(",")
    };
    assert_eq!(
        sub_names("name"),
        "formatted,familyName,givenName,middleName,honorificPrefix,honorificSuffix"
    );
    assert_eq!(
        sub_names("addresses"),
        "formatted,streetAddress,locality,region,postalCode,country,type,primary"
    );
    assert_eq!(sub_names("groups"), "value,$ref,display,type");
    for multi in [
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        assert_eq!(sub_names(multi), "value,display,type,primary", "{multi}");
    }
    let user_name = user
        .core
        .attribute("username")
        .map(|a| (a.required, a.uniqueness));
    assert_eq!(user_name, Some((true, Uniqueness::Server)));
    let password = user
        .core
        .attribute("password")
        .map(|a| (a.mutability, a.returned));
    assert_eq!(password, Some((Mutability::WriteOnly, Returned::Never)));
    let groups = user
        .core
        .attribute("groups")
        .map(|a| (a.mutability, a.multi_valued));
    assert_eq!(groups, Some((Mutability::ReadOnly, true)));
    let photo = user
        .core
        .attribute("photos")
        .and_then(|a| a.sub_attribute("VALUE"));
    assert_eq!(photo.map(|p| p.kind), Some(AttrKind::Reference));
    let cert = user
        .core
        .attribute("x509Certificates")
        .and_then(|a| a.sub_attribute("value"));
    assert_eq!(cert.map(|c| c.kind), Some(AttrKind::Binary));
}

#[test]
fn enterprise_user_and_group_attributes() {
    let user = ResourceType::user();
    let ext = &user.extensions[0];
    assert_eq!(ext.schema.id, schema::ENTERPRISE_USER);
    assert!(!ext.required);
    assert_eq!(
        names(&ext.schema.attributes),
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
    let manager = ext
        .schema
        .attribute("manager")
        .map(|m| names(&m.sub_attributes).join(","));
    assert_eq!(manager.as_deref(), Some("value,$ref,displayName"));

    let group = ResourceType::group();
    assert_eq!(group.core.id, schema::GROUP);
    assert!(group.extensions.is_empty());
    assert_eq!(names(&group.core.attributes), ["displayName", "members"]);
    assert_eq!(
        group.core.attribute("displayName").map(|d| d.required),
        Some(true)
    );
    let members = group.core.attribute("members");
    assert_eq!(
        members
            .map(|m| names(&m.sub_attributes).join(","))
            .as_deref(),
        Some("value,$ref,display,type")
    );
    let value = members
        .and_then(|m| m.sub_attribute("value"))
        .map(|v| v.mutability);
    assert_eq!(value, Some(Mutability::Immutable));
    let types = members
        .and_then(|m| m.sub_attribute("type"))
        .map(|t| t.canonical_values.clone());
    assert_eq!(types, Some(vec!["User".to_owned(), "Group".to_owned()]));
}

#[test]
fn common_attributes_are_known() {
    let names: Vec<&str> = common_attributes()
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["id", "externalId", "meta"]);
    let id = &common_attributes()[0];
    assert_eq!(
        (id.mutability, id.returned, id.case_exact),
        (Mutability::ReadOnly, Returned::Always, true)
    );
    let user = ResourceType::user();
    assert_eq!(
        user.core_attribute("EXTERNALID").map(|a| a.mutability),
        Some(Mutability::ReadWrite)
    );
    let meta = user
        .core_attribute("meta")
        .map(|m| names_of(&m.sub_attributes));
    assert_eq!(
        meta.as_deref(),
        Some("resourceType,created,lastModified,location,version")
    );
}

fn names_of(defs: &[AttributeDef]) -> String {
    names(defs).join(",")
}

#[test]
fn resolve_paths() {
    let user = ResourceType::user();
    let hit = user.resolve(&AttrPath::new("NAME").with_sub("givenname"));
    assert_eq!(
        hit.map(|h| (
            h.schema,
            h.attr.name.as_str(),
            h.sub.map(|s| s.name.as_str())
        )),
        Some((schema::USER, "name", Some("givenName")))
    );
    let dept = AttrPath::new("department").with_urn(schema::ENTERPRISE_USER.to_uppercase());
    assert_eq!(
        user.resolve(&dept).map(|h| h.schema),
        Some(schema::ENTERPRISE_USER)
    );
    // Unqualified extension attributes are found when the core has no such name.
    assert_eq!(
        user.resolve(&AttrPath::new("department")).map(|h| h.schema),
        Some(schema::ENTERPRISE_USER)
    );
    assert_eq!(
        user.resolve(&AttrPath::new("meta").with_sub("created"))
            .map(|h| h.schema),
        Some(schema::USER)
    );
    assert!(user.resolve(&AttrPath::new("nope")).is_none());
    assert!(user
        .resolve(&AttrPath::new("userName").with_sub("x"))
        .is_none());
    assert!(user
        .resolve(&AttrPath::new("userName").with_urn(schema::GROUP))
        .is_none());
}

#[test]
fn resource_type_json() {
    let v = ResourceType::user().to_json("https://example.com/v2/");
    assert_eq!(
        v,
        json!({
            "schemas": [schema::RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "User Account",
            "schema": schema::USER,
            "schemaExtensions": [{"schema": schema::ENTERPRISE_USER, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": "https://example.com/v2/ResourceTypes/User"},
        })
    );
    let g = ResourceType::group().to_json("https://example.com/v2");
    assert_eq!(g["endpoint"], "/Groups");
    assert!(g.get("schemaExtensions").is_none());
    assert_eq!(
        g["meta"]["location"],
        "https://example.com/v2/ResourceTypes/Group"
    );
}

#[test]
fn from_json_rejects_bad_definitions() {
    let bad = [
        json!([]),
        json!({"id": "urn:x:y"}),
        json!({"id": "urn:x:y", "attributes": [{"name": "a"}]}),
        json!({"id": "urn:x:y", "attributes": [{"name": "a", "type": "text"}]}),
        json!({"id": "urn:x:y", "attributes": [{"name": "a", "type": "string", "mutability": "sometimes"}]}),
        json!({"id": "urn:x:y", "attributes": [{"name": "a", "type": "string", "required": "yes"}]}),
        json!({"id": "urn:x:y", "attributes": [{"name": "a", "type": "complex", "subAttributes": [
            {"name": "b", "type": "complex", "subAttributes": [{"name": "c", "type": "string"}]}
        ]}]}),
    ];
    for b in bad {
        let err = SchemaDef::from_json(&b).err();
        assert_eq!(
            err.and_then(|e| e.scim_type),
            Some(ScimType::InvalidValue),
            "{b}"
        );
    }
    // Absent characteristics take the RFC 7643 §7 defaults.
    let min = SchemaDef::from_json(
        &json!({"id": "urn:x:y", "attributes": [{"name": "a", "type": "integer"}]}),
    );
    let a = min.ok().and_then(|s| s.attributes.into_iter().next());
    assert_eq!(a, Some(AttributeDef::new("a", AttrKind::Integer)));
}

#[test]
fn patch_port_answers_from_the_definitions() {
    let user = ResourceType::user();
    let r = |name, sub| AttrRef {
        schema: schema::USER,
        name,
        sub_attr: sub,
    };
    assert!(user.is_known(&r("ID", None)));
    assert!(user.is_known(&r("emails", Some("Primary"))));
    assert!(!user.is_known(&r("emails", Some("nope"))));
    assert!(user.is_multi_valued(&r("emails", None)));
    assert!(!user.is_multi_valued(&r("emails", Some("value"))));
    assert_eq!(user.mutability(&r("meta", None)), Mutability::ReadOnly);
    assert_eq!(user.kind(&r("active", None)), AttrKind::Boolean);
    assert_eq!(
        Schema::extension(&user, &schema::ENTERPRISE_USER.to_lowercase()),
        Some(schema::ENTERPRISE_USER)
    );
    let manager = AttrRef {
        schema: schema::ENTERPRISE_USER,
        name: "manager",
        sub_attr: Some("displayName"),
    };
    assert_eq!(user.mutability(&manager), Mutability::ReadOnly);
    let err = user.check_unassign(&r("userName", None)).err();
    assert_eq!(err.and_then(|e| e.scim_type), Some(ScimType::Mutability));
    assert!(user.check_unassign(&r("nickName", None)).is_ok());
}

#[test]
fn patch_engine_runs_on_the_resource_types() {
    let group = ResourceType::group();
    let g = json!({"schemas": [schema::GROUP], "id": "g1", "displayName": "Tour Guides"});
    let add = PatchRequest::from_json(&json!({
        "schemas": [schema::PATCH_OP],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "u1"}]}]
    }));
    let patched = add.and_then(|p| p.apply(&g, &group));
    assert_eq!(
        patched.ok().map(|p| p["members"].clone()),
        Some(json!([{"value": "u1"}]))
    );
    let remove = PatchRequest::from_json(&json!({
        "schemas": [schema::PATCH_OP],
        "Operations": [{"op": "remove", "path": "displayName"}]
    }));
    let err = remove.and_then(|p| p.apply(&g, &group)).err();
    assert_eq!(err.and_then(|e| e.scim_type), Some(ScimType::Mutability));
    let user = ResourceType::user();
    let u = json!({"schemas": [schema::USER], "id": "u1", "userName": "bjensen"});
    let set = PatchRequest::from_json(&json!({
        "schemas": [schema::PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": "False", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tours"}}]
    }));
    let patched = set.and_then(|p| p.apply(&u, &user)).ok();
    assert_eq!(
        patched.as_ref().map(|p| p["active"].clone()),
        Some(json!(false))
    );
    assert_eq!(
        patched.map(|p| p[schema::ENTERPRISE_USER]["department"].clone()),
        Some(json!("Tours"))
    );
}
