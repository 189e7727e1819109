//! The OpenID Foundation conformance suite's **Basic OP** and **Config OP**
//! test plans (`oidcc-basic-certification-test-plan`,
//! `oidcc-config-certification-test-plan`), mirrored module by module: one
//! test per module, named after it, asserting what that module checks.
//!
//! The suite runs these plans with a static client (`client_secret_basic`,
//! `response_type=code`, default response mode, `scope=openid`, `state` and
//! `nonce`, no PKCE) and a real browser; here the browser is a cookie-keeping
//! `reqwest` client that signs in through the hosted login page, and time is
//! the hub's [`ManualClock`](usso::core::clock::ManualClock) (`advance`
//! instead of the suite's waits). What the suite only *warns* about is noted
//! in comments and in `conformance/oidc/MODULES.md`; what it fails on is
//! asserted.

use std::collections::{BTreeSet, HashMap};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use usso::core::client::ClientFields;
use usso::core::event::Actor;
use usso::core::user::{Email, UserFields};
use usso_oidc::jose::{self, Algorithm};

use crate::harness::TestApp;
use crate::oidc_support::{
    attr, authorize, basic, browser, expect_error_page, expect_redirect_to_client,
    expect_redirected_error, hidden_inputs, json, jwks, location, now_unix, query, random_token,
    register, tags, web_client, AuthRequest, Rp, ALICE_EMAIL, PASSWORD, REDIRECT_URI,
};

const SLUG: &str = "acme";
const PHONE: &str = "+1 555 0100";

/// Claims an ID token may carry whatever the scope
/// (`EnsureIdTokenDoesNotContainNonRequestedClaims`).
const ID_TOKEN_CLAIMS: [&str; 16] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "c_hash",
    "s_hash",
    "nbf",
    "jti",
    "sid",
];

// ---------------------------------------------------------------------------
// The suite's configuration

/// A hub with tenant `acme`, its user alice (email, names, phone, locale)
/// and one static client as the suite is configured with.
struct Op {
    app: TestApp,
    rp: Rp,
}

async fn op() -> Op {
    op_with(web_client("OIDF client")).await
}

async fn op_with(fields: ClientFields) -> Op {
    let app = TestApp::spawn().await;
    let tenant = app.hub.create_tenant(Actor::Cli, SLUG, None).await.unwrap();
    let alice = UserFields {
        username: "alice".into(),
        emails: vec![Email {
            value: ALICE_EMAIL.into(),
            verified: true,
            primary: true,
            kind: None,
        }],
        given_name: Some("Alice".into()),
        family_name: Some("Liddell".into()),
        phone: Some(PHONE.into()),
        locale: Some("en-GB".into()),
        ..UserFields::default()
    };
    app.hub
        .create_user(Actor::Cli, &tenant, alice, Some(PASSWORD.into()))
        .await
        .unwrap();
    let rp = register(&app, &tenant, fields).await;
    Op { app, rp }
}

fn issuer(app: &TestApp) -> String {
    app.url(&format!("/t/{SLUG}"))
}

/// The suite's authorization request: `response_type=code`, `redirect_uri`,
/// `scope`, a random `state` and `nonce`, and no PKCE.
fn suite_request(rp: &Rp, scope: &str) -> AuthRequest {
    AuthRequest::new(&rp.client_id, scope)
        .without("code_challenge")
        .without("code_challenge_method")
}

/// The suite's discovery document (`GetDynamicServerConfiguration`).
async fn discovery(app: &TestApp) -> Value {
    let url = format!("{}/.well-known/openid-configuration", issuer(app));
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    expect_json_content_type(r.headers(), &url);
    r.json().await.unwrap()
}

fn expect_json_content_type(headers: &reqwest::header::HeaderMap, what: &str) {
    let content_type = headers
        .get(CONTENT_TYPE)
        .unwrap_or_else(|| panic!("{what}: no Content-Type"))
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {content_type}"
    );
}

/// A metadata member that must be a non-empty array of strings.
fn string_array(doc: &Value, name: &str) -> Vec<String> {
    let values = doc[name]
        .as_array()
        .unwrap_or_else(|| panic!("{name} is not an array: {doc}"));
    assert!(!values.is_empty(), "{name} is empty");
    values
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{name} has a non-string {v}"))
                .to_owned()
        })
        .collect()
}

/// `OIDCCCheckScopesSupportedContainScopeTest`: the scope tests are skipped
/// unless discovery offers every scope they ask for.
async fn expect_scopes_advertised(app: &TestApp, scope: &str) {
    let supported = string_array(&discovery(app).await, "scopes_supported");
    for s in scope.split(' ') {
        assert!(
            supported.iter().any(|x| x == s),
            "{s} not in scopes_supported"
        );
    }
}

// ---------------------------------------------------------------------------
// The browser side: authorization requests and the hosted login page

fn goes_to_login(app: &TestApp, r: &reqwest::Response) -> bool {
    r.status() == StatusCode::SEE_OTHER
        && r.headers().get(LOCATION).is_some()
        && location(app, r).path() == format!("/t/{SLUG}/login")
}

/// Does what the user does when the authorization endpoint sends the
/// browser to the login page: the form must be shown (even with a session,
/// when a fresh sign-in is demanded), alice signs in, and the browser
/// follows the redirect back to the authorization endpoint, whose answer is
/// returned.
async fn sign_in_at(
    app: &TestApp,
    b: &reqwest::Client,
    to_login: &reqwest::Response,
) -> reqwest::Response {
    assert!(
        goes_to_login(app, to_login),
        "expected the login page, got {} {:?}",
        to_login.status(),
        to_login.headers().get(LOCATION)
    );
    let login = location(app, to_login);
    let page = b.get(login.clone()).send().await.unwrap();
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "the login page was not shown for {login}"
    );
    let html = page.text().await.unwrap();
    let action = tags(&html, "form")
        .into_iter()
        .find_map(|f| attr(f, "action"))
        .expect("a login form");
    let mut form = hidden_inputs(&html);
    assert!(form.iter().any(|(k, _)| k == "csrf"), "no csrf field");
    assert!(
        form.iter().any(|(k, _)| k == "return_to"),
        "the login form forgot the authorization request"
    );
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), PASSWORD.into()));
    let target = url::Url::parse(&app.base).unwrap().join(&action).unwrap();
    let r = b.post(target).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in failed");
    let back = location(app, &r);
    assert_eq!(back.path(), format!("/t/{SLUG}/authorize"), "{back}");
    b.get(back).send().await.unwrap()
}

/// How the authorization endpoint must deal with the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum User {
    /// Show the login page (no session, or a fresh sign-in demanded).
    SignsIn,
    /// Answer at once, without any page (an existing session).
    NotAsked,
}

