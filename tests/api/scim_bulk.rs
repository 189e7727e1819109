//! SCIM `/Bulk` over HTTP (RFC 7644 §3.7): the §3.7.2 example, `bulkId`
//! references forward and in circles, writes with `version` as If-Match,
//! `failOnErrors`, the advertised limits, and the audit trail of each
//! operation.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{call, expect};
use crate::harness::TestApp;
use crate::scim_support::{
    expect_scim_error, id_of, patch_ops, scim_error, scim_json, scim_tenant, user_body, ScimClient,
    BULK_REQUEST_SCHEMA, GROUP_SCHEMA, USER_SCHEMA,
};

const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// POSTs a BulkRequest of `operations`; asserts 200 and the BulkResponse
/// schema; returns the response's `Operations`.
async fn bulk(c: &ScimClient, fail_on_errors: Option<u32>, operations: Value) -> Vec<Value> {
    let mut request = json!({ "schemas": [BULK_REQUEST_SCHEMA], "Operations": operations });
    if let Some(n) = fail_on_errors {
        request["failOnErrors"] = json!(n);
    }
    let body = scim_json(c.post("/Bulk", request).await, 200).await;
    assert_eq!(body["schemas"], json!([BULK_RESPONSE_SCHEMA]), "{body}");
    body["Operations"].as_array().unwrap().clone()
}

/// The users of `c`'s tenant named `user_name` (0 or 1).
async fn users_named(c: &ScimClient, user_name: &str) -> u64 {
    let filter = format!(r#"userName eq "{user_name}""#);
    let r = c
        .request(Method::GET, "/Users")
        .query(&[("filter", filter.as_str())])
        .send()
        .await
        .unwrap();
    scim_json(r, 200).await["totalResults"].as_u64().unwrap()
}

async fn groups_named(c: &ScimClient, name: &str) -> u64 {
    let filter = format!(r#"displayName eq "{name}""#);
    let r = c
        .request(Method::GET, "/Groups")
        .query(&[("filter", filter.as_str())])
        .send()
        .await
        .unwrap();
    scim_json(r, 200).await["totalResults"].as_u64().unwrap()
}

/// The id at the end of an operation's `location`.
fn id_in(location: &Value) -> String {
    location
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

fn post_user(bulk_id: &str, user_name: &str) -> Value {
    json!({ "method": "POST", "path": "/Users", "bulkId": bulk_id, "data": user_body(user_name) })
}

fn post_group(bulk_id: &str, name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members
        .iter()
        .map(|m| json!({ "type": "User", "value": m }))
        .collect();
    json!({
        "method": "POST",
        "path": "/Groups",
        "bulkId": bulk_id,
        "data": { "schemas": [GROUP_SCHEMA], "displayName": name, "members": members },
    })
}

#[tokio::test]
async fn the_rfc_example_creates_a_user_and_a_group_that_holds_it() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    // RFC 7644 §3.7.2, with the user's attributes cut down: "bulkId:qwerty"
    // in the group's members names the user the first operation creates.
    let ops = bulk(
        &c,
        None,
        json!([
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "qwerty",
                "data": {
                    "schemas": [USER_SCHEMA],
                    "userName": "Alice",
                },
            },
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "ytrewq",
                "data": {
                    "schemas": [GROUP_SCHEMA],
                    "displayName": "Tour Guides",
                    "members": [{ "type": "User", "value": "bulkId:qwerty" }],
                },
            },
        ]),
    )
    .await;
    assert_eq!(ops.len(), 2);
    for (op, bulk_id, endpoint) in [(&ops[0], "qwerty", "Users"), (&ops[1], "ytrewq", "Groups")] {
        assert_eq!(op["method"], "POST", "{op}");
        assert_eq!(op["bulkId"], bulk_id, "{op}");
        // RFC 7644 §3.7.3 writes the status as a string: "201".
        assert_eq!(op["status"], "201", "{op}");
        assert!(op.get("response").is_none(), "{op}");
        let location = op["location"].as_str().unwrap();
        assert!(
            location.starts_with(&c.url(&format!("/{endpoint}/"))),
            "{location}"
        );
        // The location is the resource, and version is its ETag.
        let r = c
            .http
            .get(location)
            .bearer_auth(&c.token)
            .send()
            .await
            .unwrap();
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let resource = scim_json(r, 200).await;
        assert_eq!(op["version"], etag.as_str(), "{op}");
        assert_eq!(resource["meta"]["version"], op["version"]);
        assert_eq!(resource["id"], id_in(&op["location"]).as_str());
    }
    let user_id = id_in(&ops[0]["location"]);
    let group = scim_json(
        c.get(&format!("/Groups/{}", id_in(&ops[1]["location"])))
            .await,
        200,
    )
    .await;
    assert_eq!(group["displayName"], "Tour Guides");
    let members = group["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{group}");
    assert_eq!(members[0]["value"], user_id.as_str());
    let user = scim_json(c.get(&format!("/Users/{user_id}")).await, 200).await;
    assert_eq!(user["userName"], "Alice");
    assert_eq!(user["groups"][0]["value"], group["id"]);
}

