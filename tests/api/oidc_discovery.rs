//! Discovery (OIDC Discovery 1.0, RFC 8414), the JWKS, and the life cycle
//! of each tenant's signing keys.

use reqwest::StatusCode;
use serde_json::{json, Value};
use usso::core::event::Actor;
use usso::core::signing_key::{KeyAlgorithm, KEEP_AFTER_RETIRING, PUBLISH_AHEAD};
use usso_oidc::jose::{self, Algorithm, JwkSet};

use crate::harness::TestApp;

async fn get_json(app: &TestApp, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap())
}

#[tokio::test]
async fn discovery_names_the_issuer_and_only_what_exists() {
    let app = TestApp::spawn().await;
    app.hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let (status, headers, doc) = get_json(&app, "/t/acme/.well-known/openid-configuration").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let issuer = app.url("/t/acme");
    assert_eq!(doc["issuer"], issuer);
    assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    // RP-Initiated Logout 1.0 §2.1, Back-Channel Logout 1.0 §2.1.
    assert_eq!(doc["end_session_endpoint"], format!("{issuer}/end-session"));
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    // RFC 8414 §3: the well-known segment between host and issuer path.
    let (status, _, doc8414) =
        get_json(&app, "/.well-known/oauth-authorization-server/t/acme").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc8414, doc);
}

#[tokio::test]
async fn an_unknown_tenant_has_no_provider() {
    let app = TestApp::spawn().await;
    for path in [
        "/t/nope/.well-known/openid-configuration",
        "/t/nope/jwks",
        "/t/NOT%20A%20SLUG/jwks",
    ] {
        let (status, _, body) = get_json(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "invalid_request");
    }
}

#[tokio::test]
async fn each_tenant_publishes_an_es256_an_rs256_and_an_eddsa_key_without_private_parts() {
    let app = TestApp::spawn().await;
    app.hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let (status, _, jwks) = get_json(&app, "/t/acme/jwks").await;
    assert_eq!(status, StatusCode::OK);
    let keys = jwks["keys"].as_array().unwrap();
    let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort_unstable();
    assert_eq!(algs, ["ES256", "EdDSA", "RS256"]);
    for key in keys {
        assert_eq!(key["use"], "sig");
        assert!(key["kid"].as_str().is_some_and(|k| k.len() >= 16));
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "private member {private} published"
            );
        }
    }
    // Another tenant has keys of its own.
    app.hub
        .create_tenant(Actor::Cli, "globex", None)
        .await
        .unwrap();
    let (_, _, other) = get_json(&app, "/t/globex/jwks").await;
    let kids = |set: &Value| -> Vec<String> {
        set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(kids(&other).iter().all(|k| !kids(&jwks).contains(k)));
}

#[tokio::test]
async fn a_token_signed_for_one_tenant_verifies_with_its_jwks_only() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    app.hub
        .create_tenant(Actor::Cli, "globex", None)
        .await
        .unwrap();
    let claims = json!({ "iss": app.url("/t/acme"), "sub": "x", "exp": 4_000_000_000_i64 });
    for alg in KeyAlgorithm::ALL {
        let key = app.hub.signing_key(&acme, alg).await.unwrap();
        let token = key.sign(Some("JWT"), &claims).unwrap();
        let (_, _, acme_jwks) = get_json(&app, "/t/acme/jwks").await;
        let (_, _, globex_jwks) = get_json(&app, "/t/globex/jwks").await;
        let acme_jwks: JwkSet = serde_json::from_value(acme_jwks).unwrap();
        let globex_jwks: JwkSet = serde_json::from_value(globex_jwks).unwrap();
        assert!(
            jose::verify(&token, &acme_jwks, &Algorithm::ALL).is_ok(),
            "{alg}"
        );
        assert!(
            jose::verify(&token, &globex_jwks, &Algorithm::ALL).is_err(),
            "{alg} crossed tenants"
        );
    }
}

#[tokio::test]
async fn rotation_publishes_the_next_key_before_it_signs_and_keeps_the_old_one_a_day() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let old = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Es256)
        .await
        .unwrap();
    app.hub
        .rotate_signing_keys(Actor::Cli, &acme, false)
        .await
        .unwrap();

    // Published at once, both old and new ...
    let (_, _, jwks) = get_json(&app, "/t/acme/jwks").await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 6);
    // ... but the old key still signs until the new one activates.
    assert_eq!(
        app.hub
            .signing_key(&acme, KeyAlgorithm::Es256)
            .await
            .unwrap()
            .kid(),
        old.kid()
    );
    app.clock.advance(PUBLISH_AHEAD);
    let new = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Es256)
        .await
        .unwrap();
    assert_ne!(new.kid(), old.kid());
    // The old key stays published while tokens it signed may live ...
    app.clock
        .advance(KEEP_AFTER_RETIRING - time::Duration::seconds(1));
    let (_, _, jwks) = get_json(&app, "/t/acme/jwks").await;
    assert!(jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == old.kid()));
    // ... and then leaves the JWKS, and the sweep deletes it.
    app.clock.advance(time::Duration::seconds(1));
    let (_, _, jwks) = get_json(&app, "/t/acme/jwks").await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 3);
    assert!(jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["kid"] != old.kid()));
    assert_eq!(app.hub.delete_expired_signing_keys().await.unwrap(), 3);

    let events = app
        .hub
        .list_events(
            &acme,
            usso::store::Page {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "signing_keys.rotated"));
}

#[tokio::test]
async fn an_immediate_rotation_switches_at_once() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let old = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Rs256)
        .await
        .unwrap();
    app.hub
        .rotate_signing_keys(Actor::Cli, &acme, true)
        .await
        .unwrap();
    let new = app
        .hub
        .signing_key(&acme, KeyAlgorithm::Rs256)
        .await
        .unwrap();
    assert_ne!(new.kid(), old.kid());
}

#[tokio::test]
async fn private_keys_are_sealed_at_rest() {
    let app = TestApp::spawn().await;
    let acme = app
        .hub
        .create_tenant(Actor::Cli, "acme", None)
        .await
        .unwrap();
    let key = app
        .hub
        .signing_key(&acme, KeyAlgorithm::EdDsa)
        .await
        .unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let mut conn = app.hub.store.conn().await.unwrap();
    let sealed = usso::store::signing_keys::sealed_private(&mut conn, acme.id, key.kid())
        .await
        .unwrap();
    assert!(sealed.starts_with("v1."));
    let b64 = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        der.as_slice(),
    );
    assert!(
        !sealed.contains(&b64[..20]),
        "the private key is stored in the clear"
    );
}
