//! Helpers of the admin API tests: JSON requests with any key, problem+json
//! assertions, and a second tenant with its own admin key.

use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestApp;

/// Sends `body` (if any) with the bootstrap (installation admin) key.
pub async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Response {
    let mut r = app.admin(method, path);
    if let Some(body) = body {
        r = r.json(&body);
    }
    r.send().await.unwrap()
}

/// Sends `body` (if any) with `token`, or with no Authorization at all.
pub async fn call_as(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut r = app.client.request(method, app.url(path));
    if let Some(token) = token {
        r = r.bearer_auth(token);
    }
    if let Some(body) = body {
        r = r.json(&body);
    }
    r.send().await.unwrap()
}

/// Asserts the status and returns the JSON body.
pub async fn expect(r: Response, status: u16) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, StatusCode::from_u16(status).unwrap(), "body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// Asserts a problem+json answer with `status`; returns the problem.
pub async fn expect_problem(r: Response, status: u16) -> Value {
    let got = r.status();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    assert_eq!(got, StatusCode::from_u16(status).unwrap(), "body: {text}");
    assert_eq!(content_type, "application/problem+json", "body: {text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["status"], status, "{problem}");
    assert!(problem["title"].is_string(), "{problem}");
    problem
}

/// Moves the test clock on a little, so that the next record sorts after
/// the previous one (ids are ordered by creation time).
pub fn tick(app: &TestApp) {
    app.clock.advance(time::Duration::milliseconds(2));
}

/// Creates tenant `slug` and an admin key of it; returns the key's token.
pub async fn tenant_with_admin(app: &TestApp, slug: &str) -> String {
    expect(
        call(
            app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": slug })),
        )
        .await,
        201,
    )
    .await;
    key(app, slug, &["admin"]).await
}

/// Creates a key of `tenant` with `scopes`; returns its token.
pub async fn key(app: &TestApp, tenant: &str, scopes: &[&str]) -> String {
    let created = expect(
        call(
            app,
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/api-keys"),
            Some(json!({ "name": "test key", "scopes": scopes })),
        )
        .await,
        201,
    )
    .await;
    created["token"].as_str().unwrap().to_owned()
}

/// Creates a user in `tenant`; returns it.
pub async fn user(app: &TestApp, tenant: &str, username: &str) -> Value {
    expect(
        call(
            app,
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/users"),
            Some(json!({ "username": username })),
        )
        .await,
        201,
    )
    .await
}

/// Creates a group in `tenant`; returns it.
pub async fn group(app: &TestApp, tenant: &str, name: &str) -> Value {
    expect(
        call(
            app,
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/groups"),
            Some(json!({ "name": name })),
        )
        .await,
        201,
    )
    .await
}

/// Reads every page of `path` `limit` at a time; returns the items in
/// order and the number of pages read.
pub async fn walk(app: &TestApp, path: &str, limit: u32) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    loop {
        let url = match &cursor {
            None => format!("{path}{sep}limit={limit}"),
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
        };
        let page = expect(call(app, Method::GET, &url, None).await, 200).await;
        pages += 1;
        assert!(page["items"].as_array().unwrap().len() <= limit as usize);
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 1000, "pagination does not end");
    }
    (items, pages)
}
