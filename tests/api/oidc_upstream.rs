//! Federated login through an upstream OpenID Connect provider (OIDC Core
//! §3.1, RP side), over HTTP with a scriptable provider: the authorization
//! request (state bound to the browser, nonce, PKCE S256), the code
//! exchange with client_secret_basic, just-in-time provisioning then the
//! same user again, linking by verified email only when allowed, group
//! mapping, key rotation, home-realm discovery, `idp_hint`, RP-Initiated
//! Logout; and each way a hostile or broken provider's answer is refused —
//! bad signature, wrong `iss` / `aud` / `nonce`, expired, replayed or
//! foreign `state`, provider down — with nothing half-created.

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::Duration;
use usso::core::event::Actor;
use usso::core::tenant::Tenant;
use usso::core::Clock;
use usso::service::metadata_fetch::Reach;
use usso::service::upstream_oidc::OidcUpstreamChanges;
use usso_oidc::jose::{Algorithm, SigningKey};

use crate::harness::TestApp;
use crate::oidc_support::{browser, logged_in, tenant_with_alice, ALICE_EMAIL};
use crate::oidc_upstream_support::{Script, Upstream, CLIENT_ID, CLIENT_SECRET};

fn changes(upstream: &Upstream) -> OidcUpstreamChanges {
    OidcUpstreamChanges {
        name: Some("corp".into()),
        issuer: Some(upstream.issuer.clone()),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(Some(CLIENT_SECRET.into())),
        ..OidcUpstreamChanges::default()
    }
}

async fn setup(extra: OidcUpstreamChanges) -> (TestApp, Tenant, Upstream) {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let upstream = Upstream::start().await;
    upstream.set_now(app.clock.now().unix_timestamp());
    let base = changes(&upstream);
    let given = OidcUpstreamChanges {
        name: base.name,
        issuer: base.issuer,
        client_id: base.client_id,
        client_secret: base.client_secret,
        ..extra
    };
    app.hub
        .create_oidc_upstream(Actor::Cli, &tenant, given, Reach::Anywhere)
        .await
        .unwrap();
    (app, tenant, upstream)
}

