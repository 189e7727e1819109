//! USSO as SAML service provider towards a tenant's upstream IdP (SAML
//! Profiles §4.1, SP side), over HTTP: the SP metadata, the signed
//! AuthnRequest a login button sends, the Response posted to the ACS —
//! accepted when signed by the registered IdP key and answering a pending
//! request, refused when replayed, unsolicited, unsigned, signed by another
//! key, for another audience or another tenant — then just-in-time
//! provisioning, linking by email only when the tenant allows it, group
//! mapping, `idp_hint`, the login page's buttons, Single Logout started by
//! the IdP, and the admin API.
//!
//! The IdP's side is written with `usso_saml`'s IdP functions and a key
//! made once per run; the hostile-XML corpus (XSW, comments, DTDs, …) is
//! tested against the same checks in the `usso-saml` crate.

use std::sync::OnceLock;

use base64::Engine as _;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::Duration;
use usso::core::event::Actor;
use usso::core::tenant::Tenant;
use usso::core::Clock;
use usso::service::upstream_idps::SamlUpstreamChanges;
use usso_oidc::jose::{Algorithm, SigningKey as JoseKey};
use usso_saml::authn_request::AuthnRequest;
use usso_saml::binding::{post_value, redirect_query, InboundMessage, Limits, MessageField};
use usso_saml::encrypt::{DataEncryption, Encryption};
use usso_saml::keys::{self_signed_certificate, Certificate, SigningKey};
use usso_saml::logout::{build_logout_request, NewLogoutRequest};
use usso_saml::metadata::{IdpMetadata, SpMetadata};
use usso_saml::response::{
    build_response, Attribute, AttributeNameFormat, LoginResponse, NameId, ResponseOptions,
    AC_PASSWORD_PROTECTED_TRANSPORT,
};
use usso_saml::signature::SignaturePolicy;
use usso_saml::{MessagePolicy, NameIdFormat};

use crate::harness::TestApp;
use crate::oidc_support::{browser, tenant_with_alice, ALICE_EMAIL};

const IDP: &str = "https://idp.corp.example/saml";
const IDP_SSO: &str = "https://idp.corp.example/sso";
const IDP_SLO: &str = "https://idp.corp.example/slo";

struct IdpKey {
    key: SigningKey,
    cert: Certificate,
}

fn make_key(serial: u8) -> IdpKey {
    let der = JoseKey::generate(Algorithm::Rs256, "idp".into())
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&*der);
    let mut key_pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        key_pem.push_str(std::str::from_utf8(line).unwrap());
        key_pem.push('\n');
    }
    key_pem.push_str("-----END PRIVATE KEY-----\n");
    let cert_pem = self_signed_certificate(
        &key_pem,
        "idp.corp.example",
        time::macros::datetime!(2020-01-01 0:00 UTC),
        time::macros::datetime!(2045-01-01 0:00 UTC),
        &[serial, 0x1d, 0x9a],
    )
    .unwrap();
    IdpKey {
        key: SigningKey::from_pkcs8_pem(&key_pem, &cert_pem).unwrap(),
        cert: Certificate::from_pem(&cert_pem).unwrap(),
    }
}

/// The key the IdP's metadata publishes.
fn idp_key() -> &'static IdpKey {
    static K: OnceLock<IdpKey> = OnceLock::new();
    K.get_or_init(|| make_key(1))
}

/// A key nobody registered.
fn intruder_key() -> &'static IdpKey {
    static K: OnceLock<IdpKey> = OnceLock::new();
    K.get_or_init(|| make_key(2))
}

fn idp_metadata() -> String {
    IdpMetadata::standard(IDP, IDP_SSO, IDP_SLO, vec![idp_key().cert.clone()]).to_xml()
}

async fn register(app: &TestApp, tenant: &Tenant, name: &str, changes: SamlUpstreamChanges) {
    app.hub
        .create_saml_upstream(
            Actor::Cli,
            tenant,
            idp_metadata(),
            SamlUpstreamChanges {
                name: Some(name.into()),
                ..changes
            },
        )
        .await
        .unwrap();
}

/// A tenant with alice and the IdP registered as `corp` with `changes`.
async fn tenant_with_idp(app: &TestApp, slug: &str, changes: SamlUpstreamChanges) -> Tenant {
    let tenant = tenant_with_alice(app, slug).await;
    register(app, &tenant, "corp", changes).await;
    tenant
}

