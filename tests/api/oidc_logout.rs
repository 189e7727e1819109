//! OpenID Connect RP-Initiated Logout 1.0 (the end-session endpoint) and
//! Back-Channel Logout 1.0 end to end: a relying party's receiver on a
//! local port gets the Logout Token, verified against the tenant's JWKS;
//! undelivered tokens are retried by the job and given up after the last
//! attempt. Tests are named after the OpenID Foundation's RP-Initiated and
//! Back-Channel logout test modules where one fits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap as AxumHeaders, StatusCode as AxumStatus};
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use time::Duration as Span;
use tokio::sync::mpsc;
use usso::adapters::oidc::backchannel::{LOGOUT_TOKEN_TYP, MAX_ATTEMPTS, RETRY_DELAYS};
use usso::core::client::ClientFields;
use usso::core::tenant::Tenant;
use usso::jobs::backchannel_logout::run_once;
use usso::store::backchannel_logouts::{self, PendingLogout};
use usso::store::{oauth_grants, Page};
use usso_oidc::jose::{self, Algorithm};

use crate::harness::TestApp;
use crate::oidc_support::{
    browser, code_for, expect_error_page, expect_oauth_error, hidden_inputs, json, location,
    logged_in, now_unix, query, random_token, redeem, refresh, register, tenant_with_alice,
    verified, web_client, AuthRequest, Rp,
};

const SCOPE: &str = "openid profile offline_access";
const POST_LOGOUT: &str = "https://app.example.com/logged-out";
const POST_LOGOUT_WITH_QUERY: &str = "https://app.example.com/bye?from=usso";
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

// ---------------------------------------------------------------------------
// A relying party's back-channel logout receiver

/// What the receiver got: the `Content-Type` and the form's `logout_token`.
#[derive(Debug, Clone)]
struct Received {
    content_type: String,
    logout_token: String,
}

#[derive(Clone)]
struct ReceiverState {
    /// Statuses to answer, in order; 200 once they run out.
    answers: Arc<Mutex<Vec<u16>>>,
    tx: mpsc::UnboundedSender<Received>,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: AxumHeaders,
    body: axum::body::Bytes,
) -> AxumStatus {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let logout_token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let _ = state.tx.send(Received {
        content_type,
        logout_token,
    });
    let mut answers = state.answers.lock().unwrap();
    let status = if answers.is_empty() {
        200
    } else {
        answers.remove(0)
    };
    AxumStatus::from_u16(status).unwrap()
}

/// A relying party's `backchannel_logout_uri` on 127.0.0.1.
struct Receiver {
    uri: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    /// Answers `answers` in order, then 200.
    async fn start(answers: &[u16]) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = ReceiverState {
            answers: Arc::new(Mutex::new(answers.to_vec())),
            tx,
        };
        let app = axum::Router::new()
            .route("/backchannel-logout", axum::routing::post(receive))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            uri: format!("http://{addr}/backchannel-logout"),
            rx,
        }
    }

    /// The next delivery, within a few seconds.
    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
            .await
            .expect("no back-channel logout arrived")
            .expect("receiver closed")
    }

    /// Asserts nothing arrives for a moment.
    async fn expect_nothing(&mut self) {
        let got = tokio::time::timeout(Duration::from_millis(500), self.rx.recv()).await;
        assert!(got.is_err(), "unexpected back-channel logout: {got:?}");
    }
}

// ---------------------------------------------------------------------------
// Helpers

fn logout_client(receiver: Option<&Receiver>, alg: &str) -> ClientFields {
    ClientFields {
        name: format!("Acme App {}", &random_token()[..8]),
        post_logout_redirect_uris: vec![POST_LOGOUT.into(), POST_LOGOUT_WITH_QUERY.into()],
        backchannel_logout_uri: receiver.map(|r| r.uri.clone()),
        id_token_signed_response_alg: Some(alg.into()),
        ..web_client("")
    }
}

