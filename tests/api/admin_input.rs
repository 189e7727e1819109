//! Malformed requests get problem+json, never a 500: bad JSON, wrong types,
//! unknown fields, missing content type, oversized bodies, unknown methods.

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, expect, expect_problem, user};
use crate::harness::TestApp;

const USERS: &str = "/api/v1/tenants/default/users";

fn raw(app: &TestApp, method: Method, path: &str, body: &'static str) -> reqwest::RequestBuilder {
    app.admin(method, path)
        .header("content-type", "application/json")
        .body(body)
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let app = TestApp::spawn().await;
    for body in ["{", "not json", "", "[1, 2]", "{\"username\": \"a\",}"] {
        let p = expect_problem(
            raw(&app, Method::POST, USERS, body).send().await.unwrap(),
            400,
        )
        .await;
        assert_eq!(
            p["type"], "https://usso.dev/problems/invalid-request",
            "{body:?}"
        );
    }
    let p = expect_problem(
        raw(&app, Method::POST, "/api/v1/tenants", "{\"slug\": ")
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(p["detail"].is_string());
}

#[tokio::test]
async fn wrong_types_and_unknown_fields_are_bad_requests_naming_the_field() {
    let app = TestApp::spawn().await;
    let id = user(&app, "default", "alice").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (
            Method::POST,
            USERS.to_owned(),
            json!({ "username": 5 }),
            "username",
        ),
        (
            Method::POST,
            USERS.to_owned(),
            json!({ "username": "bob", "emails": "bob@example.com" }),
            "emails",
        ),
        (
            Method::POST,
            USERS.to_owned(),
            json!({ "username": "bob", "is_admin": true }),
            "is_admin",
        ),
        (
            Method::POST,
            USERS.to_owned(),
            json!({ "username": "bob", "emails": [{ "value": "b@example.com", "prefered": true }] }),
            "prefered",
        ),
        // PUT takes the editable fields only: the status and the password have their own routes.
        (
            Method::PUT,
            format!("{USERS}/{id}"),
            json!({ "username": "alice", "status": "disabled" }),
            "status",
        ),
        (
            Method::PUT,
            format!("{USERS}/{id}"),
            json!({ "username": "alice", "password": "sneaky password" }),
            "password",
        ),
        (
            Method::POST,
            "/api/v1/tenants".to_owned(),
            json!({ "slug": "x", "region": "eu" }),
            "region",
        ),
        (
            Method::POST,
            "/api/v1/tenants/default/groups".to_owned(),
            json!({ "name": ["a"] }),
            "name",
        ),
        (
            Method::POST,
            "/api/v1/tenants/default/api-keys".to_owned(),
            json!({ "name": "k", "scopes": ["admin"], "expires_in_seconds": "soon" }),
            "expires_in_seconds",
        ),
    ];
    for (method, url, body, field) in cases {
        let p = expect_problem(
            call(&app, method.clone(), &url, Some(body.clone())).await,
            400,
        )
        .await;
        assert!(
            p["detail"].as_str().unwrap().contains(field),
            "{method} {url} {body}: {p}"
        );
    }
    let alice = expect(
        call(&app, Method::GET, &format!("{USERS}/{id}"), None).await,
        200,
    )
    .await;
    assert_eq!(
        (alice["status"].as_str(), alice["version"].as_i64()),
        (Some("active"), Some(1)),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_body_without_a_json_content_type_is_unsupported() {
    let app = TestApp::spawn().await;
    let r = app
        .admin(Method::POST, USERS)
        .header("content-type", "text/plain")
        .body("{\"username\":\"a\"}")
        .send()
        .await
        .unwrap();
    let p = expect_problem(r, 415).await;
    assert!(
        p["detail"].as_str().unwrap().contains("application/json"),
        "{p}"
    );
    let r = app
        .admin(Method::POST, USERS)
        .body("{\"username\":\"a\"}")
        .send()
        .await
        .unwrap();
    expect_problem(r, 415).await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let big = json!({ "username": "a", "display_name": "x".repeat(70 * 1024) });
    let p = expect_problem(call(&app, Method::POST, USERS, Some(big)).await, 413).await;
    assert!(p["detail"].as_str().unwrap().contains("65536"), "{p}");
}

#[tokio::test]
async fn an_unsupported_method_is_405_problem_json() {
    let app = TestApp::spawn().await;
    for (method, url) in [
        (Method::PUT, "/api/v1/tenants"),
        (Method::PATCH, USERS),
        (Method::GET, "/api/v1/tenants/default/users/x/disable"),
    ] {
        expect_problem(call(&app, method, url, None).await, 405).await;
    }
}

#[tokio::test]
async fn admin_answers_are_not_cached() {
    let app = TestApp::spawn().await;
    let r = call(
        &app,
        Method::POST,
        "/api/v1/tenants/default/api-keys",
        Some(json!({ "name": "k", "scopes": ["admin"] })),
    )
    .await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    expect(r, 201).await;
}
