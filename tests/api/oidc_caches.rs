//! The hub's in-process caches of the OAuth hot path (issue 8), against
//! another node (a second hub with a store and caches of its own on the
//! same database): signing keys it changes are seen here within the lookup
//! TTL; a client secret it rotates, a client it deletes, a grant it revokes
//! count here at once (clients and grants are cached against the store's
//! change epoch: on SQLite the stamp file both stores share; on PostgreSQL
//! they are not cached); the grant rows of concurrent client credentials
//! grants, written by group commit, are all there when each token is
//! answered; and concurrent redemptions, group-committed too, still let one
//! use of a code or refresh token win.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;
use usso::adapters::oidc::grants::check_access_token;
use usso::adapters::oidc::revocation::revoke;
use usso::core::client::ClientFields;
use usso::core::event::Actor;
use usso::core::signing_key::KeyAlgorithm;
use usso::core::tenant::Tenant;
use usso::service::lookup_cache::LOOKUP_TTL;
use usso::service::{Hub, ServiceError};
use usso::store::Store;

use crate::harness::TestApp;
use crate::oidc_support::{
    acme_with, code_for, json, logged_in, refresh, register, tokens, web_client, AuthRequest, Rp,
};

/// Another node: the same database (opened again), clock and keys; caches,
/// write queues and throttle of its own.
async fn other_node(app: &TestApp) -> Hub {
    Hub {
        store: Store::connect(&app.database_url).await.unwrap(),
        tenants_by_slug: Arc::default(),
        signing_key_lists: Arc::default(),
        opened_signing_keys: Arc::default(),
        clients_by_id: Arc::default(),
        grants_by_id: Arc::default(),
        verified_access_tokens: Arc::default(),
        grant_rows: Arc::default(),
        redemptions: Arc::default(),
        throttle: Arc::default(),
        upstream_documents: Arc::default(),
        ..app.hub.clone()
    }
}

fn service_client() -> ClientFields {
    ClientFields {
        name: "Batch".into(),
        grant_types: Some(vec!["client_credentials".into()]),
        scopes: Some(vec!["api:read".into()]),
        ..ClientFields::default()
    }
}

/// A fresh app with tenant acme and a client credentials client (and its
/// secret).
async fn acme_with_service_client() -> (TestApp, Tenant, Rp, String) {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let rp = register(&app, &acme, service_client()).await;
    let secret = rp.secret.clone().unwrap();
    (app, acme, rp, secret)
}

