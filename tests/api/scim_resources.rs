//! SCIM 2.0 `/Users` and `/Groups` over HTTP (RFC 7644 §3.3 to §3.6, §3.14):
//! what a provisioning client sees on create, read, replace, modify and
//! delete; the discovery endpoints (§4) with the `/Schemas` golden files;
//! who may call (§2); the audit trail; `/Me` (§3.11); and a provisioned
//! user logging in.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::admin_support::{call, expect, key, tenant_with_admin, tick};
use crate::harness::TestApp;
use crate::oidc_support::{register, tokens, web_client, PASSWORD};
use crate::scim_support::{
    expect_scim_error, id_of, patch_ops, scim_error, scim_json, scim_key, scim_tenant, user_body,
    ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA,
};

/// The `meta.version` of a resource.
fn version(resource: &Value) -> String {
    resource["meta"]["version"].as_str().unwrap().to_owned()
}

/// The number in a `W/"<n>"` entity tag.
fn version_number(resource: &Value) -> i64 {
    version(resource)
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .unwrap()
}

/// Asserts that every member of `expected` is in `actual` with the same
/// value (objects compared member by member, arrays element by element);
/// `actual` may carry more members (defaults such as `primary: false`).
fn assert_contains(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, v) in e {
                let got = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{at}.{k} missing in {actual}"));
                assert_contains(got, v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}: {actual} vs {expected}");
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                assert_contains(x, y, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

// ---- create and read -------------------------------------------------

async fn create_read_and_delete_a_user(app: &TestApp) {
    let scim = scim_tenant(app, "acme").await;
    let r = scim
        .post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "bjensen",
                "password": "t1meMa$heen-and-more",
                "id": "not-mine-to-choose",
                "meta": {"version": "W/\"99\"", "location": "https://evil.example/x"},
                "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            }),
        )
        .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let created = scim_json(r, 201).await;
    let id = id_of(&created);
    assert_ne!(id, "not-mine-to-choose", "readOnly id ignored");
    assert_eq!(created["meta"]["location"], location.as_str());
    assert_eq!(location, scim.url(&format!("/Users/{id}")));
    assert_eq!(created["meta"]["version"], etag.as_str());
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_ne!(etag, "W/\"99\"");
    assert_eq!(created["meta"]["resourceType"], "User");
    assert_eq!(created["userName"], "bjensen");
    assert_eq!(created["schemas"], json!([USER_SCHEMA]));
    assert!(created.get("password").is_none(), "{created}");

    let r = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    let read = scim_json(r, 200).await;
    assert_eq!(read, created);
    assert!(read.get("password").is_none(), "{read}");

    let r = scim.delete(&format!("/Users/{id}")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.text().await.unwrap().is_empty());
    expect_scim_error(scim.get(&format!("/Users/{id}")).await, 404, None).await;
    expect_scim_error(scim.delete(&format!("/Users/{id}")).await, 404, None).await;
}

#[tokio::test]
async fn create_read_and_delete_a_user_on_sqlite() {
    create_read_and_delete_a_user(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn create_read_and_delete_a_user_on_postgres() {
    create_read_and_delete_a_user(&TestApp::spawn_postgres_or_sqlite().await).await;
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_with_a_scim_body() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let unknown = uuid::Uuid::now_v7();
    for path in [
        format!("/Users/{unknown}"),
        "/Users/not-a-uuid".to_owned(),
        format!("/Groups/{unknown}"),
        "/Groups/42".to_owned(),
    ] {
        expect_scim_error(scim.get(&path).await, 404, None).await;
    }
}

#[tokio::test]
async fn a_taken_user_name_in_any_case_is_409_uniqueness() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    scim.create_user("bjensen").await;
    for name in ["bjensen", "BJensen", "BJENSEN"] {
        expect_scim_error(
            scim.post("/Users", user_body(name)).await,
            409,
            Some("uniqueness"),
        )
        .await;
    }
}

#[tokio::test]
async fn bad_user_bodies_are_400_with_their_scim_type() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let cases = [
        (
            json!({"schemas": [USER_SCHEMA], "userName": "a", "shoeSize": 44}),
            "invalidValue",
        ),
        (
            json!({"schemas": [USER_SCHEMA, "urn:example:params:scim:schemas:extension:Shoes"], "userName": "a"}),
            "invalidValue",
        ),
        (json!({"schemas": [USER_SCHEMA]}), "invalidValue"),
        (
            json!({"schemas": [USER_SCHEMA], "displayName": "No Name"}),
            "invalidValue",
        ),
        (
            json!({"schemas": [USER_SCHEMA], "userName": ""}),
            "invalidValue",
        ),
        (
            json!({"schemas": [USER_SCHEMA], "userName": "a", "active": "maybe"}),
            "invalidValue",
        ),
    ];
    for (body, scim_type) in cases {
        let r = scim.post("/Users", body.clone()).await;
        let got = scim_json(r, 400).await;
        scim_error(&got, "400", Some(scim_type));
        assert!(got["detail"].is_string(), "{body}: {got}");
    }
    let total = scim_json(scim.get("/Users").await, 200).await;
    assert_eq!(total["totalResults"], 0, "nothing was created");
}

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    for body in [&b"{\"userName\": "[..], b"not json", b"[1, 2]", b""] {
        let r = scim
            .request(Method::POST, "/Users")
            .header("content-type", "application/scim+json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        expect_scim_error(r, 400, Some("invalidSyntax")).await;
    }
}

#[tokio::test]
async fn a_body_over_one_mib_is_413_with_a_scim_body() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let big = json!({
        "schemas": [USER_SCHEMA],
        "userName": "big",
        "displayName": "x".repeat(1024 * 1024 + 1),
    });
    expect_scim_error(scim.post("/Users", big).await, 413, None).await;
}

