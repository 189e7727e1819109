//! The hosted login page: form, CSRF, cookies, wrong passwords, throttling,
//! account page, logout, open-redirect and markup injection attempts.

use reqwest::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::StatusCode;
use usso::core::event::Actor;
use usso::core::user::UserFields;
use usso::store::Page;

use crate::harness::TestApp;

const PASSWORD: &str = "correct horse battery staple";

async fn tenant_with_user(app: &TestApp, slug: &str, username: &str) -> usso::core::tenant::Tenant {
    let tenant = app
        .hub
        .create_tenant(Actor::Cli, slug, Some("Acme <Corp>"))
        .await
        .unwrap();
    let fields = UserFields {
        username: username.into(),
        ..UserFields::default()
    };
    app.hub
        .create_user(Actor::Cli, &tenant, fields, Some(PASSWORD.into()))
        .await
        .unwrap();
    tenant
}

/// Loads the login form and returns the CSRF token it carries.
async fn csrf_from_form(app: &TestApp, client: &reqwest::Client, slug: &str) -> String {
    let page = client
        .get(app.url(&format!("/t/{slug}/login")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let start = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_owned()
}

async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(app.url(&format!("/t/{slug}/login")))
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn login_page_is_an_accessible_form_with_security_headers() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    let page = app
        .client
        .get(app.url("/t/acme/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-frame-options"], "DENY");
    let csrf_cookie = headers[SET_COOKIE].to_str().unwrap();
    assert!(csrf_cookie.starts_with("usso_csrf="), "{csrf_cookie}");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"));
    assert!(csrf_cookie.contains("Path=/t/acme/"));
    let html = page.text().await.unwrap();
    for needle in [
        "name=\"username\"",
        "name=\"password\"",
        "name=\"csrf\"",
        "<label for=\"username\"",
        "<label for=\"password\"",
        "<html lang=\"en\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("<script"));
    // The display name is escaped, not interpreted.
    assert!(html.contains("Acme &lt;Corp&gt;"));
}

#[tokio::test]
async fn unknown_tenant_is_a_404_page() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/t/nope/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .client
        .get(app.url("/t/NOT%20A%20SLUG/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn successful_login_sets_a_session_cookie_and_shows_the_account() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let tenant = tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/t/acme/account");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("usso_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Path=/t/acme/"));
    assert!(
        !cookie.contains("Secure"),
        "http public URL: no Secure flag"
    );

    let account = client.get(app.url("/t/acme/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    assert!(account.text().await.unwrap().contains("alice"));

    // The login is an audit event.
    let events = app
        .hub
        .list_events(
            &tenant,
            Page {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "login.succeeded"));

    // Logging in again while signed in goes straight on.
    let again = client.get(app.url("/t/acme/login")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_session_cookie_does_not_open_another_tenant() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    tenant_with_user(&app, "globex", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let token = cookie.split(';').next().unwrap().to_owned();
    // Even sent explicitly to the other tenant's path, it is not a session there.
    let other = new_client()
        .get(app.url("/t/globex/account"))
        .header("cookie", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    assert!(other.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/t/globex/login"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_fail_the_same_way() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    let wrong = submit(
        &app,
        &client,
        "acme",
        &[("username", "alice"), ("password", "nope"), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let wrong_html = wrong.text().await.unwrap();
    let unknown = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "mallory"),
            ("password", "nope"),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown_html = unknown.text().await.unwrap();
    assert!(wrong_html.contains("Invalid username or password."));
    assert_eq!(
        wrong_html.replace("alice", "X"),
        unknown_html.replace("mallory", "X"),
        "the two failures must look identical"
    );
    let events = app
        .hub
        .list_events(
            &tenant,
            Page {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        events.iter().filter(|e| e.action == "login.failed").count(),
        2
    );
}

#[tokio::test]
async fn a_disabled_user_cannot_log_in() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_user(&app, "acme", "alice").await;
    let alice = app.hub.find_user(&tenant, "alice").await.unwrap();
    app.hub
        .set_user_status(
            Actor::Cli,
            &tenant,
            alice.id,
            usso::core::user::UserStatus::Disabled,
        )
        .await
        .unwrap();
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    // No token.
    let r = submit(
        &app,
        &client,
        "acme",
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A forged token.
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A real token but no cookie (a cross-site form post from another browser).
    let r = submit(
        &app,
        &new_client(),
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .all(|c| !c.to_str().unwrap().starts_with("usso_session=")));
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    for _ in 0..5 {
        let r = submit(
            &app,
            &client,
            "acme",
            &[("username", "alice"), ("password", "bad"), ("csrf", &csrf)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused until the window passes.
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60);
    app.clock.advance(time::Duration::minutes(16));
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn return_to_is_honoured_only_for_local_paths() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    for (return_to, expected) in [
        ("/t/acme/account?x=1", "/t/acme/account?x=1"),
        ("https://evil.example/", "/t/acme/account"),
        ("//evil.example/", "/t/acme/account"),
        ("/\\evil.example", "/t/acme/account"),
    ] {
        let client = new_client();
        let csrf = csrf_from_form(&app, &client, "acme").await;
        let r = submit(
            &app,
            &client,
            "acme",
            &[
                ("username", "alice"),
                ("password", PASSWORD),
                ("csrf", &csrf),
                ("return_to", return_to),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[LOCATION], expected, "return_to {return_to}");
    }
}

#[tokio::test]
async fn logout_needs_a_post_with_csrf_and_ends_the_session() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    // A GET only asks.
    let ask = client.get(app.url("/t/acme/logout")).send().await.unwrap();
    assert_eq!(ask.status(), StatusCode::OK);
    assert_eq!(
        client
            .get(app.url("/t/acme/account"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // A POST without the token is refused.
    let r = client
        .post(app.url("/t/acme/logout"))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = client
        .post(app.url("/t/acme/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let account = client.get(app.url("/t/acme/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::SEE_OTHER);
    let events = app
        .hub
        .list_events(
            &tenant,
            Page {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "logout"));
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    )
    .await;
    app.clock.advance(time::Duration::minutes(20));
    assert_eq!(
        client
            .get(app.url("/t/acme/account"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.clock.advance(time::Duration::minutes(31));
    assert_eq!(
        client
            .get(app.url("/t/acme/account"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn hostile_form_input_gets_a_clear_answer() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    let client = new_client();
    let csrf = csrf_from_form(&app, &client, "acme").await;
    // Markup in the username is echoed escaped.
    let r = submit(
        &app,
        &client,
        "acme",
        &[
            ("username", "\"><script>alert(1)</script>"),
            ("password", "x"),
            ("csrf", &csrf),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(!r.text().await.unwrap().contains("<script>"));
    // A huge password is not hashed for minutes: it is a plain failure.
    let huge = "p".repeat(60 * 1024);
    let r = submit(
        &app,
        &client,
        "acme",
        &[("username", "alice"), ("password", &huge), ("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // An oversized body is refused before it is read.
    let r = submit(
        &app,
        &client,
        "acme",
        &[("username", "alice"), ("password", &"p".repeat(100 * 1024))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Not a form at all.
    let r = client
        .post(app.url("/t/acme/login"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_login_hint_prefills_the_username_escaped() {
    let app = TestApp::spawn().await;
    tenant_with_user(&app, "acme", "alice").await;
    let html = new_client()
        .get(app.url("/t/acme/login?login_hint=alice%40example.com"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"alice@example.com\""), "{html}");
    let html = new_client()
        .get(app.url("/t/acme/login?login_hint=%22%3E%3Cscript%3E"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"));
}