/// A hub with tenant acme, alice, and one client.
async fn acme(app: &TestApp, fields: ClientFields) -> (Tenant, Rp) {
    let tenant = tenant_with_alice(app, "acme").await;
    let rp = register(app, &tenant, fields).await;
    (tenant, rp)
}

/// What the relying party holds after alice logged in through it.
struct SignedIn {
    browser: reqwest::Client,
    id_token: String,
    refresh_token: String,
    claims: Map<String, Value>,
}

async fn sign_in(app: &TestApp, slug: &str, rp: &Rp, alg: Algorithm) -> SignedIn {
    let browser = logged_in(app, slug).await;
    sign_in_with(app, slug, rp, alg, browser).await
}

async fn sign_in_with(
    app: &TestApp,
    slug: &str,
    rp: &Rp,
    alg: Algorithm,
    browser: reqwest::Client,
) -> SignedIn {
    let request = AuthRequest::new(&rp.client_id, SCOPE);
    let code = code_for(app, &browser, slug, &request).await;
    let (status, _, body) = json(redeem(app, slug, rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id_token = body["id_token"].as_str().unwrap().to_owned();
    let claims = verified(app, slug, &id_token, alg).await.claims;
    SignedIn {
        browser,
        id_token,
        refresh_token: body["refresh_token"].as_str().unwrap().to_owned(),
        claims,
    }
}

async fn end_session(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    params: &[(&str, &str)],
) -> reqwest::Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    browser
        .get(app.url(&format!("/t/{slug}/end-session?{query}")))
        .send()
        .await
        .unwrap()
}

/// Whether the browser still has a live session at `slug`.
async fn signed_in(app: &TestApp, browser: &reqwest::Client, slug: &str) -> bool {
    let r = browser
        .get(app.url(&format!("/t/{slug}/account")))
        .send()
        .await
        .unwrap();
    match r.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(location(app, &r).path(), format!("/t/{slug}/login"));
            false
        }
        other => panic!("account page answered {other}"),
    }
}

/// Asserts a 303 to `to` (compared without its query); returns the query.
fn expect_back_at(
    app: &TestApp,
    r: &reqwest::Response,
    to: &str,
) -> std::collections::HashMap<String, String> {
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let at = location(app, r);
    let mut base = at.clone();
    base.set_query(None);
    let mut expected = url::Url::parse(to).unwrap();
    expected.set_query(None);
    assert_eq!(base, expected, "redirected to {at}");
    query(&at)
}

fn clears_session_cookie(r: &reqwest::Response) -> bool {
    r.headers().get_all(SET_COOKIE).iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("usso_session=;") && v.contains("Max-Age=0")
    })
}

async fn pending(app: &TestApp, tenant: &Tenant) -> Vec<PendingLogout> {
    let mut conn = app.hub.store.conn().await.unwrap();
    backchannel_logouts::list(&mut conn, tenant.id)
        .await
        .unwrap()
}