/// Sends `request` from browser `b`, deals with the login page as `user`
/// says, and returns the parameters of the successful authorization
/// response (`CheckMatchingCallbackParameters`, `ValidateIssIfPresent…`,
/// `CheckStateInAuthorizationResponse`, a code, no error).
async fn authorize_ok(
    app: &TestApp,
    b: &reqwest::Client,
    request: &AuthRequest,
    user: User,
) -> HashMap<String, String> {
    let mut r = authorize(app, b, SLUG, request).await;
    match user {
        User::SignsIn => r = sign_in_at(app, b, &r).await,
        User::NotAsked => assert!(
            !goes_to_login(app, &r),
            "the user was asked to sign in again"
        ),
    }
    code_response(app, &r, request)
}

fn code_response(
    app: &TestApp,
    r: &reqwest::Response,
    request: &AuthRequest,
) -> HashMap<String, String> {
    let redirect_uri = request.get("redirect_uri").unwrap();
    let params = expect_redirect_to_client(app, r, redirect_uri, &request.state, SLUG);
    assert!(!params.contains_key("error"), "{params:?}");
    let code = params.get("code").expect("a code");
    // EnsureMinimumAuthorizationCodeLength: 128 bits.
    assert!(code.len() >= 16, "a short code: {code}");
    params
}

/// RFC 6749 §4.1.2.1 / §5.2: `error_description` is `%x20-21 / %x23-5B /
/// %x5D-7E` (no CR, LF, TAB, quote or backslash).
fn description_ok(description: &str) -> bool {
    description
        .bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// `performGenericAuthorizationEndpointErrorResponseValidation` plus the
/// exact `error`: sent back to the redirect URI with `state` and `iss`, no
/// code, no unexpected parameter, a well-formed description.
fn expect_authorization_error(
    app: &TestApp,
    r: &reqwest::Response,
    request: &AuthRequest,
    error: &str,
) {
    expect_redirected_error(app, r, request, SLUG, error);
    let params = query(&location(app, r));
    for name in params.keys() {
        assert!(
            ["error", "error_description", "error_uri", "state", "iss"].contains(&name.as_str()),
            "unexpected {name} in an error response: {params:?}"
        );
    }
    if let Some(d) = params.get("error_description") {
        assert!(description_ok(d), "error_description {d:?}");
    }
    if let Some(u) = params.get("error_uri") {
        url::Url::parse(u).unwrap_or_else(|e| panic!("error_uri {u:?}: {e}"));
    }
}

// ---------------------------------------------------------------------------
// The back channel: token endpoint, ID token, userinfo

#[derive(Debug, Clone, Copy)]
enum ClientAuth {
    /// `client_secret_basic` (the plan's default).
    Basic,
    /// `client_secret_post`.
    Post,
}

async fn token_request(
    app: &TestApp,
    rp: &Rp,
    auth: ClientAuth,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let secret = rp.secret.as_deref().expect("a confidential client");
    let mut form = form.to_vec();
    let mut request = reqwest::Client::new().post(app.url(&format!("/t/{SLUG}/token")));
    match auth {
        ClientAuth::Basic => {
            request = request.header("authorization", basic(&rp.client_id, secret))
        }
        ClientAuth::Post => {
            form.push(("client_id", &rp.client_id));
            form.push(("client_secret", secret));
        }
    }
    request.form(&form).send().await.unwrap()
}

/// `CreateTokenEndpointRequestForAuthorizationCodeGrant`: the code and the
/// redirect URI, plus the PKCE verifier when the request had a challenge.
async fn redeem_code(
    app: &TestApp,
    rp: &Rp,
    auth: ClientAuth,
    code: &str,
    request: &AuthRequest,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", request.get("redirect_uri").unwrap()),
    ];
    if request.get("code_challenge").is_some() {
        form.push(("code_verifier", &request.verifier));
    }
    token_request(app, rp, auth, &form).await
}

