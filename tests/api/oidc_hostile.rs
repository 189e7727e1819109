//! Hostile requests to the OpenID Provider, each with its exact outcome:
//! forged `id_token_hint`s, oversized and repeated parameters, open
//! redirect attempts, tokens and clients carried across tenants or across
//! clients, pairwise subjects, the ID token algorithm a client chose, and a
//! disabled user. None of them may leak a code or a token.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use sha2::Sha256;
use usso::core::client::ClientFields;
use usso::core::event::Actor;
use usso::core::tenant::Tenant;
use usso::core::user::{Email, UserFields, UserStatus};
use usso_oidc::jose::{self, Algorithm};

use crate::harness::TestApp;
use crate::oidc_support::{
    acme_with, authorize, browser, code_for, expect_error_page, expect_oauth_error,
    expect_redirected_error, json, jwks, location, log_in, logged_in, query, redeem, refresh,
    register, tenant_with_alice, token, tokens, verified, web_client, AuthRequest, Rp, PASSWORD,
    REDIRECT_URI,
};

const SCOPE: &str = "openid profile email";
const OFFLINE: &str = "openid offline_access";

// ---------------------------------------------------------------------------
// Helpers

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Part `index` (0: header, 1: payload) of a compact JWT, as JSON.
fn jwt_part(token: &str, index: usize) -> Map<String, Value> {
    let part = token.split('.').nth(index).expect("a compact JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn userinfo(app: &TestApp, slug: &str, bearer: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(&format!("/t/{slug}/userinfo")))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

/// Asserts a refused bearer token (RFC 6750 §3.1): 401, an `invalid_token`
/// challenge and body, no claims.
async fn expect_invalid_token(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let (_, _, body) = json(response).await;
    assert_eq!(body["error"], "invalid_token", "{body}");
    assert!(body.get("sub").is_none(), "claims in an error: {body}");
}

/// A browser signed in at `slug` as `username` (password [`PASSWORD`]).
async fn logged_in_as(app: &TestApp, slug: &str, username: &str) -> reqwest::Client {
    let b = browser();
    let html = b
        .get(app.url(&format!("/t/{slug}/login")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_owned();
    let r = b
        .post(app.url(&format!("/t/{slug}/login")))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{username} not signed in"
    );
    b
}

/// Signs alice in afresh, authorizes `scope` at `redirect_uri` for `rp` and
/// redeems the code: the 200 token response.
async fn tokens_at(app: &TestApp, rp: &Rp, redirect_uri: &str, scope: &str) -> Value {
    let b = logged_in(app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, scope).set("redirect_uri", redirect_uri);
    let code = code_for(app, &b, "acme", &request).await;
    let (status, _, body) = json(redeem(app, "acme", rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn str_of<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name}: {body}"))
}

/// The `sub` of the ID token of a token response (signature not checked:
/// the caller verifies where it matters).
fn id_sub(body: &Value) -> String {
    jwt_part(str_of(body, "id_token"), 1)["sub"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Asserts an authorization error redirected to [`REDIRECT_URI`] with
/// `error`, the issuer, no code, and `state` exactly as given (`None`: no
/// `state` at all). Returns the raw `Location` and its parameters.
fn expect_error_redirect(
    app: &TestApp,
    response: &reqwest::Response,
    state: Option<&str>,
    error: &str,
) -> (String, HashMap<String, String>) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let raw = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let to = location(app, response);
    let mut base = to.clone();
    base.set_query(None);
    assert_eq!(base.as_str(), REDIRECT_URI, "redirected to {to}");
    let params = query(&to);
    assert_eq!(params.get("error").map(String::as_str), Some(error), "{to}");
    assert_eq!(params.get("state").map(String::as_str), state, "{to}");
    assert_eq!(params.get("iss"), Some(&app.url("/t/acme")), "{to}");
    assert!(!params.contains_key("code"), "a code with an error: {to}");
    (raw, params)
}

async fn tenant_user_id(app: &TestApp, tenant: &Tenant, login: &str) -> usso::core::UserId {
    app.hub.find_user(tenant, login).await.unwrap().id
}

// ---------------------------------------------------------------------------
// 1. Forged and foreign id_token_hint at the authorization endpoint

#[tokio::test]
async fn forged_or_foreign_id_token_hints_are_invalid_request_and_another_users_is_login_required()
{
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let real = str_of(&body, "id_token").to_owned();
    let claims = Value::Object(jwt_part(&real, 1));
    let payload = b64(claims.to_string().as_bytes());

    // alg: none, with alice's very claims.
    let none = format!("{}.{payload}.", b64(br#"{"alg":"none","typ":"JWT"}"#));

    // HS256 keyed with the tenant's RSA public JWK (algorithm confusion),
    // naming that key.
    let keys = jwks(&app, "acme").await;
    let rsa = keys
        .keys
        .iter()
        .find(|k| k.kty.as_deref() == Some("RSA"))
        .expect("an RSA key");
    let header = json!({ "alg": "HS256", "typ": "JWT", "kid": rsa.kid });
    let signing_input = format!("{}.{payload}", b64(header.to_string().as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(&serde_json::to_vec(rsa).unwrap()).unwrap();
    mac.update(signing_input.as_bytes());
    let hs256 = format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()));

    // A genuine ID token of alice at another tenant.
    let globex = tenant_with_alice(&app, "globex").await;
    let globex_rp = register(&app, &globex, web_client("App")).await;
    let (foreign, _) = tokens(&app, "globex", &globex_rp, SCOPE).await;
    let foreign = str_of(&foreign, "id_token").to_owned();

    let b = logged_in(&app, "acme").await;
    // The control: alice's own hint passes silently.
    let ok = AuthRequest::new(&rp.client_id, SCOPE)
        .set("prompt", "none")
        .set("id_token_hint", &real);
    code_for(&app, &b, "acme", &ok).await;

    for (case, hint) in [
        ("alg none", none.as_str()),
        ("HS256 keyed with the RSA public key", hs256.as_str()),
        ("an ID token of another tenant", foreign.as_str()),
    ] {
        let request = AuthRequest::new(&rp.client_id, SCOPE)
            .set("prompt", "none")
            .set("id_token_hint", hint);
        let r = authorize(&app, &b, "acme", &request).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{case}");
        expect_redirected_error(&app, &r, &request, "acme", "invalid_request");
    }

    // A valid hint naming bob while alice is signed in.
    let bob = UserFields {
        username: "bob".into(),
        emails: vec![Email {
            value: "bob@example.com".into(),
            verified: true,
            primary: true,
            kind: None,
        }],
        ..UserFields::default()
    };
    app.hub
        .create_user(Actor::Cli, &tenant, bob, Some(PASSWORD.into()))
        .await
        .unwrap();
    let bob_browser = logged_in_as(&app, "acme", "bob").await;
    let bob_request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &bob_browser, "acme", &bob_request).await;
    let (status, _, bob_tokens) = json(redeem(&app, "acme", &rp, &code, &bob_request).await).await;
    assert_eq!(status, StatusCode::OK, "{bob_tokens}");
    let request = AuthRequest::new(&rp.client_id, SCOPE)
        .set("prompt", "none")
        .set("id_token_hint", str_of(&bob_tokens, "id_token"));
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "login_required");
}

// ---------------------------------------------------------------------------
// 2. Oversized parameters

/// An oversized `state` is dropped rather than echoed: the error goes back
/// without any `state`, and the redirect stays small.
#[tokio::test]
async fn an_oversized_state_is_invalid_request_without_echoing_it() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let big = "s".repeat(5 * 1024);
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("state", &big);
    let r = authorize(&app, &b, "acme", &request).await;
    let (raw, params) = expect_error_redirect(&app, &r, None, "invalid_request");
    assert!(raw.len() < 1024, "a {} byte Location", raw.len());
    assert!(
        !raw.contains(&"s".repeat(100)),
        "the state is echoed: {raw}"
    );
    let description = params.get("error_description").cloned().unwrap_or_default();
    assert!(description.contains("state"), "{description}");
}

#[tokio::test]
async fn an_oversized_nonce_or_scope_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let nonce = "n".repeat(5 * 1024);
    let scope = format!("openid {}", "profile ".repeat(640));
    assert!(scope.len() > 5 * 1024);
    for (name, value) in [("nonce", nonce.as_str()), ("scope", scope.as_str())] {
        let request = AuthRequest::new(&rp.client_id, SCOPE).set(name, value);
        let r = authorize(&app, &b, "acme", &request).await;
        let (raw, _) = expect_error_redirect(&app, &r, Some(&request.state), "invalid_request");
        assert!(raw.len() < 1024, "{name}: a {} byte Location", raw.len());
    }
}

#[tokio::test]
async fn a_20_kib_authorization_request_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let base = AuthRequest::new(&rp.client_id, SCOPE);
    // Five parameters each under the per-value limit, 20 KB together…
    let mut spread = base.clone();
    for i in 0..5 {
        spread = spread.set(&format!("pad{i}"), &"p".repeat(4000));
    }
    // …and one unknown parameter of 20 KiB.
    let single = base.clone().set("x", &"x".repeat(20 * 1024));
    for (case, request) in [("spread", spread), ("single", single)] {
        assert!(request.path("acme").len() > 20_000, "{case}");
        let r = authorize(&app, &b, "acme", &request).await;
        assert_ne!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{case}");
        let (raw, _) = expect_error_redirect(&app, &r, Some(&request.state), "invalid_request");
        assert!(raw.len() < 1024, "{case}: a {} byte Location", raw.len());
    }
}

#[tokio::test]
async fn a_70_kib_token_request_is_413() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let padding = "p".repeat(70 * 1024);
    let r = token(
        &app,
        "acme",
        &rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &request.verifier),
            ("padding", &padding),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let text = r.text().await.unwrap();
    assert!(!text.contains("access_token"), "{text}");
    // The code was not consumed.
    let (status, _, body) = json(redeem(&app, "acme", &rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_10_kib_code_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let code = "c".repeat(10 * 1024);
    let r = token(
        &app,
        "acme",
        &rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

// ---------------------------------------------------------------------------
// 3. Repeated parameters

#[tokio::test]
async fn a_repeated_client_id_is_an_error_page() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let other = register(&app, &tenant, web_client("Other")).await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    for b in [browser(), logged_in(&app, "acme").await] {
        for (case, second) in [
            ("the same client_id twice", &rp.client_id),
            ("two client_ids", &other.client_id),
        ] {
            let path = format!("{}&client_id={second}", request.path("acme"));
            let r = b.get(app.url(&path)).send().await.unwrap();
            expect_error_page(r, case).await;
        }
    }
}

#[tokio::test]
async fn a_repeated_scope_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let path = format!("{}&scope=openid", request.path("acme"));
    let r = b.get(app.url(&path)).send().await.unwrap();
    expect_redirected_error(&app, &r, &request, "acme", "invalid_request");
}

#[tokio::test]
async fn a_repeated_code_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code", "another"),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", request.verifier.as_str()),
    ];
    let r = token(&app, "acme", &rp, &form).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    // The same code twice is no better.
    let mut same = form;
    same[2] = ("code", code.as_str());
    let r = token(&app, "acme", &rp, &same).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    // Neither request consumed the code.
    let (status, _, body) = json(redeem(&app, "acme", &rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---------------------------------------------------------------------------
// 4. Open redirects

#[tokio::test]
async fn redirect_uri_tricks_are_error_pages() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let base = AuthRequest::new(&rp.client_id, SCOPE);
    let tricks = [
        "https://app.example.com/cb/evil",
        "https://app.example.com/cb/../../evil",
        "https://app.example.com@evil.example/cb",
        "https://evil.example@app.example.com/cb",
        "https://app.example.com/cb#",
        "https://app.example.com/cb#@evil.example",
        "https://app.example.com:8443/cb",
        "https://app.example.com:443/cb",
        "http://app.example.com/cb",
        "https://app.example.com.evil.example/cb",
        "javascript:alert(document.cookie)//https://app.example.com/cb",
        "javascript://app.example.com/cb%0Aalert(1)",
        "https://app.example.com/%63b",
        "https%3A%2F%2Fapp.example.com%2Fcb",
        "https://app.example.com/cb%2F..%2Fevil",
    ];
    for b in [browser(), logged_in(&app, "acme").await] {
        for trick in tricks {
            let request = base.clone().set("redirect_uri", trick);
            let r = authorize(&app, &b, "acme", &request).await;
            expect_error_page(r, trick).await;
        }
    }
}

#[tokio::test]
async fn the_login_form_never_returns_to_another_host() {
    let (app, _, _) = acme_with(web_client("App")).await;
    let origin = url::Url::parse(&app.base).unwrap().origin();
    for return_to in [
        "https://evil.example",
        "https://evil.example/t/acme/account",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
    ] {
        let r = log_in(&app, &browser(), "acme", Some(return_to)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{return_to}");
        let raw = r.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(
            raw.starts_with('/') && !raw.starts_with("//") && !raw.contains('\\'),
            "{return_to}: Location {raw}"
        );
        assert_eq!(location(&app, &r).origin(), origin, "{return_to}: {raw}");
    }
}

// ---------------------------------------------------------------------------
// 5. Across tenants

#[tokio::test]
async fn tokens_codes_and_clients_of_one_tenant_are_refused_by_another() {
    let (app, _, acme_rp) = acme_with(web_client("App")).await;
    let globex = tenant_with_alice(&app, "globex").await;
    let globex_rp = register(&app, &globex, web_client("App")).await;
    let (acme_tokens, _) = tokens(&app, "acme", &acme_rp, OFFLINE).await;
    let refresh_token = str_of(&acme_tokens, "refresh_token");
    let access_token = str_of(&acme_tokens, "access_token");

    // acme's refresh token, with globex's client.
    let r = refresh(&app, "globex", &globex_rp, refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // acme's access token at globex's userinfo.
    expect_invalid_token(userinfo(&app, "globex", access_token).await).await;

    // acme's client and secret at globex's token endpoint.
    let r = refresh(&app, "globex", &acme_rp, refresh_token).await;
    let headers = expect_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert!(
        headers[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .starts_with("basic"),
        "{headers:?}"
    );

    // A code of acme's client, redeemed at globex by globex's client.
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&acme_rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let r = redeem(&app, "globex", &globex_rp, &code, &request).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;

    // Nothing of acme's was harmed by the attempts.
    let (status, _, body) = json(redeem(&app, "acme", &acme_rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, body) = json(refresh(&app, "acme", &acme_rp, refresh_token).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        userinfo(&app, "acme", access_token).await.status(),
        StatusCode::OK
    );
}

// ---------------------------------------------------------------------------
// 6. Pairwise subjects

fn pairwise(name: &str, redirect_uris: &[&str]) -> ClientFields {
    ClientFields {
        name: name.into(),
        redirect_uris: redirect_uris.iter().map(|u| (*u).to_owned()).collect(),
        skip_consent: true,
        subject_type: Some("pairwise".into()),
        ..ClientFields::default()
    }
}

#[tokio::test]
async fn pairwise_subjects_are_stable_per_sector_and_differ_across_sectors() {
    let (app, tenant, public_rp) = acme_with(web_client("Public")).await;
    let same_host = "https://app.example.com/second";
    let other_host = "https://rp.other.example/cb";
    let one = register(&app, &tenant, pairwise("One", &[REDIRECT_URI])).await;
    let two = register(&app, &tenant, pairwise("Two", &[same_host])).await;
    let three = register(&app, &tenant, pairwise("Three", &[other_host])).await;
    let alice = tenant_user_id(&app, &tenant, "alice").await.to_string();

    let public_sub = id_sub(&tokens_at(&app, &public_rp, REDIRECT_URI, SCOPE).await);
    assert_eq!(public_sub, alice, "a public sub is the user id");

    let first = tokens_at(&app, &one, REDIRECT_URI, SCOPE).await;
    let id = verified(&app, "acme", str_of(&first, "id_token"), Algorithm::Rs256).await;
    let sub = id.claims["sub"].as_str().unwrap().to_owned();
    assert_ne!(sub, public_sub, "the pairwise sub is the public one");
    assert!(!sub.contains(&alice), "{sub} reveals {alice}");

    // The access token and userinfo carry the same pairwise sub.
    let access_token = str_of(&first, "access_token");
    let at = verified(&app, "acme", access_token, Algorithm::Es256).await;
    assert_eq!(at.claims["sub"].as_str(), Some(sub.as_str()));
    let (status, _, info) = json(userinfo(&app, "acme", access_token).await).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["sub"].as_str(), Some(sub.as_str()));

    // Stable across sign-ins.
    let again = tokens_at(&app, &one, REDIRECT_URI, SCOPE).await;
    assert_eq!(id_sub(&again), sub, "a second sign-in");

    // Same sector (host), same sub; another host, another sub.
    assert_eq!(id_sub(&tokens_at(&app, &two, same_host, SCOPE).await), sub);
    let elsewhere = id_sub(&tokens_at(&app, &three, other_host, SCOPE).await);
    assert_ne!(elsewhere, sub);
    assert_ne!(elsewhere, public_sub);
}

// ---------------------------------------------------------------------------
// 7. ID token algorithm

#[tokio::test]
async fn the_id_token_is_signed_with_the_algorithm_the_client_registered() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let keys = jwks(&app, "acme").await;
    for (name, alg) in [("ES256", Algorithm::Es256), ("EdDSA", Algorithm::EdDsa)] {
        let fields = ClientFields {
            id_token_signed_response_alg: Some(name.into()),
            ..web_client(name)
        };
        let rp = register(&app, &tenant, fields).await;
        let (body, request) = tokens(&app, "acme", &rp, SCOPE).await;
        let id_token = str_of(&body, "id_token");
        assert_eq!(jwt_part(id_token, 0)["alg"], name);
        let v = verified(&app, "acme", id_token, alg).await;
        assert_eq!(v.header.alg, alg);
        let kid = v.header.kid.as_deref().expect("a kid");
        let key = keys
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid))
            .expect("the kid is in the JWKS");
        assert_eq!(key.alg.as_deref(), Some(name));
        assert_eq!(v.claims["aud"].as_str(), Some(rp.client_id.as_str()));
        assert_eq!(v.claims["nonce"].as_str(), Some(request.nonce.as_str()));
        assert_eq!(
            v.claims["at_hash"].as_str(),
            Some(usso_oidc::claims::at_hash(str_of(&body, "access_token"), alg).as_str())
        );
        assert!(
            jose::verify(id_token, &keys, &[Algorithm::Rs256]).is_err(),
            "{name} accepted as RS256"
        );
    }
    let doc: Value = reqwest::get(app.url("/t/acme/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let algs: Vec<&str> = doc["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for alg in ["RS256", "ES256", "EdDSA"] {
        assert!(algs.contains(&alg), "{alg} not in {algs:?}");
    }
}

// ---------------------------------------------------------------------------
// 8. Across clients of one tenant

#[tokio::test]
async fn a_refresh_token_presented_by_another_client_is_invalid_grant_and_harms_nothing() {
    let (app, tenant, x) = acme_with(web_client("X")).await;
    let y = register(&app, &tenant, web_client("Y")).await;
    let (body, _) = tokens(&app, "acme", &x, OFFLINE).await;
    let refresh_token = str_of(&body, "refresh_token");
    let r = refresh(&app, "acme", &y, refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // Nor with X's client_id and Y's secret.
    let impostor = Rp {
        client_id: x.client_id.clone(),
        secret: y.secret.clone(),
    };
    let r = refresh(&app, "acme", &impostor, refresh_token).await;
    expect_oauth_error(r, StatusCode::UNAUTHORIZED, "invalid_client").await;

    assert_eq!(
        userinfo(&app, "acme", str_of(&body, "access_token"))
            .await
            .status(),
        StatusCode::OK
    );
    let (status, _, rotated) = json(refresh(&app, "acme", &x, refresh_token).await).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert!(rotated["refresh_token"].is_string(), "{rotated}");
}

// ---------------------------------------------------------------------------
// 9. A disabled user

#[tokio::test]
async fn a_disabled_user_can_neither_refresh_nor_read_userinfo() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, OFFLINE).await;
    let access_token = str_of(&body, "access_token");
    assert_eq!(
        userinfo(&app, "acme", access_token).await.status(),
        StatusCode::OK
    );
    let b = logged_in(&app, "acme").await;
    let alice = tenant_user_id(&app, &tenant, "alice").await;
    app.hub
        .set_user_status(Actor::Cli, &tenant, alice, UserStatus::Disabled)
        .await
        .unwrap();
    let r = refresh(&app, "acme", &rp, str_of(&body, "refresh_token")).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    expect_invalid_token(userinfo(&app, "acme", access_token).await).await;
    // Nor does the session she had still yield a code.
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("prompt", "none");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "login_required");
}
