//! `private_key_jwt` client authentication (OIDC Core §9, RFC 7523): the
//! client proves itself with a JWT signed by its registered key; every
//! hostile variant is `invalid_client`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use usso::core::client::ClientFields;
use usso_oidc::jose::{Algorithm, JwkSet, SigningKey};

use crate::harness::TestApp;
use crate::oidc_support::{
    expect_oauth_error, json as json_of, random_token, register, tenant_with_alice, Rp,
};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct Setup {
    app: TestApp,
    rp: Rp,
    key: SigningKey,
}

fn fields(jwks: Option<Value>, jwks_uri: Option<String>) -> ClientFields {
    ClientFields {
        name: "service".into(),
        grant_types: Some(vec!["client_credentials".into()]),
        scopes: Some(vec!["api:read".into()]),
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        jwks,
        jwks_uri,
        ..ClientFields::default()
    }
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let key = SigningKey::generate(Algorithm::Es256, "client-key-1".into()).unwrap();
    let jwks = json!({ "keys": [key.public_jwk()] });
    let rp = register(&app, &tenant, fields(Some(jwks), None)).await;
    Setup { app, rp, key }
}

fn claims(s: &Setup, aud: &str, lifetime: i64) -> Value {
    let now = s.app.hub.now().unix_timestamp();
    json!({
        "iss": s.rp.client_id, "sub": s.rp.client_id, "aud": aud,
        "iat": now, "exp": now + lifetime, "jti": random_token(),
    })
}

fn token_endpoint(s: &Setup) -> String {
    s.app.url("/t/acme/token")
}

async fn present(s: &Setup, assertion: &str) -> reqwest::Response {
    s.app
        .client
        .post(token_endpoint(s))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "api:read"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_assertion_authenticates_the_client_once() {
    let s = setup().await;
    let assertion = s
        .key
        .sign(Some("JWT"), &claims(&s, &token_endpoint(&s), 60))
        .unwrap();
    let (status, _, body) = json_of(present(&s, &assertion).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
    // RFC 7523 §3: the same jti is not accepted twice.
    expect_oauth_error(
        present(&s, &assertion).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    // The issuer is an accepted audience too.
    let to_issuer = s
        .key
        .sign(Some("JWT"), &claims(&s, &s.app.url("/t/acme"), 60))
        .unwrap();
    assert_eq!(present(&s, &to_issuer).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn hostile_assertions_are_invalid_client() {
    let s = setup().await;
    let endpoint = token_endpoint(&s);
    let other_key = SigningKey::generate(Algorithm::Es256, "client-key-1".into()).unwrap();
    let mut cases: Vec<(&str, String)> = vec![
        (
            "another audience",
            s.key
                .sign(None, &claims(&s, "https://elsewhere.example/token", 60))
                .unwrap(),
        ),
        (
            "expired",
            s.key.sign(None, &claims(&s, &endpoint, -120)).unwrap(),
        ),
        (
            "lives two hours",
            s.key.sign(None, &claims(&s, &endpoint, 7200)).unwrap(),
        ),
        (
            "signed by another key",
            other_key.sign(None, &claims(&s, &endpoint, 60)).unwrap(),
        ),
        ("garbage", "not.a.jwt".into()),
    ];
    let mut no_jti = claims(&s, &endpoint, 60);
    no_jti.as_object_mut().unwrap().remove("jti");
    cases.push(("no jti", s.key.sign(None, &no_jti).unwrap()));
    let mut other_sub = claims(&s, &endpoint, 60);
    other_sub["sub"] = json!("someone-else");
    cases.push((
        "sub is not the client",
        s.key.sign(None, &other_sub).unwrap(),
    ));
    // alg: none, and HS256 keyed with the public JWK (algorithm confusion).
    let payload = URL_SAFE_NO_PAD.encode(claims(&s, &endpoint, 60).to_string());
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    cases.push(("alg none", format!("{none_header}.{payload}.")));
    let hs_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"client-key-1"}"#);
    let signing_input = format!("{hs_header}.{payload}");
    let secret = serde_json::to_vec(&s.key.public_jwk()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    cases.push((
        "HS256 with the public key",
        format!("{signing_input}.{sig}"),
    ));

    for (what, assertion) in cases {
        let r = present(&s, &assertion).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{what}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{what}: {body}");
        assert!(body.get("access_token").is_none(), "{what}");
    }
    // Nor may this client fall back to its secret.
    let secret = s.rp.secret.clone().unwrap();
    let r = s
        .app
        .client
        .post(endpoint)
        .basic_auth(&s.rp.client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    expect_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn keys_are_fetched_from_the_clients_jwks_uri() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let key = SigningKey::generate(Algorithm::EdDsa, "k".into()).unwrap();
    let set = JwkSet {
        keys: vec![key.public_jwk()],
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let set = set.clone();
            async move { axum::Json(set) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let rp = register(
        &app,
        &tenant,
        fields(None, Some(format!("http://{addr}/jwks"))),
    )
    .await;
    let s = Setup { app, rp, key };
    let assertion = s
        .key
        .sign(None, &claims(&s, &token_endpoint(&s), 60))
        .unwrap();
    let (status, _, body) = json_of(present(&s, &assertion).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