/// RFC 6749 Appendix A: access and refresh tokens are `1*VSCHAR`.
fn vschar(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

/// A successful token response and its verified ID token.
#[derive(Debug)]
struct Tokens {
    access_token: String,
    id_token: String,
    refresh_token: Option<String>,
    id: Map<String, Value>,
}

/// What the suite checks of a token response (`CheckIfTokenEndpointResponseError`,
/// `CheckForAccessTokenValue`, `ValidateExpiresIn`, `CheckTokenTypeIsBearer`,
/// `CheckTokenEndpointCacheHeaders`, the allowed characters) and of its ID
/// token.
async fn expect_tokens(
    app: &TestApp,
    rp: &Rp,
    response: reqwest::Response,
    nonce: Option<&str>,
) -> Tokens {
    let (status, headers, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    expect_json_content_type(&headers, "token response");
    let cache = headers[CACHE_CONTROL].to_str().unwrap();
    assert!(cache.contains("no-store"), "Cache-Control: {cache}");
    assert!(
        body["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
        "{body}"
    );
    let access_token = body["access_token"].as_str().expect("an access_token");
    assert!(vschar(access_token), "access_token characters");
    assert!(
        body["expires_in"].as_i64().is_some_and(|e| e > 0),
        "expires_in: {body}"
    );
    let refresh_token = body.get("refresh_token").map(|t| {
        let t = t.as_str().expect("a string refresh_token");
        assert!(vschar(t), "refresh_token characters");
        t.to_owned()
    });
    let id_token = body["id_token"].as_str().expect("an id_token");
    let id = check_id_token(app, rp, id_token, nonce).await;
    if let Some(at_hash) = id.get("at_hash") {
        // ValidateAtHash: optional in the code flow, right if present.
        let digest = Sha256::digest(access_token.as_bytes());
        assert_eq!(
            at_hash.as_str(),
            Some(URL_SAFE_NO_PAD.encode(&digest[..16]).as_str()),
            "at_hash"
        );
    }
    Tokens {
        access_token: access_token.to_owned(),
        id_token: id_token.to_owned(),
        refresh_token,
        id,
    }
}

fn int(claims: &Map<String, Value>, name: &str) -> i64 {
    claims
        .get(name)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no numeric {name}: {claims:?}"))
}

/// `PerformStandardIdTokenChecks`: signed with the client's default RS256
/// by a key of the JWKS named by `kid`; `iss`, `aud`, `azp`, `exp`, `iat`,
/// `auth_time`, `acr`, `nonce`, `sub`; standard claims well typed.
async fn check_id_token(
    app: &TestApp,
    rp: &Rp,
    id_token: &str,
    nonce: Option<&str>,
) -> Map<String, Value> {
    let keys = jwks(app, SLUG).await;
    let verified = jose::verify(id_token, &keys, &[Algorithm::Rs256])
        .unwrap_or_else(|e| panic!("the ID token is not a valid RS256 JWS: {e}"));
    let kid = verified.header.kid.as_deref().expect("a kid in the header");
    assert!(
        keys.keys
            .iter()
            .any(|k| k.kid.as_deref() == Some(kid) && k.alg.as_deref() == Some("RS256")),
        "kid {kid} names no RS256 key of the JWKS"
    );
    let c = verified.claims;
    let now = now_unix(app);
    assert_eq!(c["iss"].as_str(), Some(issuer(app).as_str()), "iss");
    match &c["aud"] {
        Value::String(aud) => assert_eq!(aud, &rp.client_id, "aud"),
        Value::Array(auds) => {
            assert!(auds.iter().any(|a| a == &json!(rp.client_id)), "aud");
            if auds.len() > 1 {
                assert_eq!(c["azp"].as_str(), Some(rp.client_id.as_str()), "azp");
            }
        }
        other => panic!("aud {other}"),
    }
    if let Some(azp) = c.get("azp") {
        assert_eq!(azp.as_str(), Some(rp.client_id.as_str()), "azp");
    }
    assert!(int(&c, "exp") > now, "expired");
    let iat = int(&c, "iat");
    assert!(
        (now - 300..=now + 300).contains(&iat),
        "iat {iat}, now {now}"
    );
    if c.contains_key("auth_time") {
        let auth_time = int(&c, "auth_time");
        assert!(auth_time <= now + 300, "auth_time in the future");
        assert!(auth_time > now - 365 * 86_400, "auth_time over a year ago");
    }
    if let Some(acr) = c.get("acr") {
        assert!(acr.as_str().is_some_and(|a| !a.is_empty()), "acr {acr}");
    }
    assert_eq!(c.get("nonce").and_then(Value::as_str), nonce, "nonce");
    let sub = c["sub"].as_str().expect("a sub");
    assert!(
        !sub.is_empty() && sub.len() <= 255 && sub.is_ascii(),
        "sub {sub:?}"
    );
    check_standard_claims(&c, "ID token");
    c
}

/// `ValidateIdTokenStandardClaims` / `ValidateUserInfoStandardClaims`,
/// `EnsureUserInfoBirthDateValid`, `EnsureUserInfoUpdatedAtValid`: the
/// standard claims present have their types (OIDC Core §5.1).
fn check_standard_claims(claims: &Map<String, Value>, what: &str) {
    for name in [
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "email",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "phone_number",
    ] {
        if let Some(v) = claims.get(name) {
            assert!(v.is_string(), "{what}: {name} is {v}");
        }
    }
    for name in ["email_verified", "phone_number_verified"] {
        if let Some(v) = claims.get(name) {
            assert!(v.is_boolean(), "{what}: {name} is {v}");
        }
    }
    if let Some(v) = claims.get("updated_at") {
        assert!(v.is_i64() || v.is_u64(), "{what}: updated_at is {v}");
    }
    if let Some(v) = claims.get("address") {
        assert!(v.is_object(), "{what}: address is {v}");
    }
    if let Some(b) = claims.get("birthdate").and_then(Value::as_str) {
        // YYYY, or YYYY-MM-DD (0000 for an omitted year).
        let parts: Vec<&str> = b.split('-').collect();
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|c| c.is_ascii_digit());
        let ok = match parts.as_slice() {
            [y] => digits(y, 4),
            [y, m, d] => digits(y, 4) && digits(m, 2) && digits(d, 2),
            _ => false,
        };
        assert!(ok, "{what}: birthdate {b}");
    }
}

/// How the access token is presented at the UserInfo endpoint.
#[derive(Debug, Clone, Copy)]
enum Bearer {
    /// GET with `Authorization: Bearer` (RFC 6750 §2.1).
    GetHeader,
    /// POST with `Authorization: Bearer`.
    PostHeader,
    /// POST with `access_token` in a form body (RFC 6750 §2.2).
    PostBody,
}

async fn call_userinfo(app: &TestApp, access_token: &str, how: Bearer) -> reqwest::Response {
    let url = app.url(&format!("/t/{SLUG}/userinfo"));
    let http = reqwest::Client::new();
    let request = match how {
        Bearer::GetHeader => http.get(url).bearer_auth(access_token),
        Bearer::PostHeader => http.post(url).bearer_auth(access_token),
        Bearer::PostBody => http.post(url).form(&[("access_token", access_token)]),
    };
    request.send().await.unwrap()
}

/// `CallUserInfoEndpointWithBearerToken`, `EnsureUserInfoContainsSub`, the
/// standard claims' types, and the same `sub` as the ID token (OIDC Core
/// §5.3.2).
async fn userinfo_ok(app: &TestApp, tokens: &Tokens, how: Bearer) -> Map<String, Value> {
    let r = call_userinfo(app, &tokens.access_token, how).await;
    let status = r.status();
    expect_json_content_type(r.headers(), "userinfo");
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{how:?}: {body}");
    let info = body.as_object().expect("a JSON object").clone();
    assert!(
        info.get("sub")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty()),
        "no sub: {body}"
    );
    assert_eq!(
        info["sub"], tokens.id["sub"],
        "userinfo and ID token disagree"
    );
    check_standard_claims(&info, "userinfo");
    info
}

/// RFC 6750 §3.1: a refused bearer token.
async fn expect_userinfo_refused(app: &TestApp, access_token: &str) {
    let r = call_userinfo(app, access_token, Bearer::GetHeader).await;
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the access token still works"
    );
    let challenge = r.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(challenge.contains("invalid_token"), "{challenge}");
}

/// A token endpoint error as RFC 6749 §5.2 and OIDC Core §3.1.3.4 want it:
/// 400, JSON, the exact `error`, a well-formed description, no token.
async fn expect_token_error(response: reqwest::Response, error: &str) {
    let (status, headers, body) = json(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some(error)),
        "{body}"
    );
    expect_json_content_type(&headers, "token error");
    if let Some(d) = body.get("error_description") {
        assert!(
            d.as_str().is_some_and(description_ok),
            "error_description {d}"
        );
    }
    if let Some(u) = body.get("error_uri") {
        url::Url::parse(u.as_str().expect("a string error_uri")).unwrap();
    }
    for token in ["access_token", "id_token", "refresh_token"] {
        assert!(body.get(token).is_none(), "{token} in an error: {body}");
    }
}

/// A completed basic flow.
#[derive(Debug)]
struct Flow {
    code: String,
    tokens: Tokens,
    userinfo: Map<String, Value>,
}

/// `AbstractOIDCCServerTest`'s sequence: authorize in `b` (dealing with the
/// login page as `user` says), redeem the code with `auth`, check the
/// tokens, and call the UserInfo endpoint with a GET (the suite's
/// `requestProtectedResource`).
async fn flow_with(
    app: &TestApp,
    b: &reqwest::Client,
    rp: &Rp,
    request: &AuthRequest,
    user: User,
    auth: ClientAuth,
) -> Flow {
    let params = authorize_ok(app, b, request, user).await;
    let code = params["code"].clone();
    let r = redeem_code(app, rp, auth, &code, request).await;
    let tokens = expect_tokens(app, rp, r, request.get("nonce")).await;
    let userinfo = userinfo_ok(app, &tokens, Bearer::GetHeader).await;
    Flow {
        code,
        tokens,
        userinfo,
    }
}

async fn flow(
    app: &TestApp,
    b: &reqwest::Client,
    rp: &Rp,
    request: &AuthRequest,
    user: User,
) -> Flow {
    flow_with(app, b, rp, request, user, ClientAuth::Basic).await
}