// ---- attributes ------------------------------------------------------

#[tokio::test]
async fn the_enterprise_extension_round_trips_with_the_managers_ref() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let boss = scim.create_user("boss").await;
    let created = scim_json(
        scim.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
                "userName": "bjensen",
                ENTERPRISE_SCHEMA: {
                    "employeeNumber": "701984",
                    "costCenter": "4130",
                    "organization": "Universal Studios",
                    "division": "Theme Park",
                    "department": "Tour Operations",
                    "manager": {"value": id_of(&boss), "displayName": "The Boss"},
                },
            }),
        )
        .await,
        201,
    )
    .await;
    let read = scim_json(scim.get(&format!("/Users/{}", id_of(&created))).await, 200).await;
    assert_eq!(read, created);
    assert_eq!(read["schemas"], json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
    // `manager.displayName` is readOnly (RFC 7643 §4.3): what the client
    // sent is not kept.
    assert_eq!(
        read[ENTERPRISE_SCHEMA],
        json!({
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {
                "value": id_of(&boss),
                "$ref": boss["meta"]["location"],
            },
        })
    );
}

#[tokio::test]
async fn multi_valued_attributes_keep_their_primary_value() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let sent = json!({
        "schemas": [USER_SCHEMA],
        "userName": "bjensen",
        "emails": [
            {"value": "babs@jensen.org", "type": "home"},
            {"value": "bjensen@example.com", "type": "work", "primary": true},
        ],
        "phoneNumbers": [
            {"value": "555-555-8377", "type": "work"},
            {"value": "555-555-4444", "type": "mobile", "primary": true},
        ],
        "addresses": [
            {"streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "US", "type": "work", "primary": true},
            {"streetAddress": "456 Hollywood Blvd", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "US", "type": "home"},
        ],
    });
    let created = scim_json(scim.post("/Users", sent.clone()).await, 201).await;
    let read = scim_json(scim.get(&format!("/Users/{}", id_of(&created))).await, 200).await;
    assert_contains(&read, &sent, "user");
    for attr in ["emails", "phoneNumbers", "addresses"] {
        let primaries = read[attr]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["primary"] == true)
            .count();
        assert_eq!(primaries, 1, "{attr}: {read}");
    }

    let two_primaries = json!({
        "schemas": [USER_SCHEMA],
        "userName": "twice",
        "emails": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": true},
        ],
    });
    expect_scim_error(
        scim.post("/Users", two_primaries).await,
        400,
        Some("invalidValue"),
    )
    .await;
}

/// RFC 7643 §8.2, the full User representation (with a valid base64
/// certificate and no groups: `groups` is read-only and is dropped).
fn rfc7643_full_user() -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III"
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "US",
                "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
                "primary": true
            },
            {
                "type": "home",
                "streetAddress": "456 Hollywood Blvd",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "US",
                "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"
            }
        ],
        "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-555-4444", "type": "mobile"}
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}
        ],
        "userType": "Employee",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}]
    })
}

