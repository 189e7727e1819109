//! Helpers of the OIDC flow tests: a tenant with a user, registered clients,
//! a browser that logs in through the hosted form, authorization requests
//! with PKCE, the back-channel calls to the token endpoint, and the checks
//! of what comes back (redirects, OAuth error bodies, JWTs, HTML forms).

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::StatusCode;
use serde_json::Value;
use usso::core::client::ClientFields;
use usso::core::clock::Clock;
use usso::core::event::Actor;
use usso::core::tenant::Tenant;
use usso::core::user::{Email, UserFields};
use usso_oidc::jose::{self, Algorithm, JwkSet, Verified};
use usso_oidc::pkce::s256_challenge;

use crate::harness::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";
pub const REDIRECT_URI: &str = "https://app.example.com/cb";
/// A second URI registered by the same clients.
pub const OTHER_REDIRECT_URI: &str = "https://app.example.com/other";
pub const ALICE_EMAIL: &str = "alice@example.com";

/// Creates tenant `slug` with the user `alice` (email, given and family name).
pub async fn tenant_with_alice(app: &TestApp, slug: &str) -> Tenant {
    let tenant = app.hub.create_tenant(Actor::Cli, slug, None).await.unwrap();
    let fields = UserFields {
        username: "alice".into(),
        emails: vec![Email {
            value: ALICE_EMAIL.into(),
            verified: true,
            primary: true,
            kind: None,
        }],
        given_name: Some("Alice".into()),
        family_name: Some("Liddell".into()),
        ..UserFields::default()
    };
    app.hub
        .create_user(Actor::Cli, &tenant, fields, Some(PASSWORD.into()))
        .await
        .unwrap();
    tenant
}

/// A confidential first-party web client (no consent screen) with the
/// default grants (authorization_code, refresh_token) and scopes.
pub fn web_client(name: &str) -> ClientFields {
    ClientFields {
        name: name.into(),
        redirect_uris: vec![REDIRECT_URI.into(), OTHER_REDIRECT_URI.into()],
        skip_consent: true,
        ..ClientFields::default()
    }
}

/// A registered client as the relying party knows it.
#[derive(Debug, Clone)]
pub struct Rp {
    pub client_id: String,
    pub secret: Option<String>,
}

pub async fn register(app: &TestApp, tenant: &Tenant, fields: ClientFields) -> Rp {
    let (client, secret) = app
        .hub
        .create_client(Actor::Cli, tenant, fields)
        .await
        .unwrap();
    Rp {
        client_id: client.client_id(),
        secret: secret.map(|s| s.expose().to_owned()),
    }
}

/// A hub with tenant `acme`, its user alice, and one client.
pub async fn acme_with(fields: ClientFields) -> (TestApp, Tenant, Rp) {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let rp = register(&app, &tenant, fields).await;
    (app, tenant, rp)
}

