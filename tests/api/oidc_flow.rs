//! The OpenID Provider's flows end to end over HTTP: the authorization
//! endpoint (login round trip, consent, fatal and redirected errors,
//! `form_post`, RFC 9207 `iss`), the token endpoint (authorization code
//! with PKCE, refresh rotation and reuse detection, client credentials, and
//! each error with its code and status), the ID and access tokens verified
//! against the tenant's JWKS, and the userinfo endpoint.

use std::collections::{BTreeSet, HashMap};

use reqwest::header::{CACHE_CONTROL, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{Map, Value};
use usso::core::client::ClientFields;
use usso_oidc::jose::{self, Algorithm};

use crate::harness::TestApp;
use crate::oidc_support::{
    acme_with, attr, authorize, browser, code_for, expect_error_page, expect_oauth_error,
    expect_redirect_to_client, expect_redirected_error, hidden_inputs, json, location, log_in,
    logged_in, now_unix, query, random_token, redeem, refresh, register, tags, tenant_with_alice,
    token, tokens, verified, web_client, AuthRequest, Rp, ALICE_EMAIL, OTHER_REDIRECT_URI,
    REDIRECT_URI,
};

const SCOPE: &str = "openid profile email";

fn consent_client() -> ClientFields {
    ClientFields {
        skip_consent: false,
        ..web_client("Acme Portal")
    }
}

fn public_client() -> ClientFields {
    ClientFields {
        public: true,
        ..web_client("Acme SPA")
    }
}

fn scopes(raw: &str) -> BTreeSet<&str> {
    raw.split(' ').filter(|s| !s.is_empty()).collect()
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> &'a str {
    claims
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string claim {name}: {claims:?}"))
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> i64 {
    claims
        .get(name)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no numeric claim {name}: {claims:?}"))
}

/// The claims of the ID token of a token response, verified as RS256.
async fn id_claims(app: &TestApp, slug: &str, body: &Value) -> Map<String, Value> {
    let id_token = body["id_token"].as_str().expect("an id_token");
    verified(app, slug, id_token, Algorithm::Rs256).await.claims
}

/// Loads the consent page for `request` (asserting it is one) and returns
/// its HTML.
async fn consent_page(app: &TestApp, b: &reqwest::Client, request: &AuthRequest) -> String {
    let r = authorize(app, b, "acme", request).await;
    assert_eq!(r.status(), StatusCode::OK, "no consent page");
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    r.text().await.unwrap()
}

/// Posts the consent form of `html` with `choice`, with `csrf` replaced
/// when given.
async fn answer_consent(
    app: &TestApp,
    b: &reqwest::Client,
    html: &str,
    choice: &str,
    csrf: Option<&str>,
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = hidden_inputs(html)
        .into_iter()
        .filter(|(k, _)| csrf.is_none() || k != "csrf")
        .collect();
    if let Some(csrf) = csrf {
        form.push(("csrf".into(), csrf.into()));
    }
    form.push(("consent".into(), choice.into()));
    b.post(app.url("/t/acme/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn userinfo(app: &TestApp, slug: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new().get(app.url(&format!("/t/{slug}/userinfo")));
    if let Some(token) = bearer {
        r = r.bearer_auth(token);
    }
    r.send().await.unwrap()
}

/// Asserts a refused bearer token (RFC 6750 §3.1).
fn expect_invalid_token(response: &reqwest::Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

// ---------------------------------------------------------------------------
// Authorization endpoint: login round trip and consent

#[tokio::test]
async fn an_anonymous_authorize_redirects_to_login_with_the_request_as_return_to() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let r = authorize(&app, &browser(), "acme", &request).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&app, &r);
    assert_eq!(to.origin(), url::Url::parse(&app.base).unwrap().origin());
    assert_eq!(to.path(), "/t/acme/login");
    let return_to = query(&to)["return_to"].clone();
    assert!(return_to.starts_with("/t/acme/authorize?"), "{return_to}");
    let back = url::Url::parse(&app.base)
        .unwrap()
        .join(&return_to)
        .unwrap();
    let expected: HashMap<String, String> = request.params().iter().cloned().collect();
    assert_eq!(query(&back), expected);
}

#[tokio::test]
async fn after_login_the_browser_comes_back_to_authorize_and_gets_a_code() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = browser();
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let r = authorize(&app, &b, "acme", &request).await;
    let return_to = query(&location(&app, &r))["return_to"].clone();

    let login = log_in(&app, &b, "acme", Some(&return_to)).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let back = location(&app, &login);
    assert_eq!(back.path(), "/t/acme/authorize");
    assert_eq!(
        query(&back),
        request.params().iter().cloned().collect::<HashMap<_, _>>()
    );

    let r = b.get(back).send().await.unwrap();
    let params = expect_redirect_to_client(&app, &r, REDIRECT_URI, &request.state, "acme");
    assert!(
        params.get("code").is_some_and(|c| c.len() >= 20),
        "{params:?}"
    );
    assert!(!params.contains_key("error"));
}

#[tokio::test]
async fn a_client_without_skip_consent_shows_a_consent_form() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let html = consent_page(&app, &b, &request).await;

    assert!(html.contains("Acme Portal"), "the client is not named");
    for scope in ["profile", "email"] {
        assert!(html.contains(scope), "scope {scope} not listed");
    }
    let form = tags(&html, "form")
        .into_iter()
        .find(|f| attr(f, "action").is_some_and(|a| a.ends_with("/t/acme/authorize")))
        .expect("a form posting to /t/acme/authorize");
    assert_eq!(attr(form, "method").unwrap().to_ascii_lowercase(), "post");
    let hidden: HashMap<String, String> = hidden_inputs(&html).into_iter().collect();
    for (name, value) in request.params() {
        assert_eq!(hidden.get(name), Some(value), "hidden input {name}");
    }
    assert!(hidden.get("csrf").is_some_and(|c| !c.is_empty()), "no csrf");
    let buttons: Vec<&str> = tags(&html, "button")
        .into_iter()
        .chain(tags(&html, "input"))
        .filter(|t| attr(t, "name").as_deref() == Some("consent"))
        .collect();
    for choice in ["allow", "deny"] {
        assert!(
            buttons
                .iter()
                .any(|t| attr(t, "value").as_deref() == Some(choice)),
            "no {choice} button: {buttons:?}"
        );
    }
}

#[tokio::test]
async fn allowing_consent_gives_a_code_that_redeems() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let html = consent_page(&app, &b, &request).await;
    let r = answer_consent(&app, &b, &html, "allow", None).await;
    let params = expect_redirect_to_client(&app, &r, REDIRECT_URI, &request.state, "acme");
    assert!(!params.contains_key("error"), "{params:?}");
    let (status, _, body) = json(redeem(&app, "acme", &rp, &params["code"], &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn denying_consent_is_access_denied() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let html = consent_page(&app, &b, &request).await;
    let r = answer_consent(&app, &b, &html, "deny", None).await;
    expect_redirected_error(&app, &r, &request, "acme", "access_denied");
}

#[tokio::test]
async fn consent_is_remembered_for_the_same_scopes() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let first = AuthRequest::new(&rp.client_id, SCOPE);
    let html = consent_page(&app, &b, &first).await;
    let r = answer_consent(&app, &b, &html, "allow", None).await;
    expect_redirect_to_client(&app, &r, REDIRECT_URI, &first.state, "acme");

    let second = AuthRequest::new(&rp.client_id, SCOPE);
    code_for(&app, &b, "acme", &second).await;
}

#[tokio::test]
async fn a_consent_post_with_a_forged_csrf_token_gives_no_code() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let html = consent_page(&app, &b, &request).await;
    let r = answer_consent(&app, &b, &html, "allow", Some("forged")).await;
    assert!(
        r.status().is_client_error() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    if r.headers().get(LOCATION).is_some() {
        let to = location(&app, &r);
        assert!(
            !query(&to).contains_key("code"),
            "a code despite a forged csrf: {to:?}"
        );
    }
    // Nor was the consent recorded: the page is shown again.
    consent_page(&app, &b, &AuthRequest::new(&rp.client_id, SCOPE)).await;
}

// ---------------------------------------------------------------------------
// Authorization endpoint: fatal errors are shown, never redirected

#[tokio::test]
async fn an_unknown_or_missing_client_id_is_an_error_page_not_a_redirect() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let base = AuthRequest::new(&rp.client_id, SCOPE);
    let cases = [
        ("unknown client_id", base.clone().set("client_id", "nope")),
        (
            "unknown client_id",
            base.clone().set("client_id", &random_token()),
        ),
        ("missing client_id", base.clone().without("client_id")),
    ];
    for b in [browser(), logged_in(&app, "acme").await] {
        for (case, request) in &cases {
            expect_error_page(authorize(&app, &b, "acme", request).await, case).await;
        }
    }
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_an_error_page_not_a_redirect() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let base = AuthRequest::new(&rp.client_id, SCOPE);
    for b in [browser(), logged_in(&app, "acme").await] {
        for bad in [
            "https://evil.example/cb",
            "https://app.example.com/cb/extra",
            "https://app.example.com/cbx",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/CB",
            "https://APP.EXAMPLE.COM/cb",
        ] {
            let request = base.clone().set("redirect_uri", bad);
            expect_error_page(authorize(&app, &b, "acme", &request).await, bad).await;
        }
    }
}