#[tokio::test]
async fn the_rfc_7643_full_user_example_round_trips() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let mut sent = rfc7643_full_user();
    sent["password"] = json!("t1meMa$heen-and-more");
    sent["id"] = json!("2819c223-7f76-453a-919d-413861904646");
    sent["groups"] =
        json!([{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}]);
    sent["meta"] = json!({"resourceType": "User", "version": "W/\"a330bc54f0671c9\""});
    let created = scim_json(scim.post("/Users", sent).await, 201).await;
    let read = scim_json(scim.get(&format!("/Users/{}", id_of(&created))).await, 200).await;
    assert_contains(&read, &rfc7643_full_user(), "user");
    assert_ne!(read["id"], "2819c223-7f76-453a-919d-413861904646");
    assert!(read.get("groups").is_none(), "{read}");
    assert!(read.get("password").is_none(), "{read}");
}

// ---- PUT ---------------------------------------------------------------

async fn put_replaces_the_whole_user(app: &TestApp) {
    let scim = scim_tenant(app, "acme").await;
    let created = scim_json(
        scim.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "bjensen",
                "displayName": "Babs",
                "title": "Tour Guide",
                "emails": [{"value": "bjensen@example.com", "primary": true}],
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
            }),
        )
        .await,
        201,
    )
    .await;
    let id = id_of(&created);
    let path = format!("/Users/{id}");
    let v1 = version(&created);
    tick(app);
    let r = scim
        .put(
            &path,
            json!({
                "schemas": [USER_SCHEMA],
                "id": "something-else",
                "meta": {"version": "W/\"1000\""},
                "userName": "bjensen",
                "name": {"givenName": "Barbara"},
            }),
            Some(&v1),
        )
        .await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let replaced = scim_json(r, 200).await;
    assert_eq!(id_of(&replaced), id, "readOnly id ignored");
    assert_eq!(replaced["meta"]["version"], etag.as_str());
    assert_eq!(version_number(&replaced), version_number(&created) + 1);
    assert_eq!(replaced["name"], json!({"givenName": "Barbara"}));
    for gone in ["displayName", "title", "emails"] {
        assert!(replaced.get(gone).is_none(), "{gone} cleared: {replaced}");
    }
    assert_eq!(
        scim_json(scim.get(&path).await, 200).await,
        replaced,
        "as stored"
    );

    // The old version no longer matches.
    let stale = scim.put(&path, user_body("bjensen"), Some(&v1)).await;
    expect_scim_error(stale, 412, None).await;
    // `*` matches any version.
    let r = scim.put(&path, user_body("barbara"), Some("*")).await;
    let renamed = scim_json(r, 200).await;
    assert_eq!(renamed["userName"], "barbara");
    assert!(renamed.get("name").is_none());
}

#[tokio::test]
async fn put_replaces_the_whole_user_on_sqlite() {
    put_replaces_the_whole_user(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn put_replaces_the_whole_user_on_postgres() {
    put_replaces_the_whole_user(&TestApp::spawn_postgres_or_sqlite().await).await;
}

#[tokio::test]
async fn if_none_match_on_the_current_version_is_304_without_a_body() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim.create_user("bjensen").await;
    let path = format!("/Users/{}", id_of(&created));
    let r = scim
        .request(Method::GET, &path)
        .header("if-none-match", version(&created))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), version(&created));
    assert!(r.bytes().await.unwrap().is_empty());

    let r = scim
        .request(Method::GET, &path)
        .header("if-none-match", "W/\"12345\"")
        .send()
        .await
        .unwrap();
    assert_eq!(scim_json(r, 200).await, created);
}

#[tokio::test]
async fn a_stale_if_match_on_patch_and_delete_is_412() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim.create_user("bjensen").await;
    let path = format!("/Users/{}", id_of(&created));
    let stale = "W/\"12345\"";
    let r = scim
        .request(Method::PATCH, &path)
        .header("if-match", stale)
        .json(&patch_ops(
            json!([{"op": "replace", "path": "title", "value": "x"}]),
        ))
        .send()
        .await
        .unwrap();
    expect_scim_error(r, 412, None).await;
    let r = scim
        .request(Method::DELETE, &path)
        .header("if-match", stale)
        .send()
        .await
        .unwrap();
    expect_scim_error(r, 412, None).await;
    let still = scim_json(scim.get(&path).await, 200).await;
    assert_eq!(still, created, "nothing changed");

    let r = scim
        .request(Method::DELETE, &path)
        .header("if-match", version(&created))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
}

