//! SAML single logout started by a service provider (SAML Profiles §4.4):
//! after a login through the IdP, the SP's signed LogoutRequest (NameID and
//! SessionIndex from the Response) ends that USSO session and is answered
//! with a signed LogoutResponse to the SP's SingleLogoutService over the
//! request's binding; unsigned or wrongly signed requests get a 400 page,
//! and a NameID of another user leaves the named session alone.
//!
//! LogoutRequests are built with `usso_saml::logout` and encoded with
//! `usso_saml::binding`, signed with the SP key of `saml_sso`.

use base64::Engine as _;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use usso::core::event::Actor;
use usso::core::tenant::Tenant;
use usso::core::user::{Email, UserFields};
use usso::core::Clock;
use usso::service::saml_sps::SamlSpChanges;
use usso_saml::binding::{post_value, redirect_query, InboundMessage, Limits, MessageField};
use usso_saml::keys::SigningKey;
use usso_saml::logout::{build_logout_request, LogoutResponse, NewLogoutRequest};
use usso_saml::response::NameId;
use usso_saml::signature::SignaturePolicy;
use usso_saml::{Binding, MessagePolicy, NameIdFormat};

use crate::harness::TestApp;
use crate::oidc_support::{
    attr, browser, hidden_inputs, random_token, tags, tenant_with_alice, PASSWORD,
};
use crate::saml_sso::{
    expect_refused, idp_certificates, intruder_key, login_return_to, name_id, posted, sp_key,
    sso_with_login, start_tags, texts, xml_attr, Posted, Req, PERSISTENT, SUCCESS,
};

const SP: &str = "https://slo.example.com/saml/metadata";
const ACS: &str = "https://slo.example.com/saml/acs";
const SLO_REDIRECT: &str = "https://slo.example.com/saml/slo/redirect";
const SLO_POST: &str = "https://slo.example.com/saml/slo/post";

