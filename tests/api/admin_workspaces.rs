//! `/api/v1/tenants/{tenant}/workspaces`: CRUD, conflicts, validation.

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, expect, expect_problem, tick, walk};
use crate::harness::TestApp;

const WS: &str = "/api/v1/tenants/default/workspaces";

#[tokio::test]
async fn a_workspace_is_created_read_listed_and_deleted() {
    let app = TestApp::spawn().await;
    let r = call(
        &app,
        Method::POST,
        WS,
        Some(json!({ "slug": "team-blue", "display_name": "Team Blue" })),
    )
    .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = expect(r, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{WS}/{id}"));
    assert_eq!(created["slug"], "team-blue");
    assert_eq!(created["display_name"], "Team Blue");

    let plain = expect(
        call(&app, Method::POST, WS, Some(json!({ "slug": "red" }))).await,
        201,
    )
    .await;
    assert_eq!(
        plain["display_name"], "red",
        "the display name defaults to the slug"
    );

    for key in [id.as_str(), "team-blue"] {
        assert_eq!(
            expect(
                call(&app, Method::GET, &format!("{WS}/{key}"), None).await,
                200
            )
            .await,
            created
        );
    }
    let (items, _) = walk(&app, WS, 1).await;
    assert_eq!(items.len(), 2);

    expect(
        call(&app, Method::DELETE, &format!("{WS}/team-blue"), None).await,
        204,
    )
    .await;
    expect_problem(
        call(&app, Method::GET, &format!("{WS}/{id}"), None).await,
        404,
    )
    .await;
    expect_problem(
        call(&app, Method::DELETE, &format!("{WS}/{id}"), None).await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, WS, None).await, 200).await;
    assert_eq!(list["items"], json!([plain]));
}

#[tokio::test]
async fn workspace_slugs_are_unique_and_url_safe() {
    let app = TestApp::spawn().await;
    tick(&app);
    expect(
        call(&app, Method::POST, WS, Some(json!({ "slug": "blue" }))).await,
        201,
    )
    .await;
    let p = expect_problem(
        call(&app, Method::POST, WS, Some(json!({ "slug": "blue" }))).await,
        409,
    )
    .await;
    assert_eq!(p["field"], "slug");
    let p = expect_problem(
        call(&app, Method::POST, WS, Some(json!({ "slug": "Blue Team" }))).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "slug");
}