// ---- PATCH -------------------------------------------------------------

#[tokio::test]
async fn patch_adds_replaces_and_removes_by_path() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim_json(
        scim.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "bjensen",
                "displayName": "Babs",
                "title": "Tour Guide",
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"},
                ],
            }),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/Users/{}", id_of(&created));
    tick(&app);
    let r = scim
        .patch(
            &path,
            patch_ops(json!([
                {"op": "add", "path": "nickName", "value": "Babs"},
                {"op": "replace", "path": "title", "value": "Head Guide"},
                {"op": "remove", "path": "displayName"},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
                {"op": "replace", "path": "USERNAME", "value": "barbara"},
                {"op": "replace", "value": {"name": {"givenName": "Barbara"}, "locale": "en-US"}},
            ])),
        )
        .await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let patched = scim_json(r, 200).await;
    assert_eq!(patched["meta"]["version"], etag.as_str());
    assert_eq!(version_number(&patched), version_number(&created) + 1);
    assert_eq!(patched["nickName"], "Babs");
    assert_eq!(patched["title"], "Head Guide");
    assert!(patched.get("displayName").is_none(), "{patched}");
    assert_eq!(patched["userName"], "barbara");
    assert_eq!(patched["name"]["givenName"], "Barbara");
    assert_eq!(patched["locale"], "en-US");
    assert_eq!(
        patched["emails"],
        json!([
            {"value": "barbara@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home", "primary": false},
        ])
    );
    assert_eq!(scim_json(scim.get(&path).await, 200).await, patched);

    // A patch that changes nothing keeps the version.
    let same = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "replace", "path": "title", "value": "Head Guide"}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(version(&same), version(&patched));
}

#[tokio::test]
async fn bad_patches_are_400_with_their_scim_type_and_change_nothing() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim.create_user("bjensen").await;
    let path = format!("/Users/{}", id_of(&created));
    let cases = [
        (json!([{"op": "remove"}]), "noTarget"),
        (
            json!([{"op": "replace", "path": "shoeSize", "value": 44}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "id", "value": "mine"}]),
            "mutability",
        ),
        (
            json!([{"op": "replace", "path": "emails[type zz \"work\"]", "value": "x"}]),
            "invalidFilter",
        ),
        (
            json!([{"op": "move", "path": "title", "value": "x"}]),
            "invalidSyntax",
        ),
    ];
    for (ops, scim_type) in cases {
        let got = scim_json(scim.patch(&path, patch_ops(ops.clone())).await, 400).await;
        scim_error(&got, "400", Some(scim_type));
    }
    assert_eq!(scim_json(scim.get(&path).await, 200).await, created);
}

// ---- groups ------------------------------------------------------------