#[tokio::test]
async fn a_reference_to_a_later_operation_waits_for_it() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    let ops = bulk(
        &c,
        None,
        json!([
            post_group("g", "Readers", &["bulkId:u1", "bulkId:u2"]),
            post_user("u1", "first"),
            // A PATCH whose path names a resource created later too.
            {
                "method": "PATCH",
                "path": "/Users/bulkId:u2",
                "data": patch_ops(json!([{ "op": "replace", "path": "displayName", "value": "Second" }])),
            },
            post_user("u2", "second"),
        ]),
    )
    .await;
    // One result per operation, in the request's order.
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["201", "201", "200", "201"], "{ops:?}");
    assert_eq!(ops[0]["bulkId"], "g");
    assert_eq!(ops[1]["bulkId"], "u1");
    assert_eq!(ops[2]["method"], "PATCH");
    let group = scim_json(
        c.get(&format!("/Groups/{}", id_in(&ops[0]["location"])))
            .await,
        200,
    )
    .await;
    let mut members: Vec<&str> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let u1 = id_in(&ops[1]["location"]);
    let u2 = id_in(&ops[3]["location"]);
    let mut want = vec![u1.as_str(), u2.as_str()];
    want.sort_unstable();
    assert_eq!(members, want);
    let second = scim_json(c.get(&format!("/Users/{u2}")).await, 200).await;
    assert_eq!(second["displayName"], "Second");
}

#[tokio::test]
async fn circular_references_fail_each_operation_with_409() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    let ops = bulk(
        &c,
        None,
        json!([
            post_user("ok", "bystander"),
            // RFC 7644 §3.7.1: two groups that hold each other.
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "a",
                "data": {
                    "schemas": [GROUP_SCHEMA],
                    "displayName": "Group A",
                    "members": [{ "type": "Group", "value": "bulkId:b" }],
                },
            },
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "b",
                "data": {
                    "schemas": [GROUP_SCHEMA],
                    "displayName": "Group B",
                    "members": [{ "type": "Group", "value": "bulkId:a" }],
                },
            },
            // Refers to itself.
            post_group("self", "Group Self", &["bulkId:self"]),
            // Refers to no operation of the request.
            post_group("lost", "Group Lost", &["bulkId:nowhere"]),
        ]),
    )
    .await;
    assert_eq!(ops.len(), 5, "{ops:?}");
    assert_eq!(ops[0]["status"], "201");
    for op in &ops[1..4] {
        assert_eq!(op["status"], "409", "{op}");
        assert!(op.get("location").is_none(), "{op}");
        scim_error(&op["response"], "409", None);
        assert!(op["response"]["detail"].is_string(), "{op}");
    }
    assert_eq!(ops[1]["bulkId"], "a");
    assert_eq!(ops[2]["bulkId"], "b");
    // An unknown bulkId: 409 too, typed invalidValue.
    assert_eq!(ops[4]["status"], "409", "{}", ops[4]);
    scim_error(&ops[4]["response"], "409", Some("invalidValue"));
    for name in ["Group A", "Group B", "Group Self", "Group Lost"] {
        assert_eq!(groups_named(&c, name).await, 0, "{name}");
    }
    assert_eq!(users_named(&c, "bystander").await, 1);
}