/// The basic flow from a browser without cookies (the suite asks testers to
/// clear them): the login page is shown.
async fn fresh_flow(op: &Op, request: &AuthRequest) -> Flow {
    flow(&op.app, &browser(), &op.rp, request, User::SignsIn).await
}

/// An unsigned (`alg: none`) request object (OIDC Core §6.1) carrying the
/// request's parameters, with `iss` and `aud` as the suite adds them.
fn unsigned_request_object(app: &TestApp, rp: &Rp, request: &AuthRequest) -> String {
    let mut claims: Map<String, Value> = request
        .params()
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    claims.insert("iss".into(), json!(rp.client_id));
    claims.insert("aud".into(), json!(issuer(app)));
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    )
}

/// The same subject and authentication in two ID tokens
/// (`CheckIdTokenSubConsistentForSecondAuthorization`,
/// `CheckIdTokenAuthTimeClaimsSameIfPresent`).
fn same_authentication(first: &Map<String, Value>, second: &Map<String, Value>) {
    assert_eq!(first["sub"], second["sub"], "sub changed");
    assert_eq!(
        first.get("auth_time"),
        second.get("auth_time"),
        "auth_time changed without a new sign-in"
    );
}

// ---------------------------------------------------------------------------
// Basic OP

/// oidcc-server: "Tests primarily 'happy' flows" (discovery, JWKS, code flow with client_secret_basic, ID token, userinfo).
#[tokio::test]
async fn oidcc_server() {
    let op = op().await;
    let app = &op.app;
    // configure(): discovery, the server's keys, the client's auth method.
    let doc = discovery(app).await;
    let methods = string_array(&doc, "token_endpoint_auth_methods_supported");
    assert!(
        methods.iter().any(|m| m == "client_secret_basic"),
        "{methods:?}"
    );
    check_server_jwks(app, &doc).await;

    let request = suite_request(&op.rp, "openid");
    let f = fresh_flow(&op, &request).await;
    // EnsureIdTokenDoesNotContainName, EnsureIdTokenDoesNotContainNonRequestedClaims (warnings).
    for name in f.tokens.id.keys() {
        assert!(
            ID_TOKEN_CLAIMS.contains(&name.as_str()),
            "{name} in the ID token of a scope=openid request"
        );
    }
    assert!(!f.code.is_empty());
}

/// oidcc-response-type-missing: "an authorization request that is missing the response_type parameter" gets an error page, or invalid_request / unsupported_response_type in the query.
#[tokio::test]
async fn oidcc_response_type_missing() {
    let op = op().await;
    let request = suite_request(&op.rp, "openid").without("response_type");
    let r = authorize(&op.app, &browser(), SLUG, &request).await;
    // USSO redirects (the redirect URI is registered) with invalid_request,
    // in the query: no response_type, so no other response mode.
    expect_authorization_error(&op.app, &r, &request, "invalid_request");
}

/// oidcc-userinfo-get: "an authenticated GET request to the UserInfo endpoint" validates the response.
#[tokio::test]
async fn oidcc_userinfo_get() {
    let op = op().await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid")).await;
    let info = userinfo_ok(&op.app, &f.tokens, Bearer::GetHeader).await;
    assert_eq!(info["sub"], f.tokens.id["sub"]);
}

/// oidcc-userinfo-post-header: "an authenticated POST request to the UserInfo endpoint with the access token in a header".
#[tokio::test]
async fn oidcc_userinfo_post_header() {
    let op = op().await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid")).await;
    let info = userinfo_ok(&op.app, &f.tokens, Bearer::PostHeader).await;
    assert_eq!(info["sub"], f.tokens.id["sub"]);
}

/// oidcc-userinfo-post-body: "an authenticated POST request to the UserInfo endpoint with the access token in the body".
#[tokio::test]
async fn oidcc_userinfo_post_body() {
    let op = op().await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid")).await;
    let info = userinfo_ok(&op.app, &f.tokens, Bearer::PostBody).await;
    assert_eq!(info["sub"], f.tokens.id["sub"]);
}

/// oidcc-ensure-request-without-nonce-succeeds-for-code-flow: "should end with the authorization server issuing an authorization code, even though a nonce was not supplied".
#[tokio::test]
async fn oidcc_ensure_request_without_nonce_succeeds_for_code_flow() {
    let op = op().await;
    let request = suite_request(&op.rp, "openid").without("nonce");
    let params = authorize_ok(&op.app, &browser(), &request, User::SignsIn).await;
    // Beyond the suite (which stops at the code): it redeems, without a nonce claim.
    let r = redeem_code(
        &op.app,
        &op.rp,
        ClientAuth::Basic,
        &params["code"],
        &request,
    )
    .await;
    let tokens = expect_tokens(&op.app, &op.rp, r, None).await;
    assert!(tokens.id.get("nonce").is_none());
}

/// oidcc-scope-profile: "requests authorization with profile scope" (userinfo claims well formed; the profile claims, warned about if missing).
#[tokio::test]
async fn oidcc_scope_profile() {
    let op = op().await;
    expect_scopes_advertised(&op.app, "openid profile").await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid profile")).await;
    let info = &f.userinfo;
    assert_eq!(info["name"], "Alice Liddell");
    assert_eq!(info["given_name"], "Alice");
    assert_eq!(info["family_name"], "Liddell");
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["locale"], "en-GB");
    assert!(info["updated_at"].is_i64(), "{info:?}");
    assert!(info.get("email").is_none(), "email without its scope");
}

/// oidcc-scope-email: "requests authorization with email scope" (email and email_verified, warned about if missing).
#[tokio::test]
async fn oidcc_scope_email() {
    let op = op().await;
    expect_scopes_advertised(&op.app, "openid email").await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid email")).await;
    assert_eq!(f.userinfo["email"], ALICE_EMAIL);
    assert_eq!(f.userinfo["email_verified"], true);
    assert!(
        f.userinfo.get("name").is_none(),
        "profile claims without their scope"
    );
}

/// oidcc-scope-address: "requests authorization with address scope" (the address claim is only warned about if missing).
#[tokio::test]
async fn oidcc_scope_address() {
    let op = op().await;
    expect_scopes_advertised(&op.app, "openid address").await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid address")).await;
    // Users have no address yet: nothing to release, which the suite only
    // warns about; whatever comes must be an object.
    if let Some(address) = f.userinfo.get("address") {
        assert!(address.is_object(), "{address}");
    }
}

/// oidcc-scope-phone: "requests authorization with phone scope" (phone_number and phone_number_verified, warned about if missing).
#[tokio::test]
async fn oidcc_scope_phone() {
    let op = op().await;
    expect_scopes_advertised(&op.app, "openid phone").await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "openid phone")).await;
    assert_eq!(f.userinfo["phone_number"], PHONE);
    assert!(f.userinfo["phone_number_verified"].is_boolean());
}

/// oidcc-scope-all: "requests authorization with address, email, phone and profile scopes".
#[tokio::test]
async fn oidcc_scope_all() {
    let op = op().await;
    let scope = "openid address email phone profile";
    expect_scopes_advertised(&op.app, scope).await;
    let f = fresh_flow(&op, &suite_request(&op.rp, scope)).await;
    let info = &f.userinfo;
    assert_eq!(info["email"], ALICE_EMAIL);
    assert_eq!(info["phone_number"], PHONE);
    assert_eq!(info["name"], "Alice Liddell");
    assert_eq!(info["preferred_username"], "alice");
}