async fn groups_hold_users_and_groups(app: &TestApp) {
    let scim = scim_tenant(app, "acme").await;
    let babs = id_of(&scim.create_user("bjensen").await);
    let mandy = id_of(&scim.create_user("mandy").await);
    let jim = id_of(&scim.create_user("jim").await);
    let guides = scim.create_group("Tour Guides", &[]).await;
    let guides_id = id_of(&guides);
    let r = scim
        .post(
            "/Groups",
            json!({
                "schemas": [GROUP_SCHEMA],
                "displayName": "Staff",
                "members": [
                    {"value": babs, "type": "User"},
                    {"value": mandy},
                    {"value": guides_id},
                ],
            }),
        )
        .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let staff = scim_json(r, 201).await;
    assert_eq!(staff["meta"]["location"], location.as_str());
    let staff_path = format!("/Groups/{}", id_of(&staff));
    assert_eq!(staff["meta"]["resourceType"], "Group");
    let member = |id: &str, endpoint: &str, kind: &str| json!({"value": id, "$ref": scim.url(&format!("/{endpoint}/{id}")), "type": kind});
    let mut members = scim_json(scim.get(&staff_path).await, 200).await["members"]
        .as_array()
        .unwrap()
        .clone();
    members.sort_by_key(|m| m["value"].as_str().unwrap().to_owned());
    let mut want = vec![
        member(&babs, "Users", "User"),
        member(&mandy, "Users", "User"),
        member(&guides_id, "Groups", "Group"),
    ];
    want.sort_by_key(|m| m["value"].as_str().unwrap().to_owned());
    assert_eq!(members, want);

    // The user shows the group it is a direct member of.
    let babs_read = scim_json(scim.get(&format!("/Users/{babs}")).await, 200).await;
    assert_eq!(
        babs_read["groups"],
        json!([{
            "value": id_of(&staff),
            "$ref": staff["meta"]["location"],
            "display": "Staff",
            "type": "direct",
        }])
    );

    // PATCH adds and removes members.
    let patched = scim_json(
        scim.patch(
            &staff_path,
            patch_ops(json!([
                {"op": "add", "path": "members", "value": [{"value": jim}]},
                {"op": "remove", "path": format!("members[value eq \"{mandy}\"]")},
            ])),
        )
        .await,
        200,
    )
    .await;
    let ids = |g: &Value| {
        let mut ids: Vec<String> = g["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    };
    let mut want = vec![babs.clone(), guides_id.clone(), jim.clone()];
    want.sort();
    assert_eq!(ids(&patched), want);

    // PUT replaces the members.
    let replaced = scim_json(
        scim.put(
            &staff_path,
            json!({
                "schemas": [GROUP_SCHEMA],
                "displayName": "Staff",
                "members": [{"value": mandy}],
            }),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids(&replaced), vec![mandy.clone()]);
    let babs_read = scim_json(scim.get(&format!("/Users/{babs}")).await, 200).await;
    assert!(babs_read.get("groups").is_none(), "{babs_read}");

    // Deleting the group keeps its members.
    let r = scim.delete(&staff_path).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    expect_scim_error(scim.get(&staff_path).await, 404, None).await;
    scim_json(scim.get(&format!("/Users/{mandy}")).await, 200).await;
    scim_json(scim.get(&format!("/Groups/{guides_id}")).await, 200).await;
}

#[tokio::test]
async fn groups_hold_users_and_groups_on_sqlite() {
    groups_hold_users_and_groups(&TestApp::spawn().await).await;
}

#[tokio::test]
async fn groups_hold_users_and_groups_on_postgres() {
    groups_hold_users_and_groups(&TestApp::spawn_postgres_or_sqlite().await).await;
}

#[tokio::test]
async fn a_member_of_another_tenant_is_400_invalid_value() {
    let app = TestApp::spawn().await;
    let acme = scim_tenant(&app, "acme").await;
    let globex = scim_tenant(&app, "globex").await;
    let stranger = id_of(&globex.create_user("hank").await);
    let strange_group = id_of(&globex.create_group("Globex", &[]).await);
    for (value, kind) in [
        (stranger.as_str(), None),
        (stranger.as_str(), Some("User")),
        (strange_group.as_str(), None),
        (strange_group.as_str(), Some("Group")),
        ("not-an-id", None),
    ] {
        let mut member = json!({"value": value});
        if let Some(kind) = kind {
            member["type"] = json!(kind);
        }
        let r = acme
            .post(
                "/Groups",
                json!({"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [member]}),
            )
            .await;
        expect_scim_error(r, 400, Some("invalidValue")).await;
    }
    let listed = scim_json(acme.get("/Groups").await, 200).await;
    assert_eq!(listed["totalResults"], 0);
}

#[tokio::test]
async fn a_membership_cycle_is_400() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let a = scim.create_group("A", &[]).await;
    let b = scim.create_group("B", &[&id_of(&a)]).await;
    let r = scim
        .patch(
            &format!("/Groups/{}", id_of(&a)),
            patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": id_of(&b)}]}])),
        )
        .await;
    let err = scim_json(r, 400).await;
    assert_eq!(err["status"], "400", "{err}");
    let self_member = scim
        .patch(
            &format!("/Groups/{}", id_of(&a)),
            patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": id_of(&a)}]}])),
        )
        .await;
    scim_json(self_member, 400).await;
    let a_read = scim_json(scim.get(&format!("/Groups/{}", id_of(&a))).await, 200).await;
    assert!(a_read.get("members").is_none(), "{a_read}");
}

// ---- projection --------------------------------------------------------

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_reads_and_lists() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim_json(
        scim.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "bjensen",
                "displayName": "Babs",
                "emails": [{"value": "bjensen@example.com"}],
            }),
        )
        .await,
        201,
    )
    .await;
    let id = id_of(&created);
    let only = scim_json(
        scim.get(&format!("/Users/{id}?attributes=userName")).await,
        200,
    )
    .await;
    assert_eq!(only["userName"], "bjensen");
    assert_eq!(only["id"], id.as_str(), "id is always returned");
    assert!(only.get("displayName").is_none(), "{only}");
    assert!(only.get("emails").is_none(), "{only}");

    let without = scim_json(
        scim.get(&format!("/Users/{id}?excludedAttributes=emails"))
            .await,
        200,
    )
    .await;
    assert!(without.get("emails").is_none(), "{without}");
    assert_eq!(without["displayName"], "Babs");

    let list = scim_json(scim.get("/Users?attributes=userName").await, 200).await;
    let first = &list["Resources"][0];
    assert_eq!(first["userName"], "bjensen");
    assert!(first.get("displayName").is_none(), "{first}");
    let list = scim_json(scim.get("/Users?excludedAttributes=emails").await, 200).await;
    let first = &list["Resources"][0];
    assert!(first.get("emails").is_none(), "{first}");
    assert_eq!(first["displayName"], "Babs");
}