#[tokio::test]
async fn put_patch_and_delete_honour_version_as_if_match() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    let user = c.create_user("bjensen").await;
    let other = c.create_user("jsmith").await;
    let group = c.create_group("Staff", &[&id_of(&user)]).await;
    let (uid, v1) = (id_of(&user), user["meta"]["version"].clone());

    let ops = bulk(
        &c,
        None,
        json!([
            {
                "method": "PUT",
                "path": format!("/Users/{uid}"),
                "version": v1,
                "data": {
                    "schemas": [USER_SCHEMA],
                    "userName": "bjensen",
                    "displayName": "Babs Jensen",
                },
            },
            // v1 is stale once the PUT ran.
            {
                "method": "PATCH",
                "path": format!("/Users/{uid}"),
                "version": v1,
                "data": patch_ops(json!([{ "op": "replace", "path": "displayName", "value": "Stale" }])),
            },
            {
                "method": "DELETE",
                "path": format!("/Groups/{}", id_of(&group)),
                "version": "W/\"999999\"",
            },
        ]),
    )
    .await;
    assert_eq!(ops[0]["status"], "200", "{}", ops[0]);
    assert_eq!(ops[0]["method"], "PUT");
    assert_ne!(ops[0]["version"], v1);
    assert_eq!(ops[0]["location"], user["meta"]["location"]);
    assert_eq!(ops[1]["status"], "412", "{}", ops[1]);
    scim_error(&ops[1]["response"], "412", None);
    assert_eq!(ops[2]["status"], "412", "{}", ops[2]);
    assert_eq!(ops[2]["method"], "DELETE");
    let now = scim_json(c.get(&format!("/Users/{uid}")).await, 200).await;
    assert_eq!(now["displayName"], "Babs Jensen");
    assert_eq!(now["meta"]["version"], ops[0]["version"]);
    scim_json(c.get(&format!("/Groups/{}", id_of(&group))).await, 200).await;

    // With the current versions, and with none.
    let ops = bulk(
        &c,
        None,
        json!([
            {
                "method": "PATCH",
                "path": format!("/Users/{uid}"),
                "version": now["meta"]["version"],
                "data": patch_ops(json!([{ "op": "replace", "path": "displayName", "value": "B. Jensen" }])),
            },
            {
                "method": "DELETE",
                "path": format!("/Users/{}", id_of(&other)),
                "version": other["meta"]["version"],
            },
            { "method": "DELETE", "path": format!("/Groups/{}", id_of(&group)) },
            // Already gone.
            { "method": "DELETE", "path": format!("/Users/{}", id_of(&other)) },
        ]),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["200", "204", "204", "404"], "{ops:?}");
    assert_ne!(ops[0]["version"], now["meta"]["version"]);
    scim_error(&ops[3]["response"], "404", None);
    let patched = scim_json(c.get(&format!("/Users/{uid}")).await, 200).await;
    assert_eq!(patched["displayName"], "B. Jensen");
    expect_scim_error(c.get(&format!("/Users/{}", id_of(&other))).await, 404, None).await;
    expect_scim_error(
        c.get(&format!("/Groups/{}", id_of(&group))).await,
        404,
        None,
    )
    .await;
}

#[tokio::test]
async fn fail_on_errors_stops_after_that_many_errors() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    // failOnErrors=1: the duplicate userName fails and nothing after it runs.
    let ops = bulk(
        &c,
        Some(1),
        json!([
            post_user("a", "taken"),
            post_user("b", "taken"),
            post_user("c", "never"),
        ]),
    )
    .await;
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert_eq!(ops[0]["status"], "201");
    assert_eq!(ops[1]["status"], "409", "{}", ops[1]);
    assert_eq!(ops[1]["bulkId"], "b");
    scim_error(&ops[1]["response"], "409", Some("uniqueness"));
    assert_eq!(users_named(&c, "never").await, 0);

    // failOnErrors=2: one error is tolerated, the second stops.
    let ops = bulk(
        &c,
        Some(2),
        json!([
            post_user("d", "taken"),
            post_user("e", "fine"),
            post_user("f", "taken"),
            post_user("g", "never"),
        ]),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["409", "201", "409"], "{ops:?}");
    assert_eq!(users_named(&c, "fine").await, 1);
    assert_eq!(users_named(&c, "never").await, 0);

    // No failOnErrors: every operation runs, each error reported on its own.
    let ops = bulk(
        &c,
        None,
        json!([
            post_user("h", "taken"),
            { "method": "POST", "path": "/Foo", "bulkId": "i", "data": { "x": 1 } },
            post_user("j", "last"),
            { "method": "DELETE", "path": "/Users/00000000000000000000000000" },
        ]),
    )
    .await;
    let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses[..3], ["409", "400", "201"], "{ops:?}");
    assert!(["400", "404"].contains(&statuses[3]), "{ops:?}");
    // An unknown endpoint: 400 invalidPath in that operation.
    scim_error(&ops[1]["response"], "400", Some("invalidPath"));
    assert_eq!(ops[1]["bulkId"], "i");
    assert_eq!(users_named(&c, "last").await, 1);
}

