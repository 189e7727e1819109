//! Engine rules beyond the RFC examples: atomicity, case, mutability, types,
//! unknown paths, extensions, `primary`, and the required-attribute hook.

use serde_json::json;

use super::{bjensen, patch, scim_type, tour_guides, TestSchema};
use crate::error::ScimType;
use crate::schema::{ENTERPRISE_USER, USER};

#[test]
fn failing_third_operation_leaves_resource_unchanged() {
    let user = bjensen();
    let ops = json!([
        {"op": "replace", "path": "displayName", "value": "Barbara Jensen"},
        {"op": "remove", "path": "emails[type eq \"home\"]"},
        {"op": "replace", "path": "id", "value": "stolen"}
    ]);
    let err = patch(&user, &TestSchema::user(), ops).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::Mutability));
    assert!(
        err.detail
            .as_deref()
            .unwrap()
            .starts_with("Operations[2]: "),
        "{err}"
    );
    assert_eq!(user, bjensen());
    // The first two alone apply.
    let ok = patch(
        &user,
        &TestSchema::user(),
        json!([
            {"op": "replace", "path": "displayName", "value": "Barbara Jensen"},
            {"op": "remove", "path": "emails[type eq \"home\"]"}
        ]),
    )
    .unwrap();
    assert_eq!(ok["displayName"], "Barbara Jensen");
    assert_eq!(ok["emails"].as_array().unwrap().len(), 1);
}

#[test]
fn operations_apply_in_order() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "replace", "path": "title", "value": "first"},
            {"op": "replace", "path": "title", "value": "second"},
            {"op": "remove", "path": "nickName"},
            {"op": "add", "path": "nickName", "value": "Babs"}
        ]),
    )
    .unwrap();
    assert_eq!(out["title"], "second");
    assert_eq!(out["nickName"], "Babs");
}

#[test]
fn attribute_names_match_ignoring_case_and_keep_stored_spelling() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "REPLACE", "path": "USERNAME", "value": "babs@example.com"},
            {"op": "replace", "path": "Name.GivenName", "value": "Babs"},
            {"op": "replace", "path": "EMAILS[TYPE eq \"work\"].VALUE", "value": "babs@example.com"},
            {"op": "replace", "path": "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department", "value": "Tours"},
            {"op": "replace", "value": {"DISPLAYNAME": "Babs"}}
        ]),
    )
    .unwrap();
    assert_eq!(out["userName"], "babs@example.com");
    assert!(out.get("USERNAME").is_none());
    assert_eq!(out["name"]["givenName"], "Babs");
    assert_eq!(out["emails"][0]["value"], "babs@example.com");
    assert!(out["emails"][0].get("VALUE").is_none());
    assert_eq!(out[ENTERPRISE_USER]["department"], "Tours");
    assert_eq!(out["displayName"], "Babs");
    assert!(out.get("DISPLAYNAME").is_none());
}

#[test]
fn add_skips_exact_duplicates() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "babs@jensen.org", "type": "home"},
            {"Type": "home", "Value": "babs@jensen.org"},
            {"value": "babs@jensen.org", "type": "other"},
            {"value": "babs@jensen.org", "type": "other"}
        ]}]),
    )
    .unwrap();
    let emails = out["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3);
    assert_eq!(
        emails[2],
        json!({"value": "babs@jensen.org", "type": "other"})
    );
}

#[test]
fn add_single_value_to_multi_valued_attribute() {
    let out = patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "add", "path": "members", "value": {"value": "08e1d05d"}}]),
    )
    .unwrap();
    assert_eq!(out["members"][2], json!({"value": "08e1d05d"}));
}

#[test]
fn add_to_single_valued_sets_and_to_complex_merges() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "add", "path": "displayName", "value": "Barbara"},
            {"op": "add", "path": "name", "value": {"middleName": "Jane", "givenName": "Barb"}},
            {"op": "add", "path": "name.honorificPrefix", "value": "Ms."}
        ]),
    )
    .unwrap();
    assert_eq!(out["displayName"], "Barbara");
    assert_eq!(
        out["name"],
        json!({
            "familyName": "Jensen", "givenName": "Barb", "middleName": "Jane",
            "honorificPrefix": "Ms.", "formatted": "Ms. Barbara J Jensen, III"
        })
    );
}