// ---- who may call ------------------------------------------------------

#[tokio::test]
async fn only_a_scim_key_of_the_tenant_gets_in() {
    let app = TestApp::spawn().await;
    let acme = scim_tenant(&app, "acme").await;
    let globex = scim_tenant(&app, "globex").await;
    let acme_admin = key(&app, "acme", &["admin"]).await;
    acme.create_user("bjensen").await;

    let r = acme.http.get(acme.url("/Users")).send().await.unwrap();
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    expect_scim_error(r, 401, None).await;

    for token in [
        "usso_ak_garbage",
        globex.token.as_str(),
        app.admin_token.as_str(),
    ] {
        let r = acme.with_token(token).get("/Users").await;
        assert!(r.headers().contains_key("www-authenticate"));
        expect_scim_error(r, 401, None).await;
    }
    let r = acme.with_token(&acme_admin).get("/Users").await;
    expect_scim_error(r, 403, None).await;
    let r = acme
        .with_token(&acme_admin)
        .post("/Users", user_body("mallory"))
        .await;
    expect_scim_error(r, 403, None).await;
    let listed = scim_json(acme.get("/Users").await, 200).await;
    assert_eq!(listed["totalResults"], 1, "nothing was created");
}

#[tokio::test]
async fn a_tenant_never_sees_another_tenants_resources() {
    let app = TestApp::spawn().await;
    let acme = scim_tenant(&app, "acme").await;
    let globex = scim_tenant(&app, "globex").await;
    let babs = acme.create_user("bjensen").await;
    let group = acme.create_group("Staff", &[&id_of(&babs)]).await;
    for path in [
        format!("/Users/{}", id_of(&babs)),
        format!("/Groups/{}", id_of(&group)),
    ] {
        expect_scim_error(globex.get(&path).await, 404, None).await;
        expect_scim_error(
            globex
                .patch(
                    &path,
                    patch_ops(json!([{"op": "replace", "path": "displayName", "value": "x"}])),
                )
                .await,
            404,
            None,
        )
        .await;
        expect_scim_error(globex.delete(&path).await, 404, None).await;
    }
    let listed = scim_json(globex.get("/Users").await, 200).await;
    assert_eq!(listed["totalResults"], 0);
    // The same user name is free in another tenant.
    globex.create_user("bjensen").await;
    let still = scim_json(acme.get(&format!("/Users/{}", id_of(&babs))).await, 200).await;
    assert_eq!(still, {
        let mut b = babs.clone();
        b["groups"] = still["groups"].clone();
        b["meta"] = still["meta"].clone();
        b
    });
}

// ---- discovery ---------------------------------------------------------