/// What the tenant's SP metadata says.
async fn sp_metadata(app: &TestApp, slug: &str) -> SpMetadata {
    let r = reqwest::get(app.url(&format!("/t/{slug}/saml/sp/metadata")))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/samlmetadata+xml");
    SpMetadata::parse(r.text().await.unwrap().as_bytes()).unwrap()
}

/// Clicks the `corp` button: returns the AuthnRequest the IdP receives,
/// checked with the SP's published key.
async fn start(app: &TestApp, b: &reqwest::Client, slug: &str) -> AuthnRequest {
    let r = b
        .get(app.url(&format!(
            "/t/{slug}/login/idp/corp?return_to=%2Ft%2F{slug}%2Faccount"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{IDP_SSO}?SAMLRequest=")),
        "{location}"
    );
    let query = location.split_once('?').unwrap().1;
    let inbound =
        InboundMessage::from_redirect(query, MessageField::Request, &Limits::default()).unwrap();
    assert!(
        inbound.is_signed(),
        "USSO signs its AuthnRequests by default"
    );
    let sp = sp_metadata(app, slug).await;
    let policy = MessagePolicy {
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        expected_destination: Some(IDP_SSO.into()),
        ..MessagePolicy::default()
    };
    let request =
        AuthnRequest::accept(inbound, &sp.signing_certificates, &policy, app.clock.now()).unwrap();
    assert_eq!(request.issuer, sp.entity_id);
    request
}

/// What the IdP asserts about a user.
struct Assertion<'a> {
    name_id: &'a str,
    email: Option<&'a str>,
    groups: &'a [&'a str],
}

const BOB: Assertion<'static> = Assertion {
    name_id: "u-bob-7",
    email: Some("bob@corp.example"),
    groups: &["Engineering"],
};

fn login_response(
    app: &TestApp,
    slug: &str,
    in_response_to: Option<&str>,
    who: &Assertion<'_>,
) -> LoginResponse {
    let issuer = app.url(&format!("/t/{slug}"));
    let mut attributes = vec![
        Attribute {
            name: "givenName".into(),
            name_format: AttributeNameFormat::Basic,
            friendly_name: None,
            values: vec!["Bob".into()],
        },
        Attribute {
            name: "groups".into(),
            name_format: AttributeNameFormat::Basic,
            friendly_name: None,
            values: who.groups.iter().map(|g| (*g).to_owned()).collect(),
        },
    ];
    if let Some(email) = who.email {
        attributes.push(Attribute {
            name: "urn:oid:0.9.2342.19200300.100.1.3".into(),
            name_format: AttributeNameFormat::Uri,
            friendly_name: Some("mail".into()),
            values: vec![email.into()],
        });
    }
    LoginResponse {
        response_id: format!("_r{}", usso::secrets::tokens::new_token("")),
        assertion_id: format!("_a{}", usso::secrets::tokens::new_token("")),
        issuer: IDP.into(),
        destination: format!("{issuer}/saml/sp/acs"),
        in_response_to: in_response_to.map(str::to_owned),
        audience: format!("{issuer}/saml/sp/metadata"),
        name_id: NameId {
            format: NameIdFormat::Persistent,
            value: who.name_id.into(),
            name_qualifier: Some(IDP.into()),
            sp_name_qualifier: None,
        },
        session_index: Some("idp-session-1".into()),
        authn_instant: app.clock.now(),
        authn_context_class_ref: AC_PASSWORD_PROTECTED_TRANSPORT.into(),
        session_not_on_or_after: None,
        attributes,
        now: app.clock.now(),
        lifetime: Duration::minutes(5),
    }
}

fn signed(r: &LoginResponse) -> String {
    build_response(
        r,
        &idp_key().key,
        &ResponseOptions {
            sign_response: false,
            sign_assertion: true,
            encrypt: None,
        },
    )
    .unwrap()
}

async fn post_acs(app: &TestApp, b: &reqwest::Client, slug: &str, xml: &str) -> reqwest::Response {
    b.post(app.url(&format!("/t/{slug}/saml/sp/acs")))
        .form(&[("SAMLResponse", post_value(xml))])
        .send()
        .await
        .unwrap()
}

/// The whole round: button, IdP, ACS; returns the ACS's answer.
async fn round(
    app: &TestApp,
    b: &reqwest::Client,
    slug: &str,
    who: &Assertion<'_>,
) -> reqwest::Response {
    let request = start(app, b, slug).await;
    let xml = signed(&login_response(app, slug, Some(&request.id), who));
    post_acs(app, b, slug, &xml).await
}