/// oidcc-ensure-other-scope-order-succeeds: "a scope=openid email request, but with the order of the entries in the 'scope' reversed, which must succeed".
#[tokio::test]
async fn oidcc_ensure_other_scope_order_succeeds() {
    let op = op().await;
    let f = fresh_flow(&op, &suite_request(&op.rp, "email openid")).await;
    assert_eq!(f.userinfo["email"], ALICE_EMAIL);
}

/// oidcc-display-page: "the display=page parameter ... must not cause an error at the OP"; a normal login page.
#[tokio::test]
async fn oidcc_display_page() {
    let op = op().await;
    fresh_flow(&op, &suite_request(&op.rp, "openid").set("display", "page")).await;
}

/// oidcc-display-popup: "the display=popup parameter ... must not cause an error at the OP".
#[tokio::test]
async fn oidcc_display_popup() {
    let op = op().await;
    fresh_flow(
        &op,
        &suite_request(&op.rp, "openid").set("display", "popup"),
    )
    .await;
}

/// oidcc-prompt-login: the second authorization "will include prompt=login, so that the authorization server is required to ask the user to login a second time" (auth_time must differ).
#[tokio::test]
async fn oidcc_prompt_login() {
    let op = op().await;
    let app = &op.app;
    let b = browser();
    let first = flow(
        app,
        &b,
        &op.rp,
        &suite_request(&op.rp, "openid"),
        User::SignsIn,
    )
    .await;
    app.clock.advance(time::Duration::seconds(5));

    let request = suite_request(&op.rp, "openid").set("prompt", "login");
    let r = authorize(app, &b, SLUG, &request).await;
    assert!(
        goes_to_login(app, &r),
        "prompt=login with a session did not ask to sign in"
    );
    let login = query(&location(app, &r));
    assert_eq!(
        login.get("force").map(String::as_str),
        Some("1"),
        "{login:?}"
    );
    let r = sign_in_at(app, &b, &r).await;
    let params = code_response(app, &r, &request);
    let tokens = expect_tokens(
        app,
        &op.rp,
        redeem_code(app, &op.rp, ClientAuth::Basic, &params["code"], &request).await,
        request.get("nonce"),
    )
    .await;
    assert_eq!(tokens.id["sub"], first.tokens.id["sub"]);
    // CheckIdTokenAuthTimeClaimsDifferIfPresent.
    assert!(
        int(&tokens.id, "auth_time") > int(&first.tokens.id, "auth_time"),
        "auth_time did not move after signing in again"
    );
}

/// oidcc-prompt-none-not-logged-in: prompt=none without a session: "the OP will redirect back with an error as per section 3.1.2.6" (state kept intact).
#[tokio::test]
async fn oidcc_prompt_none_not_logged_in() {
    let op = op().await;
    // The suite sends a 128-character state to check it comes back intact.
    let state = format!("{}{}", random_token(), random_token());
    let mut request = suite_request(&op.rp, "openid")
        .set("state", &state)
        .set("prompt", "none");
    request.state = state;
    let r = authorize(&op.app, &browser(), SLUG, &request).await;
    // One of the errors "that required a user interface"; ours is login_required.
    expect_authorization_error(&op.app, &r, &request, "login_required");
}

/// oidcc-prompt-none-logged-in: with prompt=none the second time "the authorization server must not request that the user logs in" (same sub and auth_time).
#[tokio::test]
async fn oidcc_prompt_none_logged_in() {
    let op = op().await;
    let app = &op.app;
    let b = browser();
    let first = flow(
        app,
        &b,
        &op.rp,
        &suite_request(&op.rp, "openid"),
        User::SignsIn,
    )
    .await;
    app.clock.advance(time::Duration::seconds(5));
    let request = suite_request(&op.rp, "openid").set("prompt", "none");
    let second = flow(app, &b, &op.rp, &request, User::NotAsked).await;
    same_authentication(&first.tokens.id, &second.tokens.id);
}

/// oidcc-max-age-1: the second time it "waits 1 second and includes max_age=1, so that the authorization server is required to ask the user to login a second time and must return an auth_time claim".
#[tokio::test]
async fn oidcc_max_age_1() {
    let op = op().await;
    let app = &op.app;
    let b = browser();
    let first = flow(
        app,
        &b,
        &op.rp,
        &suite_request(&op.rp, "openid"),
        User::SignsIn,
    )
    .await;
    // The suite waits 2 s: after exactly 1 s the sign-in is "just still valid".
    app.clock.advance(time::Duration::seconds(2));

    let request = suite_request(&op.rp, "openid").set("max_age", "1");
    let r = authorize(app, &b, SLUG, &request).await;
    assert!(
        goes_to_login(app, &r),
        "max_age=1 after 2 s did not ask to sign in"
    );
    let r = sign_in_at(app, &b, &r).await;
    let params = code_response(app, &r, &request);
    let tokens = expect_tokens(
        app,
        &op.rp,
        redeem_code(app, &op.rp, ClientAuth::Basic, &params["code"], &request).await,
        request.get("nonce"),
    )
    .await;
    // CheckIdTokenAuthTimeClaimPresentDueToMaxAge, CheckSecondIdTokenAuthTimeIsLaterIfPresent,
    // CheckIdTokenAuthTimeIsRecentIfPresent.
    let auth_time = int(&tokens.id, "auth_time");
    assert!(
        auth_time > int(&first.tokens.id, "auth_time"),
        "auth_time not later"
    );
    assert!(now_unix(app) - auth_time <= 1, "auth_time is not recent");
    assert_eq!(tokens.id["sub"], first.tokens.id["sub"]);
}

/// oidcc-max-age-10000: first max_age=15000, then "max_age=10000, and the authorization server must not request that the user logs in" (auth_time present and unchanged).
#[tokio::test]
async fn oidcc_max_age_10000() {
    let op = op().await;
    let app = &op.app;
    let b = browser();
    let request = suite_request(&op.rp, "openid").set("max_age", "15000");
    let first = flow(app, &b, &op.rp, &request, User::SignsIn).await;
    int(&first.tokens.id, "auth_time");
    app.clock.advance(time::Duration::seconds(30));

    let request = suite_request(&op.rp, "openid").set("max_age", "10000");
    let second = flow(app, &b, &op.rp, &request, User::NotAsked).await;
    int(&second.tokens.id, "auth_time");
    same_authentication(&first.tokens.id, &second.tokens.id);
}

/// oidcc-ensure-request-with-unknown-parameter-succeeds: "extra=foobar ... the authentication must complete successfully with the extra parameter ignored".
#[tokio::test]
async fn oidcc_ensure_request_with_unknown_parameter_succeeds() {
    let op = op().await;
    fresh_flow(&op, &suite_request(&op.rp, "openid").set("extra", "foobar")).await;
}