#[test]
fn replace_of_absent_attribute_adds_it() {
    let user = json!({"schemas": [USER], "id": "1", "userName": "b"});
    let out = patch(
        &user,
        &TestSchema::user(),
        json!([
            {"op": "replace", "path": "name.givenName", "value": "Barbara"},
            {"op": "replace", "path": "title", "value": "Guide"}
        ]),
    )
    .unwrap();
    assert_eq!(out["name"], json!({"givenName": "Barbara"}));
    assert_eq!(out["title"], "Guide");
}

#[test]
fn null_value_unassigns() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "replace", "path": "displayName", "value": null},
            {"op": "replace", "path": "name", "value": {"formatted": null}}
        ]),
    )
    .unwrap();
    assert!(out.get("displayName").is_none());
    assert_eq!(
        out["name"],
        json!({"familyName": "Jensen", "givenName": "Barbara"})
    );
}

#[test]
fn remove_sub_attribute_and_empty_complex_goes() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "remove", "path": "name.formatted"},
            {"op": "remove", "path": "name.givenName"},
            {"op": "remove", "path": "name.familyName"}
        ]),
    )
    .unwrap();
    assert!(out.get("name").is_none(), "{out}");
}

#[test]
fn remove_sub_attribute_of_selected_values() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "remove", "path": "addresses[type eq \"work\"].locality"}]),
    )
    .unwrap();
    assert!(out["addresses"][0].get("locality").is_none());
    assert_eq!(out["addresses"][1]["locality"], "Hollywood");
}

#[test]
fn remove_of_absent_attribute_changes_nothing() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "remove", "path": "title"},
            {"op": "remove", "path": "phoneNumbers[type eq \"work\"]"},
            {"op": "remove", "path": "name.middleName"}
        ]),
    )
    .unwrap();
    assert_eq!(out, bjensen());
}

#[test]
fn read_only_attributes_are_refused() {
    for ops in [
        json!([{"op": "replace", "path": "id", "value": "x"}]),
        json!([{"op": "remove", "path": "id"}]),
        json!([{"op": "add", "path": "meta.version", "value": "W/\"1\""}]),
        json!([{"op": "remove", "path": "meta"}]),
        json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
        json!([{"op": "replace", "value": {"meta": {"resourceType": "Group"}}}]),
    ] {
        let t = scim_type(patch(&bjensen(), &TestSchema::user(), ops.clone()));
        assert_eq!(t, ScimType::Mutability, "{ops}");
    }
}

#[test]
fn read_only_sub_attribute_is_refused() {
    let t = scim_type(patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "value": {"value": "26118915", "displayName": "John Smith"}}]),
    ));
    assert_eq!(t, ScimType::Mutability);
}

#[test]
fn immutable_sub_attribute_set_once_not_changed() {
    // A new member may carry its (immutable) value…
    let group = tour_guides();
    patch(
        &group,
        &TestSchema::group(),
        json!([{"op": "add", "path": "members", "value": [{"value": "08e1d05d"}]}]),
    )
    .unwrap();
    // …but a member's value cannot change.
    let t = scim_type(patch(
        &group,
        &TestSchema::group(),
        json!([{"op": "replace", "path": "members[display eq \"Babs Jensen\"].value", "value": "other"}]),
    ));
    assert_eq!(t, ScimType::Mutability);
    // Its display may.
    let out = patch(
        &group,
        &TestSchema::group(),
        json!([{"op": "replace", "path": "members[display eq \"Babs Jensen\"].display", "value": "Barbara Jensen"}]),
    )
    .unwrap();
    assert_eq!(out["members"][0]["display"], "Barbara Jensen");
}