async fn account_page(app: &TestApp, b: &reqwest::Client, slug: &str) -> String {
    let r = b
        .get(app.url(&format!("/t/{slug}/account")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

async fn users(app: &TestApp, tenant: &Tenant) -> Vec<usso::core::user::User> {
    app.hub
        .list_users(tenant, None, usso::store::Page::first(100))
        .await
        .unwrap()
}

#[tokio::test]
async fn sp_metadata_publishes_the_acs_and_keys_for_signing_and_encryption() {
    let app = TestApp::spawn().await;
    tenant_with_alice(&app, "acme").await;
    let sp = sp_metadata(&app, "acme").await;
    assert_eq!(sp.entity_id, app.url("/t/acme/saml/sp/metadata"));
    assert_eq!(
        sp.assertion_consumer_services[0].endpoint.location,
        app.url("/t/acme/saml/sp/acs")
    );
    assert!(!sp.signing_certificates.is_empty() && !sp.encryption_certificates.is_empty());
    assert!(sp.authn_requests_signed);
    let r = app
        .admin(reqwest::Method::GET, "/api/v1/tenants/acme")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["saml_sp_metadata_url"],
        app.url("/t/acme/saml/sp/metadata")
    );
}

#[tokio::test]
async fn first_login_creates_the_user_and_the_second_finds_it() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let r = round(&app, &b, "acme", &BOB).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/t/acme/account");
    assert!(account_page(&app, &b, "acme")
        .await
        .contains("bob@corp.example"));
    let all = users(&app, &tenant).await;
    assert_eq!(all.len(), 2, "alice and the new bob");
    let bob = all
        .iter()
        .find(|u| u.username == "bob@corp.example")
        .unwrap();
    assert_eq!(bob.given_name.as_deref(), Some("Bob"));
    assert!(
        bob.emails[0].verified,
        "the IdP is trusted with its emails by default"
    );

    let again = browser();
    let r = round(&app, &again, "acme", &BOB).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(users(&app, &tenant).await.len(), 2, "no second bob");
    let links = app.hub.linked_identities(&tenant, bob.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].subject, "u-bob-7");
}