/// oidcc-id-token-hint: the second time "prompt=none with the id_token_hint set to the id token from the first authorization, and the authorization server must return successfully immediately".
#[tokio::test]
async fn oidcc_id_token_hint() {
    let op = op().await;
    let app = &op.app;
    let b = browser();
    let first = flow(
        app,
        &b,
        &op.rp,
        &suite_request(&op.rp, "openid"),
        User::SignsIn,
    )
    .await;
    app.clock.advance(time::Duration::seconds(5));
    let request = suite_request(&op.rp, "openid")
        .set("prompt", "none")
        .set("id_token_hint", &first.tokens.id_token);
    let second = flow(app, &b, &op.rp, &request, User::NotAsked).await;
    same_authentication(&first.tokens.id, &second.tokens.id);
}

/// oidcc-login-hint: "the authorization endpoint with a login_hint ... must at a minimum not result in errors".
#[tokio::test]
async fn oidcc_login_hint() {
    let op = op().await;
    fresh_flow(
        &op,
        &suite_request(&op.rp, "openid").set("login_hint", ALICE_EMAIL),
    )
    .await;
}

/// oidcc-ui-locales: "the ui_locales parameter ... Use of this parameter in the request must not cause an error at the OP".
#[tokio::test]
async fn oidcc_ui_locales() {
    let op = op().await;
    fresh_flow(
        &op,
        &suite_request(&op.rp, "openid").set("ui_locales", "se"),
    )
    .await;
}

/// oidcc-claims-locales: "claims_locale=se, which ... must at a minimum not result in errors".
#[tokio::test]
async fn oidcc_claims_locales() {
    let op = op().await;
    fresh_flow(
        &op,
        &suite_request(&op.rp, "openid").set("claims_locales", "se"),
    )
    .await;
}

/// oidcc-ensure-request-with-acr-values-succeeds: acr_values from acr_values_supported (or '1 2'): "The authorization must succeed"; an acr among them is only warned about.
#[tokio::test]
async fn oidcc_ensure_request_with_acr_values_succeeds() {
    let op = op().await;
    let doc = discovery(&op.app).await;
    let acr_values = match doc.get("acr_values_supported") {
        Some(_) => string_array(&doc, "acr_values_supported").join(" "),
        None => "1 2".to_owned(),
    };
    let request = suite_request(&op.rp, "openid").set("acr_values", &acr_values);
    let f = fresh_flow(&op, &request).await;
    // ValidateIdTokenACRClaimAgainstAcrValuesRequest is a warning: USSO
    // answers acr "0" whatever was asked (see MODULES.md).
    if let Some(acr) = f.tokens.id.get("acr") {
        assert!(acr.as_str().is_some_and(|a| !a.is_empty()));
    }
}

/// oidcc-codereuse: "tries using an authorization code for a second time, immediately after the first use"; invalid_grant expected.
#[tokio::test]
async fn oidcc_codereuse() {
    let op = op().await;
    let app = &op.app;
    let request = suite_request(&op.rp, "openid");
    let f = fresh_flow(&op, &request).await;
    let again = redeem_code(app, &op.rp, ClientAuth::Basic, &f.code, &request).await;
    expect_token_error(again, "invalid_grant").await;
    // RFC 6749 §4.1.2: the tokens of the first redemption are revoked.
    expect_userinfo_refused(app, &f.tokens.access_token).await;
}

/// oidcc-codereuse-30seconds: "using an authorization code for a second time, 30 seconds after the first use" must be invalid_grant; the first access token "should be revoked".
#[tokio::test]
async fn oidcc_codereuse_30seconds() {
    let op = op().await;
    let app = &op.app;
    let request = suite_request(&op.rp, "openid");
    let f = fresh_flow(&op, &request).await;
    app.clock.advance(time::Duration::seconds(30));
    let again = redeem_code(app, &op.rp, ClientAuth::Basic, &f.code, &request).await;
    expect_token_error(again, "invalid_grant").await;
    // CallProtectedResourceWithBearerTokenExpectingError (a warning in the suite).
    expect_userinfo_refused(app, &f.tokens.access_token).await;
}

/// oidcc-ensure-registered-redirect-uri: "uses an unregistered redirect uri. The authorization server should display an error".
#[tokio::test]
async fn oidcc_ensure_registered_redirect_uri() {
    let op = op().await;
    let bad = format!("{REDIRECT_URI}/{}", random_token());
    let request = suite_request(&op.rp, "openid").set("redirect_uri", &bad);
    for b in [browser(), op_browser_with_session(&op).await] {
        let r = authorize(&op.app, &b, SLUG, &request).await;
        expect_error_page(r, "unregistered redirect_uri").await;
    }
}

/// A browser in which alice signed in through an authorization request.
async fn op_browser_with_session(op: &Op) -> reqwest::Client {
    let b = browser();
    authorize_ok(&op.app, &b, &suite_request(&op.rp, "openid"), User::SignsIn).await;
    b
}

/// oidcc-ensure-redirect-uri-in-authorization-request: without redirect_uri the server shows "an error page saying the redirect url is missing" (if it redirects: invalid_request).
#[tokio::test]
async fn oidcc_ensure_redirect_uri_in_authorization_request() {
    // One registered URI: the case where a server might wrongly fall back to it.
    let fields = ClientFields {
        redirect_uris: vec![REDIRECT_URI.into()],
        ..web_client("OIDF client")
    };
    let op = op_with(fields).await;
    let request = suite_request(&op.rp, "openid").without("redirect_uri");
    for b in [browser(), op_browser_with_session(&op).await] {
        let r = authorize(&op.app, &b, SLUG, &request).await;
        expect_error_page(r, "missing redirect_uri").await;
    }
}

/// oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: an unsigned request object is processed correctly "or return a request_not_supported error".
#[tokio::test]
async fn oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported() {
    let op = op().await;
    let app = &op.app;
    let doc = discovery(app).await;
    // Skipped by the suite when request_object_signing_alg_values_supported lacks none.
    if let Some(algs) = doc.get("request_object_signing_alg_values_supported") {
        assert!(algs.as_array().is_some_and(|a| a.contains(&json!("none"))));
    }
    let plain = suite_request(&op.rp, "openid");
    let object = unsigned_request_object(app, &op.rp, &plain);
    let request = plain.set("request", &object);
    let r = authorize(app, &browser(), SLUG, &request).await;
    // USSO does not take request objects, and says so consistently.
    assert_eq!(doc["request_parameter_supported"], false);
    expect_authorization_error(app, &r, &request, "request_not_supported");
}

