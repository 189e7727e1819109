//! `/api/v1/tenants/{tenant}/roles`: CRUD and assignments.

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, expect, expect_problem, group, tick, user, walk};
use crate::harness::TestApp;

const T: &str = "/api/v1/tenants/default";

#[tokio::test]
async fn a_role_is_created_read_listed_and_deleted() {
    let app = TestApp::spawn().await;
    let body = json!({ "name": "billing-admin", "description": "Pays the bills", "permissions": ["billing:write", "billing:read", "billing:read"] });
    let r = call(&app, Method::POST, &format!("{T}/roles"), Some(body)).await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{T}/roles/")));
    let created = expect(r, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["permissions"],
        json!(["billing:read", "billing:write"])
    );
    assert_eq!(created["description"], "Pays the bills");

    for key in [id.as_str(), "billing-admin", "Billing-Admin"] {
        assert_eq!(
            expect(
                call(&app, Method::GET, &format!("{T}/roles/{key}"), None).await,
                200
            )
            .await,
            created
        );
    }
    let list = expect(
        call(&app, Method::GET, &format!("{T}/roles"), None).await,
        200,
    )
    .await;
    assert_eq!(list["items"], json!([created]));

    expect(
        call(&app, Method::DELETE, &format!("{T}/roles/{id}"), None).await,
        204,
    )
    .await;
    expect_problem(
        call(&app, Method::GET, &format!("{T}/roles/{id}"), None).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn role_names_are_unique_and_permissions_are_scope_tokens() {
    let app = TestApp::spawn().await;
    expect(
        call(
            &app,
            Method::POST,
            &format!("{T}/roles"),
            Some(json!({ "name": "viewer" })),
        )
        .await,
        201,
    )
    .await;
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            &format!("{T}/roles"),
            Some(json!({ "name": "VIEWER" })),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["field"], "name");
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            &format!("{T}/roles"),
            Some(json!({ "name": "x", "permissions": ["has space"] })),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "permissions");
}

#[tokio::test]
async fn a_role_is_assigned_listed_and_unassigned() {
    let app = TestApp::spawn().await;
    let alice = user(&app, "default", "alice").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ops = group(&app, "default", "ops").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ws = expect(
        call(
            &app,
            Method::POST,
            &format!("{T}/workspaces"),
            Some(json!({ "slug": "blue" })),
        )
        .await,
        201,
    )
    .await;
    expect(
        call(
            &app,
            Method::POST,
            &format!("{T}/roles"),
            Some(json!({ "name": "editor", "permissions": ["docs:write"] })),
        )
        .await,
        201,
    )
    .await;
    let assignments = format!("{T}/roles/editor/assignments");

    let direct = expect(
        call(
            &app,
            Method::POST,
            &assignments,
            Some(json!({ "principal": { "type": "user", "id": "alice" } })),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(direct["principal"], json!({ "type": "user", "id": alice }));
    assert!(direct["workspace_id"].is_null());
    assert!(direct["expires_at"].is_null());

    let until = (app.clock_now() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    tick(&app);
    let scoped = expect(
        call(&app, Method::POST, &assignments, Some(json!({ "principal": { "type": "group", "id": ops }, "workspace": "blue", "expires_at": until }))).await,
        201,
    )
    .await;
    assert_eq!(scoped["workspace_id"], ws["id"]);
    let expires = time::OffsetDateTime::parse(
        scoped["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        expires.unix_timestamp(),
        time::OffsetDateTime::parse(&until, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp()
    );

    // The same assignment twice is a conflict.
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            &assignments,
            Some(json!({ "principal": { "type": "user", "id": alice } })),
        )
        .await,
        409,
    )
    .await;
    assert!(p["field"].is_string());

    let (items, _) = walk(&app, &assignments, 1).await;
    assert_eq!(items, [direct.clone(), scoped.clone()]);

    let direct_id = direct["id"].as_str().unwrap();
    expect(
        call(
            &app,
            Method::DELETE,
            &format!("{assignments}/{direct_id}"),
            None,
        )
        .await,
        204,
    )
    .await;
    expect_problem(
        call(
            &app,
            Method::DELETE,
            &format!("{assignments}/{direct_id}"),
            None,
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        call(
            &app,
            Method::DELETE,
            &format!("{assignments}/not-an-id"),
            None,
        )
        .await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, &assignments, None).await, 200).await;
    assert_eq!(list["items"], json!([scoped]));
}

#[tokio::test]
async fn bad_assignments_are_refused() {
    let app = TestApp::spawn().await;
    user(&app, "default", "alice").await;
    expect(
        call(
            &app,
            Method::POST,
            &format!("{T}/roles"),
            Some(json!({ "name": "editor" })),
        )
        .await,
        201,
    )
    .await;
    let assignments = format!("{T}/roles/editor/assignments");
    let past = (app.clock_now() - time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();

    let cases = [
        (
            json!({ "principal": { "type": "user", "id": "alice" }, "expires_at": past }),
            "expires_at",
        ),
        (
            json!({ "principal": { "type": "user", "id": "alice" }, "workspace": "nowhere" }),
            "workspace",
        ),
        (
            json!({ "principal": { "type": "user", "id": "ghost" } }),
            "principal",
        ),
    ];
    for (body, field) in cases {
        let p = expect_problem(
            call(&app, Method::POST, &assignments, Some(body.clone())).await,
            422,
        )
        .await;
        assert_eq!(p["field"], field, "{body}");
    }
    let body =
        json!({ "principal": { "type": "user", "id": "alice" }, "expires_at": "next tuesday" });
    expect_problem(
        call(&app, Method::POST, &assignments, Some(body)).await,
        400,
    )
    .await;
    let body = json!({ "principal": { "type": "user", "id": "alice" } });
    expect_problem(
        call(
            &app,
            Method::POST,
            &format!("{T}/roles/nope/assignments"),
            Some(body),
        )
        .await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, &assignments, None).await, 200).await;
    assert_eq!(list["items"], json!([]));
}

trait ClockNow {
    fn clock_now(&self) -> time::OffsetDateTime;
}

impl ClockNow for TestApp {
    fn clock_now(&self) -> time::OffsetDateTime {
        use usso::core::Clock;
        self.clock.now()
    }
}
