//! Token revocation (RFC 7009) over HTTP: revoking a refresh or an access
//! token ends its whole grant; a token the client does not own, an unknown
//! or a garbage one is answered 200 all the same and changes nothing; the
//! client authenticates as at the token endpoint.

use reqwest::header::WWW_AUTHENTICATE;
use reqwest::StatusCode;
use serde_json::Value;
use usso::core::client::ClientFields;
use usso::core::tenant::Tenant;
use usso::store::Page;

use crate::harness::TestApp;
use crate::oidc_support::{
    acme_with, basic, expect_oauth_error, json, refresh, register, tenant_with_alice, tokens,
    web_client, Rp,
};

const SCOPE: &str = "openid profile email offline_access";

/// A POST to `/t/{slug}/{endpoint}` as `rp`, authenticated as at the token
/// endpoint: its secret in HTTP Basic, or its `client_id` in the form when
/// it is public.
pub async fn as_client(
    app: &TestApp,
    slug: &str,
    endpoint: &str,
    rp: &Rp,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = form.to_vec();
    let mut request = reqwest::Client::new().post(app.url(&format!("/t/{slug}/{endpoint}")));
    match &rp.secret {
        Some(secret) => request = request.header("authorization", basic(&rp.client_id, secret)),
        None => form.push(("client_id", &rp.client_id)),
    }
    request.form(&form).send().await.unwrap()
}

/// Revokes `token` as `rp`, with `hint` as `token_type_hint` when given.
pub async fn revoke(
    app: &TestApp,
    slug: &str,
    rp: &Rp,
    token: &str,
    hint: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![("token", token)];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    as_client(app, slug, "revoke", rp, &form).await
}

/// Asserts the RFC 7009 §2.2 success: 200 with an empty body.
pub async fn expect_revoked(response: reqwest::Response) {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.is_empty(), "a body: {body}");
}

pub async fn userinfo(app: &TestApp, slug: &str, access_token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(app.url(&format!("/t/{slug}/userinfo")))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
}

fn token<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {body}"))
}