/// oidcc-claims-essential: "requesting the 'name' claim as essential (in the userinfo ...), and the OP must return a successful result"; a missing name is a warning.
#[tokio::test]
async fn oidcc_claims_essential() {
    let op = op().await;
    let claims = json!({ "userinfo": { "name": { "essential": true } } }).to_string();
    let request = suite_request(&op.rp, "openid").set("claims", &claims);
    let f = fresh_flow(&op, &request).await;
    // EnsureIdTokenDoesNotContainName (warning).
    assert!(f.tokens.id.get("name").is_none(), "name in the ID token");
    // EnsureUserInfoContainsName (warning): USSO does not honour `claims`
    // yet (claims_parameter_supported is false) so with scope=openid no name
    // comes; if one does, it must be alice's.
    if let Some(name) = f.userinfo.get("name") {
        assert_eq!(name, "Alice Liddell");
    }
    let doc = discovery(&op.app).await;
    if doc["claims_parameter_supported"] == true {
        assert_eq!(
            f.userinfo["name"], "Alice Liddell",
            "claims advertised but ignored"
        );
    }
}

/// oidcc-ensure-request-object-with-redirect-uri: "two redirect URIs, one in the request object and one as a request parameter. The server should use the value in the request object".
#[tokio::test]
async fn oidcc_ensure_request_object_with_redirect_uri() {
    let op = op().await;
    let app = &op.app;
    let plain = suite_request(&op.rp, "openid");
    let object = unsigned_request_object(app, &op.rp, &plain);
    // AddInvalidRedirectUriToAuthorizationRequest: `_invalid` appended in the query.
    let invalid = format!("{REDIRECT_URI}_invalid");
    let request = plain.set("redirect_uri", &invalid).set("request", &object);
    let r = authorize(app, &browser(), SLUG, &request).await;
    // Without request object support the only redirect URI USSO reads is the
    // unregistered one: an error page, never a redirect to it.
    expect_error_page(r, "request object with an unregistered query redirect_uri").await;
}

/// oidcc-refresh-token: "obtains refresh tokens and performs various checks, including checking that the refresh token is correctly bound to the client".
#[tokio::test]
async fn oidcc_refresh_token() {
    let op = op().await;
    let app = &op.app;
    let tenant = app.hub.tenant(SLUG).await.unwrap();
    let rp2 = register(app, &tenant, web_client("OIDF client 2")).await;
    let doc = discovery(app).await;
    // EnsureServerConfigurationSupportsRefreshToken (warning).
    assert!(string_array(&doc, "grant_types_supported").contains(&"refresh_token".to_owned()));

    let scope = "openid offline_access";
    let b = browser();
    // AddPromptConsentToAuthorizationEndpointRequestIfScopeContainsOfflineAccess.
    let request = suite_request(&op.rp, scope).set("prompt", "consent");
    let first = flow(app, &b, &op.rp, &request, User::SignsIn).await;
    let refresh_token = first.tokens.refresh_token.clone().expect("a refresh token");

    // RefreshTokenRequestSteps: wait a second so iat differs, refresh with the scope.
    app.clock.advance(time::Duration::seconds(1));
    let r = token_request(
        app,
        &op.rp,
        ClientAuth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("scope", scope),
        ],
    )
    .await;
    let refreshed = expect_tokens(app, &op.rp, r, None).await;
    assert_ne!(refreshed.access_token, first.tokens.access_token);
    // CompareIdTokenClaims (OIDC Core §12.2).
    let (a, b2) = (&first.tokens.id, &refreshed.id);
    for claim in ["iss", "sub", "aud"] {
        assert_eq!(a[claim], b2[claim], "{claim} changed on refresh");
    }
    assert_eq!(a.get("auth_time"), b2.get("auth_time"), "auth_time changed");
    assert_eq!(a.get("azp"), b2.get("azp"), "azp changed");
    assert!(int(b2, "iat") > int(a, "iat"), "iat did not move");
    userinfo_ok(app, &refreshed, Bearer::GetHeader).await;

    // The second client's refresh token is refused to the first client.
    let request2 = suite_request(&rp2, scope).set("prompt", "consent");
    let second = flow(app, &b, &rp2, &request2, User::NotAsked).await;
    let foreign = second
        .tokens
        .refresh_token
        .expect("a refresh token for client 2");
    let r = token_request(
        app,
        &op.rp,
        ClientAuth::Basic,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &foreign),
            ("scope", scope),
        ],
    )
    .await;
    expect_token_error(r, "invalid_grant").await;
}

/// oidcc-ensure-request-with-valid-pkce-succeeds: "an authorization request using valid PKCE (RFC7636), which must succeed".
#[tokio::test]
async fn oidcc_ensure_request_with_valid_pkce_succeeds() {
    let op = op().await;
    // AuthRequest's default: S256 challenge, the verifier sent when redeeming.
    let request = AuthRequest::new(&op.rp.client_id, "openid");
    assert_eq!(request.get("code_challenge_method"), Some("S256"));
    fresh_flow(&op, &request).await;
}

/// oidcc-ensure-post-request-succeeds: "makes the call to the authorization endpoint as a POST request. The authentication should complete successfully".
#[tokio::test]
async fn oidcc_ensure_post_request_succeeds() {
    let op = op().await;
    let app = &op.app;
    let b = browser();
    let request = suite_request(&op.rp, "openid");
    let r = b
        .post(app.url(&format!("/t/{SLUG}/authorize")))
        .form(request.params())
        .send()
        .await
        .unwrap();
    let r = sign_in_at(app, &b, &r).await;
    let params = code_response(app, &r, &request);
    let tokens = expect_tokens(
        app,
        &op.rp,
        redeem_code(app, &op.rp, ClientAuth::Basic, &params["code"], &request).await,
        request.get("nonce"),
    )
    .await;
    userinfo_ok(app, &tokens, Bearer::GetHeader).await;

    // And as a POST from a browser with a session: straight back to the client.
    let request = suite_request(&op.rp, "openid");
    let r = b
        .post(app.url(&format!("/t/{SLUG}/authorize")))
        .form(request.params())
        .send()
        .await
        .unwrap();
    code_response(app, &r, &request);
}

/// oidcc-server-client-secret-post: "Tests 'happy flow' using client_secret_post client authentication".
#[tokio::test]
async fn oidcc_server_client_secret_post() {
    let fields = ClientFields {
        token_endpoint_auth_method: Some("client_secret_post".into()),
        ..web_client("OIDF client (post)")
    };
    let op = op_with(fields).await;
    let doc = discovery(&op.app).await;
    // EnsureServerConfigurationSupportsClientSecretPost.
    let methods = string_array(&doc, "token_endpoint_auth_methods_supported");
    assert!(
        methods.iter().any(|m| m == "client_secret_post"),
        "{methods:?}"
    );
    let request = suite_request(&op.rp, "openid");
    flow_with(
        &op.app,
        &browser(),
        &op.rp,
        &request,
        User::SignsIn,
        ClientAuth::Post,
    )
    .await;
}

// ---------------------------------------------------------------------------
// Config OP

