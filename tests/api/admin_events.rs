//! `/api/v1/tenants/{tenant}/events`: the audit log, read-only, paged.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, call_as, expect, expect_problem, tenant_with_admin, tick, walk};
use crate::harness::TestApp;

#[tokio::test]
async fn changes_made_through_the_api_are_in_the_audit_log_with_their_key() {
    let app = TestApp::spawn().await;
    let token = tenant_with_admin(&app, "acme").await;
    let keys = expect(
        call(&app, Method::GET, "/api/v1/tenants/acme/api-keys", None).await,
        200,
    )
    .await;
    let key_id = keys["items"][0]["id"].as_str().unwrap().to_owned();

    tick(&app);
    let created = expect(
        call_as(
            &app,
            Some(&token),
            Method::POST,
            "/api/v1/tenants/acme/users",
            Some(json!({ "username": "alice" })),
        )
        .await,
        201,
    )
    .await;
    tick(&app);
    expect(
        call_as(
            &app,
            Some(&token),
            Method::DELETE,
            &format!(
                "/api/v1/tenants/acme/users/{}",
                created["id"].as_str().unwrap()
            ),
            None,
        )
        .await,
        204,
    )
    .await;

    let log = expect(
        call_as(
            &app,
            Some(&token),
            Method::GET,
            "/api/v1/tenants/acme/events",
            None,
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<_> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "tenant.created",
            "api_key.created",
            "user.created",
            "user.deleted"
        ]
    );
    let user_created = &log["items"][2];
    assert_eq!(
        user_created["actor"],
        json!({ "type": "api_key", "id": key_id })
    );
    assert_eq!(user_created["target_type"], "user");
    assert_eq!(user_created["target_id"], created["id"]);
    assert_eq!(user_created["outcome"], "success");
    assert_eq!(user_created["details"]["username"], "alice");
    assert!(time::OffsetDateTime::parse(
        user_created["at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());
}

#[tokio::test]
async fn the_log_is_walked_page_by_page_and_cannot_be_written() {
    let app = TestApp::spawn().await;
    for i in 0..9 {
        tick(&app);
        expect(
            call(
                &app,
                Method::POST,
                "/api/v1/tenants/default/groups",
                Some(json!({ "name": format!("g{i}") })),
            )
            .await,
            201,
        )
        .await;
    }
    let (items, pages) = walk(&app, "/api/v1/tenants/default/events", 4).await;
    let ids: HashSet<_> = items.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), items.len(), "no repeats");
    // tenant.created + api_key.created (bootstrap) + signing_keys.created
    // (the deferred RS256 key) + 9 group.created
    assert_eq!(items.len(), 12);
    assert_eq!(pages, 3);

    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let p = expect_problem(
            call(
                &app,
                method,
                "/api/v1/tenants/default/events",
                Some(json!({})),
            )
            .await,
            405,
        )
        .await;
        assert_eq!(p["title"], "Method not allowed");
    }
}