#[tokio::test]
async fn the_service_provider_config_announces_what_is_supported() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let config = scim_json(scim.get("/ServiceProviderConfig").await, 200).await;
    for feature in ["patch", "bulk", "filter", "sort", "etag"] {
        assert_eq!(config[feature]["supported"], true, "{feature}");
    }
    assert_eq!(config["changePassword"]["supported"], false);
    assert_eq!(config["bulk"]["maxOperations"], 1000);
    assert_eq!(config["bulk"]["maxPayloadSize"], 1_048_576);
    assert_eq!(
        config["meta"]["location"],
        scim.url("/ServiceProviderConfig").as_str()
    );
    assert_eq!(
        config["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );

    // The admin API publishes the same base URL.
    let tenant = expect(
        call(&app, Method::GET, "/api/v1/tenants/acme", None).await,
        200,
    )
    .await;
    assert_eq!(tenant["scim_base_url"], scim.base.as_str());
}

#[tokio::test]
async fn resource_types_describe_users_with_the_enterprise_extension_and_groups() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let list = scim_json(scim.get("/ResourceTypes").await, 200).await;
    assert_eq!(list["totalResults"], 2);
    let types = list["Resources"].as_array().unwrap();
    let user = types.iter().find(|t| t["id"] == "User").unwrap();
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(user["schema"], USER_SCHEMA);
    assert_eq!(
        user["schemaExtensions"],
        json!([{"schema": ENTERPRISE_SCHEMA, "required": false}])
    );
    assert_eq!(
        user["meta"]["location"],
        scim.url("/ResourceTypes/User").as_str()
    );
    let group = types.iter().find(|t| t["id"] == "Group").unwrap();
    assert_eq!(group["endpoint"], "/Groups");
    assert_eq!(group["schema"], GROUP_SCHEMA);
    let by_id = scim_json(scim.get("/ResourceTypes/User").await, 200).await;
    assert_eq!(&by_id, user);
    expect_scim_error(scim.get("/ResourceTypes/Printer").await, 404, None).await;
}

/// GOLDEN: each Schema resource is its file under `metadata/scim/schemas/`
/// plus `meta`.
#[tokio::test]
async fn schemas_are_the_golden_files_plus_meta() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("metadata/scim/schemas");
    let list = scim_json(scim.get("/Schemas").await, 200).await;
    assert_eq!(list["totalResults"], 3);
    for file in ["User.json", "EnterpriseUser.json", "Group.json"] {
        let mut golden: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        let urn = golden["id"].as_str().unwrap().to_owned();
        golden["meta"] = json!({
            "resourceType": "Schema",
            "location": scim.url(&format!("/Schemas/{urn}")),
        });
        let served = scim_json(scim.get(&format!("/Schemas/{urn}")).await, 200).await;
        assert_eq!(served, golden, "{file}");
        let listed = list["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == urn.as_str())
            .unwrap();
        assert_eq!(listed, &golden, "{file} in the list");
    }
    expect_scim_error(
        scim.get("/Schemas/urn:example:params:scim:schemas:Shoes")
            .await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn discovery_endpoints_are_read_only_and_unknown_endpoints_are_404() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/ResourceTypes/User",
        "/Schemas",
        &format!("/Schemas/{USER_SCHEMA}"),
    ] {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let r = scim
                .request(method.clone(), path)
                .header("content-type", "application/scim+json")
                .body("{}")
                .send()
                .await
                .unwrap();
            expect_scim_error(r, 405, None).await;
        }
    }
    for path in ["/Printers", "/Users/x/y", "/v1/Users", ""] {
        let r = scim.get(path).await;
        let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(
            (r.status(), content_type.as_str()),
            (StatusCode::NOT_FOUND, "application/scim+json"),
            "{path:?}"
        );
        scim_error(&r.json().await.unwrap(), "404", None);
    }
}

// ---- audit -------------------------------------------------------------