#[tokio::test]
async fn requests_over_the_limits_or_malformed_are_refused_whole() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    let post_raw = |body: Value| {
        let c = c.clone();
        async move { c.post("/Bulk", body).await }
    };

    // 1001 operations: 413 (maxOperations is 1000, RFC 7644 §3.7.4).
    let delete = json!({ "method": "DELETE", "path": "/Users/nosuch" });
    let many = |n: usize| {
        json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "Operations": vec![delete.clone(); n],
        })
    };
    let body = expect_scim_error(post_raw(many(1001)).await, 413, None).await;
    assert!(body["detail"].as_str().unwrap().contains("1000"), "{body}");
    // 1000 is allowed.
    let body = scim_json(post_raw(many(1000)).await, 200).await;
    assert_eq!(body["Operations"].as_array().unwrap().len(), 1000);

    // Over 1 MiB (maxPayloadSize): 413.
    let mut big = user_body("big");
    big["displayName"] = json!("x".repeat(1024 * 1024 + 10));
    let body = expect_scim_error(
        post_raw(json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "Operations": [{ "method": "POST", "path": "/Users", "bulkId": "b", "data": big }],
        }))
        .await,
        413,
        None,
    )
    .await;
    assert!(body["detail"].is_string(), "{body}");
    assert_eq!(users_named(&c, "big").await, 0);

    // No BulkRequest schema: 400 invalidSyntax.
    for schemas in [json!([]), json!([USER_SCHEMA]), Value::Null] {
        let mut request = json!({ "Operations": [post_user("a", "nobody")] });
        if !schemas.is_null() {
            request["schemas"] = schemas;
        }
        expect_scim_error(post_raw(request).await, 400, Some("invalidSyntax")).await;
    }
    // Not JSON, or no Operations: 400 invalidSyntax.
    let r = c
        .request(Method::POST, "/Bulk")
        .header("content-type", "application/scim+json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_scim_error(r, 400, Some("invalidSyntax")).await;
    expect_scim_error(
        post_raw(json!({ "schemas": [BULK_REQUEST_SCHEMA] })).await,
        400,
        Some("invalidSyntax"),
    )
    .await;

    // A POST without bulkId, a bulkId used twice, an unknown method, a
    // bad failOnErrors: 400 invalidValue, and nothing runs.
    for request in [
        json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "Operations": [
                post_user("a", "nobody"),
                { "method": "POST", "path": "/Users", "data": user_body("nobody2") },
            ],
        }),
        json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "Operations": [post_user("a", "nobody"), post_user("a", "nobody2")],
        }),
        json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "Operations": [
                post_user("a", "nobody"),
                { "method": "GET", "path": "/Users" },
            ],
        }),
        json!({
            "schemas": [BULK_REQUEST_SCHEMA],
            "failOnErrors": -1,
            "Operations": [post_user("a", "nobody")],
        }),
    ] {
        expect_scim_error(post_raw(request).await, 400, Some("invalidValue")).await;
    }
    assert_eq!(users_named(&c, "nobody").await, 0);
    // GET /Bulk: 405.
    expect_scim_error(c.get("/Bulk").await, 405, None).await;
}

#[tokio::test]
async fn each_operation_writes_its_audit_event() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    let ops = bulk(
        &c,
        None,
        json!([
            post_user("u", "audited"),
            post_group("g", "Audited", &["bulkId:u"]),
            post_user("dup", "audited"),
        ]),
    )
    .await;
    assert_eq!(ops[2]["status"], "409");
    let user_id = id_in(&ops[0]["location"]);
    let group_id = id_in(&ops[1]["location"]);
    let log = expect(
        call(
            &app,
            Method::GET,
            "/api/v1/tenants/acme/events?limit=100",
            None,
        )
        .await,
        200,
    )
    .await;
    let events = log["items"].as_array().unwrap();
    let find = |action: &str, target: &str| {
        events
            .iter()
            .filter(|e| e["action"] == action && e["target_id"] == target)
            .collect::<Vec<_>>()
    };
    let created = find("user.created", &user_id);
    assert_eq!(created.len(), 1, "{log}");
    assert_eq!(created[0]["actor"]["type"], "api_key", "{log}");
    assert_eq!(created[0]["details"]["via"], "scim", "{log}");
    assert_eq!(created[0]["outcome"], "success", "{log}");
    assert_eq!(find("group.created", &group_id).len(), 1, "{log}");
    // The failed duplicate left no user.created beyond the first.
    let user_events = events
        .iter()
        .filter(|e| e["action"] == "user.created")
        .count();
    assert_eq!(user_events, 1, "{log}");
}