#[tokio::test]
async fn a_missing_redirect_uri_in_an_openid_request_is_an_error_page() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let request = AuthRequest::new(&rp.client_id, SCOPE).without("redirect_uri");
    for b in [browser(), logged_in(&app, "acme").await] {
        expect_error_page(
            authorize(&app, &b, "acme", &request).await,
            "missing redirect_uri",
        )
        .await;
    }
}

// ---------------------------------------------------------------------------
// Authorization endpoint: errors sent back to the client

#[tokio::test]
async fn response_type_token_is_unsupported_response_type() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("response_type", "token");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "unsupported_response_type");
}

#[tokio::test]
async fn an_unknown_scope_is_invalid_scope() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, "openid admin:everything");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "invalid_scope");
}

#[tokio::test]
async fn a_public_client_without_pkce_is_invalid_request() {
    let (app, _, rp) = acme_with(public_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE)
        .without("code_challenge")
        .without("code_challenge_method");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "invalid_request");
}

#[tokio::test]
async fn the_plain_pkce_method_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let mut request = AuthRequest::new(&rp.client_id, SCOPE);
    let verifier = request.verifier.clone();
    request = request
        .set("code_challenge", &verifier)
        .set("code_challenge_method", "plain");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "invalid_request");
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("prompt", "none");
    let r = authorize(&app, &browser(), "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "login_required");
}

