//! `project`: `returned`, `attributes` and `excludedAttributes`
//! (RFC 7644 §3.4.2.5, §3.9).

use serde_json::json;

use super::full_user;
use crate::filter::AttrPath;
use crate::resource::parse_attribute_list;
use crate::resource_type::ResourceType;
use crate::schema::{ENTERPRISE_USER, USER};

fn paths(raw: &str) -> Vec<AttrPath> {
    parse_attribute_list(raw).unwrap_or_else(|e| panic!("{e}"))
}

fn project(attributes: &str, excluded: &str) -> serde_json::Value {
    ResourceType::user().project(&full_user(), &paths(attributes), &paths(excluded))
}

#[test]
fn attributes_user_name() {
    assert_eq!(
        project("userName", ""),
        json!({"schemas": [USER], "id": "2819c223-7f76-453a-919d-413861904646", "userName": "bjensen@example.com"})
    );
    // Names match ignoring case.
    assert_eq!(project("USERNAME", ""), project("userName", ""));
}

#[test]
fn default_projection_drops_only_never() {
    let out = project("", "");
    let mut expected = full_user();
    expected.as_object_mut().map(|m| m.remove("password"));
    assert_eq!(out, expected);
}

#[test]
fn excluded_attributes() {
    let out = project("", "emails,ID,name.middleName");
    assert!(out.get("emails").is_none());
    assert_eq!(
        out["id"], "2819c223-7f76-453a-919d-413861904646",
        "id is returned always"
    );
    assert!(out["name"].get("middleName").is_none());
    assert_eq!(out["name"]["givenName"], "Barbara");
    assert_eq!(out["phoneNumbers"], full_user()["phoneNumbers"]);
}

#[test]
fn password_is_never_returned() {
    assert!(project("password", "").get("password").is_none());
    assert!(project("", "").get("password").is_none());
}

#[test]
fn sub_attribute_projection() {
    let out = project("emails.value,name.givenName", "");
    assert_eq!(
        out,
        json!({
            "schemas": [USER],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}],
            "name": {"givenName": "Barbara"}
        })
    );
}

#[test]
fn enterprise_paths() {
    let out = project(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "",
    );
    assert_eq!(
        out,
        json!({
            "schemas": [USER, ENTERPRISE_USER],
            "id": "2819c223-7f76-453a-919d-413861904646",
            ENTERPRISE_USER: {"department": "Tour Operations"}
        })
    );
    let out = project(&format!("{ENTERPRISE_USER}:manager.displayName"), "");
    assert_eq!(
        out[ENTERPRISE_USER],
        json!({"manager": {"displayName": "John Smith"}})
    );
    // The bare extension URN names all of it.
    let out = project(&format!("userName,{}", ENTERPRISE_USER.to_lowercase()), "");
    assert_eq!(out[ENTERPRISE_USER], full_user()[ENTERPRISE_USER]);
    // Excluding the extension removes it and its URN.
    let out = project("", ENTERPRISE_USER);
    assert!(out.get(ENTERPRISE_USER).is_none());
    assert_eq!(out["schemas"], json!([USER]));
    // Excluding every attribute of it too.
    let out = project(
        "",
        &format!(
            "{ENTERPRISE_USER}:employeeNumber,costCenter,organization,division,department,manager"
        ),
    );
    assert_eq!(out["schemas"], json!([USER]));
}

#[test]
fn meta_and_unknown_members() {
    let out = project("meta.lastModified,nope", "");
    assert_eq!(out["meta"], json!({"lastModified": "2011-05-13T04:42:34Z"}));
    let mut user = full_user();
    user["internalNote"] = json!("secret");
    let out = ResourceType::user().project(&user, &[], &[]);
    assert!(out.get("internalNote").is_none());
}