/// The server's keys as every module checks them in `configure()`
/// (`ValidateServerJWKs`, `CheckForKeyIdInServerJWKs`,
/// `CheckDistinctKeyIdValueInServerJWKs`,
/// `EnsureServerJwksDoesNotContainPrivateOrSymmetricKeys`), plus each key's
/// `use` and `alg` consistent with its type.
async fn check_server_jwks(app: &TestApp, doc: &Value) {
    let jwks_uri = doc["jwks_uri"].as_str().expect("a jwks_uri");
    let r = reqwest::get(jwks_uri).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{jwks_uri}");
    expect_json_content_type(r.headers(), jwks_uri);
    let set: Value = r.json().await.unwrap();
    let keys = set["keys"].as_array().expect("a keys array");
    assert!(!keys.is_empty(), "an empty JWKS");
    let mut kids = BTreeSet::new();
    for key in keys {
        let kid = key["kid"]
            .as_str()
            .unwrap_or_else(|| panic!("no kid: {key}"));
        assert!(kids.insert(kid.to_owned()), "kid {kid} repeated");
        if let Some(u) = key.get("use") {
            assert_eq!(u, "sig", "{key}");
        }
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            assert!(
                key.get(private).is_none(),
                "private member {private}: {kid}"
            );
        }
        let (kty, alg) = (key["kty"].as_str().unwrap(), key["alg"].as_str());
        match alg {
            Some("RS256") => {
                assert_eq!(kty, "RSA", "{key}");
                assert!(key["n"].is_string() && key["e"].is_string(), "{key}");
            }
            Some("ES256") => {
                assert_eq!((kty, key["crv"].as_str()), ("EC", Some("P-256")), "{key}");
                assert!(key["x"].is_string() && key["y"].is_string(), "{key}");
            }
            Some("EdDSA") => {
                assert_eq!(
                    (kty, key["crv"].as_str()),
                    ("OKP", Some("Ed25519")),
                    "{key}"
                );
                assert!(key["x"].is_string(), "{key}");
            }
            other => panic!("unexpected alg {other:?}: {key}"),
        }
    }
    // The keys parse and verify (what FetchServerKeys needs).
    assert_eq!(jwks(app, SLUG).await.keys.len(), keys.len());
}

/// oidcc-discovery-endpoint-verification: "the server's configurations (including scopes, response_types, grant_types etc) contains values required by the specifications".
#[tokio::test]
async fn oidcc_discovery_endpoint_verification() {
    let op = op().await;
    let app = &op.app;
    let issuer = issuer(app);
    let discovery_url = format!("{issuer}/.well-known/openid-configuration");
    let doc = discovery(app).await;

    // CheckDiscEndpointIssuer, CheckDiscEndpointDiscoveryUrl, CheckDiscEndpointIssuerIsValidUrl.
    assert_eq!(doc["issuer"].as_str(), Some(issuer.as_str()));
    assert_eq!(
        format!(
            "{}/.well-known/openid-configuration",
            doc["issuer"].as_str().unwrap()
        ),
        discovery_url
    );
    let issuer_url = url::Url::parse(&issuer).unwrap();
    assert!(issuer_url.query().is_none() && issuer_url.fragment().is_none());

    // OIDC Discovery §3: the required members, and the recommended ones we have.
    for member in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
    ] {
        assert!(doc[member].is_string(), "{member} missing: {doc}");
    }
    // OIDCCCheckDiscEndpointResponseTypesSupported.
    assert!(string_array(&doc, "response_types_supported").contains(&"code".to_owned()));
    // CheckDiscEndpointSubjectTypesSupported.
    let subject_types = string_array(&doc, "subject_types_supported");
    assert!(
        subject_types
            .iter()
            .all(|t| t == "public" || t == "pairwise"),
        "{subject_types:?}"
    );
    // OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported.
    let algs = string_array(&doc, "id_token_signing_alg_values_supported");
    assert!(algs.contains(&"RS256".to_owned()), "{algs:?}");
    if let Some(v) = doc.get("userinfo_signing_alg_values_supported") {
        assert!(v.is_array(), "{v}");
    }
    // CheckDiscEndpointScopesSupportedContainsOpenId, CheckDiscEndpointScopesSupportedSyntax.
    let scopes = string_array(&doc, "scopes_supported");
    assert!(scopes.contains(&"openid".to_owned()));
    for s in &scopes {
        assert!(
            s.bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b)),
            "scope {s:?}"
        );
    }
    // OIDCCCheckDiscEndpointGrantTypesSupported.
    let grants = string_array(&doc, "grant_types_supported");
    assert!(
        grants.contains(&"authorization_code".to_owned()),
        "{grants:?}"
    );
    // OIDCCCheckDiscEndpointClaimsSupported (warning), CheckDiscEndpointClaimsParameterSupported.
    let claims = string_array(&doc, "claims_supported");
    assert!(claims.contains(&"sub".to_owned()));
    for flag in [
        "claims_parameter_supported",
        "request_parameter_supported",
        "request_uri_parameter_supported",
    ] {
        if let Some(v) = doc.get(flag) {
            assert!(v.is_boolean(), "{flag}: {v}");
        }
    }
    // CheckDiscEndpointRequestObjectSigningAlgValuesSupportedIncludesRS256 (warning).
    if doc
        .get("request_object_signing_alg_values_supported")
        .is_some()
    {
        let algs = string_array(&doc, "request_object_signing_alg_values_supported");
        assert!(algs.contains(&"RS256".to_owned()), "{algs:?}");
    }
    // EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray.
    if doc.get("code_challenge_methods_supported").is_some() {
        string_array(&doc, "code_challenge_methods_supported");
    }
    let methods = string_array(&doc, "token_endpoint_auth_methods_supported");
    assert!(
        methods.iter().any(|m| m == "client_secret_basic"),
        "{methods:?}"
    );
    // CheckDiscEndpointLocalesSyntax (BCP 47 tags).
    for member in ["ui_locales_supported", "claims_locales_supported"] {
        if doc.get(member).is_some() {
            for tag in string_array(&doc, member) {
                assert!(
                    tag.split('-')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric())),
                    "{member}: {tag}"
                );
            }
        }
    }

    // JWKS reachable, each key with kid / use / alg consistent.
    check_server_jwks(app, &doc).await;

    // Every advertised endpoint lives under the issuer, on its scheme (https
    // in production: CheckDiscEndpointAllEndpointsAreHttps; the test server
    // is plain http), and answers something other than 404.
    let endpoints: Vec<(String, String)> = doc
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.ends_with("_endpoint") || k.as_str() == "jwks_uri")
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().unwrap_or_else(|| panic!("{k}: {v}")).to_owned(),
            )
        })
        .collect();
    assert!(endpoints.len() >= 4, "{endpoints:?}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (name, endpoint) in &endpoints {
        assert!(
            endpoint.starts_with(&format!("{issuer}/")),
            "{name} {endpoint} is not under the issuer"
        );
        let parsed = url::Url::parse(endpoint).unwrap();
        assert_eq!(parsed.scheme(), issuer_url.scheme(), "{name}");
        let got = http.get(endpoint).send().await.unwrap().status();
        assert_ne!(got, StatusCode::NOT_FOUND, "{name} {endpoint}");
        let posted = http
            .post(endpoint)
            .form(&[("x", "y")])
            .send()
            .await
            .unwrap()
            .status();
        assert_ne!(posted, StatusCode::NOT_FOUND, "POST {name} {endpoint}");
    }
}