#[tokio::test]
async fn prompt_none_without_consent_is_consent_required() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("prompt", "none");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "consent_required");
}

#[tokio::test]
async fn a_request_object_is_request_not_supported() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("request", "eyJhbGciOiJub25lIn0.e30.");
    let r = authorize(&app, &b, "acme", &request).await;
    expect_redirected_error(&app, &r, &request, "acme", "request_not_supported");
}

#[tokio::test]
async fn form_post_answers_a_form_to_the_redirect_uri() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE).set("response_mode", "form_post");
    let r = authorize(&app, &b, "acme", &request).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(LOCATION).is_none());
    let html = r.text().await.unwrap();
    let form = tags(&html, "form")
        .into_iter()
        .find(|f| attr(f, "action").as_deref() == Some(REDIRECT_URI))
        .expect("a form posting to the redirect URI");
    assert_eq!(attr(form, "method").unwrap().to_ascii_lowercase(), "post");
    let hidden: HashMap<String, String> = hidden_inputs(&html).into_iter().collect();
    assert!(
        hidden.get("code").is_some_and(|c| !c.is_empty()),
        "{hidden:?}"
    );
    assert_eq!(hidden.get("state"), Some(&request.state));
    assert_eq!(hidden.get("iss"), Some(&app.url("/t/acme")));
    let (status, _, body) = json(redeem(&app, "acme", &rp, &hidden["code"], &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---------------------------------------------------------------------------
// Token endpoint: authorization code

#[tokio::test]
async fn the_code_redeems_for_bearer_tokens_that_are_not_cached() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let (status, headers, body) = json(redeem(&app, "acme", &rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(headers[CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("no-store"));
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().is_some_and(|s| s > 0), "{body}");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["id_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(scopes(body["scope"].as_str().unwrap()), scopes(SCOPE));
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, yet {body}"
    );
}

#[tokio::test]
async fn the_id_token_is_rs256_with_the_oidc_claims() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, request) = tokens(&app, "acme", &rp, SCOPE).await;
    let id_token = body["id_token"].as_str().unwrap();
    let v = verified(&app, "acme", id_token, Algorithm::Rs256).await;
    assert!(v.header.kid.is_some());
    let c = v.claims;
    assert_eq!(str_claim(&c, "iss"), app.url("/t/acme"));
    jose::validate_audience(&c, &rp.client_id).unwrap();
    jose::validate_time(&c, now_unix(&app), 0).unwrap();
    assert!(!str_claim(&c, "sub").is_empty());
    assert_eq!(str_claim(&c, "nonce"), request.nonce);
    assert_eq!(str_claim(&c, "azp"), rp.client_id);
    let access_token = body["access_token"].as_str().unwrap();
    assert_eq!(
        str_claim(&c, "at_hash"),
        usso_oidc::claims::at_hash(access_token, Algorithm::Rs256)
    );
    let (iat, exp, auth_time) = (
        int_claim(&c, "iat"),
        int_claim(&c, "exp"),
        int_claim(&c, "auth_time"),
    );
    assert!(
        exp > iat && auth_time <= iat,
        "iat {iat} exp {exp} auth_time {auth_time}"
    );
    assert!(!str_claim(&c, "sid").is_empty());
}

#[tokio::test]
async fn the_access_token_is_an_es256_at_jwt() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let id = id_claims(&app, "acme", &body).await;
    let access_token = body["access_token"].as_str().unwrap();
    let v = verified(&app, "acme", access_token, Algorithm::Es256).await;
    assert!(v.header.typ_is("at+jwt"), "typ {:?}", v.header.typ);
    let c = v.claims;
    assert_eq!(str_claim(&c, "iss"), app.url("/t/acme"));
    assert_eq!(str_claim(&c, "sub"), str_claim(&id, "sub"));
    assert_eq!(str_claim(&c, "client_id"), rp.client_id);
    assert_eq!(scopes(str_claim(&c, "scope")), scopes(SCOPE));
    assert!(!str_claim(&c, "jti").is_empty());
    jose::validate_time(&c, now_unix(&app), 0).unwrap();
    match c.get("aud") {
        Some(Value::String(aud)) => assert!(!aud.is_empty()),
        Some(Value::Array(auds)) => assert!(!auds.is_empty()),
        other => panic!("aud {other:?}"),
    }
}