/// The audit log of tenant `acme`, oldest first.
async fn acme_events(app: &TestApp) -> Vec<Value> {
    let log = expect(
        call(
            app,
            Method::GET,
            "/api/v1/tenants/acme/events?limit=100",
            None,
        )
        .await,
        200,
    )
    .await;
    log["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_scim_change_is_one_audit_event_naming_the_client() {
    let app = TestApp::spawn().await;
    tenant_with_admin(&app, "acme").await;
    let scim = scim_key(&app, "acme", "Entra ID").await;
    let keys = expect(
        call(&app, Method::GET, "/api/v1/tenants/acme/api-keys", None).await,
        200,
    )
    .await;
    let key_id = keys["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Entra ID")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = acme_events(&app).await.len();

    tick(&app);
    let user = scim.create_user("bjensen").await;
    let user_path = format!("/Users/{}", id_of(&user));
    tick(&app);
    scim_json(
        scim.patch(
            &user_path,
            patch_ops(json!([{"op": "replace", "path": "title", "value": "Guide"}])),
        )
        .await,
        200,
    )
    .await;
    tick(&app);
    // A patch that changes nothing writes no event.
    scim_json(
        scim.patch(
            &user_path,
            patch_ops(json!([{"op": "replace", "path": "title", "value": "Guide"}])),
        )
        .await,
        200,
    )
    .await;
    tick(&app);
    let group = scim.create_group("Staff", &[&id_of(&user)]).await;
    tick(&app);
    assert_eq!(
        scim.delete(&format!("/Groups/{}", id_of(&group)))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    tick(&app);
    assert_eq!(
        scim.delete(&user_path).await.status(),
        StatusCode::NO_CONTENT
    );

    let all = acme_events(&app).await;
    let mine = &all[before..];
    let actions: Vec<&str> = mine.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "user.created",
            "user.updated",
            "group.created",
            "group.deleted",
            "user.deleted"
        ]
    );
    for event in mine {
        assert_eq!(
            event["actor"],
            json!({"type": "api_key", "id": key_id}),
            "{event}"
        );
        assert_eq!(event["details"]["via"], "scim", "{event}");
        assert_eq!(event["details"]["client"], "Entra ID", "{event}");
        assert_eq!(event["details"]["api_key_id"], key_id.as_str(), "{event}");
        assert_eq!(event["outcome"], "success", "{event}");
    }
    assert_eq!(mine[0]["target_id"], user["id"]);
    assert_eq!(mine[2]["target_id"], group["id"]);
}

// ---- /Me and logging in ------------------------------------------------

#[tokio::test]
async fn a_user_provisioned_with_a_password_logs_in_and_reads_itself_at_me() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim_json(
        scim.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "alice",
                "password": PASSWORD,
                "name": {"givenName": "Alice", "familyName": "Liddell"},
                "emails": [{"value": "alice@example.com", "type": "work", "primary": true}],
                "externalId": "entra-42",
            }),
        )
        .await,
        201,
    )
    .await;
    let tenant = app.hub.tenant("acme").await.unwrap();
    let rp = register(&app, &tenant, web_client("app")).await;
    let (body, _) = tokens(&app, "acme", &rp, "openid profile email").await;
    let access_token = body["access_token"].as_str().unwrap();

    let info: Value = reqwest::Client::new()
        .get(app.url("/t/acme/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], created["id"], "{info}");
    assert_eq!(info["email"], "alice@example.com", "{info}");
    assert_eq!(info["given_name"], "Alice", "{info}");
    assert_eq!(info["family_name"], "Liddell", "{info}");
    assert_eq!(info["preferred_username"], "alice", "{info}");

    let id_token = body["id_token"].as_str().unwrap();
    let claims =
        crate::oidc_support::verified(&app, "acme", id_token, usso_oidc::jose::Algorithm::Rs256)
            .await
            .claims;
    assert_eq!(claims["sub"], created["id"]);

    // /Me with the user's access token: the user, without any client's
    // externalId.
    let me = scim.with_token(access_token);
    let r = me.get("/Me").await;
    let mine = scim_json(r, 200).await;
    assert_eq!(mine["id"], created["id"]);
    assert_eq!(mine["userName"], "alice");
    assert_eq!(mine["emails"], created["emails"]);
    assert!(mine.get("externalId").is_none(), "{mine}");
    assert!(mine.get("password").is_none(), "{mine}");
    let projected = scim_json(me.get("/Me?attributes=userName").await, 200).await;
    assert!(projected.get("emails").is_none(), "{projected}");

    // Writes through /Me are not offered.
    expect_scim_error(me.put("/Me", user_body("alice"), None).await, 501, None).await;
    // An API key is no user: 401.
    expect_scim_error(scim.get("/Me").await, 401, None).await;
    expect_scim_error(scim.with_token("garbage").get("/Me").await, 401, None).await;
}

/// The base URL with a trailing slash is still under the base: a SCIM
/// client reading it gets a SCIM error body, not the admin API's
/// problem+json.
#[tokio::test]
async fn the_base_url_with_a_trailing_slash_is_a_scim_404() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    expect_scim_error(scim.get("/").await, 404, None).await;
}