/// SP metadata with one POST ACS, SingleLogoutService for both bindings
/// (different URLs, to tell which one was used) and the SP key.
fn slo_sp_metadata() -> String {
    let cert_b64: String = sp_key()
        .cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{SP}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="false" WantAssertionsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{SLO_REDIRECT}"/>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{SLO_POST}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{ACS}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

/// Tenant `acme` with alice and bob, and the SLO-capable SP.
async fn acme() -> (TestApp, Tenant) {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
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
    app.hub
        .create_saml_sp(
            Actor::Cli,
            &tenant,
            slo_sp_metadata(),
            SamlSpChanges::default(),
        )
        .await
        .unwrap();
    (app, tenant)
}

/// What the SP keeps from a login: the persistent NameID and SessionIndex.
struct Login {
    name_id: String,
    session_index: String,
}

fn login_of(p: &Posted) -> Login {
    assert_eq!(p.action, ACS);
    assert_eq!(crate::saml_sso::status(&p.xml), [SUCCESS]);
    let (format, name_id) = name_id(&p.xml);
    assert_eq!(format, PERSISTENT);
    let statement = start_tags(&p.xml, "AuthnStatement");
    let session_index = xml_attr(statement[0], "SessionIndex").expect("SessionIndex");
    Login {
        name_id,
        session_index,
    }
}

/// Alice signs in through the SP (login page on the way).
async fn alice_logs_in(app: &TestApp, b: &reqwest::Client) -> Login {
    let (p, _) = sso_with_login(app, b, &Req::new(app, "acme", SP, ACS), None).await;
    login_of(&p)
}

/// Bob signs in through the SP in browser `b`.
async fn bob_logs_in(app: &TestApp, b: &reqwest::Client) -> Login {
    let r = b
        .get(Req::new(app, "acme", SP, ACS).redirect_url(app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let return_to = login_return_to(app, "acme", &r);
    let page = b
        .get(app.url("/t/acme/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_inputs(&page)
        .into_iter()
        .find(|(n, _)| n == "csrf")
        .map(|(_, v)| v)
        .expect("csrf");
    let r = b
        .post(app.url("/t/acme/login"))
        .form(&[
            ("username", "bob"),
            ("password", PASSWORD),
            ("csrf", csrf.as_str()),
            ("return_to", return_to.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "bob's login");
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    login_of(&posted(app, "acme", r).await)
}

/// Whether the browser's USSO session still answers an SSO at once (true)
/// or sends it to the login page (false).
async fn session_alive(app: &TestApp, b: &reqwest::Client) -> bool {
    let r = b
        .get(Req::new(app, "acme", SP, ACS).redirect_url(app, "acme", None, None))
        .send()
        .await
        .unwrap();
    if r.status() == StatusCode::SEE_OTHER {
        login_return_to(app, "acme", &r);
        false
    } else {
        assert_eq!(posted(app, "acme", r).await.action, ACS);
        true
    }
}

/// The SP's LogoutRequest for `name_id` and `session_index`.
fn logout_request(app: &TestApp, name_id: &str, session_index: &str) -> NewLogoutRequest {
    NewLogoutRequest {
        id: format!("_lo{}", random_token()),
        issuer: SP.into(),
        destination: app.url("/t/acme/saml/slo"),
        now: app.hub.now(),
        name_id: NameId {
            format: NameIdFormat::Persistent,
            value: name_id.into(),
            name_qualifier: None,
            sp_name_qualifier: None,
        },
        session_index: Some(session_index.into()),
        not_on_or_after: Some(app.hub.now() + time::Duration::minutes(5)),
        reason: Some("urn:oasis:names:tc:SAML:2.0:logout:user".into()),
    }
}

/// The HTTP-Redirect URL of `req` at USSO, signed with `key` when given.
fn slo_redirect_url(
    app: &TestApp,
    req: &NewLogoutRequest,
    relay: Option<&str>,
    key: Option<&SigningKey>,
) -> String {
    let xml = build_logout_request(req, None).unwrap();
    let q = redirect_query(MessageField::Request, &xml, relay, key).unwrap();
    app.url(&format!("/t/acme/saml/slo?{q}"))
}

fn idp_policy() -> MessagePolicy {
    MessagePolicy {
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        ..MessagePolicy::default()
    }
}

/// Reads the 303 to the SP's Redirect SLO URL: the LogoutResponse, its
/// detached signature checked with the IdP's published certificates.
async fn redirected_logout_response(app: &TestApp, r: reqwest::Response) -> LogoutResponse {
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let (endpoint, query) = location.split_once('?').expect("a query");
    assert_eq!(endpoint, SLO_REDIRECT);
    let names: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect();
    for name in ["SAMLResponse", "SigAlg", "Signature"] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing: {location}"
        );
    }
    let inbound =
        InboundMessage::from_redirect(query, MessageField::Response, &Limits::default()).unwrap();
    assert!(inbound.is_signed());
    let certificates = idp_certificates(app, "acme").await;
    let response = LogoutResponse::accept(inbound, &certificates, &idp_policy(), app.hub.now())
        .expect("the LogoutResponse verifies with the IdP certificate");
    assert!(response.signed);
    assert_eq!(response.binding, Binding::HttpRedirect);
    response
}

async fn logout_events(app: &TestApp, tenant: &Tenant) -> Vec<(Option<String>, serde_json::Value)> {
    app.hub
        .list_events(tenant, usso::store::Page::first(1000))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "logout" && e.details["via"] == "saml")
        .map(|e| (e.target_id.clone(), e.details.clone()))
        .collect()
}

#[tokio::test]
async fn a_signed_redirect_logout_request_ends_the_session_and_answers_success() {
    let (app, tenant) = acme().await;
    let b = browser();
    let login = alice_logs_in(&app, &b).await;
    assert!(session_alive(&app, &b).await, "logged in before the logout");
    let req = logout_request(&app, &login.name_id, &login.session_index);
    let r = b
        .get(slo_redirect_url(
            &app,
            &req,
            Some("after/logout?x=1"),
            Some(&sp_key().key),
        ))
        .send()
        .await
        .unwrap();
    let response = redirected_logout_response(&app, r).await;
    assert!(response.status.is_success(), "{:?}", response.status);
    assert_eq!(response.in_response_to.as_deref(), Some(req.id.as_str()));
    assert_eq!(response.issuer, app.url("/t/acme/saml/metadata"));
    assert_eq!(response.destination.as_deref(), Some(SLO_REDIRECT));
    assert_eq!(response.relay_state.as_deref(), Some("after/logout?x=1"));
    // The session is gone: the next SSO goes to the login page.
    assert!(!session_alive(&app, &b).await, "the session survived SLO");
    let events = logout_events(&app, &tenant).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0.as_deref(), Some(login.session_index.as_str()));
    assert_eq!(events[0].1["saml_sp"], SP);
}

#[tokio::test]
async fn the_post_binding_is_answered_with_an_auto_post_to_the_slo_post_endpoint() {
    let (app, tenant) = acme().await;
    let b = browser();
    let login = alice_logs_in(&app, &b).await;
    let req = logout_request(&app, &login.name_id, &login.session_index);
    let xml = build_logout_request(&req, Some(&sp_key().key)).unwrap();
    let r = b
        .post(app.url("/t/acme/saml/slo"))
        .form(&[
            ("SAMLRequest", post_value(&xml).as_str()),
            ("RelayState", "rs-post"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the auto-post page");
    let html = r.text().await.unwrap();
    let form = tags(&html, "form");
    assert_eq!(form.len(), 1, "{html}");
    assert_eq!(attr(form[0], "action").as_deref(), Some(SLO_POST));
    assert_eq!(attr(form[0], "method").as_deref(), Some("post"));
    let inputs = hidden_inputs(&html);
    let value = |name: &str| {
        inputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let b64 = value("SAMLResponse").expect("SAMLResponse");
    assert_eq!(value("RelayState").as_deref(), Some("rs-post"));
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&b64)
        .unwrap();
    let xml = String::from_utf8(decoded).unwrap();
    assert_eq!(texts(&xml, "Issuer")[0], app.url("/t/acme/saml/metadata"));
    let inbound = InboundMessage::from_post(
        &b64,
        Some("rs-post"),
        MessageField::Response,
        &Limits::default(),
    )
    .unwrap();
    assert!(inbound.is_signed(), "enveloped signature");
    let certificates = idp_certificates(&app, "acme").await;
    let response = LogoutResponse::accept(inbound, &certificates, &idp_policy(), app.hub.now())
        .expect("the LogoutResponse verifies with the IdP certificate");
    assert_eq!(response.binding, Binding::HttpPost);
    assert!(response.status.is_success());
    assert_eq!(response.in_response_to.as_deref(), Some(req.id.as_str()));
    assert_eq!(response.destination.as_deref(), Some(SLO_POST));
    assert!(!session_alive(&app, &b).await, "the session survived SLO");
    assert_eq!(logout_events(&app, &tenant).await.len(), 1);
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_logout_requests_get_a_400_page() {
    let (app, tenant) = acme().await;
    let b = browser();
    let login = alice_logs_in(&app, &b).await;
    // Unsigned, HTTP-Redirect.
    let req = logout_request(&app, &login.name_id, &login.session_index);
    let r = b
        .get(slo_redirect_url(&app, &req, None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "unsigned Redirect").await;
    // Unsigned, HTTP-POST.
    let xml = build_logout_request(&req, None).unwrap();
    let r = b
        .post(app.url("/t/acme/saml/slo"))
        .form(&[("SAMLRequest", post_value(&xml).as_str())])
        .send()
        .await
        .unwrap();
    expect_refused(r, "unsigned POST").await;
    // Signed by a key the SP did not publish, both bindings.
    let r = b
        .get(slo_redirect_url(
            &app,
            &req,
            None,
            Some(&intruder_key().key),
        ))
        .send()
        .await
        .unwrap();
    expect_refused(r, "Redirect signed by another key").await;
    let xml = build_logout_request(&req, Some(&intruder_key().key)).unwrap();
    let r = b
        .post(app.url("/t/acme/saml/slo"))
        .form(&[("SAMLRequest", post_value(&xml).as_str())])
        .send()
        .await
        .unwrap();
    expect_refused(r, "POST signed by another key").await;
    // Signed correctly, but by an SP that is not registered.
    let mut stranger = logout_request(&app, &login.name_id, &login.session_index);
    stranger.issuer = "https://stranger.example.com/sp".into();
    let r = b
        .get(slo_redirect_url(&app, &stranger, None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    expect_refused(r, "unregistered SP").await;
    // The wrong Destination.
    let mut elsewhere = logout_request(&app, &login.name_id, &login.session_index);
    elsewhere.destination = "https://elsewhere.example.com/slo".into();
    let r = b
        .get(slo_redirect_url(
            &app,
            &elsewhere,
            None,
            Some(&sp_key().key),
        ))
        .send()
        .await
        .unwrap();
    expect_refused(r, "wrong Destination").await;
    // None of them ended the session.
    assert!(
        session_alive(&app, &b).await,
        "a refused request ended the session"
    );
    assert!(logout_events(&app, &tenant).await.is_empty());
}

#[tokio::test]
async fn another_users_name_id_does_not_end_the_victims_session() {
    let (app, tenant) = acme().await;
    let alice = browser();
    let victim = alice_logs_in(&app, &alice).await;
    let bob = browser();
    let attacker = bob_logs_in(&app, &bob).await;
    assert_ne!(attacker.name_id, victim.name_id);
    assert_ne!(attacker.session_index, victim.session_index);
    // Bob's NameID with alice's SessionIndex: answered Success (the code
    // skips sessions whose user the NameID does not designate and still
    // answers Success), and alice's session survives.
    let req = logout_request(&app, &attacker.name_id, &victim.session_index);
    let r = bob
        .get(slo_redirect_url(&app, &req, None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    let response = redirected_logout_response(&app, r).await;
    assert!(response.status.is_success(), "{:?}", response.status);
    assert_eq!(response.in_response_to.as_deref(), Some(req.id.as_str()));
    assert!(
        session_alive(&app, &alice).await,
        "the victim's session ended"
    );
    assert!(
        session_alive(&app, &bob).await,
        "bob's session was not named"
    );
    assert!(logout_events(&app, &tenant).await.is_empty());
    // A SessionIndex that names no session: Success, nothing ends.
    let req = logout_request(&app, &victim.name_id, "not-a-session");
    let r = alice
        .get(slo_redirect_url(&app, &req, None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    assert!(redirected_logout_response(&app, r)
        .await
        .status
        .is_success());
    assert!(session_alive(&app, &alice).await);
    // Alice's own NameID with her SessionIndex ends only her session.
    let req = logout_request(&app, &victim.name_id, &victim.session_index);
    let r = alice
        .get(slo_redirect_url(&app, &req, None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    assert!(redirected_logout_response(&app, r)
        .await
        .status
        .is_success());
    assert!(!session_alive(&app, &alice).await);
    assert!(session_alive(&app, &bob).await);
    assert_eq!(logout_events(&app, &tenant).await.len(), 1);
}

#[tokio::test]
async fn a_logout_request_without_session_index_ends_the_principals_session() {
    let (app, tenant) = acme().await;
    let b = browser();
    let login = alice_logs_in(&app, &b).await;
    let mut req = logout_request(&app, &login.name_id, &login.session_index);
    req.session_index = None;
    let r = b
        .get(slo_redirect_url(&app, &req, None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    let response = redirected_logout_response(&app, r).await;
    assert_eq!(response.in_response_to.as_deref(), Some(req.id.as_str()));
    // Success must mean the user is logged out.
    assert!(response.status.is_success(), "{:?}", response.status);
    assert!(
        !session_alive(&app, &b).await,
        "Success, but the session lives on"
    );
    assert_eq!(logout_events(&app, &tenant).await.len(), 1);
}

#[tokio::test]
async fn saml_logout_revokes_the_oauth_grants_of_the_session() {
    use crate::oidc_support::{
        code_for, expect_oauth_error, json, redeem, refresh, register, web_client, AuthRequest,
    };
    let (app, tenant) = acme().await;
    let rp = register(&app, &tenant, web_client("web")).await;
    let b = browser();
    let login = alice_logs_in(&app, &b).await;
    // The same browser session signs in to an OIDC client too.
    let request = AuthRequest::new(&rp.client_id, "openid offline_access");
    let code = code_for(&app, &b, "acme", &request).await;
    let (status, _, body) = json(redeem(&app, "acme", &rp, &code, &request).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refresh_token = body["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned();
    let req = logout_request(&app, &login.name_id, &login.session_index);
    let r = b
        .get(slo_redirect_url(&app, &req, None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    assert!(redirected_logout_response(&app, r)
        .await
        .status
        .is_success());
    assert!(!session_alive(&app, &b).await);
    let r = refresh(&app, "acme", &rp, &refresh_token).await;
    expect_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

/// The IdP-initiated side (Profiles §4.4.3.2): signing out of USSO tells the
/// SP, through a hidden frame carrying a LogoutRequest signed by the IdP key
/// that names the NameID and SessionIndex the SP received; the SP's
/// LogoutResponse is acknowledged.
#[tokio::test]
async fn signing_out_of_usso_sends_a_signed_logout_request_to_each_sp() {
    let (app, _tenant) = acme().await;
    let b = browser();
    let login = alice_logs_in(&app, &b).await;
    let page = b
        .get(app.url("/t/acme/logout"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_inputs(&page)
        .into_iter()
        .find(|(n, _)| n == "csrf")
        .map(|(_, v)| v)
        .expect("csrf");
    let r = b
        .post(app.url("/t/acme/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-src https://slo.example.com"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("http-equiv=\"refresh\""),
        "moves on by itself"
    );
    let src = tags(&html, "iframe")
        .into_iter()
        .filter_map(|t| attr(t, "src"))
        .next()
        .expect("one frame per SP");
    let src = src.replace("&amp;", "&");
    assert!(
        src.starts_with(&format!("{SLO_REDIRECT}?SAMLRequest=")),
        "{src}"
    );
    let inbound = InboundMessage::from_redirect(
        src.split_once('?').unwrap().1,
        MessageField::Request,
        &Limits::default(),
    )
    .unwrap();
    let policy = MessagePolicy {
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        expected_destination: Some(SLO_REDIRECT.into()),
        ..MessagePolicy::default()
    };
    let request = usso_saml::logout::LogoutRequest::accept(
        inbound,
        &idp_certificates(&app, "acme").await,
        &policy,
        app.clock.now(),
    )
    .unwrap();
    assert_eq!(request.issuer, app.url("/t/acme/saml/metadata"));
    assert_eq!(request.name_id.value, login.name_id);
    assert_eq!(request.session_indexes, vec![login.session_index.clone()]);
    assert!(!session_alive(&app, &b).await, "the USSO session ended");
    // The SP answers into the frame: acknowledged, nothing else happens.
    let ack = browser()
        .get(app.url("/t/acme/saml/slo?SAMLResponse=anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status(), StatusCode::OK);
}