#[tokio::test]
async fn offline_access_adds_a_refresh_token() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, "openid offline_access").await;
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn offline_access_gives_no_refresh_token_without_the_refresh_grant() {
    let fields = ClientFields {
        grant_types: Some(vec!["authorization_code".into()]),
        ..web_client("App")
    };
    let (app, _, rp) = acme_with(fields).await;
    let (body, _) = tokens(&app, "acme", &rp, "openid offline_access").await;
    assert!(body.get("refresh_token").is_none(), "{body}");
}

#[tokio::test]
async fn a_code_redeemed_twice_fails_and_revokes_its_grant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, "openid offline_access");
    let code = code_for(&app, &b, "acme", &request).await;
    let (status, _, first) = json(redeem(&app, "acme", &rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let refresh_token = first["refresh_token"].as_str().unwrap();

    let access_token = first["access_token"].as_str();
    assert_eq!(
        userinfo(&app, "acme", access_token).await.status(),
        StatusCode::OK
    );

    let again = redeem(&app, "acme", &rp, &code, &request).await;
    expect_oauth_error(again, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let r = refresh(&app, "acme", &rp, refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // The access token the first redemption issued is dead too.
    expect_invalid_token(&userinfo(&app, "acme", access_token).await);
}

#[tokio::test]
async fn a_wrong_code_verifier_is_invalid_grant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let other_verifier = random_token();
    let r = token(
        &app,
        "acme",
        &rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &other_verifier),
        ],
    )
    .await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_missing_code_verifier_is_invalid_grant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
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
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_redirect_uri_other_than_the_authorized_one_is_invalid_grant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    // Registered too, but not the one the code was issued for.
    let r = token(
        &app,
        "acme",
        &rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", OTHER_REDIRECT_URI),
            ("code_verifier", &request.verifier),
        ],
    )
    .await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_code_of_another_client_is_invalid_grant() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let other = register(&app, &tenant, web_client("Other App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let r = redeem(&app, "acme", &other, &code, &request).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    app.clock.advance(time::Duration::minutes(2));
    let r = redeem(&app, "acme", &rp, &code, &request).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_with_a_basic_challenge() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let impostor = Rp {
        client_id: rp.client_id.clone(),
        secret: Some("usso_cs_not-the-secret".into()),
    };
    let r = redeem(&app, "acme", &impostor, &code, &request).await;
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
}

#[tokio::test]
async fn the_password_grant_is_unsupported_grant_type() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let r = token(
        &app,
        "acme",
        &rp,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", crate::oidc_support::PASSWORD),
        ],
    )
    .await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;
}