#[tokio::test]
async fn a_response_is_accepted_once() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let xml = signed(&login_response(&app, "acme", Some(&request.id), &BOB));
    assert_eq!(
        post_acs(&app, &b, "acme", &xml).await.status(),
        StatusCode::SEE_OTHER
    );
    let replay = post_acs(&app, &browser(), "acme", &xml).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_new_response_to_an_answered_request_is_refused() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let first = signed(&login_response(&app, "acme", Some(&request.id), &BOB));
    assert_eq!(
        post_acs(&app, &b, "acme", &first).await.status(),
        StatusCode::SEE_OTHER
    );
    // Same InResponseTo, fresh assertion ID: the request was taken.
    let second = signed(&login_response(&app, "acme", Some(&request.id), &BOB));
    assert_eq!(
        post_acs(&app, &browser(), "acme", &second).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn unsolicited_and_unknown_request_responses_are_refused() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let unsolicited = signed(&login_response(&app, "acme", None, &BOB));
    assert_eq!(
        post_acs(&app, &b, "acme", &unsolicited).await.status(),
        StatusCode::BAD_REQUEST
    );
    let made_up = signed(&login_response(&app, "acme", Some("_made-up-id"), &BOB));
    assert_eq!(
        post_acs(&app, &b, "acme", &made_up).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert!(
        b.get(app.url("/t/acme/account"))
            .send()
            .await
            .unwrap()
            .status()
            .is_redirection(),
        "no session was made"
    );
}

#[tokio::test]
async fn a_response_signed_by_another_key_is_refused() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let forged = build_response(
        &login_response(&app, "acme", Some(&request.id), &BOB),
        &intruder_key().key,
        &ResponseOptions {
            sign_response: true,
            sign_assertion: true,
            encrypt: None,
        },
    )
    .unwrap();
    assert_eq!(
        post_acs(&app, &b, "acme", &forged).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn an_unsigned_response_is_refused() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let xml = signed(&login_response(&app, "acme", Some(&request.id), &BOB));
    let start_sig = xml.find("<ds:Signature").unwrap();
    let end_sig = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let unsigned = format!("{}{}", &xml[..start_sig], &xml[end_sig..]);
    assert_eq!(
        post_acs(&app, &b, "acme", &unsigned).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_response_for_another_audience_or_tenant_is_refused() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    tenant_with_idp(&app, "globex", SamlUpstreamChanges::default()).await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let mut r = login_response(&app, "acme", Some(&request.id), &BOB);
    r.audience = "https://other-sp.example/metadata".into();
    assert_eq!(
        post_acs(&app, &b, "acme", &signed(&r)).await.status(),
        StatusCode::BAD_REQUEST
    );

    // A good Response for acme, posted to globex's ACS.
    let request = start(&app, &b, "acme").await;
    let xml = signed(&login_response(&app, "acme", Some(&request.id), &BOB));
    assert_eq!(
        post_acs(&app, &b, "globex", &xml).await.status(),
        StatusCode::BAD_REQUEST
    );
    // It still works where it belongs.
    assert_eq!(
        post_acs(&app, &b, "acme", &xml).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_encrypted_assertion_is_decrypted_with_the_tenant_key() {
    let app = TestApp::spawn().await;
    tenant_with_idp(
        &app,
        "acme",
        SamlUpstreamChanges {
            require_encrypted_assertions: Some(true),
            ..SamlUpstreamChanges::default()
        },
    )
    .await;
    let sp = sp_metadata(&app, "acme").await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let r = login_response(&app, "acme", Some(&request.id), &BOB);
    // Plain first: refused, the IdP must encrypt.
    assert_eq!(
        post_acs(&app, &b, "acme", &signed(&r)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let request = start(&app, &b, "acme").await;
    let r = login_response(&app, "acme", Some(&request.id), &BOB);
    let xml = build_response(
        &r,
        &idp_key().key,
        &ResponseOptions {
            sign_response: true,
            sign_assertion: true,
            encrypt: Some(Encryption {
                certificate: &sp.encryption_certificates[0],
                algorithm: DataEncryption::Aes256Gcm,
            }),
        },
    )
    .unwrap();
    assert!(xml.contains("EncryptedAssertion"));
    assert_eq!(
        post_acs(&app, &b, "acme", &xml).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_existing_email_is_linked_only_when_the_tenant_allows_it() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let claims_alice = Assertion {
        name_id: "u-alice-1",
        email: Some(ALICE_EMAIL),
        groups: &[],
    };
    let b = browser();
    let r = round(&app, &b, "acme", &claims_alice).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("already exists"));
    assert_eq!(users(&app, &tenant).await.len(), 1, "nothing half-created");

    let idp = app.hub.find_upstream(&tenant, "corp").await.unwrap();
    app.hub
        .update_saml_upstream(
            Actor::Cli,
            &tenant,
            idp.id,
            SamlUpstreamChanges {
                link_by_email: Some(true),
                ..SamlUpstreamChanges::default()
            },
            None,
        )
        .await
        .unwrap();
    let r = round(&app, &b, "acme", &claims_alice).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let all = users(&app, &tenant).await;
    assert_eq!(all.len(), 1);
    let links = app.hub.linked_identities(&tenant, all[0].id).await.unwrap();
    assert_eq!(links[0].subject, "u-alice-1");
    let events: Value = app
        .admin(
            reqwest::Method::GET,
            "/api/v1/tenants/acme/events?limit=1000",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let linked: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "identity.linked")
        .collect();
    assert_eq!(linked.len(), 1, "{events}");
    assert_eq!(linked[0]["details"]["rule"], "verified_email");
}

#[tokio::test]
async fn without_create_users_an_unknown_identity_is_refused() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_idp(
        &app,
        "acme",
        SamlUpstreamChanges {
            create_users: Some(false),
            ..SamlUpstreamChanges::default()
        },
    )
    .await;
    let r = round(&app, &browser(), "acme", &BOB).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(users(&app, &tenant).await.len(), 1);
}

#[tokio::test]
async fn mapped_groups_follow_the_idp_at_each_login() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_idp(
        &app,
        "acme",
        SamlUpstreamChanges {
            group_map: Some([("Engineering".to_owned(), "eng".to_owned())].into()),
            ..SamlUpstreamChanges::default()
        },
    )
    .await;
    let eng = app
        .hub
        .create_group(Actor::Cli, &tenant, "eng", None)
        .await
        .unwrap();
    assert_eq!(
        round(&app, &browser(), "acme", &BOB).await.status(),
        StatusCode::SEE_OTHER
    );
    let members = app.hub.group_members(&tenant, eng.id).await.unwrap();
    assert_eq!(members.len(), 1, "joined");
    let left = Assertion {
        groups: &["Sales"],
        ..BOB
    };
    assert_eq!(
        round(&app, &browser(), "acme", &left).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.hub
            .group_members(&tenant, eng.id)
            .await
            .unwrap()
            .is_empty(),
        "left"
    );
}

#[tokio::test]
async fn a_transient_name_id_without_a_subject_attribute_is_refused() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    let request = start(&app, &b, "acme").await;
    let mut r = login_response(&app, "acme", Some(&request.id), &BOB);
    r.name_id.format = NameIdFormat::Transient;
    assert_eq!(
        post_acs(&app, &b, "acme", &signed(&r)).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_login_page_shows_a_button_and_idp_hint_goes_straight_to_it() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    register(
        &app,
        &tenant,
        "corp",
        SamlUpstreamChanges {
            display_name: Some("Corp <SSO>".into()),
            ..SamlUpstreamChanges::default()
        },
    )
    .await;
    let page = reqwest::get(app.url("/t/acme/login?return_to=%2Ft%2Facme%2Faccount"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Corp &lt;SSO&gt;"), "escaped label");
    assert!(page.contains("href=\"/t/acme/login/idp/corp?return_to=%2Ft%2Facme%2Faccount\""));

    let rp =
        crate::oidc_support::register(&app, &tenant, crate::oidc_support::web_client("app")).await;
    let req =
        crate::oidc_support::AuthRequest::new(&rp.client_id, "openid").set("idp_hint", "corp");
    let r = browser()
        .get(app.url(&req.path("acme")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap();
    assert!(
        to.starts_with("/t/acme/login/idp/corp?return_to=%2Ft%2Facme%2Fauthorize"),
        "{to}"
    );

    // An unknown hint: the ordinary login page.
    let r = browser()
        .get(app.url("/t/acme/login/idp/nope?return_to=%2Ft%2Facme%2Faccount"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("name=\"password\""));
}

#[tokio::test]
async fn the_idp_ends_the_sessions_it_started() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    assert_eq!(
        round(&app, &b, "acme", &BOB).await.status(),
        StatusCode::SEE_OTHER
    );
    account_page(&app, &b, "acme").await;

    let sp = sp_metadata(&app, "acme").await;
    let request = NewLogoutRequest {
        id: "_logout1".into(),
        issuer: IDP.into(),
        destination: app.url("/t/acme/saml/sp/slo"),
        name_id: NameId {
            format: NameIdFormat::Persistent,
            value: BOB.name_id.into(),
            name_qualifier: Some(IDP.into()),
            sp_name_qualifier: None,
        },
        session_index: Some("idp-session-1".into()),
        now: app.clock.now(),
        not_on_or_after: None,
        reason: None,
    };
    let xml = build_logout_request(&request, None).unwrap();
    // Unsigned: refused, the session stays.
    let unsigned = redirect_query(MessageField::Request, &xml, None, None).unwrap();
    let r = browser()
        .get(app.url(&format!("/t/acme/saml/sp/slo?{unsigned}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    account_page(&app, &b, "acme").await;

    let q = redirect_query(MessageField::Request, &xml, None, Some(&idp_key().key)).unwrap();
    let r = browser()
        .get(app.url(&format!("/t/acme/saml/sp/slo?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap();
    assert!(to.starts_with(&format!("{IDP_SLO}?SAMLResponse=")), "{to}");
    assert!(!sp.entity_id.is_empty());
    let gone = b.get(app.url("/t/acme/account")).send().await.unwrap();
    assert!(gone.status().is_redirection(), "the session ended");
}

#[tokio::test]
async fn admin_api_registers_lists_reads_and_deletes_saml_idps() {
    let app = TestApp::spawn().await;
    tenant_with_alice(&app, "acme").await;
    let r = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(
            &json!({ "name": "corp", "display_name": "Corp", "metadata": idp_metadata(),
                       "settings": { "link_by_email": true } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!(created["kind"], "saml");
    assert_eq!(created["entity_id"], IDP);
    assert_eq!(created["settings"]["accounts"]["link_by_email"], true);
    assert_eq!(created["login_url"], app.url("/t/acme/login/idp/corp"));
    assert_eq!(created["acs_url"], app.url("/t/acme/saml/sp/acs"));

    let dup = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(&json!({ "name": "corp2", "metadata": idp_metadata() }))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::CONFLICT, "same entityID");
    let bad = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(&json!({ "name": "x", "metadata": "<nope/>" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad_name = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(&json!({ "name": "Not A Slug", "metadata": idp_metadata() }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kind = app
        .admin(reqwest::Method::POST, "/api/v1/tenants/acme/idps")
        .json(&json!({ "kind": "ldap", "name": "x", "metadata": idp_metadata() }))
        .send()
        .await
        .unwrap();
    assert_eq!(kind.status(), StatusCode::BAD_REQUEST);

    let list: Value = app
        .admin(reqwest::Method::GET, "/api/v1/tenants/acme/idps")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("metadata").is_none());
    let one = app
        .admin(reqwest::Method::GET, "/api/v1/tenants/acme/idps/corp")
        .send()
        .await
        .unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    let del = app
        .admin(reqwest::Method::DELETE, "/api/v1/tenants/acme/idps/corp")
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let gone = app
        .admin(reqwest::Method::GET, "/api/v1/tenants/acme/idps/corp")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// Signing out of USSO after a login through the IdP sends the browser to
/// the IdP's SingleLogoutService with a LogoutRequest signed by the tenant's
/// SP key (NameID and SessionIndex of that login); the IdP's answer brings
/// it back to the login page, once.
#[tokio::test]
async fn signing_out_of_usso_logs_out_at_the_idp_too() {
    let app = TestApp::spawn().await;
    tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    let b = browser();
    assert_eq!(
        round(&app, &b, "acme", &BOB).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = account_page(&app, &b, "acme").await;
    let marker = "name=\"csrf\" value=\"";
    let start_at = page.find(marker).unwrap() + marker.len();
    let csrf = page[start_at..].split('"').next().unwrap().to_owned();
    let r = b
        .post(app.url("/t/acme/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.starts_with(&format!("{IDP_SLO}?SAMLRequest=")), "{to}");
    let gone = b.get(app.url("/t/acme/account")).send().await.unwrap();
    assert!(
        gone.status().is_redirection(),
        "the USSO session ended first"
    );

    let sp = sp_metadata(&app, "acme").await;
    let inbound = InboundMessage::from_redirect(
        to.split_once('?').unwrap().1,
        MessageField::Request,
        &Limits::default(),
    )
    .unwrap();
    let policy = MessagePolicy {
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        expected_destination: Some(IDP_SLO.into()),
        ..MessagePolicy::default()
    };
    let request = usso_saml::logout::LogoutRequest::accept(
        inbound,
        &sp.signing_certificates,
        &policy,
        app.clock.now(),
    )
    .unwrap();
    assert_eq!(request.issuer, sp.entity_id);
    assert_eq!(request.name_id.value, BOB.name_id);
    assert_eq!(request.session_indexes, vec!["idp-session-1".to_owned()]);

    let answer = usso_saml::logout::build_logout_response(
        &usso_saml::logout::NewLogoutResponse {
            id: "_lr1".into(),
            issuer: IDP.into(),
            destination: app.url("/t/acme/saml/sp/slo"),
            in_response_to: request.id.clone(),
            now: app.clock.now(),
            status: usso_saml::response::Status::success(),
        },
        None,
    )
    .unwrap();
    let q = redirect_query(MessageField::Response, &answer, None, Some(&idp_key().key)).unwrap();
    let back = browser()
        .get(app.url(&format!("/t/acme/saml/sp/slo?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(back.headers()[LOCATION], "/t/acme/login");
    // Forged with another key: refused (logged), and still only the login page.
    let forged = redirect_query(
        MessageField::Response,
        &answer,
        None,
        Some(&intruder_key().key),
    )
    .unwrap();
    let r = browser()
        .get(app.url(&format!("/t/acme/saml/sp/slo?{forged}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/t/acme/login");
}

/// An admin sees the identities linked to a user and unlinks one: the user
/// stays, and the next login through the IdP is a first login again (a new
/// user, since linking by email is off).
#[tokio::test]
async fn admin_api_lists_and_unlinks_a_users_identities() {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_idp(&app, "acme", SamlUpstreamChanges::default()).await;
    assert_eq!(
        round(&app, &browser(), "acme", &BOB).await.status(),
        StatusCode::SEE_OTHER
    );
    let path = "/api/v1/tenants/acme/users/bob@corp.example/identities";
    let listed: Value = app
        .admin(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["subject"], BOB.name_id);
    let r = app
        .admin(
            reqwest::Method::DELETE,
            &format!("{path}/corp/{}", BOB.name_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let again = app
        .admin(
            reqwest::Method::DELETE,
            &format!("{path}/corp/{}", BOB.name_id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(users(&app, &tenant).await.len(), 2, "bob stays");
    // Bob's email is now owned by an unlinked user: refused, not merged.
    assert_eq!(
        round(&app, &browser(), "acme", &BOB).await.status(),
        StatusCode::FORBIDDEN
    );
}