/// Waits until the tenant has no pending delivery left.
async fn until_no_pending(app: &TestApp, tenant: &Tenant) {
    for _ in 0..100 {
        if pending(app, tenant).await.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries still pending: {:?}", pending(app, tenant).await);
}

/// Waits until the tenant's one delivery has made `attempts` attempts.
async fn until_attempts(app: &TestApp, tenant: &Tenant, attempts: i64) -> PendingLogout {
    for _ in 0..100 {
        if let [one] = pending(app, tenant).await.as_slice() {
            if one.attempts == attempts {
                return one.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not {attempts} attempts: {:?}", pending(app, tenant).await);
}

async fn actions(app: &TestApp, tenant: &Tenant) -> Vec<(String, Value)> {
    app.hub
        .list_events(tenant, Page::first(1000))
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.details))
        .collect()
}

/// Checks a Logout Token against the tenant's JWKS and Back-Channel
/// Logout 1.0 §2.4; returns its claims.
async fn expect_logout_token(
    app: &TestApp,
    slug: &str,
    token: &str,
    alg: Algorithm,
    rp: &Rp,
    signed_in: &SignedIn,
) -> Map<String, Value> {
    let v = verified(app, slug, token, alg).await;
    assert_eq!(v.header.alg, alg);
    assert!(v.header.typ_is(LOGOUT_TOKEN_TYP), "{:?}", v.header);
    let c = v.claims;
    assert_eq!(c["iss"], app.url(&format!("/t/{slug}")));
    jose::validate_audience(&c, &rp.client_id).unwrap();
    assert_eq!(c["sub"], signed_in.claims["sub"]);
    assert_eq!(c["sid"], signed_in.claims["sid"]);
    assert_eq!(c["events"], json!({ EVENT: {} }));
    assert!(c.get("nonce").is_none(), "a nonce in a logout token: {c:?}");
    let iat = c["iat"].as_i64().unwrap();
    let exp = c["exp"].as_i64().unwrap();
    assert_eq!(exp - iat, 120);
    assert!((iat - now_unix(app)).abs() <= 5, "iat {iat}");
    assert!(c["jti"].as_str().is_some_and(|j| j.len() >= 16));
    c
}

// ---------------------------------------------------------------------------
// RP-Initiated Logout

#[tokio::test]
async fn oidcc_backchannel_rp_initiated_logout() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let mut receiver = Receiver::start(&[]).await;
    let (tenant, rp) = acme(&app, logout_client(Some(&receiver), "ES256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Es256).await;
    assert!(signed_in(&app, &alice.browser, "acme").await);
    let state = random_token();

    // The hint names the live session: no confirmation.
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", &state),
        ],
    )
    .await;
    assert!(clears_session_cookie(&r), "{:?}", r.headers());
    let back = expect_back_at(&app, &r, POST_LOGOUT);
    assert_eq!(back.get("state"), Some(&state));
    assert_eq!(back.len(), 1, "{back:?}");

    assert!(!signed_in(&app, &alice.browser, "acme").await);
    let r = refresh(&app, "acme", &rp, &alice.refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;

    let got = receiver.next().await;
    assert_eq!(got.content_type, "application/x-www-form-urlencoded");
    expect_logout_token(
        &app,
        "acme",
        &got.logout_token,
        Algorithm::Es256,
        &rp,
        &alice,
    )
    .await;
    until_no_pending(&app, &tenant).await;
    receiver.expect_nothing().await;
    let actions = actions(&app, &tenant).await;
    let names: Vec<&str> = actions.iter().map(|(a, _)| a.as_str()).collect();
    for expected in [
        "logout",
        "oauth.session_ended",
        "oidc.backchannel_logout_delivered",
    ] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
}

#[tokio::test]
async fn oidcc_rp_initiated_logout() {
    // An RS256 client (the default) and no back-channel URI.
    let app = TestApp::spawn().await;
    let (tenant, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let state = random_token();
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", &state),
            ("ui_locales", "en"),
            ("logout_hint", "alice"),
        ],
    )
    .await;
    assert_eq!(
        expect_back_at(&app, &r, POST_LOGOUT).get("state"),
        Some(&state)
    );
    assert!(!signed_in(&app, &alice.browser, "acme").await);
    assert!(pending(&app, &tenant).await.is_empty());
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_post() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = alice
        .browser
        .post(app.url("/t/acme/end-session"))
        .form(&[
            ("id_token_hint", alice.id_token.as_str()),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "xyz"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_back_at(&app, &r, POST_LOGOUT)
            .get("state")
            .map(String::as_str),
        Some("xyz")
    );
    assert!(!signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_no_state() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], POST_LOGOUT);
    assert!(!signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT_WITH_QUERY),
            ("state", "s1"),
        ],
    )
    .await;
    let back = expect_back_at(&app, &r, POST_LOGOUT_WITH_QUERY);
    assert_eq!(back.get("from").map(String::as_str), Some("usso"));
    assert_eq!(back.get("state").map(String::as_str), Some("s1"));
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_no_post_logout_redirect_uri() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[("id_token_hint", &alice.id_token), ("state", "ignored")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(LOCATION).is_none());
    assert!(clears_session_cookie(&r));
    assert!(r.text().await.unwrap().contains("signed out"));
    assert!(!signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_bad_post_logout_redirect_uri() {
    let app = TestApp::spawn().await;
    let mut receiver = Receiver::start(&[]).await;
    let (_, rp) = acme(&app, logout_client(Some(&receiver), "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    for bad in [
        "https://evil.example.com/logged-out",
        "https://app.example.com/logged-out/",
        "https://app.example.com/logged-out?x=1",
        // A redirect URI is not a post-logout redirect URI.
        "https://app.example.com/cb",
    ] {
        let r = end_session(
            &app,
            &alice.browser,
            "acme",
            &[
                ("id_token_hint", &alice.id_token),
                ("post_logout_redirect_uri", bad),
                ("state", "s"),
            ],
        )
        .await;
        expect_error_page(r, bad).await;
    }
    assert!(signed_in(&app, &alice.browser, "acme").await);
    receiver.expect_nothing().await;
}

#[tokio::test]
async fn a_post_logout_redirect_uri_without_a_client_is_an_error_page() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[("post_logout_redirect_uri", POST_LOGOUT), ("state", "s")],
    )
    .await;
    expect_error_page(r, "no client").await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("client_id", "00000000-0000-7000-8000-000000000000"),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    expect_error_page(r, "unknown client").await;
    assert!(signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_no_id_token_hint() {
    let app = TestApp::spawn().await;
    let mut receiver = Receiver::start(&[]).await;
    let (_, rp) = acme(&app, logout_client(Some(&receiver), "EdDSA")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::EdDsa).await;

    // A GET asks; nothing ends yet.
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("client_id", &rp.client_id),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "st"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(LOCATION).is_none());
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' https://app.example.com"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("Acme App "), "{html}");
    let form = hidden_inputs(&html);
    assert!(form.iter().any(|(k, _)| k == "csrf"), "{form:?}");
    assert!(signed_in(&app, &alice.browser, "acme").await);
    receiver.expect_nothing().await;

    // A forged CSRF token is refused (and asked again).
    let mut forged: Vec<(String, String)> =
        form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    forged.push(("csrf".into(), "forged".into()));
    let r = alice
        .browser
        .post(app.url("/t/acme/end-session"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(signed_in(&app, &alice.browser, "acme").await);

    // Confirmed: signed out, back at the client with state.
    let r = alice
        .browser
        .post(app.url("/t/acme/end-session"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(clears_session_cookie(&r));
    let back = expect_back_at(&app, &r, POST_LOGOUT);
    assert_eq!(back.get("state").map(String::as_str), Some("st"));
    assert!(!signed_in(&app, &alice.browser, "acme").await);
    let got = receiver.next().await;
    expect_logout_token(
        &app,
        "acme",
        &got.logout_token,
        Algorithm::EdDsa,
        &rp,
        &alice,
    )
    .await;
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_no_params() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(&app, &alice.browser, "acme", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let form = hidden_inputs(&r.text().await.unwrap());
    assert!(form.iter().any(|(k, _)| k == "csrf"), "{form:?}");
    assert!(signed_in(&app, &alice.browser, "acme").await);
    let r = alice
        .browser
        .post(app.url("/t/acme/end-session"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("signed out"));
    assert!(!signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_only_state() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(&app, &alice.browser, "acme", &[("state", "lonely")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(LOCATION).is_none());
    assert!(signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn a_hint_of_an_earlier_session_asks_before_signing_out() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let earlier = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let now = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    assert_ne!(earlier.claims["sid"], now.claims["sid"]);
    let r = end_session(
        &app,
        &now.browser,
        "acme",
        &[
            ("id_token_hint", &earlier.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(LOCATION).is_none());
    assert!(signed_in(&app, &now.browser, "acme").await);
    assert!(signed_in(&app, &earlier.browser, "acme").await);
}

#[tokio::test]
async fn an_expired_id_token_hint_still_signs_out() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    // Past the ID token's lifetime, within the session's idle timeout.
    app.clock.advance(Span::minutes(20));
    let exp = alice.claims["exp"].as_i64().unwrap();
    assert!(now_unix(&app) > exp);
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    expect_back_at(&app, &r, POST_LOGOUT);
    assert!(!signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn without_a_session_the_browser_goes_straight_back() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &browser(),
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
            ("state", "s"),
        ],
    )
    .await;
    expect_back_at(&app, &r, POST_LOGOUT);
    // alice's own browser was not signed out by someone else's request.
    assert!(signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn oidcc_rp_initiated_logout_modified_id_token_hint() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let mut parts: Vec<String> = alice.id_token.split('.').map(str::to_owned).collect();
    let payload = &mut parts[1];
    let flipped = if payload.ends_with('A') { "B" } else { "A" };
    payload.replace_range(payload.len() - 1.., flipped);
    let modified = parts.join(".");
    for hint in [modified.as_str(), "not-a-jwt"] {
        let r = end_session(
            &app,
            &alice.browser,
            "acme",
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", POST_LOGOUT),
            ],
        )
        .await;
        expect_error_page(r, hint).await;
    }
    assert!(signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn an_id_token_hint_signed_by_another_tenant_is_an_error_page() {
    let app = TestApp::spawn().await;
    let (_, rp) = acme(&app, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let other = tenant_with_alice(&app, "other").await;
    let other_rp = register(&app, &other, logout_client(None, "RS256")).await;
    let forged = sign_in(&app, "other", &other_rp, Algorithm::Rs256).await;
    // Same shape, other issuer and keys; even naming acme's client.
    for client_id in [None, Some(rp.client_id.as_str())] {
        let mut params = vec![
            ("id_token_hint", forged.id_token.as_str()),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ];
        if let Some(id) = client_id {
            params.push(("client_id", id));
        }
        let r = end_session(&app, &alice.browser, "acme", &params).await;
        expect_error_page(r, "forged hint").await;
    }
    assert!(signed_in(&app, &alice.browser, "acme").await);
}

#[tokio::test]
async fn a_client_id_other_than_the_hints_audience_is_an_error_page() {
    let app = TestApp::spawn().await;
    let (tenant, rp) = acme(&app, logout_client(None, "RS256")).await;
    let second = register(&app, &tenant, logout_client(None, "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("client_id", &second.client_id),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    expect_error_page(r, "aud conflict").await;
    assert!(signed_in(&app, &alice.browser, "acme").await);
    // The matching client_id is fine.
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[
            ("id_token_hint", &alice.id_token),
            ("client_id", &rp.client_id),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    expect_back_at(&app, &r, POST_LOGOUT);
}

#[tokio::test]
async fn discovery_advertises_the_end_session_endpoint() {
    let app = TestApp::spawn().await;
    tenant_with_alice(&app, "acme").await;
    let doc: Value = reqwest::get(app.url("/t/acme/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["end_session_endpoint"], app.url("/t/acme/end-session"));
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
}

// ---------------------------------------------------------------------------
// Back-Channel Logout

#[tokio::test]
async fn oidcc_backchannel_rp_initiated_logout_notifies_every_client_of_the_session() {
    let app = TestApp::spawn().await;
    let mut first = Receiver::start(&[]).await;
    let mut second = Receiver::start(&[]).await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let rp1 = register(&app, &tenant, logout_client(Some(&first), "RS256")).await;
    let rp2 = register(&app, &tenant, logout_client(Some(&second), "ES256")).await;
    // A client without a back-channel URI is not notified (and not an error).
    let rp3 = register(&app, &tenant, logout_client(None, "RS256")).await;
    let one = sign_in(&app, "acme", &rp1, Algorithm::Rs256).await;
    let two = sign_in_with(&app, "acme", &rp2, Algorithm::Es256, one.browser.clone()).await;
    let three = sign_in_with(&app, "acme", &rp3, Algorithm::Rs256, one.browser.clone()).await;
    assert_eq!(one.claims["sid"], two.claims["sid"]);

    let r = end_session(
        &app,
        &one.browser,
        "acme",
        &[
            ("id_token_hint", &two.id_token),
            ("post_logout_redirect_uri", POST_LOGOUT),
        ],
    )
    .await;
    expect_back_at(&app, &r, POST_LOGOUT);
    let got = first.next().await;
    expect_logout_token(
        &app,
        "acme",
        &got.logout_token,
        Algorithm::Rs256,
        &rp1,
        &one,
    )
    .await;
    let got = second.next().await;
    expect_logout_token(
        &app,
        "acme",
        &got.logout_token,
        Algorithm::Es256,
        &rp2,
        &two,
    )
    .await;
    for (rp, t) in [(&rp1, &one), (&rp2, &two), (&rp3, &three)] {
        let r = refresh(&app, "acme", rp, &t.refresh_token).await;
        expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
    }
    until_no_pending(&app, &tenant).await;
}

#[tokio::test]
async fn the_hosted_logout_also_notifies_by_back_channel() {
    let app = TestApp::spawn().await;
    let mut receiver = Receiver::start(&[]).await;
    let (_, rp) = acme(&app, logout_client(Some(&receiver), "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let account = alice
        .browser
        .get(app.url("/t/acme/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = alice
        .browser
        .post(app.url("/t/acme/logout"))
        .form(&hidden_inputs(&account))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!signed_in(&app, &alice.browser, "acme").await);
    let got = receiver.next().await;
    expect_logout_token(
        &app,
        "acme",
        &got.logout_token,
        Algorithm::Rs256,
        &rp,
        &alice,
    )
    .await;
    let r = refresh(&app, "acme", &rp, &alice.refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_by_the_job_until_acknowledged() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let mut receiver = Receiver::start(&[500]).await;
    let (tenant, rp) = acme(&app, logout_client(Some(&receiver), "ES256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Es256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[("id_token_hint", &alice.id_token)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);

    // The immediate attempt got a 500: the row waits for the first delay.
    let first = receiver.next().await;
    let c1 = expect_logout_token(
        &app,
        "acme",
        &first.logout_token,
        Algorithm::Es256,
        &rp,
        &alice,
    )
    .await;
    let row = until_attempts(&app, &tenant, 1).await;
    let wait = row.next_attempt_at - app.hub.now();
    assert!(
        (wait - RETRY_DELAYS[0]).abs() < Span::milliseconds(1),
        "{wait}"
    );
    let http = app.hub.http.clone();
    assert_eq!(run_once(&app.hub, &http).await.unwrap().delivered, 0);
    receiver.expect_nothing().await;

    // Past the delay, and past the first token's two minutes: the job
    // sends a token signed afresh with the same subject and session.
    app.clock.advance(Span::minutes(3));
    run_once(&app.hub, &http).await.unwrap();
    let second = receiver.next().await;
    until_no_pending(&app, &tenant).await;
    let c2 = expect_logout_token(
        &app,
        "acme",
        &second.logout_token,
        Algorithm::Es256,
        &rp,
        &alice,
    )
    .await;
    assert_ne!(c1["jti"], c2["jti"]);
    assert!(c2["exp"].as_i64().unwrap() > now_unix(&app));
    receiver.expect_nothing().await;
}

#[tokio::test]
async fn a_delivery_is_given_up_after_the_last_attempt() {
    let app = TestApp::spawn().await;
    let mut receiver = Receiver::start(&[503; 10]).await;
    let (tenant, rp) = acme(&app, logout_client(Some(&receiver), "RS256")).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    end_session(
        &app,
        &alice.browser,
        "acme",
        &[("id_token_hint", &alice.id_token)],
    )
    .await;
    receiver.next().await;
    until_attempts(&app, &tenant, 1).await;
    let http = app.hub.http.clone();
    for (i, delay) in RETRY_DELAYS.iter().enumerate() {
        app.clock.advance(*delay);
        run_once(&app.hub, &http).await.unwrap();
        receiver.next().await;
        let made = i64::try_from(i).unwrap() + 2;
        if made < MAX_ATTEMPTS {
            until_attempts(&app, &tenant, made).await;
        }
    }
    until_no_pending(&app, &tenant).await;
    let failed: Vec<Value> = actions(&app, &tenant)
        .await
        .into_iter()
        .filter(|(a, _)| a == "oidc.backchannel_logout_failed")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["attempts"], MAX_ATTEMPTS);
    assert_eq!(failed[0]["reason"], "answered 503");
    receiver.expect_nothing().await;
}

#[tokio::test]
async fn an_unreachable_relying_party_is_retried() {
    let app = TestApp::spawn().await;
    // A port nothing listens on.
    let closed = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let fields = ClientFields {
        backchannel_logout_uri: Some(format!("http://{closed}/bcl")),
        ..logout_client(None, "RS256")
    };
    let (tenant, rp) = acme(&app, fields).await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let r = end_session(
        &app,
        &alice.browser,
        "acme",
        &[("id_token_hint", &alice.id_token)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    until_attempts(&app, &tenant, 1).await;
}

// ---------------------------------------------------------------------------
// Store: tenant isolation of the deliveries

#[tokio::test]
async fn deliveries_of_one_tenant_are_invisible_to_another() {
    let app = TestApp::spawn().await;
    let (a, rp) = acme(&app, logout_client(None, "RS256")).await;
    let b = tenant_with_alice(&app, "beta").await;
    // Stored to the microsecond.
    let now = app.hub.now().replace_nanosecond(0).unwrap();
    let row = PendingLogout {
        tenant_id: a.id,
        id: "d1".into(),
        client_id: rp.client_id.parse().unwrap(),
        logout_token: "t".into(),
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
    };
    let mut conn = app.hub.store.conn().await.unwrap();
    backchannel_logouts::insert(&mut conn, &row).await.unwrap();
    assert!(backchannel_logouts::list(&mut conn, b.id)
        .await
        .unwrap()
        .is_empty());
    assert!(backchannel_logouts::due(&mut conn, b.id, now, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(backchannel_logouts::get(&mut conn, b.id, "d1")
        .await
        .is_err());
    assert!(
        !backchannel_logouts::claim(&mut conn, b.id, "d1", 0, "x", now)
            .await
            .unwrap()
    );
    assert!(!backchannel_logouts::delete(&mut conn, b.id, "d1")
        .await
        .unwrap());
    assert_eq!(
        backchannel_logouts::get(&mut conn, a.id, "d1")
            .await
            .unwrap(),
        row
    );
    // A claim counts once: the second with the same view loses.
    assert!(
        backchannel_logouts::claim(&mut conn, a.id, "d1", 0, "x", now)
            .await
            .unwrap()
    );
    assert!(
        !backchannel_logouts::claim(&mut conn, a.id, "d1", 0, "y", now)
            .await
            .unwrap()
    );
    assert!(backchannel_logouts::delete(&mut conn, a.id, "d1")
        .await
        .unwrap());
}

#[tokio::test]
async fn the_grants_of_a_session_are_invisible_to_another_tenant() {
    let app = TestApp::spawn().await;
    let (a, rp) = acme(&app, logout_client(None, "RS256")).await;
    let b = tenant_with_alice(&app, "beta").await;
    let alice = sign_in(&app, "acme", &rp, Algorithm::Rs256).await;
    let sid = alice.claims["sid"].as_str().unwrap().parse().unwrap();
    let mut conn = app.hub.store.conn().await.unwrap();
    assert!(oauth_grants::for_session(&mut conn, b.id, sid)
        .await
        .unwrap()
        .is_empty());
    let now = app.hub.now();
    assert_eq!(
        oauth_grants::revoke_for_session(&mut conn, b.id, sid, now)
            .await
            .unwrap(),
        0
    );
    let grants = oauth_grants::for_session(&mut conn, a.id, sid)
        .await
        .unwrap();
    assert_eq!(grants.len(), 1);
    assert!(grants[0].revoked_at.is_none());
    assert_eq!(
        oauth_grants::revoke_for_session(&mut conn, a.id, sid, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        oauth_grants::revoke_for_session(&mut conn, a.id, sid, now)
            .await
            .unwrap(),
        0
    );
}
