//! The hub's in-process caches of the OAuth hot path (issue 8): signing
//! keys changed by another node (a second hub on the same database, with
//! caches of its own) are seen here within the lookup TTL; a client secret
//! rotated or a client deleted elsewhere takes effect here at once (clients
//! are not cached); and the grant
//! rows of concurrent client credentials grants, written by group commit,
//! are all there when each token is answered.

use std::sync::Arc;

use reqwest::StatusCode;
use usso::adapters::oidc::grants::check_access_token;
use usso::core::client::ClientFields;
use usso::core::event::Actor;
use usso::core::signing_key::KeyAlgorithm;
use usso::service::lookup_cache::LOOKUP_TTL;
use usso::service::{Hub, ServiceError};

use crate::harness::TestApp;
use crate::oidc_support::{json, register};

/// Another node: the same database and clock, caches of its own.
fn other_node(hub: &Hub) -> Hub {
    Hub {
        tenants_by_slug: Arc::default(),
        signing_key_lists: Arc::default(),
        opened_signing_keys: Arc::default(),
        grant_rows: Arc::default(),
        ..hub.clone()
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

#[tokio::test]
async fn a_key_rotated_on_another_node_signs_here_within_the_ttl() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let other = other_node(&app.hub);
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
    let other = other_node(&app.hub);
    let (client, secret) = app
        .hub
        .create_client(Actor::Cli, &acme, service_client())
        .await
        .unwrap();
    let (id, old) = (client.client_id(), secret.unwrap());
    // Authenticated here first.
    app.hub
        .authenticate_client_secret(&acme, &id, old.expose())
        .await
        .unwrap();

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
async fn concurrent_client_credentials_grants_are_all_stored() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let rp = register(&app, &acme, service_client()).await;
    let secret = rp.secret.clone().unwrap();
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
