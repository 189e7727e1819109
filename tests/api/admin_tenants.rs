//! `/api/v1/tenants`: what an installation admin and a tenant admin can do.

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, call_as, expect, expect_problem, tenant_with_admin, tick};
use crate::harness::TestApp;

#[tokio::test]
async fn an_installation_admin_creates_reads_updates_and_deletes_a_tenant() {
    let app = TestApp::spawn().await;
    tick(&app);

    let r = call(
        &app,
        Method::POST,
        "/api/v1/tenants",
        Some(json!({ "slug": "acme", "display_name": "Acme Corp" })),
    )
    .await;
    assert_eq!(r.headers()["location"], "/api/v1/tenants/acme");
    let created = expect(r, 201).await;
    assert_eq!(created["slug"], "acme");
    assert_eq!(created["display_name"], "Acme Corp");
    let issuer = created["issuer"].as_str().unwrap();
    assert_eq!(
        issuer,
        app.url("/t/acme"),
        "the issuer names the bound port"
    );
    assert_eq!(created["login_url"], format!("{issuer}/login"));
    assert_eq!(created["settings"]["session_idle_seconds"], 1800);
    assert!(time::OffsetDateTime::parse(
        created["created_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());

    let list = expect(call(&app, Method::GET, "/api/v1/tenants", None).await, 200).await;
    let slugs: Vec<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["default", "acme"]);
    assert!(list["next_cursor"].is_null());

    let patched = expect(
        call(
            &app,
            Method::PATCH,
            "/api/v1/tenants/acme",
            Some(json!({ "display_name": "ACME", "settings": { "session_idle_seconds": 600 } })),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["display_name"], "ACME");
    assert_eq!(patched["settings"]["session_idle_seconds"], 600);
    assert_eq!(
        patched["settings"]["session_absolute_seconds"], 36000,
        "other settings are kept"
    );

    let read = expect(
        call(&app, Method::GET, "/api/v1/tenants/acme", None).await,
        200,
    )
    .await;
    assert_eq!(read["display_name"], "ACME");
    assert_eq!(read["settings"]["session_idle_seconds"], 600);

    expect(
        call(&app, Method::DELETE, "/api/v1/tenants/acme", None).await,
        204,
    )
    .await;
    expect_problem(
        call(&app, Method::GET, "/api/v1/tenants/acme", None).await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, "/api/v1/tenants", None).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict_and_a_bad_one_is_unprocessable() {
    let app = TestApp::spawn().await;
    expect(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "acme" })),
        )
        .await,
        201,
    )
    .await;

    let p = expect_problem(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "acme" })),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["field"], "slug");

    let p = expect_problem(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "Not A Slug" })),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "slug");
}

#[tokio::test]
async fn settings_that_break_a_rule_are_refused() {
    let app = TestApp::spawn().await;
    expect(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "acme" })),
        )
        .await,
        201,
    )
    .await;
    let body = json!({ "settings": { "session_idle_seconds": 99999 } });
    let p = expect_problem(
        call(&app, Method::PATCH, "/api/v1/tenants/acme", Some(body)).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "settings");
    let p = expect_problem(
        call(
            &app,
            Method::PATCH,
            "/api/v1/tenants/acme",
            Some(json!({ "settings": { "colour": "red" } })),
        )
        .await,
        400,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");
}

#[tokio::test]
async fn the_default_tenant_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let p = expect_problem(
        call(&app, Method::DELETE, "/api/v1/tenants/default", None).await,
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("default"), "{p}");
    expect(
        call(&app, Method::GET, "/api/v1/tenants/default", None).await,
        200,
    )
    .await;
}

#[tokio::test]
async fn a_tenant_admin_reads_and_updates_its_own_tenant_and_nothing_else() {
    let app = TestApp::spawn().await;
    let b = tenant_with_admin(&app, "beta").await;
    expect(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "alpha" })),
        )
        .await,
        201,
    )
    .await;

    let own = expect(
        call_as(&app, Some(&b), Method::GET, "/api/v1/tenants/beta", None).await,
        200,
    )
    .await;
    assert_eq!(own["slug"], "beta");
    let patched = expect(
        call_as(
            &app,
            Some(&b),
            Method::PATCH,
            "/api/v1/tenants/beta",
            Some(json!({ "display_name": "Beta Inc" })),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["display_name"], "Beta Inc");

    let p = expect_problem(
        call_as(&app, Some(&b), Method::DELETE, "/api/v1/tenants/beta", None).await,
        403,
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains("installation"),
        "{p}"
    );
    expect_problem(
        call_as(&app, Some(&b), Method::GET, "/api/v1/tenants", None).await,
        401,
    )
    .await;
    expect_problem(
        call_as(
            &app,
            Some(&b),
            Method::POST,
            "/api/v1/tenants",
            Some(json!({ "slug": "gamma" })),
        )
        .await,
        401,
    )
    .await;
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({ "display_name": "pwned" }));
        expect_problem(
            call_as(&app, Some(&b), method, "/api/v1/tenants/alpha", body).await,
            401,
        )
        .await;
    }
    expect_problem(
        call_as(&app, Some(&b), Method::GET, "/api/v1/tenants/default", None).await,
        401,
    )
    .await;
    let alpha = expect(
        call(&app, Method::GET, "/api/v1/tenants/alpha", None).await,
        200,
    )
    .await;
    assert_eq!(alpha["display_name"], "alpha", "alpha is untouched");
}

#[tokio::test]
async fn only_an_installation_admin_learns_that_a_tenant_does_not_exist() {
    let app = TestApp::spawn().await;
    let b = tenant_with_admin(&app, "beta").await;
    expect_problem(
        call(&app, Method::GET, "/api/v1/tenants/nope/users", None).await,
        404,
    )
    .await;
    expect_problem(
        call_as(
            &app,
            Some(&b),
            Method::GET,
            "/api/v1/tenants/nope/users",
            None,
        )
        .await,
        401,
    )
    .await;
    expect_problem(
        call_as(&app, None, Method::GET, "/api/v1/tenants/nope/users", None).await,
        401,
    )
    .await;
}

#[tokio::test]
async fn tenants_are_listed_page_by_page() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        tick(&app);
        expect(
            call(
                &app,
                Method::POST,
                "/api/v1/tenants",
                Some(json!({ "slug": format!("t{i}") })),
            )
            .await,
            201,
        )
        .await;
    }
    let (items, pages) = crate::admin_support::walk(&app, "/api/v1/tenants", 2).await;
    assert_eq!(pages, 3);
    let slugs: Vec<_> = items.iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["default", "t0", "t1", "t2", "t3", "t4"]);
}
