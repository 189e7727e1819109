//! Who may call the admin API: no key or a bad one is 401, a key without the
//! admin scope 403, and a key of tenant B never reaches tenant A's data —
//! for every kind of resource.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{
    call, call_as, expect, expect_problem, group, key, tenant_with_admin, user,
};
use crate::harness::TestApp;

/// Tenant `alpha` with one record of each kind; returns the URLs to read
/// and the mutations to try.
async fn alpha_with_records(app: &TestApp) -> (Vec<String>, Vec<(Method, String, Option<Value>)>) {
    let t = "/api/v1/tenants/alpha";
    expect(
        call(
            app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "alpha" })),
        )
        .await,
        201,
    )
    .await;
    let u = user(app, "alpha", "alice").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = group(app, "alpha", "staff").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = expect(
        call(
            app,
            Method::POST,
            &format!("{t}/roles"),
            Some(json!({ "name": "boss" })),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = expect(
        call(
            app,
            Method::POST,
            &format!("{t}/workspaces"),
            Some(json!({ "slug": "hq" })),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let k = expect(
        call(
            app,
            Method::POST,
            &format!("{t}/api-keys"),
            Some(json!({ "name": "k", "scopes": ["scim"] })),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = expect(
        call(
            app,
            Method::POST,
            &format!("{t}/roles/{r}/assignments"),
            Some(json!({ "principal": { "type": "user", "id": u } })),
        )
        .await,
        201,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    expect(
        call(
            app,
            Method::POST,
            &format!("{t}/groups/{g}/members"),
            Some(json!({ "type": "user", "id": u })),
        )
        .await,
        201,
    )
    .await;

    let reads = vec![
        t.to_owned(),
        format!("{t}/users"),
        format!("{t}/users/{u}"),
        format!("{t}/users/{u}/roles"),
        format!("{t}/groups"),
        format!("{t}/groups/{g}"),
        format!("{t}/groups/{g}/members"),
        format!("{t}/roles"),
        format!("{t}/roles/{r}"),
        format!("{t}/roles/{r}/assignments"),
        format!("{t}/workspaces"),
        format!("{t}/workspaces/{w}"),
        format!("{t}/api-keys"),
        format!("{t}/events"),
    ];
    let writes = vec![
        (
            Method::PATCH,
            t.to_owned(),
            Some(json!({ "display_name": "pwned" })),
        ),
        (
            Method::POST,
            format!("{t}/users"),
            Some(json!({ "username": "mallory" })),
        ),
        (
            Method::PUT,
            format!("{t}/users/{u}"),
            Some(json!({ "username": "pwned" })),
        ),
        (Method::POST, format!("{t}/users/{u}/disable"), None),
        (
            Method::PUT,
            format!("{t}/users/{u}/password"),
            Some(json!({ "password": "owned by mallory" })),
        ),
        (Method::DELETE, format!("{t}/users/{u}"), None),
        (
            Method::POST,
            format!("{t}/groups"),
            Some(json!({ "name": "evil" })),
        ),
        (
            Method::POST,
            format!("{t}/groups/{g}/members"),
            Some(json!({ "type": "group", "id": g })),
        ),
        (
            Method::DELETE,
            format!("{t}/groups/{g}/members/user/{u}"),
            None,
        ),
        (Method::DELETE, format!("{t}/groups/{g}"), None),
        (
            Method::POST,
            format!("{t}/roles"),
            Some(json!({ "name": "evil" })),
        ),
        (
            Method::POST,
            format!("{t}/roles/{r}/assignments"),
            Some(json!({ "principal": { "type": "group", "id": g } })),
        ),
        (
            Method::DELETE,
            format!("{t}/roles/{r}/assignments/{a}"),
            None,
        ),
        (Method::DELETE, format!("{t}/roles/{r}"), None),
        (
            Method::POST,
            format!("{t}/workspaces"),
            Some(json!({ "slug": "evil" })),
        ),
        (Method::DELETE, format!("{t}/workspaces/{w}"), None),
        (
            Method::POST,
            format!("{t}/api-keys"),
            Some(json!({ "name": "backdoor", "scopes": ["admin"] })),
        ),
        (Method::DELETE, format!("{t}/api-keys/{k}"), None),
        (Method::DELETE, t.to_owned(), None),
    ];
    (reads, writes)
}

/// Everything alpha holds, as its installation admin sees it.
async fn snapshot(app: &TestApp, reads: &[String]) -> Vec<Value> {
    let mut all = Vec::new();
    for url in reads.iter().filter(|u| !u.ends_with("/events")) {
        all.push(expect(call(app, Method::GET, url, None).await, 200).await);
    }
    all
}

#[tokio::test]
async fn without_a_valid_key_every_route_is_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let (reads, writes) = alpha_with_records(&app).await;
    let before = snapshot(&app, &reads).await;
    let calls = reads
        .iter()
        .map(|u| (Method::GET, u.clone(), None))
        .chain(writes);
    let mut tried = 0;
    for (method, url, body) in calls {
        for token in [
            None,
            Some("usso_ak_not-a-real-key"),
            Some("not even the right shape"),
        ] {
            let r = call_as(&app, token, method.clone(), &url, body.clone()).await;
            assert_eq!(
                r.headers()["www-authenticate"],
                "Bearer realm=\"usso-admin\"",
                "{method} {url}"
            );
            let p = expect_problem(r, 401).await;
            assert!(p["detail"].as_str().unwrap().contains("Bearer"), "{p}");
            tried += 1;
        }
    }
    assert!(tried > 90);
    let r = app
        .client
        .get(app.url("/api/v1/tenants"))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .unwrap();
    expect_problem(r, 401).await;
    assert_eq!(snapshot(&app, &reads).await, before, "nothing changed");
}

#[tokio::test]
async fn a_key_of_another_tenant_never_reaches_this_one() {
    let app = TestApp::spawn().await;
    let (reads, writes) = alpha_with_records(&app).await;
    let beta = tenant_with_admin(&app, "beta").await;
    let before = snapshot(&app, &reads).await;

    let calls = reads
        .iter()
        .map(|u| (Method::GET, u.clone(), None))
        .chain(writes);
    for (method, url, body) in calls {
        let r = call_as(&app, Some(&beta), method.clone(), &url, body).await;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert!(
            status == 401 || status == 404,
            "{method} {url}: {status} {text}"
        );
        assert!(
            !text.contains("alice") && !text.contains("staff") && !text.contains("boss"),
            "{method} {url} leaked: {text}"
        );
    }
    assert_eq!(
        snapshot(&app, &reads).await,
        before,
        "nothing changed in alpha"
    );

    // Beta's key still works on beta.
    expect(
        call_as(
            &app,
            Some(&beta),
            Method::GET,
            "/api/v1/tenants/beta/users",
            None,
        )
        .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn a_tenant_admin_is_not_an_installation_admin() {
    let app = TestApp::spawn().await;
    let beta = tenant_with_admin(&app, "beta").await;
    for url in [
        "/api/v1/tenants/default/users",
        "/api/v1/tenants/default/api-keys",
        "/api/v1/tenants/default/events",
    ] {
        expect_problem(
            call_as(&app, Some(&beta), Method::GET, url, None).await,
            401,
        )
        .await;
    }
    let p = expect_problem(
        call_as(
            &app,
            Some(&beta),
            Method::POST,
            "/api/v1/tenants/default/api-keys",
            Some(json!({ "name": "x", "scopes": ["admin"] })),
        )
        .await,
        401,
    )
    .await;
    assert_eq!(p["type"], "https://usso.dev/problems/unauthorized");
}

#[tokio::test]
async fn a_key_without_the_admin_scope_is_forbidden_everywhere() {
    let app = TestApp::spawn().await;
    let (reads, writes) = alpha_with_records(&app).await;
    let scim = key(&app, "alpha", &["scim"]).await;
    let before = snapshot(&app, &reads).await;
    let calls = reads
        .iter()
        .map(|u| (Method::GET, u.clone(), None))
        .chain(writes);
    for (method, url, body) in calls {
        let p = expect_problem(
            call_as(&app, Some(&scim), method.clone(), &url, body).await,
            403,
        )
        .await;
        assert!(
            p["detail"].as_str().unwrap().contains("admin scope"),
            "{method} {url}: {p}"
        );
    }
    assert_eq!(snapshot(&app, &reads).await, before);
}

#[tokio::test]
async fn an_installation_admin_acts_on_any_tenant_and_a_tenant_admin_on_its_own() {
    let app = TestApp::spawn().await;
    let (reads, _) = alpha_with_records(&app).await;
    for url in &reads {
        expect(call(&app, Method::GET, url, None).await, 200).await;
    }
    let alpha = key(&app, "alpha", &["admin"]).await;
    for url in &reads {
        expect(
            call_as(&app, Some(&alpha), Method::GET, url, None).await,
            200,
        )
        .await;
    }
    let made = expect(
        call_as(
            &app,
            Some(&alpha),
            Method::POST,
            "/api/v1/tenants/alpha/users",
            Some(json!({ "username": "bob" })),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(made["username"], "bob");
}