/// Clicks the `corp` button: the URL of the provider's authorization
/// request.
async fn start(app: &TestApp, b: &reqwest::Client) -> String {
    let r = b
        .get(app.url("/t/acme/login/idp/corp?return_to=%2Ft%2Facme%2Faccount"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

async fn callback(
    app: &TestApp,
    b: &reqwest::Client,
    code: &str,
    state: &str,
) -> reqwest::Response {
    callback_at(app, b, "corp", code, state).await
}

async fn callback_at(
    app: &TestApp,
    b: &reqwest::Client,
    idp: &str,
    code: &str,
    state: &str,
) -> reqwest::Response {
    b.get(app.url(&format!("/t/acme/login/idp/{idp}/callback")))
        .query(&[("code", code), ("state", state)])
        .send()
        .await
        .unwrap()
}

/// A whole login through the provider in browser `b`.
async fn login(app: &TestApp, upstream: &Upstream, b: &reqwest::Client) -> reqwest::Response {
    let url = start(app, b).await;
    let (code, state) = upstream.answer(&url);
    callback(app, b, &code, &state).await
}

async fn users(app: &TestApp, tenant: &Tenant) -> Vec<usso::core::user::User> {
    app.hub
        .list_users(tenant, None, usso::store::Page::first(100))
        .await
        .unwrap()
}

async fn user_named(app: &TestApp, tenant: &Tenant, login: &str) -> Option<usso::core::user::User> {
    app.hub.find_user(tenant, login).await.ok()
}

#[tokio::test]
async fn the_request_carries_state_nonce_and_pkce_and_is_bound_to_the_browser() {
    let (app, _tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    let b = browser();
    let r = b
        .get(app.url("/t/acme/login/idp/corp"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("usso_upstream_state="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    let url = url::Url::parse(r.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        format!("{}/authorize", upstream.issuer)
    );
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(
        q["redirect_uri"],
        app.url("/t/acme/login/idp/corp/callback")
    );
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["scope"], "openid email profile");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43);
}

#[tokio::test]
async fn first_login_creates_the_user_and_the_next_one_finds_it() {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    let before = users(&app, &tenant).await.len();
    let b = browser();
    let r = login(&app, &upstream, &b).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    assert_eq!(r.headers()[LOCATION], "/t/acme/account");
    let bob = user_named(&app, &tenant, "bob@corp.example")
        .await
        .expect("created");
    assert_eq!(bob.given_name.as_deref(), Some("Bob"));
    assert!(
        bob.emails[0].verified,
        "email_verified from a trusted provider"
    );
    // The code went back with USSO's client authentication and PKCE verifier.
    let sent = upstream.token_requests();
    assert_eq!(sent[0]["grant_type"], "authorization_code");
    assert!(sent[0]["authorization"].starts_with("Basic "));
    assert!(
        !sent[0].contains_key("client_secret"),
        "never in the form with basic"
    );

    let account = b.get(app.url("/t/acme/account")).send().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);

    let again = login(&app, &upstream, &browser()).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        users(&app, &tenant).await.len(),
        before + 1,
        "no second user"
    );
    let links = app.hub.linked_identities(&tenant, bob.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].subject, "up-bob");
}

/// Each hostile answer: the status the browser gets, and no user made.
async fn refused_with(script: Script, expected: StatusCode) {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    let before = users(&app, &tenant).await.len();
    upstream.script(script);
    let r = login(&app, &upstream, &browser()).await;
    assert_eq!(r.status(), expected);
    let new_session = r.headers().get_all("set-cookie").iter().any(|c| {
        c.to_str().unwrap().starts_with("usso_session=")
            && !c.to_str().unwrap().starts_with("usso_session=;")
    });
    assert!(!new_session, "no session for a refused login");
    let body = r.text().await.unwrap();
    assert!(!body.contains("up-bob"), "no internals on the page");
    assert_eq!(users(&app, &tenant).await.len(), before, "nothing created");
}

#[tokio::test]
async fn a_token_signed_by_another_key_with_the_same_kid_is_refused() {
    let forger = SigningKey::generate(Algorithm::Es256, "k1".into()).unwrap();
    refused_with(
        Script {
            forger: Some(forger),
            ..Script::default()
        },
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_wrong_issuer_audience_nonce_or_an_expired_token_is_refused() {
    for claims in [
        json!({"iss": "https://evil.example"}),
        json!({"aud": "someone-else"}),
        json!({"aud": [CLIENT_ID, "untrusted"]}),
        json!({"nonce": "not-the-one-sent"}),
        json!({"nonce": null}),
        json!({"exp": 1}),
    ] {
        refused_with(
            Script {
                claims,
                ..Script::default()
            },
            StatusCode::FORBIDDEN,
        )
        .await;
    }
}

#[tokio::test]
async fn the_provider_saying_no_is_a_refusal_not_an_error() {
    refused_with(
        Script {
            token_error: Some((StatusCode::BAD_REQUEST, "invalid_grant")),
            ..Script::default()
        },
        StatusCode::FORBIDDEN,
    )
    .await;
    refused_with(
        Script {
            token_error: Some((StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")),
            ..Script::default()
        },
        StatusCode::BAD_GATEWAY,
    )
    .await;
}

#[tokio::test]
async fn a_replayed_or_foreign_state_is_refused() {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    let b = browser();
    let url = start(&app, &b).await;
    let (code, state) = upstream.answer(&url);
    // Another browser (an attacker's link in a victim's browser): no cookie.
    let r = callback(&app, &browser(), &code, &state).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Tampered state in the right browser.
    let r = callback(&app, &b, &code, &format!("{state}x")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // A fresh login, answered, then replayed.
    let b = browser();
    let url = start(&app, &b).await;
    let (code, state) = upstream.answer(&url);
    let first = callback(&app, &b, &code, &state).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let before = users(&app, &tenant).await.len();
    let replay = b
        .get(app.url("/t/acme/login/idp/corp/callback"))
        .query(&[("code", &code), ("state", &state)])
        .header("cookie", format!("usso_upstream_state={state}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert_eq!(users(&app, &tenant).await.len(), before);
    // The provider's error answer shows a page, not a crash.
    let b = browser();
    let url = start(&app, &b).await;
    let (_, state) = upstream.answer(&url);
    let r = b
        .get(app.url("/t/acme/login/idp/corp/callback"))
        .query(&[("error", "access_denied"), ("state", state.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Repeated parameters are not an answer.
    let r = b
        .get(app.url(&format!(
            "/t/acme/login/idp/corp/callback?code=a&code=b&state={state}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_provider_that_is_down_gives_a_clear_page_and_nothing_half_created() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    app.hub
        .create_oidc_upstream(
            Actor::Cli,
            &tenant,
            OidcUpstreamChanges {
                name: Some("corp".into()),
                issuer: Some(format!("http://127.0.0.1:{closed}")),
                client_id: Some(CLIENT_ID.into()),
                ..OidcUpstreamChanges::default()
            },
            Reach::Anywhere,
        )
        .await
        .unwrap();
    let before = users(&app, &tenant).await.len();
    let r = browser()
        .get(app.url("/t/acme/login/idp/corp"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert!(r.text().await.unwrap().contains("not available"));
    assert_eq!(users(&app, &tenant).await.len(), before);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_the_old_one_is_gone() {
    let (app, _tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    assert_eq!(
        login(&app, &upstream, &browser()).await.status(),
        StatusCode::SEE_OTHER
    );
    upstream.rotate("k2");
    app.clock.advance(Duration::seconds(11));
    upstream.set_now(app.clock.now().unix_timestamp());
    let r = login(&app, &upstream, &browser()).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the JWKS was refreshed for kid k2"
    );
}

#[tokio::test]
async fn an_email_owned_by_another_user_links_only_when_verified_and_allowed() {
    // Allowed, but the provider does not vouch for the email: parked, not linked.
    let (app, tenant, upstream) = setup(OidcUpstreamChanges {
        link_by_email: Some(true),
        ..OidcUpstreamChanges::default()
    })
    .await;
    upstream.script(Script {
        claims: json!({"email": ALICE_EMAIL, "email_verified": false}),
        ..Script::default()
    });
    let before = users(&app, &tenant).await.len();
    assert_eq!(
        login(&app, &upstream, &browser()).await.status(),
        StatusCode::CONFLICT
    );
    assert_eq!(users(&app, &tenant).await.len(), before);
    let alice = user_named(&app, &tenant, "alice").await.unwrap();
    assert!(app
        .hub
        .linked_identities(&tenant, alice.id)
        .await
        .unwrap()
        .is_empty());

    // Allowed and verified: logged in as alice, the link recorded.
    upstream.script(Script {
        claims: json!({"email": ALICE_EMAIL, "email_verified": true}),
        ..Script::default()
    });
    let b = browser();
    assert_eq!(
        login(&app, &upstream, &b).await.status(),
        StatusCode::SEE_OTHER
    );
    let links = app.hub.linked_identities(&tenant, alice.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(users(&app, &tenant).await.len(), before);
}

#[tokio::test]
async fn without_automatic_linking_the_owner_signs_in_to_link() {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    upstream.script(Script {
        claims: json!({"email": ALICE_EMAIL}),
        ..Script::default()
    });
    let b = browser();
    let r = login(&app, &upstream, &b).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    assert!(page.contains("Sign in to it once to link"), "{page}");
    let alice = user_named(&app, &tenant, "alice").await.unwrap();
    assert!(app
        .hub
        .linked_identities(&tenant, alice.id)
        .await
        .unwrap()
        .is_empty());
    // Someone else signing in in another browser links nothing.
    let _ = logged_in(&app, "acme").await;
    assert!(app
        .hub
        .linked_identities(&tenant, alice.id)
        .await
        .unwrap()
        .is_empty());
    // Alice proves the account is hers in the same browser: linked.
    let r = crate::oidc_support::log_in(&app, &b, "acme", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let links = app.hub.linked_identities(&tenant, alice.id).await.unwrap();
    assert_eq!(links.len(), 1, "linked once alice signed in");
    // The next upstream login is alice's.
    let b = browser();
    assert_eq!(
        login(&app, &upstream, &b).await.status(),
        StatusCode::SEE_OTHER
    );
    let events = app
        .hub
        .list_events(&tenant, usso::store::Page::first(1000))
        .await
        .unwrap();
    let linked: Vec<_> = events
        .iter()
        .filter(|e| e.action == "identity.linked")
        .collect();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].details["rule"], "signed_in");
}

#[tokio::test]
async fn mapped_groups_follow_the_provider_at_each_login() {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges {
        group_map: Some([("Engineering".to_owned(), "eng".to_owned())].into()),
        ..OidcUpstreamChanges::default()
    })
    .await;
    let eng = app
        .hub
        .create_group(Actor::Cli, &tenant, "eng", None)
        .await
        .unwrap();
    assert_eq!(
        login(&app, &upstream, &browser()).await.status(),
        StatusCode::SEE_OTHER
    );
    let bob = user_named(&app, &tenant, "bob@corp.example").await.unwrap();
    let members = |app: &TestApp| {
        let hub = app.hub.clone();
        let tenant = tenant.clone();
        async move { hub.group_members(&tenant, eng.id).await.unwrap() }
    };
    assert!(format!("{:?}", members(&app).await).contains(&bob.id.to_string()));
    upstream.script(Script {
        claims: json!({"groups": ["Sales"]}),
        ..Script::default()
    });
    assert_eq!(
        login(&app, &upstream, &browser()).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(!format!("{:?}", members(&app).await).contains(&bob.id.to_string()));
}

#[tokio::test]
async fn no_create_users_refuses_an_unknown_identity() {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges {
        create_users: Some(false),
        ..OidcUpstreamChanges::default()
    })
    .await;
    let before = users(&app, &tenant).await.len();
    assert_eq!(
        login(&app, &upstream, &browser()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(users(&app, &tenant).await.len(), before);
}

#[tokio::test]
async fn an_email_of_a_routed_domain_goes_to_its_provider() {
    let (app, _tenant, _upstream) = setup(OidcUpstreamChanges {
        domains: Some(vec!["corp.example".into()]),
        ..OidcUpstreamChanges::default()
    })
    .await;
    let b = browser();
    let page = b.get(app.url("/t/acme/login")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("/t/acme/login/idp/corp"),
        "a button per provider"
    );
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_owned();
    let r = b
        .post(app.url("/t/acme/login"))
        .form(&[
            ("username", "Bob@Corp.Example"),
            ("password", ""),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/t/acme/login/idp/corp"));
    // Another domain is a password login as before.
    let r = b
        .post(app.url("/t/acme/login"))
        .form(&[
            ("username", "someone@else.example"),
            ("password", ""),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn idp_hint_goes_straight_to_the_provider() {
    let (app, tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    let rp =
        crate::oidc_support::register(&app, &tenant, crate::oidc_support::web_client("app")).await;
    let request = crate::oidc_support::AuthRequest::new(&rp.client_id, "openid email")
        .set("idp_hint", "corp");
    let b = browser();
    let r = b.get(app.url(&request.path("acme"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut next = r.headers()[LOCATION].to_str().unwrap().to_owned();
    if next.starts_with('/') {
        let r = b.get(app.url(&next)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        next = r.headers()[LOCATION].to_str().unwrap().to_owned();
    }
    assert!(
        next.starts_with(&format!("{}/authorize", upstream.issuer)),
        "{next}"
    );
    let (code, state) = upstream.answer(&next);
    let r = callback(&app, &b, &code, &state).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Back into the authorization request, which now has a session.
    let resume = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let r = b.get(app.url(&resume)).send().await.unwrap();
    let to_client = r.headers()[LOCATION].to_str().unwrap();
    assert!(
        to_client.starts_with(crate::oidc_support::REDIRECT_URI),
        "{to_client}"
    );
    assert!(to_client.contains("code="));
}

#[tokio::test]
async fn logout_ends_the_upstream_session_when_configured() {
    let (app, _tenant, upstream) = setup(OidcUpstreamChanges {
        rp_logout: Some(true),
        ..OidcUpstreamChanges::default()
    })
    .await;
    let b = browser();
    assert_eq!(
        login(&app, &upstream, &b).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = b.get(app.url("/t/acme/logout")).send().await.unwrap();
    let html = page.text().await.unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_owned();
    let r = b
        .post(app.url("/t/acme/logout"))
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    let body_or_location = match r.headers().get(LOCATION) {
        Some(l) => l.to_str().unwrap().to_owned(),
        None => r.text().await.unwrap(),
    };
    let logout = format!("{}/logout?id_token_hint=", upstream.issuer);
    assert!(body_or_location.contains(&logout), "{body_or_location}");
    // The provider sends the browser back with the state: on to the login page.
    let state = body_or_location
        .split("state=")
        .nth(1)
        .unwrap()
        .split(['&', '"', '\''])
        .next()
        .unwrap()
        .to_owned();
    let back = b
        .get(app.url("/t/acme/login/idp/corp/logged-out"))
        .query(&[("state", &state)])
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(back.headers()[LOCATION], "/t/acme/login");
    // A second visit with the same state is just the login page.
    let again = b
        .get(app.url("/t/acme/login/idp/corp/logged-out"))
        .query(&[("state", &state)])
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()[LOCATION], "/t/acme/login");
}

#[tokio::test]
async fn a_password_user_logs_in_without_touching_the_provider() {
    let (app, _tenant, upstream) = setup(OidcUpstreamChanges::default()).await;
    let _ = logged_in(&app, "acme").await;
    assert!(upstream.token_requests().is_empty());
}

#[tokio::test]
async fn the_admin_api_registers_a_provider_and_never_shows_its_secret() {
    let app = TestApp::spawn().await;
    tenant_with_alice(&app, "acme").await;
    let r = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(&json!({
            "kind": "oidc", "name": "corp", "issuer": "https://idp.corp.example",
            "client_id": "usso", "client_secret": "s3cret-s3cret",
            "settings": {"domains": ["corp.example"], "rp_logout": true},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["kind"], "oidc");
    assert_eq!(
        body["redirect_uri"],
        app.url("/t/acme/login/idp/corp/callback")
    );
    assert_eq!(body["issuer"], "https://idp.corp.example");
    assert!(!body.to_string().contains("s3cret"));
    for (bad, field) in [
        (
            json!({"kind": "oidc", "name": "x", "client_id": "c"}),
            "issuer",
        ),
        (
            json!({"kind": "oidc", "name": "x", "issuer": "ftp://x", "client_id": "c"}),
            "issuer",
        ),
        (
            json!({"kind": "oauth2", "name": "x", "issuer": "https://x", "client_id": "c"}),
            "authorization_endpoint",
        ),
        (
            json!({"kind": "oidc", "name": "y", "preset": "nope", "client_id": "c"}),
            "preset",
        ),
        (json!({"kind": "webauthn", "name": "z"}), "kind"),
    ] {
        let r = app
            .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{bad}");
        let text = r.text().await.unwrap();
        assert!(text.contains(field), "{bad}: {text}");
    }
    let dup = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(&json!({"kind": "oidc", "name": "corp", "issuer": "https://b.example", "client_id": "c"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_tenant_admin_cannot_aim_a_provider_at_the_hubs_own_network() {
    let app = TestApp::spawn().await;
    let token = crate::admin_support::tenant_with_admin(&app, "acme").await;
    for issuer in [
        "http://127.0.0.1:5432",
        "http://10.0.0.7",
        "http://[::1]:8080",
    ] {
        let r = crate::admin_support::call_as(
            &app,
            Some(&token),
            reqwest::Method::POST,
            "/api/v1/tenants/acme/idps",
            Some(json!({"kind": "oidc", "name": "corp", "issuer": issuer, "client_id": "c"})),
        )
        .await;
        let problem = crate::admin_support::expect_problem(r, 422).await;
        assert!(
            problem.to_string().contains("not a public address"),
            "{problem}"
        );
    }
    // The installation admin (and the CLI) may: a company IdP on the LAN.
    let r = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(
            &json!({"kind": "oidc", "name": "lan", "issuer": "http://10.0.0.7", "client_id": "c"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn sign_in_with_apple_signs_its_client_secret_and_reads_the_posted_name() {
    let key = SigningKey::generate(Algorithm::Es256, "KEY123".into()).unwrap();
    let pem = {
        use base64::Engine as _;
        let der = key.to_pkcs8_der().unwrap();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(&*der)
        )
    };
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let upstream = Upstream::start().await;
    upstream.set_now(app.clock.now().unix_timestamp());
    app.hub
        .create_oidc_upstream(
            Actor::Cli,
            &tenant,
            OidcUpstreamChanges {
                name: Some("apple".into()),
                preset: Some("apple".into()),
                // The fake provider stands in for appleid.apple.com.
                issuer: Some(upstream.issuer.clone()),
                client_id: Some(CLIENT_ID.into()),
                client_secret: Some(Some(pem)),
                signed_client_secret: Some(Some(usso::core::upstream_oidc::SignedClientSecret {
                    team_id: "TEAM123".into(),
                    key_id: "KEY123".into(),
                })),
                ..OidcUpstreamChanges::default()
            },
            Reach::Anywhere,
        )
        .await
        .unwrap();
    upstream.script(Script {
        secret_in_form: true,
        claims: json!({"given_name": null, "family_name": null}),
        ..Script::default()
    });
    let b = browser();
    let r = b
        .get(app.url("/t/acme/login/idp/apple"))
        .send()
        .await
        .unwrap();
    let url = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(url.contains("response_mode=form_post"), "{url}");
    assert!(url.contains("scope=openid+email+name"), "{url}");
    let (code, state) = upstream.answer(&url);
    // Apple posts the answer, with the name (first login only, unsigned).
    let r = b
        .post(app.url("/t/acme/login/idp/apple/callback"))
        .form(&[
            ("code", code.as_str()),
            ("state", state.as_str()),
            (
                "user",
                r#"{"name":{"firstName":"Tim","lastName":"Apple"},"email":"other@x.example"}"#,
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    let sent = &upstream.token_requests()[0];
    assert!(!sent.contains_key("authorization"), "client_secret_post");
    let jwt = &sent["client_secret"];
    let set = usso_oidc::jose::JwkSet {
        keys: vec![key.public_jwk()],
    };
    let verified = usso_oidc::jose::verify(jwt, &set, &[Algorithm::Es256]).unwrap();
    assert_eq!(verified.claims["iss"], "TEAM123");
    assert_eq!(verified.claims["sub"], CLIENT_ID);
    assert_eq!(verified.claims["aud"], upstream.issuer.as_str());
    let bob = user_named(&app, &tenant, "bob@corp.example").await.unwrap();
    assert_eq!(bob.given_name.as_deref(), Some("Tim"));
    assert_eq!(bob.family_name.as_deref(), Some("Apple"));
    assert_eq!(
        bob.emails[0].value, "bob@corp.example",
        "never the posted email"
    );
}

#[tokio::test]
async fn a_plain_oauth2_provider_is_read_through_its_user_api() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    let upstream = Upstream::start().await;
    let i = upstream.issuer.clone();
    app.hub
        .create_oidc_upstream(
            Actor::Cli,
            &tenant,
            OidcUpstreamChanges {
                name: Some("github".into()),
                preset: Some("github".into()),
                client_id: Some(CLIENT_ID.into()),
                client_secret: Some(Some(CLIENT_SECRET.into())),
                client_auth: Some(usso::core::upstream_oidc::ClientAuthMethod::ClientSecretBasic),
                authorization_endpoint: Some(format!("{i}/authorize")),
                token_endpoint: Some(format!("{i}/token")),
                userinfo_endpoint: Some(format!("{i}/userinfo")),
                ..OidcUpstreamChanges::default()
            },
            Reach::Anywhere,
        )
        .await
        .unwrap();
    // GitHub's /user: a numeric id, a login, no public email.
    upstream.script(Script {
        userinfo: json!({"id": 4242, "login": "octo", "name": "Octo Cat", "email": null}),
        ..Script::default()
    });
    // The preset's emails endpoint points at github.com: aim it at the fake.
    let idp = app.hub.find_upstream(&tenant, "github").await.unwrap();
    let mut config = idp.oidc().unwrap().clone();
    config.endpoints.emails = Some(format!("{i}/user/emails"));
    let mut idp2 = idp.clone();
    idp2.config = usso::core::upstream_idp::UpstreamConfig::OAuth2(config);
    let mut conn = app.hub.store.conn().await.unwrap();
    usso::store::upstream_idps::update(&mut conn, &idp2, idp.version)
        .await
        .unwrap();
    drop(conn);

    let b = browser();
    let r = b
        .get(app.url("/t/acme/login/idp/github"))
        .send()
        .await
        .unwrap();
    let url = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        !url.contains("nonce="),
        "plain OAuth 2.0 has no nonce: {url}"
    );
    assert!(url.contains("scope=read%3Auser+user%3Aemail"), "{url}");
    let (code, state) = upstream.answer(&url);
    let r = callback_at(&app, &b, "github", &code, &state).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    let octo = user_named(&app, &tenant, "octo")
        .await
        .expect("created as its login");
    assert_eq!(
        octo.emails[0].value, "octo@corp.example",
        "the primary verified email"
    );
    assert!(octo.emails[0].verified);
    assert_eq!(octo.display_name.as_deref(), Some("Octo Cat"));
    let links = app.hub.linked_identities(&tenant, octo.id).await.unwrap();
    assert_eq!(links[0].subject, "4242", "the numeric id is the subject");
}