#[tokio::test]
async fn a_missing_grant_type_is_invalid_request() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    let r = token(
        &app,
        "acme",
        &rp,
        &[
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &request.verifier),
        ],
    )
    .await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn a_code_of_another_tenant_gives_no_tokens() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let globex = tenant_with_alice(&app, "globex").await;
    let globex_rp = register(&app, &globex, web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(&app, &b, "acme", &request).await;
    for (who, client) in [("globex's client", &globex_rp), ("acme's client", &rp)] {
        let (status, _, body) = json(redeem(&app, "globex", client, &code, &request).await).await;
        assert!(
            matches!(
                (status.as_u16(), body["error"].as_str()),
                (400, Some("invalid_grant")) | (401, Some("invalid_client"))
            ),
            "{who}: {status} {body}"
        );
        assert!(body.get("access_token").is_none(), "{who}: {body}");
    }
}

// ---------------------------------------------------------------------------
// Token endpoint: refresh

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (first, _) = tokens(&app, "acme", &rp, "openid offline_access").await;
    let old = first["refresh_token"].as_str().unwrap();
    let (status, headers, body) = json(refresh(&app, "acme", &rp, old).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(headers[CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("no-store"));
    let access_token = body["access_token"].as_str().unwrap();
    assert_ne!(access_token, first["access_token"].as_str().unwrap());
    verified(&app, "acme", access_token, Algorithm::Es256).await;
    let new = body["refresh_token"].as_str().expect("a new refresh token");
    assert_ne!(new, old);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_family() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (first, _) = tokens(&app, "acme", &rp, "openid offline_access").await;
    let old = first["refresh_token"].as_str().unwrap();
    let (status, _, body) = json(refresh(&app, "acme", &rp, old).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new = body["refresh_token"].as_str().unwrap();

    let reuse = refresh(&app, "acme", &rp, old).await;
    expect_oauth_error(reuse, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let r = refresh(&app, "acme", &rp, new).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

// ---------------------------------------------------------------------------
// Token endpoint: client credentials

#[tokio::test]
async fn client_credentials_gives_an_access_token_for_the_client_itself() {
    let fields = ClientFields {
        name: "Batch".into(),
        grant_types: Some(vec!["client_credentials".into()]),
        scopes: Some(vec!["api:read".into(), "api:write".into()]),
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
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("id_token").is_none(), "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let v = verified(
        &app,
        "acme",
        body["access_token"].as_str().unwrap(),
        Algorithm::Es256,
    )
    .await;
    assert!(v.header.typ_is("at+jwt"));
    assert_eq!(str_claim(&v.claims, "sub"), rp.client_id);
    assert_eq!(str_claim(&v.claims, "client_id"), rp.client_id);
    assert_eq!(scopes(str_claim(&v.claims, "scope")), scopes("api:read"));
}

#[tokio::test]
async fn a_public_client_cannot_use_client_credentials() {
    let (app, _, rp) = acme_with(public_client()).await;
    let r = token(&app, "acme", &rp, &[("grant_type", "client_credentials")]).await;
    let (status, _, body) = json(r).await;
    assert!(
        matches!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("unauthorized_client")) | (401, Some("invalid_client"))
        ),
        "{status} {body}"
    );
    assert!(body.get("access_token").is_none());
}

// ---------------------------------------------------------------------------
// Userinfo

#[tokio::test]
async fn userinfo_returns_the_claims_of_the_granted_scopes() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let id = id_claims(&app, "acme", &body).await;
    let r = userinfo(&app, "acme", body["access_token"].as_str()).await;
    let (status, _, info) = json(r).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["sub"].as_str(), Some(str_claim(&id, "sub")));
    assert_eq!(info["email"], ALICE_EMAIL);
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["given_name"], "Alice");
    assert_eq!(info["family_name"], "Liddell");
}

