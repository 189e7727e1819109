//! `/api/v1/tenants/{tenant}/keys`: listing and rotating signing keys
//! through the admin API, and who may.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{call, call_as, expect, expect_problem, tenant_with_admin, tick};
use crate::harness::TestApp;

fn count(keys: &Value, status: &str) -> usize {
    keys.as_array()
        .unwrap()
        .iter()
        .filter(|k| k["status"] == status)
        .count()
}

#[tokio::test]
async fn keys_are_listed_and_rotated_through_the_api() {
    let app = TestApp::spawn().await;
    let token = tenant_with_admin(&app, "acme").await;
    let keys = expect(
        call_as(
            &app,
            Some(&token),
            Method::GET,
            "/api/v1/tenants/acme/keys",
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(count(&keys, "active"), 3, "{keys}");
    for key in keys.as_array().unwrap() {
        assert!(
            key.get("d").is_none() && key.get("sealed_private").is_none(),
            "{key}"
        );
    }

    let rotated = expect(
        call_as(
            &app,
            Some(&token),
            Method::POST,
            "/api/v1/tenants/acme/keys/rotate",
            Some(json!({})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (count(&rotated, "active"), count(&rotated, "next")),
        (3, 3),
        "{rotated}"
    );

    // The current keys have signed for a while (a key retired the instant
    // it activated never signed, and leaves at once).
    tick(&app);
    let now = expect(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants/acme/keys/rotate",
            Some(json!({ "immediately": true })),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (count(&now, "active"), count(&now, "retired")),
        (3, 3),
        "{now}"
    );

    // Unknown fields are refused, and another tenant's admin has no say.
    expect_problem(
        call(
            &app,
            Method::POST,
            "/api/v1/tenants/acme/keys/rotate",
            Some(json!({ "now": true })),
        )
        .await,
        400,
    )
    .await;
    let other = tenant_with_admin(&app, "globex").await;
    let r = call_as(
        &app,
        Some(&other),
        Method::POST,
        "/api/v1/tenants/acme/keys/rotate",
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status(), 401);
    let r = call_as(&app, None, Method::GET, "/api/v1/tenants/acme/keys", None).await;
    assert_eq!(r.status(), 401);
}