#[test]
fn removing_required_attribute_goes_through_the_hook() {
    let t = scim_type(patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "remove", "path": "userName"}]),
    ));
    assert_eq!(t, ScimType::Mutability);
    let t = scim_type(patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "replace", "path": "userName", "value": null}]),
    ));
    assert_eq!(t, ScimType::Mutability);
    let t = scim_type(patch(
        &tour_guides(),
        &TestSchema::group(),
        json!([{"op": "remove", "path": "displayName"}]),
    ));
    assert_eq!(t, ScimType::Mutability);
}

#[test]
fn unknown_paths_are_invalid_path() {
    for ops in [
        json!([{"op": "add", "path": "shoeSize", "value": "42"}]),
        json!([{"op": "add", "path": "name.nickname", "value": "x"}]),
        json!([{"op": "add", "path": "urn:example:params:scim:schemas:custom:1.0:User:badge", "value": "x"}]),
        json!([{"op": "add", "value": {"shoeSize": "42"}}]),
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@b", "label": "x"}]}]),
        json!([{"op": "remove", "path": "title[value eq \"x\"]"}]),
        json!([{"op": "remove", "path": "emails[label eq \"x\"]"}]),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName", "value": "x"}]),
    ] {
        let t = scim_type(patch(&bjensen(), &TestSchema::user(), ops.clone()));
        assert_eq!(t, ScimType::InvalidPath, "{ops}");
    }
}

#[test]
fn wrong_types_are_invalid_value() {
    for ops in [
        json!([{"op": "replace", "path": "active", "value": 1}]),
        json!([{"op": "replace", "path": "userName", "value": true}]),
        json!([{"op": "replace", "path": "name", "value": "Barbara"}]),
        json!([{"op": "replace", "path": "name.givenName", "value": {"x": 1}}]),
        json!([{"op": "add", "path": "emails", "value": [["nested"]]}]),
        json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": "x@example.com"}]),
        json!([{"op": "add", "value": "not an object"}]),
        json!([{"op": "add", "value": {ENTERPRISE_USER: "not an object"}}]),
    ] {
        let t = scim_type(patch(&bjensen(), &TestSchema::user(), ops.clone()));
        assert_eq!(t, ScimType::InvalidValue, "{ops}");
    }
}

#[test]
fn extension_object_created_and_dropped_with_its_urn() {
    let user = json!({"schemas": [USER], "id": "1", "userName": "b"});
    let out = patch(
        &user,
        &TestSchema::user(),
        json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tours"}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_USER], json!({"department": "Tours"}));
    assert_eq!(out["schemas"], json!([USER, ENTERPRISE_USER]));
    let back = patch(
        &out,
        &TestSchema::user(),
        json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]),
    )
    .unwrap();
    assert_eq!(back, user);
}

#[test]
fn new_primary_clears_the_others() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    )
    .unwrap();
    assert_eq!(out["emails"][0]["primary"], json!(false));
    assert_eq!(out["emails"][1]["primary"], json!(true));
}

#[test]
fn sub_attribute_without_filter_addresses_every_value() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([{"op": "remove", "path": "addresses.locality"}]),
    )
    .unwrap();
    for address in out["addresses"].as_array().unwrap() {
        assert!(address.get("locality").is_none(), "{address}");
    }
}

#[test]
fn null_members_of_new_values_are_dropped() {
    let out = patch(
        &bjensen(),
        &TestSchema::user(),
        json!([
            {"op": "add", "path": "emails", "value": [{"value": "b@jensen.net", "type": null}, {"value": null}]},
            {"op": "replace", "path": "addresses[type eq \"home\"]", "value": {"type": "home", "locality": null}}
        ]),
    )
    .unwrap();
    assert_eq!(out["emails"][2], json!({"value": "b@jensen.net"}));
    assert_eq!(out["emails"].as_array().unwrap().len(), 3);
    assert_eq!(out["addresses"][1], json!({"type": "home"}));
}