/// A browser: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Loads the login form and posts alice's credentials (with `return_to`).
pub async fn log_in(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    return_to: Option<&str>,
) -> reqwest::Response {
    let page = browser
        .get(app.url(&format!("/t/{slug}/login")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_owned();
    let mut form = vec![
        ("username", "alice"),
        ("password", PASSWORD),
        ("csrf", csrf.as_str()),
    ];
    if let Some(return_to) = return_to {
        form.push(("return_to", return_to));
    }
    browser
        .post(app.url(&format!("/t/{slug}/login")))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// A browser with alice's session at tenant `slug`.
pub async fn logged_in(app: &TestApp, slug: &str) -> reqwest::Client {
    let b = browser();
    let r = log_in(app, &b, slug, None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login failed");
    b
}

/// 64 characters of `[0-9a-f]`: fits the PKCE verifier grammar, and serves
/// for `state` and `nonce`.
pub fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// An authorization request (code flow, S256 PKCE, state and nonce) whose
/// parameters tests may change.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    params: Vec<(String, String)>,
    pub verifier: String,
    pub state: String,
    pub nonce: String,
}

impl AuthRequest {
    pub fn new(client_id: &str, scope: &str) -> Self {
        let verifier = random_token();
        let state = random_token();
        let nonce = random_token();
        let params = [
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT_URI),
            ("scope", scope),
            ("state", &state),
            ("nonce", &nonce),
            ("code_challenge", &s256_challenge(&verifier)),
            ("code_challenge_method", "S256"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Self {
            params,
            verifier,
            state,
            nonce,
        }
    }

    /// Sets (or replaces) a parameter.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self = self.without(name);
        self.params.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// `/t/{slug}/authorize?…`, form-encoded.
    pub fn path(&self, slug: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish();
        format!("/t/{slug}/authorize?{query}")
    }
}

pub async fn authorize(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    request: &AuthRequest,
) -> reqwest::Response {
    browser
        .get(app.url(&request.path(slug)))
        .send()
        .await
        .unwrap()
}

/// The `Location` of a redirect, resolved against the hub's base URL.
pub fn location(app: &TestApp, response: &reqwest::Response) -> url::Url {
    let raw = response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location ({})", response.status()))
        .to_str()
        .unwrap();
    url::Url::parse(&app.base).unwrap().join(raw).unwrap()
}

/// The decoded query of a URL, one value per name (a repeated name fails).
pub fn query(url: &url::Url) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in url.query_pairs() {
        assert!(
            out.insert(k.to_string(), v.to_string()).is_none(),
            "{k} repeated in {url}"
        );
    }
    out
}

/// Asserts an authorization response redirected (303, query mode) to
/// `redirect_uri`, with `state` and the issuer (RFC 9207); returns its
/// parameters.
pub fn expect_redirect_to_client(
    app: &TestApp,
    response: &reqwest::Response,
    redirect_uri: &str,
    state: &str,
    slug: &str,
) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(app, response);
    let mut base = to.clone();
    base.set_query(None);
    assert_eq!(base.as_str(), redirect_uri, "redirected to {to}");
    assert!(to.fragment().is_none(), "a fragment in {to}");
    let params = query(&to);
    assert_eq!(params.get("state").map(String::as_str), Some(state), "{to}");
    assert_eq!(
        params.get("iss"),
        Some(&app.url(&format!("/t/{slug}"))),
        "{to}"
    );
    params
}

/// Asserts an authorization error was sent back to the client's redirect URI.
pub fn expect_redirected_error(
    app: &TestApp,
    response: &reqwest::Response,
    request: &AuthRequest,
    slug: &str,
    error: &str,
) {
    let redirect_uri = request.get("redirect_uri").unwrap();
    let params = expect_redirect_to_client(app, response, redirect_uri, &request.state, slug);
    assert_eq!(params.get("error").map(String::as_str), Some(error));
    assert!(!params.contains_key("code"));
}

/// Runs `request` in a browser with a session at a skip-consent client and
/// returns the code it gets.
pub async fn code_for(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    request: &AuthRequest,
) -> String {
    let r = authorize(app, browser, slug, request).await;
    let redirect_uri = request.get("redirect_uri").unwrap();
    let params = expect_redirect_to_client(app, &r, redirect_uri, &request.state, slug);
    assert!(!params.contains_key("error"), "{params:?}");
    params["code"].clone()
}

/// `Basic base64(urlenc(client_id):urlenc(secret))` (RFC 6749 §2.3.1).
pub fn basic(client_id: &str, secret: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret)))
    )
}

/// A POST to the token endpoint as `rp`: its secret in HTTP Basic, or its
/// `client_id` in the form when it is public.
pub async fn token(app: &TestApp, slug: &str, rp: &Rp, form: &[(&str, &str)]) -> reqwest::Response {
    let mut form = form.to_vec();
    let mut request = reqwest::Client::new().post(app.url(&format!("/t/{slug}/token")));
    match &rp.secret {
        Some(secret) => {
            request = request.header("authorization", basic(&rp.client_id, secret));
        }
        None => form.push(("client_id", &rp.client_id)),
    }
    request.form(&form).send().await.unwrap()
}

