//! Token introspection (RFC 7662) over HTTP: a live access or refresh token
//! of the asking client is described (§2.2); anything else — revoked,
//! expired, rotated, unknown, garbage, another tenant's or another client's
//! — is exactly `{"active": false}`.

use reqwest::header::{CACHE_CONTROL, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json as j, Value};
use usso::core::client::ClientFields;
use usso_oidc::jose::Algorithm;

use crate::harness::TestApp;
use crate::oidc_revocation::{as_client, expect_revoked, revoke};
use crate::oidc_support::{
    acme_with, expect_oauth_error, json, now_unix, refresh, register, tenant_with_alice, token,
    tokens, verified, web_client, Rp,
};

const SCOPE: &str = "openid profile email offline_access";

/// Introspects `token` as `rp`; asserts a 200 that is not cached and
/// returns its JSON.
async fn introspect(app: &TestApp, slug: &str, rp: &Rp, token: &str, hint: Option<&str>) -> Value {
    let mut form = vec![("token", token)];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    let (status, headers, body) = json(as_client(app, slug, "introspect", rp, &form).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        headers[CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("no-store"),
        "{headers:?}"
    );
    body
}

fn inactive() -> Value {
    j!({ "active": false })
}

fn text<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {body}"))
}

#[tokio::test]
async fn a_live_access_token_is_described() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let access = text(&body, "access_token");
    let claims = verified(&app, "acme", access, Algorithm::Es256)
        .await
        .claims;
    for hint in [
        None,
        Some("access_token"),
        Some("refresh_token"),
        Some("nonsense"),
    ] {
        let got = introspect(&app, "acme", &rp, access, hint).await;
        assert_eq!(got["active"], true, "{got}");
        assert_eq!(got["token_type"], "Bearer");
        assert_eq!(got["scope"], SCOPE);
        assert_eq!(got["client_id"], rp.client_id.as_str());
        assert_eq!(got["username"], "alice");
        assert_eq!(got["iss"], app.url("/t/acme"));
        assert_eq!(got["aud"], rp.client_id.as_str());
        for claim in ["sub", "exp", "iat", "jti"] {
            assert!(!claims[claim].is_null(), "{claim}");
            assert_eq!(got[claim], claims[claim], "{claim}");
        }
        assert_eq!(got["iat"], now_unix(&app));
    }
}

#[tokio::test]
async fn a_live_refresh_token_is_described() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let sub = verified(&app, "acme", text(&body, "access_token"), Algorithm::Es256)
        .await
        .claims["sub"]
        .clone();
    let refresh_token = text(&body, "refresh_token");
    for hint in [None, Some("refresh_token"), Some("access_token")] {
        let got = introspect(&app, "acme", &rp, refresh_token, hint).await;
        assert_eq!(got["active"], true, "{got}");
        assert_eq!(got["token_type"], "refresh_token");
        assert_eq!(got["scope"], SCOPE);
        assert_eq!(got["client_id"], rp.client_id.as_str());
        assert_eq!(got["sub"], sub);
        assert_eq!(got["username"], "alice");
        assert_eq!(got["iat"], now_unix(&app));
        let exp = got["exp"].as_i64().expect("exp");
        assert!(exp > now_unix(&app) + 24 * 3600, "{got}");
        assert!(got.get("jti").is_none(), "{got}");
    }
}

#[tokio::test]
async fn a_client_credentials_token_is_the_clients_own() {
    let fields = ClientFields {
        name: "Batch".into(),
        grant_types: Some(vec!["client_credentials".into()]),
        scopes: Some(vec!["api:read".into()]),
        ..ClientFields::default()
    };
    let (app, _, rp) = acme_with(fields).await;
    let r = token(
        &app,
        "acme",
        &rp,
        &[("grant_type", "client_credentials"), ("scope", "api:read")],
    )
    .await;
    let (status, _, body) = json(r).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = introspect(&app, "acme", &rp, text(&body, "access_token"), None).await;
    assert_eq!(got["active"], true, "{got}");
    assert_eq!(got["sub"], rp.client_id.as_str());
    assert_eq!(got["scope"], "api:read");
    assert!(got.get("username").is_none(), "{got}");
}

#[tokio::test]
async fn revoked_tokens_are_inactive_and_nothing_more() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let (access, refresh_token) = (text(&body, "access_token"), text(&body, "refresh_token"));
    expect_revoked(revoke(&app, "acme", &rp, refresh_token, None).await).await;
    for t in [access, refresh_token] {
        assert_eq!(introspect(&app, "acme", &rp, t, None).await, inactive());
    }
}

#[tokio::test]
async fn an_expired_access_token_is_inactive() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let access = text(&body, "access_token");
    assert_eq!(
        introspect(&app, "acme", &rp, access, None).await["active"],
        true
    );
    app.clock.advance(time::Duration::minutes(16));
    assert_eq!(
        introspect(&app, "acme", &rp, access, None).await,
        inactive()
    );
    // The refresh token has its own, longer life.
    let got = introspect(&app, "acme", &rp, text(&body, "refresh_token"), None).await;
    assert_eq!(got["active"], true, "{got}");
}

#[tokio::test]
async fn a_rotated_refresh_token_is_inactive() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let old = text(&body, "refresh_token");
    let (status, _, rotated) = json(refresh(&app, "acme", &rp, old).await).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_eq!(introspect(&app, "acme", &rp, old, None).await, inactive());
    let new = text(&rotated, "refresh_token");
    assert_eq!(
        introspect(&app, "acme", &rp, new, None).await["active"],
        true
    );
}

#[tokio::test]
async fn another_tenants_token_is_inactive() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let globex = tenant_with_alice(&app, "globex").await;
    let globex_rp = register(&app, &globex, web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    for name in ["access_token", "refresh_token"] {
        let got = introspect(&app, "globex", &globex_rp, text(&body, name), None).await;
        assert_eq!(got, inactive(), "{name}");
    }
}

#[tokio::test]
async fn another_clients_token_is_inactive() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let other = register(&app, &tenant, web_client("Other")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    for name in ["access_token", "refresh_token"] {
        let got = introspect(&app, "acme", &other, text(&body, name), None).await;
        assert_eq!(got, inactive(), "{name}");
        // Still live for the client it was issued to.
        let got = introspect(&app, "acme", &rp, text(&body, name), None).await;
        assert_eq!(got["active"], true, "{name}: {got}");
    }
}

#[tokio::test]
async fn garbage_is_inactive() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    for garbage in [
        "not-a-token",
        "usso_rt_never-issued",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "a.b.c",
    ] {
        for hint in [None, Some("access_token"), Some("refresh_token")] {
            let got = introspect(&app, "acme", &rp, garbage, hint).await;
            assert_eq!(got, inactive(), "{garbage}");
        }
    }
}

#[tokio::test]
async fn introspection_authenticates_the_client_like_the_token_endpoint() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let access = text(&body, "access_token");
    let impostor = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("usso_cs_not-the-secret".into()),
    };
    let r = as_client(&app, "acme", "introspect", &impostor, &[("token", access)]).await;
    let headers = expect_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let challenge = headers[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.to_ascii_lowercase().starts_with("basic"),
        "{challenge}"
    );
    let r = as_client(&app, "acme", "introspect", &rp, &[]).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}