/// A client credentials access token for `client_id` / `secret` from the
/// app's token endpoint, with its `expires_in`.
async fn client_credentials_token(app: &TestApp, client_id: &str, secret: &str) -> (String, i64) {
    let response = reqwest::Client::new()
        .post(app.url("/t/acme/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "api:read")])
        .send()
        .await
        .unwrap();
    let (status, _, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["expires_in"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn a_key_rotated_on_another_node_signs_here_within_the_ttl() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let other = other_node(&app).await;
    let old = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Es256)
        .await
        .unwrap();
    other
        .rotate_signing_keys(Actor::Cli, &acme, true)
        .await
        .unwrap();
    let new = other.signing_key(&acme, KeyAlgorithm::Es256).await.unwrap();
    assert_ne!(new.kid(), old.kid());

    app.clock.advance(LOOKUP_TTL);
    let here = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Es256)
        .await
        .unwrap();
    assert_eq!(here.kid(), new.kid());
    let jwks = app.hub.jwks(&acme).await.unwrap();
    assert!(jwks
        .keys
        .iter()
        .any(|k| k.kid.as_deref() == Some(new.kid())));
}

#[tokio::test]
async fn a_client_secret_rotated_or_a_client_deleted_on_another_node_counts_here_at_once() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let other = other_node(&app).await;
    let (client, secret) = app
        .hub
        .create_client(Actor::Cli, &acme, service_client())
        .await
        .unwrap();
    let (id, old) = (client.client_id(), secret.unwrap());
    // Authenticated here first: cached.
    app.hub
        .authenticate_client_secret(&acme, &id, old.expose())
        .await
        .unwrap();
    let key = (acme.id, id.clone());
    let now = app.hub.now();
    assert!(app
        .hub
        .clients_by_id
        .get_at(&key, now, app.hub.store.cache_epoch())
        .is_some());

    let (_, new) = other
        .rotate_client_secret(Actor::Cli, &acme, client.id)
        .await
        .unwrap();
    app.hub
        .authenticate_client_secret(&acme, &id, new.expose())
        .await
        .unwrap();
    assert!(matches!(
        app.hub
            .authenticate_client_secret(&acme, &id, old.expose())
            .await,
        Err(ServiceError::Unauthorized)
    ));

    // A client deleted elsewhere is refused here at once.
    other
        .delete_client(Actor::Cli, &acme, client.id)
        .await
        .unwrap();
    assert!(matches!(
        app.hub
            .authenticate_client_secret(&acme, &id, new.expose())
            .await,
        Err(ServiceError::Unauthorized)
    ));
}

#[tokio::test]
async fn an_access_token_whose_grant_another_node_revoked_is_refused_here_at_once() {
    let (app, acme, rp, secret) = acme_with_service_client().await;
    let (revoked, _) = client_credentials_token(&app, &rp.client_id, &secret).await;
    let (kept, _) = client_credentials_token(&app, &rp.client_id, &secret).await;
    // Checked here: the grants are cached.
    let checked = check_access_token(&app.hub, &acme, &revoked).await.unwrap();
    check_access_token(&app.hub, &acme, &kept).await.unwrap();
    let epoch = app.hub.store.cache_epoch();
    assert!(epoch.is_some(), "SQLite: grants are cached");
    assert!(app
        .hub
        .grants_by_id
        .get_at(&(acme.id, checked.grant.id), app.hub.now(), epoch)
        .is_some());

    // Revoked through the other node (RFC 7009), seen here at once.
    let other = other_node(&app).await;
    let client = other
        .authenticate_client_secret(&acme, &rp.client_id, &secret)
        .await
        .unwrap();
    assert!(revoke(&other, &acme, &client, &revoked, None)
        .await
        .unwrap());
    assert!(check_access_token(&app.hub, &acme, &revoked).await.is_err());
    check_access_token(&app.hub, &acme, &kept).await.unwrap();
    let response = reqwest::Client::new()
        .post(app.url("/t/acme/introspect"))
        .basic_auth(&rp.client_id, Some(&secret))
        .form(&[("token", revoked.as_str())])
        .send()
        .await
        .unwrap();
    let (_, _, body) = json(response).await;
    assert_eq!(body, serde_json::json!({ "active": false }));
}

#[tokio::test]
async fn a_token_checked_before_is_still_refused_once_expired_or_altered() {
    let (app, acme, rp, secret) = acme_with_service_client().await;
    let (token, lifetime) = client_credentials_token(&app, &rp.client_id, &secret).await;
    check_access_token(&app.hub, &acme, &token).await.unwrap();
    let key = (acme.id, app.hub.secrets.hash(&token));
    let claims = app
        .hub
        .verified_access_tokens
        .get(&key, app.hub.now())
        .expect("a checked token is cached");
    // Another signature on the same claims is checked on its own.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(check_access_token(&app.hub, &acme, &forged).await.is_err());
    // Its lifetime is checked every time, also from the cache.
    app.clock.advance(time::Duration::seconds(lifetime + 1));
    app.hub
        .verified_access_tokens
        .put(key, claims, app.hub.now());
    assert!(check_access_token(&app.hub, &acme, &token).await.is_err());
}

#[tokio::test]
async fn concurrent_client_credentials_grants_are_all_stored() {
    let (app, acme, rp, secret) = acme_with_service_client().await;
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let (url, id, secret) = (
            app.url("/t/acme/token"),
            rp.client_id.clone(),
            secret.clone(),
        );
        requests.spawn(async move {
            reqwest::Client::new()
                .post(url)
                .basic_auth(id, Some(secret))
                .form(&[("grant_type", "client_credentials"), ("scope", "api:read")])
                .send()
                .await
                .unwrap()
        });
    }
    while let Some(r) = requests.join_next().await {
        let (status, _, body) = json(r.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let at = body["access_token"].as_str().unwrap();
        // The token's grant row is committed: the token checks out.
        check_access_token(&app.hub, &acme, at).await.unwrap();
    }
}

/// Sends `count` copies of a token request at once.
async fn at_once(
    app: &TestApp,
    rp: &Rp,
    forms: Vec<Vec<(String, String)>>,
) -> Vec<(StatusCode, Value)> {
    let mut requests = tokio::task::JoinSet::new();
    for (i, form) in forms.into_iter().enumerate() {
        let (url, id, secret) = (
            app.url("/t/acme/token"),
            rp.client_id.clone(),
            rp.secret.clone(),
        );
        requests.spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .basic_auth(id, secret)
                .form(&form)
                .send()
                .await
                .unwrap();
            let (status, _, body) = json(response).await;
            (i, status, body)
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = requests.join_next().await {
        answers.push(answer.unwrap());
    }
    answers.sort_by_key(|(i, _, _)| *i);
    answers.into_iter().map(|(_, s, b)| (s, b)).collect()
}

fn refresh_form(token: &str) -> Vec<(String, String)> {
    vec![
        ("grant_type".into(), "refresh_token".into()),
        ("refresh_token".into(), token.into()),
    ]
}

#[tokio::test]
async fn concurrent_redemptions_of_one_code_or_refresh_token_have_one_winner() {
    let (app, _, rp) = acme_with(web_client("web")).await;
    // Independent rotations at once all succeed.
    let mut chains = Vec::new();
    for _ in 0..6 {
        let (body, _) = tokens(&app, "acme", &rp, "openid offline_access").await;
        chains.push(body["refresh_token"].as_str().unwrap().to_owned());
    }
    let answers = at_once(&app, &rp, chains.iter().map(|t| refresh_form(t)).collect()).await;
    let mut rotated = HashSet::new();
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        rotated.insert(body["refresh_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(rotated.len(), 6);

    // One refresh token sent 8 times at once: one rotation wins; the others
    // are invalid_grant, and the replay revokes the family, so the winner's
    // new token is refused too.
    let replayed = rotated.iter().next().unwrap().clone();
    let answers = at_once(&app, &rp, vec![refresh_form(&replayed); 8]).await;
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
    let next = winners[0]["refresh_token"].as_str().unwrap();
    let (status, _, body) = json(refresh(&app, "acme", &rp, next).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // One code redeemed 8 times at once: one token response.
    let browser = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, "openid");
    let code = code_for(&app, &browser, "acme", &request).await;
    let form: Vec<(String, String)> = vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), code),
        (
            "redirect_uri".into(),
            request.get("redirect_uri").unwrap().to_owned(),
        ),
        ("code_verifier".into(), request.verifier.clone()),
    ];
    let answers = at_once(&app, &rp, vec![form; 8]).await;
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
}