/// Redeems `code` for the request it came from.
pub async fn redeem(
    app: &TestApp,
    slug: &str,
    rp: &Rp,
    code: &str,
    request: &AuthRequest,
) -> reqwest::Response {
    token(
        app,
        slug,
        rp,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", request.get("redirect_uri").unwrap()),
            ("code_verifier", &request.verifier),
        ],
    )
    .await
}

pub async fn refresh(app: &TestApp, slug: &str, rp: &Rp, refresh_token: &str) -> reqwest::Response {
    token(
        app,
        slug,
        rp,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// Logs alice in, authorizes `scope` for `rp` (a skip-consent client) and
/// redeems the code; returns the 200 token response and the request.
pub async fn tokens(app: &TestApp, slug: &str, rp: &Rp, scope: &str) -> (Value, AuthRequest) {
    let b = logged_in(app, slug).await;
    let request = AuthRequest::new(&rp.client_id, scope);
    let code = code_for(app, &b, slug, &request).await;
    let (status, _, body) = json(redeem(app, slug, rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (body, request)
}

pub async fn json(response: reqwest::Response) -> (StatusCode, HeaderMap, Value) {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, headers, body)
}

/// Asserts an OAuth error response (RFC 6749 §5.2): `status`, `error`, and
/// no token of any kind. Returns the headers.
pub async fn expect_oauth_error(
    response: reqwest::Response,
    status: StatusCode,
    error: &str,
) -> HeaderMap {
    let (got, headers, body) = json(response).await;
    assert_eq!(
        (got, body["error"].as_str()),
        (status, Some(error)),
        "{body}"
    );
    for token in ["access_token", "id_token", "refresh_token"] {
        assert!(body.get(token).is_none(), "{token} in an error: {body}");
    }
    headers
}

pub async fn jwks(app: &TestApp, slug: &str) -> JwkSet {
    let r = reqwest::get(app.url(&format!("/t/{slug}/jwks")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Verifies `token` with the tenant's JWKS, accepting only `alg`.
pub async fn verified(app: &TestApp, slug: &str, token: &str, alg: Algorithm) -> Verified {
    let keys = jwks(app, slug).await;
    jose::verify(token, &keys, &[alg]).unwrap_or_else(|e| panic!("{alg:?} token refused: {e}"))
}

/// The hub's clock, in seconds since the epoch.
pub fn now_unix(app: &TestApp) -> i64 {
    app.clock.now().unix_timestamp()
}

/// The value of attribute `name` in the tag `tag` (`<input …>`), unescaped.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let raw = tag[start..].split('"').next()?;
    Some(unescape_html(raw))
}

/// Every `<tag …>` of `html` with that name (the text from `<` to `>`).
pub fn tags<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}");
    html.match_indices(&open)
        .filter_map(|(at, _)| {
            let rest = &html[at..];
            let end = rest.find('>')?;
            let after = rest[open.len()..].chars().next()?;
            after.is_whitespace().then_some(&rest[..=end])
        })
        .collect()
}

/// The name and value of each `<input type="hidden">`, in order.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    tags(html, "input")
        .into_iter()
        .filter(|t| attr(t, "type").as_deref() == Some("hidden"))
        .filter_map(|t| Some((attr(t, "name")?, attr(t, "value").unwrap_or_default())))
        .collect()
}

fn unescape_html(raw: &str) -> String {
    raw.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Asserts a fatal authorization error: a 400 HTML page, no redirect.
pub async fn expect_error_page(response: reqwest::Response, case: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{case}");
    assert!(
        response.headers().get(LOCATION).is_none(),
        "{case}: redirected"
    );
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/html"),
        "{case}: {content_type}"
    );
}