#[tokio::test]
async fn userinfo_leaves_out_claims_of_scopes_not_granted() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, "openid").await;
    let (status, _, info) = json(userinfo(&app, "acme", body["access_token"].as_str()).await).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert!(info["sub"].as_str().is_some_and(|s| !s.is_empty()));
    for absent in ["email", "preferred_username", "given_name", "family_name"] {
        assert!(
            info.get(absent).is_none(),
            "{absent} without its scope: {info}"
        );
    }
}

#[tokio::test]
async fn userinfo_accepts_post_with_the_bearer_header() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let id = id_claims(&app, "acme", &body).await;
    let r = reqwest::Client::new()
        .post(app.url("/t/acme/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let (status, _, info) = json(r).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["sub"].as_str(), Some(str_claim(&id, "sub")));
}

#[tokio::test]
async fn userinfo_without_a_token_is_a_bearer_challenge() {
    let (app, _, _) = acme_with(web_client("App")).await;
    let r = userinfo(&app, "acme", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let challenge = r.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

#[tokio::test]
async fn userinfo_refuses_a_garbage_token() {
    let (app, _, _) = acme_with(web_client("App")).await;
    for garbage in ["not-a-token", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
        expect_invalid_token(&userinfo(&app, "acme", Some(garbage)).await);
    }
}

#[tokio::test]
async fn userinfo_refuses_an_expired_access_token() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let access_token = body["access_token"].as_str();
    assert_eq!(
        userinfo(&app, "acme", access_token).await.status(),
        StatusCode::OK
    );
    app.clock.advance(time::Duration::minutes(16));
    expect_invalid_token(&userinfo(&app, "acme", access_token).await);
}

#[tokio::test]
async fn userinfo_refuses_an_access_token_of_another_tenant() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    tenant_with_alice(&app, "globex").await;
    let (body, _) = tokens(&app, "acme", &rp, SCOPE).await;
    let r = userinfo(&app, "globex", body["access_token"].as_str()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// Token lifetimes are tenant settings: `expires_in`, the access token's
/// `exp` and the refresh token's idle expiry follow them.
#[tokio::test]
async fn token_lifetimes_follow_the_tenant_settings() {
    let (app, tenant, rp) = acme_with(web_client("App")).await;
    let settings = usso::core::tenant::TenantSettings {
        access_token_seconds: 120,
        refresh_token_idle_seconds: 600,
        refresh_token_absolute_seconds: 3600,
        ..tenant.settings.clone()
    };
    app.hub
        .update_tenant(usso::core::event::Actor::Cli, "acme", None, Some(settings))
        .await
        .unwrap();
    let (body, _) = tokens(&app, "acme", &rp, "openid offline_access").await;
    assert_eq!(body["expires_in"], 120, "{body}");
    let access = verified(
        &app,
        "acme",
        body["access_token"].as_str().unwrap(),
        Algorithm::Es256,
    )
    .await;
    let (iat, exp) = (
        access.claims["iat"].as_i64().unwrap(),
        access.claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 120);
    // The refresh token expires after 10 idle minutes.
    app.clock.advance(time::Duration::seconds(601));
    let r = refresh(&app, "acme", &rp, body["refresh_token"].as_str().unwrap()).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    // A client's own setting overrides the tenant's.
    let short = register(
        &app,
        &tenant,
        ClientFields {
            token_lifetimes: usso::core::client::TokenLifetimes {
                access_token_seconds: Some(60),
                ..Default::default()
            },
            ..web_client("Short")
        },
    )
    .await;
    let (body, _) = tokens(&app, "acme", &short, "openid").await;
    assert_eq!(body["expires_in"], 60, "{body}");
    // And a lifetime beyond a day is refused.
    let too_long = usso::core::tenant::TenantSettings {
        access_token_seconds: 2 * 24 * 3600,
        ..usso::core::tenant::TenantSettings::default()
    };
    assert!(app
        .hub
        .update_tenant(usso::core::event::Actor::Cli, "acme", None, Some(too_long))
        .await
        .is_err());
}

/// The account page lists the applications a user allowed; revoking one
/// withdraws the consent and kills its tokens, and the next authorization
/// asks again. Revoking needs the page's CSRF token.
#[tokio::test]
async fn a_user_revokes_an_application_from_the_account_page() {
    let (app, _, rp) = acme_with(consent_client()).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, "openid offline_access");
    let html = consent_page(&app, &b, &request).await;
    let r = answer_consent(&app, &b, &html, "allow", None).await;
    let params = expect_redirect_to_client(&app, &r, REDIRECT_URI, &request.state, "acme");
    let (_, _, body) = json(redeem(&app, "acme", &rp, &params["code"], &request).await).await;
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();

    let account = b.get(app.url("/t/acme/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    let page = account.text().await.unwrap();
    assert!(page.contains("Acme Portal"), "the app is listed");
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let csrf = page[start..].split('"').next().unwrap().to_owned();

    let forged = b
        .post(app.url("/t/acme/account/apps/revoke"))
        .form(&[("csrf", "forged"), ("client_id", rp.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        userinfo(&app, "acme", Some(&access_token)).await.status(),
        StatusCode::OK
    );

    let revoked = b
        .post(app.url("/t/acme/account/apps/revoke"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", rp.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    expect_invalid_token(&userinfo(&app, "acme", Some(&access_token)).await);
    let r = refresh(&app, "acme", &rp, &refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    let page = b
        .get(app.url("/t/acme/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Acme Portal"), "no longer listed");
    // The next authorization asks for consent again.
    consent_page(&app, &b, &AuthRequest::new(&rp.client_id, "openid")).await;
    // Revoking it again: nothing to revoke.
    let again = b
        .post(app.url("/t/acme/account/apps/revoke"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", rp.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

/// The `claims` request parameter (OIDC Core §5.5) adds named claims to the
/// ID token and to UserInfo, each where it was asked for.
#[tokio::test]
async fn the_claims_parameter_asks_for_claims_by_name() {
    let (app, _, rp) = acme_with(web_client("App")).await;
    let b = logged_in(&app, "acme").await;
    let request = AuthRequest::new(&rp.client_id, "openid").set(
        "claims",
        r#"{"userinfo":{"email":{"essential":true}},"id_token":{"preferred_username":null,"unknown_claim":null}}"#,
    );
    let code = code_for(&app, &b, "acme", &request).await;
    let (status, _, body) = json(redeem(&app, "acme", &rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id_token = verified(
        &app,
        "acme",
        body["id_token"].as_str().unwrap(),
        Algorithm::Rs256,
    )
    .await;
    assert_eq!(id_token.claims["preferred_username"], "alice");
    assert!(
        id_token.claims.get("email").is_none(),
        "email was asked for userinfo only"
    );
    assert!(id_token.claims.get("unknown_claim").is_none());
    let info: Value = userinfo(&app, "acme", body["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["email"], "alice@example.com", "{info}");
    assert!(info.get("preferred_username").is_none(), "{info}");
    let doc: Value = app
        .client
        .get(app.url("/t/acme/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["claims_parameter_supported"], true);
}

/// Access tokens are for the client's registered resources (RFC 9068 §3
/// `aud`); without any, for the client itself.
#[tokio::test]
async fn access_tokens_carry_the_clients_resources_as_audience() {
    let (app, tenant, rp) = acme_with(ClientFields {
        resources: vec![
            "https://api.example.com".into(),
            "https://billing.example.com".into(),
        ],
        ..web_client("App")
    })
    .await;
    let (body, _) = tokens(&app, "acme", &rp, "openid").await;
    let at = verified(
        &app,
        "acme",
        body["access_token"].as_str().unwrap(),
        Algorithm::Es256,
    )
    .await;
    assert_eq!(
        at.claims["aud"],
        serde_json::json!(["https://api.example.com", "https://billing.example.com"])
    );
    let plain = register(&app, &tenant, web_client("Plain")).await;
    let (body, _) = tokens(&app, "acme", &plain, "openid").await;
    let at = verified(
        &app,
        "acme",
        body["access_token"].as_str().unwrap(),
        Algorithm::Es256,
    )
    .await;
    assert_eq!(at.claims["aud"], plain.client_id.as_str());
    // A resource must be an absolute URI.
    let bad = app
        .hub
        .create_client(
            usso::core::event::Actor::Cli,
            &tenant,
            ClientFields {
                resources: vec!["not a uri".into()],
                ..web_client("Bad")
            },
        )
        .await;
    assert!(bad.is_err());
}
