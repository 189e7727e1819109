//! `/api/v1/tenants/{tenant}/api-keys`: tokens shown once, never listed;
//! revoked and expired keys stop working; scopes are enforced.

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, call_as, expect, expect_problem, tick};
use crate::harness::TestApp;

const KEYS: &str = "/api/v1/tenants/default/api-keys";

#[tokio::test]
async fn a_key_is_created_with_its_token_listed_without_it_and_revoked() {
    let app = TestApp::spawn().await;
    tick(&app);
    let created = expect(
        call(
            &app,
            Method::POST,
            KEYS,
            Some(json!({ "name": "terraform", "scopes": ["admin", "scim", "admin"] })),
        )
        .await,
        201,
    )
    .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("usso_ak_"), "{token}");
    assert_eq!(created["scopes"], json!(["admin", "scim"]));
    assert!(created["expires_at"].is_null());

    // The new key works.
    expect(
        call_as(
            &app,
            Some(&token),
            Method::GET,
            "/api/v1/tenants/default/users",
            None,
        )
        .await,
        200,
    )
    .await;

    let list = expect(call(&app, Method::GET, KEYS, None).await, 200).await;
    let text = list.to_string();
    assert!(!text.contains(&token), "a listing never shows a token");
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k.get("token").is_none()));
    let names: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bootstrap admin", "terraform"]);

    expect(
        call(&app, Method::DELETE, &format!("{KEYS}/{id}"), None).await,
        204,
    )
    .await;
    expect_problem(
        call_as(
            &app,
            Some(&token),
            Method::GET,
            "/api/v1/tenants/default/users",
            None,
        )
        .await,
        401,
    )
    .await;
    expect_problem(
        call(&app, Method::DELETE, &format!("{KEYS}/{id}"), None).await,
        404,
    )
    .await;
    expect_problem(
        call(&app, Method::DELETE, &format!("{KEYS}/not-an-id"), None).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn an_expiring_key_stops_working_when_it_expires() {
    let app = TestApp::spawn().await;
    let created = expect(
        call(
            &app,
            Method::POST,
            KEYS,
            Some(json!({ "name": "ci", "scopes": ["admin"], "expires_in_seconds": 60 })),
        )
        .await,
        201,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    assert!(created["expires_at"].is_string());
    expect(
        call_as(&app, Some(token), Method::GET, KEYS, None).await,
        200,
    )
    .await;
    app.clock.advance(time::Duration::seconds(61));
    expect_problem(
        call_as(&app, Some(token), Method::GET, KEYS, None).await,
        401,
    )
    .await;
}

#[tokio::test]
async fn bad_key_requests_are_refused() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "name": "x", "scopes": ["root"] }), "scope"),
        (json!({ "name": "x", "scopes": [] }), "scope"),
        (json!({ "name": "", "scopes": ["admin"] }), "name"),
        (
            json!({ "name": "x", "scopes": ["admin"], "expires_in_seconds": 0 }),
            "expires_in_seconds",
        ),
        (
            json!({ "name": "x", "scopes": ["admin"], "expires_in_seconds": i64::MAX }),
            "expires_in_seconds",
        ),
    ];
    for (body, field) in cases {
        let p = expect_problem(
            call(&app, Method::POST, KEYS, Some(body.clone())).await,
            422,
        )
        .await;
        assert_eq!(p["field"], field, "{body}");
    }
}

#[tokio::test]
async fn a_key_without_the_admin_scope_is_forbidden() {
    let app = TestApp::spawn().await;
    let created = expect(
        call(
            &app,
            Method::POST,
            KEYS,
            Some(json!({ "name": "scim client", "scopes": ["scim"] })),
        )
        .await,
        201,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    let p = expect_problem(
        call_as(&app, Some(token), Method::GET, KEYS, None).await,
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("admin scope"), "{p}");
    expect_problem(
        call_as(
            &app,
            Some(token),
            Method::POST,
            KEYS,
            Some(json!({ "name": "escalate", "scopes": ["admin"] })),
        )
        .await,
        403,
    )
    .await;
    expect_problem(
        call_as(&app, Some(token), Method::GET, "/api/v1/tenants", None).await,
        403,
    )
    .await;
}
