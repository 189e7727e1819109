//! What Microsoft Entra ID and Okta send that strays from RFC 7644 §3.5.2,
//! one test per quirk.

use serde_json::json;

use super::{bjensen, patch, scim_type, tour_guides, TestSchema};
use crate::error::ScimType;
use crate::schema::{ENTERPRISE_USER, GROUP, USER};

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";

#[test]
fn entra_op_names_capitalised() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "Replace", "path": "displayName", "value": "Barbara Jensen"},
            {"op": "Add", "path": "title", "value": "Tour Guide"},
            {"op": "Remove", "path": "externalId"}
        ]),
    )
    .unwrap();
    assert_eq!(out["displayName"], "Barbara Jensen");
    assert_eq!(out["title"], "Tour Guide");
    assert!(out.get("externalId").is_none());
}

#[test]
fn entra_replace_without_path_with_dotted_name() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Replace", "value": {"name.givenName": "Barbara", "name.familyName": "Jensen-Smith"}}]),
    )
    .unwrap();
    assert_eq!(out["name"]["givenName"], "Barbara");
    assert_eq!(out["name"]["familyName"], "Jensen-Smith");
    assert_eq!(out["name"]["formatted"], "Ms. Barbara J Jensen, III");
    assert!(out.get("name.givenName").is_none());
}

#[test]
fn entra_replace_without_path_with_urn_prefixed_names() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Replace", "value": {
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tours",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName": "Jensen-Smith",
            ENTERPRISE_USER: {"costCenter": "4130"}
        }}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER]["department"], "Tours");
    assert_eq!(out[ENTERPRISE_USER]["costCenter"], "4130");
    assert_eq!(out[ENTERPRISE_USER]["employeeNumber"], "701984");
    assert_eq!(out["name"]["familyName"], "Jensen-Smith");
}

#[test]
fn entra_active_as_string_false() {
    for (sent, stored) in [
        ("False", false),
        ("false", false),
        ("TRUE", true),
        ("True", true),
    ] {
        let out = patch(
            &bjensen(),
            &TestSchema::user(),
            json!([{"op": "Replace", "path": "active", "value": sent}]),
        )
        .unwrap();
        assert_eq!(out["active"], json!(stored), "{sent}");
        let out = patch(
            &bjensen(),
            &TestSchema::user(),
            json!([{"op": "Replace", "value": {"active": sent}}]),
        )
        .unwrap();
        assert_eq!(out["active"], json!(stored), "{sent} without path");
    }
    // Only for attributes the schema declares boolean, and only those words.
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Replace", "path": "title", "value": "False"}]),
    )
    .unwrap();
    assert_eq!(out["title"], "False");
    let t = scim_type(patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Replace", "path": "active", "value": "no"}]),
    ));
    assert_eq!(t, ScimType::InvalidValue);
}

#[test]
fn entra_primary_as_string_true_in_email() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Add", "path": "emails", "value": [{"value": "b@jensen.net", "type": "other", "primary": "True"}]}]),
    )
    .unwrap();
    assert_eq!(out["emails"][2]["primary"], json!(true));
    // The previous primary is cleared (RFC 7644 §3.5.2).
    assert_eq!(out["emails"][0]["primary"], json!(false));
}

#[test]
fn entra_remove_members_with_value_filter() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "Remove", "path": format!("members[value eq \"{BABS}\"]")}]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([{"value": MANDY, "display": "Mandy Pepperidge"}])
    );
    // Removing one who is not (or no longer) a member changes nothing.
    let again = patch(
        &out,
        &TestSchema::group(),
        json!([{"op": "Remove", "path": format!("members[value eq \"{BABS}\"]")}]),
    )
    .unwrap();
    assert_eq!(again, out);
}

#[test]
fn entra_remove_members_listed_in_value() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": BABS}, {"value": "not-a-member"}]}]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([{"value": MANDY, "display": "Mandy Pepperidge"}])
    );
}

#[test]
fn entra_add_members_as_list_of_value_objects() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "Add", "path": "members", "value": [{"value": "08e1d05d"}, {"value": "d5c6a331"}]}]),
    )
    .unwrap();
    let members = out["members"].as_array().unwrap();
    assert_eq!(members.len(), 4);
    assert_eq!(members[2], json!({"value": "08e1d05d"}));
    assert_eq!(members[3], json!({"value": "d5c6a331"}));
    // Sent again, nothing is duplicated.
    let again = patch(
        &out,
        &TestSchema::group(),
        json!([{"op": "Add", "path": "members", "value": [{"value": "08e1d05d"}]}]),
    )
    .unwrap();
    assert_eq!(again, out);
}

#[test]
fn entra_re_adding_a_listed_member_by_value_changes_nothing() {
    // The resource lists members with their `$ref` and `type`; Entra ID
    // re-sends bare `{"value"}` adds on every sync cycle.
    let group = json!({"schemas": [GROUP], "id": "g", "displayName": "Guides",
        "members": [{"value": BABS, "$ref": "https://x/Users/1", "type": "User"}]});
    let again = patch(
        &group,
        &TestSchema::group(),
        json!([{"op": "Add", "path": "members", "value": [{"value": BABS}]}]),
    )
    .unwrap();
    assert_eq!(again, group);
}

#[test]
fn entra_add_filtered_sub_attribute_creates_value() {
    let user = json!({"schemas": [USER], "id": "1", "userName": "bjensen"});
    let out = patch(
        &user,
        &TestSchema::user(),
        json!([
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.com"},
            {"op": "Add", "path": "emails[type eq \"work\"].primary", "value": true},
            {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Hollywood"}
        ]),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([{"type": "work", "value": "bjensen@example.com", "primary": true}])
    );
    assert_eq!(
        out["addresses"],
        json!([{"type": "work", "locality": "Hollywood"}])
    );
    // A filter that describes no single value cannot create one.
    let t = scim_type(patch(
        &user,
        &TestSchema::user(),
        json!([{"op": "Add", "path": "emails[type ne \"work\"].value", "value": "x@example.com"}]),
    ));
    assert_eq!(t, ScimType::NoTarget);
}

#[test]
fn entra_manager_as_plain_id() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "26118915-6090-4610-87e4-49d8ca9f808d"}]),
    )
    .unwrap();
    assert_eq!(
        out[ENTERPRISE_USER]["manager"],
        json!({"value": "26118915-6090-4610-87e4-49d8ca9f808d"})
    );
}

#[test]
fn entra_extension_attribute_with_urn_path() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tours"}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER]["department"], "Tours");
    assert!(out.get("department").is_none());
}

#[test]
fn okta_full_member_replacement() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "replace", "path": "members", "value": [
            {"value": MANDY, "display": "Mandy Pepperidge"},
            {"value": "08e1d05d", "display": "James Smith"}
        ]}]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([
            {"value": MANDY, "display": "Mandy Pepperidge"},
            {"value": "08e1d05d", "display": "James Smith"}
        ])
    );
    // An empty list leaves the group without members.
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "replace", "path": "members", "value": []}]),
    )
    .unwrap();
    assert!(out.get("members").is_none(), "{out}");
}

#[test]
fn okta_replace_without_path_repeating_id() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "replace", "value": {"id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "Tour Leaders"}}]),
    )
    .unwrap();
    assert_eq!(out["displayName"], "Tour Leaders");
    assert_eq!(out["id"], "e9e30dba-f08f-4109-8486-d5c6a331660a");
    // A different id is still refused.
    let t = scim_type(patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "replace", "value": {"id": "other", "displayName": "Tour Leaders"}}]),
    ));
    assert_eq!(t, ScimType::Mutability);
}