async fn revocation_events(app: &TestApp, tenant: &Tenant) -> usize {
    let events = app
        .hub
        .list_events(
            tenant,
            Page {
                after: None,
                limit: 1000,
            },
        )
        .await
        .unwrap();
    events
        .iter()
        .filter(|e| e.action == "oauth.grant_revoked")
        .count()
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_grant_and_its_access_tokens() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let (access, refresh_token) = (token(&body, "access_token"), token(&body, "refresh_token"));
    assert_eq!(userinfo(&app, "acme", access).await, StatusCode::OK);

    expect_revoked(revoke(&app, "acme", &rp, refresh_token, Some("refresh_token")).await).await;

    let r = refresh(&app, "acme", &rp, refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    assert_eq!(
        userinfo(&app, "acme", access).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(revocation_events(&app, &tenant).await, 1);
    // Revoking again is still a success, and no second event.
    expect_revoked(revoke(&app, "acme", &rp, refresh_token, None).await).await;
    assert_eq!(revocation_events(&app, &tenant).await, 1);
}

#[tokio::test]
async fn revoking_an_access_token_ends_its_grant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let access = token(&body, "access_token");
    assert_eq!(userinfo(&app, "acme", access).await, StatusCode::OK);

    expect_revoked(revoke(&app, "acme", &rp, access, Some("access_token")).await).await;

    assert_eq!(
        userinfo(&app, "acme", access).await,
        StatusCode::UNAUTHORIZED
    );
    // No per-token denylist: the grant goes, its refresh token with it.
    let r = refresh(&app, "acme", &rp, token(&body, "refresh_token")).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_wrong_or_unknown_hint_still_finds_the_token() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    for hint in ["access_token", "id_token", "urn:example:whatever"] {
        let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
        let refresh_token = token(&body, "refresh_token");
        expect_revoked(revoke(&app, "acme", &rp, refresh_token, Some(hint)).await).await;
        let r = refresh(&app, "acme", &rp, refresh_token).await;
        expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    }
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let access = token(&body, "access_token");
    expect_revoked(revoke(&app, "acme", &rp, access, Some("refresh_token")).await).await;
    assert_eq!(
        userinfo(&app, "acme", access).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn another_clients_token_is_answered_200_but_stays_valid() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let other = register(&app, &tenant, web_client("Other")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let (access, refresh_token) = (token(&body, "access_token"), token(&body, "refresh_token"));

    for (t, hint) in [(access, "access_token"), (refresh_token, "refresh_token")] {
        expect_revoked(revoke(&app, "acme", &other, t, Some(hint)).await).await;
        expect_revoked(revoke(&app, "acme", &other, t, None).await).await;
    }

    assert_eq!(userinfo(&app, "acme", access).await, StatusCode::OK);
    let (status, _, body) = json(refresh(&app, "acme", &rp, refresh_token).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn another_tenants_token_is_answered_200_but_stays_valid() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let globex = tenant_with_alice(&app, "globex").await;
    let globex_rp = register(&app, &globex, web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let (access, refresh_token) = (token(&body, "access_token"), token(&body, "refresh_token"));

    expect_revoked(revoke(&app, "globex", &globex_rp, access, None).await).await;
    expect_revoked(revoke(&app, "globex", &globex_rp, refresh_token, None).await).await;

    assert_eq!(userinfo(&app, "acme", access).await, StatusCode::OK);
    let (status, _, body) = json(refresh(&app, "acme", &rp, refresh_token).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_unknown_expired_or_garbage_token_is_answered_200() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    for garbage in [
        "usso_rt_never-issued",
        "not-a-token",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    ] {
        for hint in [None, Some("access_token"), Some("refresh_token")] {
            expect_revoked(revoke(&app, "acme", &rp, garbage, hint).await).await;
        }
    }
    // An expired access token has nothing left to revoke: the grant lives on.
    app.clock.advance(time::Duration::minutes(16));
    expect_revoked(revoke(&app, "acme", &rp, token(&body, "access_token"), None).await).await;
    assert_eq!(revocation_events(&app, &tenant).await, 0);
    let (status, _, body) =
        json(refresh(&app, "acme", &rp, token(&body, "refresh_token")).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_missing_token_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    for form in [
        vec![],
        vec![("token_type_hint", "refresh_token")],
        vec![("token", "")],
    ] {
        let r = as_client(&app, "acme", "revoke", &rp, &form).await;
        expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    }
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_with_a_basic_challenge() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let refresh_token = token(&body, "refresh_token");
    let impostor = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("usso_cs_not-the-secret".into()),
    };
    let r = revoke(&app, "acme", &impostor, refresh_token, None).await;
    let headers = expect_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let challenge = headers
        .get(WWW_AUTHENTICATE)
        .expect("a WWW-Authenticate challenge")
        .to_str()
        .unwrap();
    assert!(
        challenge.to_ascii_lowercase().starts_with("basic"),
        "{challenge}"
    );
    // No client at all.
    let r = reqwest::Client::new()
        .post(app.url("/t/acme/revoke"))
        .form(&[("token", refresh_token)])
        .send()
        .await
        .unwrap();
    expect_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
    // The token survived both attempts.
    let (status, _, body) = json(refresh(&app, "acme", &rp, refresh_token).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_public_client_revokes_its_own_refresh_token() {
    let fields = ClientFields {
        public: true,
        ..web_client("Acme SPA")
    };
    let (app, _, rp) = acme_with(fields).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let refresh_token = token(&body, "refresh_token");
    expect_revoked(revoke(&app, "acme", &rp, refresh_token, None).await).await;
    let r = refresh(&app, "acme", &rp, refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn discovery_lists_the_revocation_and_introspection_endpoints() {
    let app = TestApp::spawn().await;
    tenant_with_alice(&app, "acme").await;
    let doc: Value = reqwest::get(app.url("/t/acme/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = app.url("/t/acme");
    assert_eq!(doc["revocation_endpoint"], format!("{issuer}/revoke"));
    assert_eq!(
        doc["introspection_endpoint"],
        format!("{issuer}/introspect")
    );
    // Both authenticate clients exactly as the token endpoint does.
    for methods in [
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        assert_eq!(
            doc[methods], doc["token_endpoint_auth_methods_supported"],
            "{methods}: {doc}"
        );
    }
}
