//! The examples of RFC 7644 §3.5.2.1 (add), §3.5.2.2 (remove) and §3.5.2.3
//! (replace).

use serde_json::json;

use super::{bjensen, patch, scim_type, tour_guides, TestSchema};
use crate::error::ScimType;

const BABS: &str = "2819c223-7f76-453a-919d-413861904646";
const MANDY: &str = "902c246b-6245-4190-8e05-00816be7344a";

#[test]
fn add_member_to_group() {
    let group =
        json!({"schemas": [crate::schema::GROUP], "id": "acbf3ae7", "displayName": "Tour Guides"});
    let out = patch(
        &group,
        &TestSchema::group(),
        json!([{
            "op": "add",
            "path": "members",
            "value": [{
                "display": "Babs Jensen",
                "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                "value": BABS
            }]
        }]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([{
            "display": "Babs Jensen",
            "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "value": BABS
        }])
    );
    assert_eq!(out["displayName"], "Tour Guides");
}

#[test]
fn add_member_appends_to_the_existing_ones() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "add", "path": "members", "value": [{"value": "08e1d05d"}]}]),
    )
    .unwrap();
    let members = out["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[2], json!({"value": "08e1d05d"}));
}

#[test]
fn add_without_path_emails_and_nickname() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{
            "op": "add",
            "value": {
                "emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@jensen.net", "type": "other"}],
                "nickname": "Babs"
            }
        }]),
    )
    .unwrap();
    // The home address is already held: only the new one is appended.
    let emails = out["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3);
    assert_eq!(emails[2], json!({"value": "b@jensen.net", "type": "other"}));
    assert_eq!(out["nickname"], "Babs");
}

#[test]
fn remove_a_single_member() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "remove", "path": format!("members[value eq \"{BABS}\"]")}]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([{"value": MANDY, "display": "Mandy Pepperidge"}])
    );
}

#[test]
fn remove_all_members() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "remove", "path": "members"}]),
    )
    .unwrap();
    assert!(out.get("members").is_none(), "{out}");
}

#[test]
fn remove_last_selected_member_unassigns_the_attribute() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "remove", "path": format!("members[value eq \"{BABS}\" or value eq \"{MANDY}\"]")}]),
    )
    .unwrap();
    assert!(out.get("members").is_none(), "{out}");
}

#[test]
fn remove_emails_by_complex_filter() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

#[test]
fn remove_all_members_then_add_one() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"display": "James Smith", "value": "08e1d05d"}]}
        ]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([{"display": "James Smith", "value": "08e1d05d"}])
    );
}

#[test]
fn replace_all_members() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{
            "op": "replace",
            "path": "members",
            "value": [
                {"display": "Babs Jensen", "value": BABS},
                {"display": "James Smith", "value": "08e1d05d"}
            ]
        }]),
    )
    .unwrap();
    assert_eq!(
        out["members"],
        json!([
            {"display": "Babs Jensen", "value": BABS},
            {"display": "James Smith", "value": "08e1d05d"}
        ])
    );
}

#[test]
fn replace_emails_of_type_work() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{
            "op": "replace",
            "path": "emails[type eq \"work\"]",
            "value": {"type": "work", "value": "bjensen@example.net"}
        }]),
    )
    .unwrap();
    assert_eq!(
        out["emails"],
        json!([
            {"type": "work", "value": "bjensen@example.net"},
            {"value": "babs@jensen.org", "type": "home"}
        ])
    );
}

#[test]
fn replace_street_address_of_work_address() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{
            "op": "replace",
            "path": "addresses[type eq \"work\"].streetAddress",
            "value": "1010 Broadway Ave"
        }]),
    )
    .unwrap();
    assert_eq!(out["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(out["addresses"][0]["locality"], "Hollywood");
    assert_eq!(out["addresses"][1], bjensen()["addresses"][1]);
}

#[test]
fn replace_name_family_name() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"}]),
    )
    .unwrap();
    assert_eq!(
        out["name"],
        json!({"familyName": "Jensen-Smith", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen, III"})
    );
}

#[test]
fn replace_without_path_emails_and_nickname() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{
            "op": "replace",
            "value": {
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"}
                ],
                "nickname": "Babs"
            }
        }]),
    )
    .unwrap();
    assert_eq!(out["emails"], bjensen()["emails"]);
    assert_eq!(out["nickname"], "Babs");
}

#[test]
fn replace_with_filter_matching_nothing_is_no_target() {
    let t = scim_type(patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "replace", "path": "emails[type eq \"other\"].value", "value": "x@example.com"}]),
    ));
    assert_eq!(t, ScimType::NoTarget);
}

#[test]
fn remove_without_path_is_no_target() {
    let t = scim_type(patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "remove"}]),
    ));
    assert_eq!(t, ScimType::NoTarget);
}
