//! The tenants' SAML 2.0 IdP over HTTP (SAML Profiles §4.1 Web Browser
//! SSO): metadata, SP-initiated SSO over HTTP-Redirect and HTTP-POST with
//! the hosted login page in between, the auto-posting Response (its
//! signature checked against the certificate the metadata publishes),
//! NameIDs, IsPassive/ForceAuthn, the refusals (unknown SP, foreign ACS,
//! unsigned or wrongly signed requests, spent continue links, another
//! tenant's SSO URL), the audit trail, and IdP-initiated SSO.
//!
//! AuthnRequests are written here the way SPs write them and encoded with
//! `usso_saml::binding`; the SP keys are RSA keys made once per run.

use std::sync::OnceLock;

use base64::Engine as _;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::StatusCode;
use usso::core::event::Actor;
use usso::core::saml_sp::NameIdChoice;
use usso::core::tenant::Tenant;
use usso::core::SamlRequestId;
use usso::service::saml_sps::SamlSpChanges;
use usso_oidc::jose::{Algorithm, SigningKey as JoseKey};
use usso_saml::binding::{redirect_query, InboundMessage, Limits, MessageField};
use usso_saml::keys::{self_signed_certificate, Certificate, SigningKey};
use usso_saml::signature::SignaturePolicy;

use crate::harness::TestApp;
use crate::oidc_support::{
    attr, browser, hidden_inputs, log_in, logged_in, tags, tenant_with_alice, ALICE_EMAIL,
};

pub(crate) const SP_A: &str = "https://app-a.example.com/saml/metadata";
pub(crate) const ACS_A: &str = "https://app-a.example.com/saml/acs";
const SP_B: &str = "https://app-b.example.com/saml/metadata";
const ACS_B: &str = "https://app-b.example.com/saml/acs";
const SP_SIGNED: &str = "https://signed.example.com/saml/metadata";
const ACS_SIGNED: &str = "https://signed.example.com/saml/acs";
const SP_MAIL: &str = "https://mail.example.com/saml/metadata";
const ACS_MAIL: &str = "https://mail.example.com/saml/acs";

pub(crate) const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const NO_PASSIVE: &str = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
pub(crate) const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// An SP's key pair: its PKCS#8 PEM, certificate PEM and signing key.
pub(crate) struct SpKey {
    pub(crate) cert_pem: String,
    pub(crate) key: SigningKey,
}

fn make_key(cn: &str, serial: u8) -> SpKey {
    let der = JoseKey::generate(Algorithm::Rs256, "sp".into())
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
        cn,
        time::macros::datetime!(2020-01-01 0:00 UTC),
        time::macros::datetime!(2045-01-01 0:00 UTC),
        &[serial, 0x5a, 0x17],
    )
    .unwrap();
    let key = SigningKey::from_pkcs8_pem(&key_pem, &cert_pem).unwrap();
    SpKey { cert_pem, key }
}

/// The key every test SP publishes.
pub(crate) fn sp_key() -> &'static SpKey {
    static K: OnceLock<SpKey> = OnceLock::new();
    K.get_or_init(|| make_key("sp.example.com", 1))
}

/// A key no SP published.
pub(crate) fn intruder_key() -> &'static SpKey {
    static K: OnceLock<SpKey> = OnceLock::new();
    K.get_or_init(|| make_key("sp.example.com", 2))
}

/// SP metadata with one POST ACS and the SP key for signing.
fn sp_metadata(entity_id: &str, acs: &str, requests_signed: bool) -> String {
    let cert_b64: String = sp_key()
        .cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="{requests_signed}" WantAssertionsSigned="true">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

async fn register(
    app: &TestApp,
    tenant: &Tenant,
    entity_id: &str,
    acs: &str,
    changes: SamlSpChanges,
) {
    let signed = changes.require_signed_requests.unwrap_or(false);
    app.hub
        .create_saml_sp(
            Actor::Cli,
            tenant,
            sp_metadata(entity_id, acs, signed),
            changes,
        )
        .await
        .unwrap();
}

/// Tenant `acme` with alice, SPs A and B (defaults), one that requires
/// signed requests and one with emailAddress NameIDs.
async fn acme() -> (TestApp, Tenant) {
    let app = TestApp::spawn().await;
    let tenant = tenant_with_alice(&app, "acme").await;
    register(&app, &tenant, SP_A, ACS_A, SamlSpChanges::default()).await;
    register(&app, &tenant, SP_B, ACS_B, SamlSpChanges::default()).await;
    register(
        &app,
        &tenant,
        SP_SIGNED,
        ACS_SIGNED,
        SamlSpChanges {
            require_signed_requests: Some(true),
            ..SamlSpChanges::default()
        },
    )
    .await;
    register(
        &app,
        &tenant,
        SP_MAIL,
        ACS_MAIL,
        SamlSpChanges {
            name_id_format: Some(NameIdChoice::EmailAddress),
            ..SamlSpChanges::default()
        },
    )
    .await;
    (app, tenant)
}

/// An AuthnRequest as an SP writes it.
pub(crate) struct Req {
    pub(crate) id: String,
    issuer: String,
    acs: String,
    destination: String,
    extra: String,
    name_id_format: Option<String>,
}

impl Req {
    pub(crate) fn new(app: &TestApp, slug: &str, issuer: &str, acs: &str) -> Self {
        Req {
            id: format!("_req{}", crate::oidc_support::random_token()),
            issuer: issuer.into(),
            acs: acs.into(),
            destination: app.url(&format!("/t/{slug}/saml/sso")),
            extra: String::new(),
            name_id_format: Some(PERSISTENT.into()),
        }
    }

    fn xml(&self, app: &TestApp) -> String {
        let instant = usso_saml::format_time(app.hub.now());
        let policy = self
            .name_id_format
            .as_ref()
            .map(|f| format!("<samlp:NameIDPolicy Format=\"{f}\" AllowCreate=\"true\"/>"))
            .unwrap_or_default();
        format!(
            concat!(
                "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ",
                "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" ",
                "IssueInstant=\"{t}\" Destination=\"{dest}\" AssertionConsumerServiceURL=\"{acs}\" ",
                "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"{extra}>",
                "<saml:Issuer>{issuer}</saml:Issuer>{policy}</samlp:AuthnRequest>"
            ),
            id = self.id,
            t = instant,
            dest = self.destination,
            acs = self.acs,
            extra = self.extra,
            issuer = self.issuer,
            policy = policy,
        )
    }

    /// The HTTP-Redirect URL, signed with `key` when given.
    pub(crate) fn redirect_url(
        &self,
        app: &TestApp,
        slug: &str,
        relay: Option<&str>,
        key: Option<&SigningKey>,
    ) -> String {
        let q = redirect_query(MessageField::Request, &self.xml(app), relay, key).unwrap();
        app.url(&format!("/t/{slug}/saml/sso?{q}"))
    }
}

fn relay_of(html: &str) -> Option<String> {
    hidden_inputs(html)
        .into_iter()
        .find(|(n, _)| n == "RelayState")
        .map(|(_, v)| v)
}

/// What came back to the SP: the form's action, the verified Response XML
/// and the RelayState.
pub(crate) struct Posted {
    pub(crate) action: String,
    pub(crate) xml: String,
    pub(crate) relay_state: Option<String>,
}

/// The IdP certificates the tenant's metadata publishes.
pub(crate) async fn idp_certificates(app: &TestApp, slug: &str) -> Vec<Certificate> {
    let body = reqwest::get(app.url(&format!("/t/{slug}/saml/metadata")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    texts(&body, "X509Certificate")
        .iter()
        .map(|b64| Certificate::from_base64(b64).unwrap())
        .collect()
}

/// Reads the auto-posting page, checks its Response's signature against
/// the tenant's published certificates and returns what it carries.
pub(crate) async fn posted(app: &TestApp, slug: &str, response: reqwest::Response) -> Posted {
    assert_eq!(response.status(), StatusCode::OK, "not the auto-post page");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    let form = tags(&html, "form");
    assert_eq!(form.len(), 1, "{html}");
    let action = attr(form[0], "action").unwrap();
    assert_eq!(attr(form[0], "method").as_deref(), Some("post"));
    assert!(csp.contains("form-action"), "{csp}");
    let inputs = hidden_inputs(&html);
    let b64 = inputs
        .iter()
        .find(|(n, _)| n == "SAMLResponse")
        .map(|(_, v)| v.clone())
        .expect("SAMLResponse");
    let relay_state = relay_of(&html);
    let xml = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(&b64)
            .unwrap(),
    )
    .unwrap();
    let certificates = idp_certificates(app, slug).await;
    // usso_saml's verifier reads exactly one signature: a Response signed
    // twice (Response and Assertion, the default) is checked element by
    // element — the Assertion alone, and the Response once an SP signs only
    // it (`response_only_signing_verifies`).
    let signatures = start_tags(&xml, "Signature").len();
    let assertion = element(&xml, "Assertion");
    let assertion_signed = assertion
        .as_ref()
        .is_some_and(|a| !start_tags(a, "Signature").is_empty());
    let verified = match (signatures, assertion_signed) {
        (1, false) => verify(&xml, &certificates),
        (1, true) => verify(assertion.as_deref().unwrap(), &certificates),
        (2, true) => {
            verify(assertion.as_deref().unwrap(), &certificates);
            xml
        }
        other => panic!("unexpected signatures {other:?}: {xml}"),
    };
    Posted {
        action,
        xml: verified,
        relay_state,
    }
}

/// The signed element's XML, once its one signature checked out with the
/// IdP's published certificates.
fn verify(xml: &str, certificates: &[Certificate]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
    let verified =
        InboundMessage::from_post(&b64, None, MessageField::Response, &Limits::default())
            .unwrap()
            .verify(
                certificates,
                &SignaturePolicy {
                    require_signed: true,
                    allow_sha1: false,
                },
            )
            .expect("the signature verifies with the IdP certificate");
    assert!(verified.signed);
    verified.xml
}

/// The first element `local` of `xml` as a document of its own: its text,
/// with the root's namespace declarations it lacks (exclusive c14n reads
/// only the ones it uses, so its signature still verifies).
fn element(xml: &str, local: &str) -> Option<String> {
    let root_at = xml
        .match_indices('<')
        .find(|(i, _)| !xml[i + 1..].starts_with('?'))?
        .0;
    let root_tag = &xml[root_at..root_at + xml[root_at..].find('>')?];
    let mut from = 0;
    loop {
        let at = from + xml[from..].find('<')?;
        let rest = &xml[at + 1..];
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let name = &rest[..name_end];
        if !name.is_empty() && name.rsplit(':').next() == Some(local) {
            let close = format!("</{name}>");
            let end = at + xml[at..].find(&close)? + close.len();
            let mut el = xml[at..end].to_owned();
            let start_tag = el[..el.find('>')?].to_owned();
            let mut decls = String::new();
            for part in root_tag
                .split_whitespace()
                .filter(|p| p.starts_with("xmlns"))
            {
                let key = format!("{}=", part.split('=').next()?);
                if !start_tag.contains(&key) {
                    decls.push(' ');
                    decls.push_str(part.trim_end_matches('/'));
                }
            }
            el.insert_str(1 + name.len(), &decls);
            return Some(el);
        }
        from = at + 1;
    }
}

/// The start tags `<prefix:local …>` / `<local …>` of `xml`.
pub(crate) fn start_tags<'a>(xml: &'a str, local: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let name_local = name.rsplit(':').next().unwrap_or("");
        if name_local == local && !name.starts_with('/') {
            out.push(tag);
        }
    }
    out
}

/// The text of each `<…local>` element of `xml` (no children assumed).
pub(crate) fn texts(xml: &str, local: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if name.rsplit(':').next() == Some(local) && !name.starts_with('/') && !tag.ends_with('/') {
            let body = &rest[end + 1..];
            let text = &body[..body.find('<').unwrap_or(body.len())];
            out.push(text.trim().replace("&amp;", "&"));
        }
    }
    out
}

pub(crate) fn xml_attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(tag[start..].split('"').next()?.to_owned())
}

pub(crate) fn name_id(xml: &str) -> (String, String) {
    let tag = start_tags(xml, "NameID")[0];
    (
        xml_attr(tag, "Format").unwrap_or_default(),
        texts(xml, "NameID")[0].clone(),
    )
}

pub(crate) fn status(xml: &str) -> Vec<String> {
    start_tags(xml, "StatusCode")
        .into_iter()
        .filter_map(|t| xml_attr(t, "Value"))
        .collect()
}

/// The `return_to` a 303 to the login page carries.
pub(crate) fn login_return_to(app: &TestApp, slug: &str, response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap();
    let url = url::Url::parse(&app.url("/"))
        .unwrap()
        .join(location)
        .unwrap();
    assert_eq!(url.path(), format!("/t/{slug}/login"));
    url.query_pairs()
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
        .expect("return_to")
}

/// One whole SP-initiated login through the login page: the Response
/// posted to the SP and the continue path.
pub(crate) async fn sso_with_login(
    app: &TestApp,
    b: &reqwest::Client,
    req: &Req,
    relay: Option<&str>,
) -> (Posted, String) {
    let r = b
        .get(req.redirect_url(app, "acme", relay, None))
        .send()
        .await
        .unwrap();
    let return_to = login_return_to(app, "acme", &r);
    assert!(
        return_to.starts_with("/t/acme/saml/continue/"),
        "{return_to}"
    );
    let r = log_in(app, b, "acme", Some(&return_to)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION].to_str().unwrap(), return_to);
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    (posted(app, "acme", r).await, return_to)
}

/// Signs alice in on the login page at `location` (as redirected to),
/// posting the form's own hidden fields.
async fn log_in_at(app: &TestApp, b: &reqwest::Client, location: &str) -> reqwest::Response {
    let url = url::Url::parse(&app.url("/"))
        .unwrap()
        .join(location)
        .unwrap();
    let page = b.get(url.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the login page");
    let html = page.text().await.unwrap();
    let mut form = hidden_inputs(&html);
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), crate::oidc_support::PASSWORD.into()));
    b.post(app.url(url.path()))
        .form(&form)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn expect_refused(response: reqwest::Response, case: &str) {
    crate::oidc_support::expect_error_page(response, case).await;
}

async fn issued_events(app: &TestApp, tenant: &Tenant) -> usize {
    app.hub
        .list_events(tenant, usso::store::Page::first(1000))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "saml.assertion_issued")
        .count()
}

#[tokio::test]
async fn metadata_names_the_idp_and_publishes_its_certificate() {
    let (app, _) = acme().await;
    let r = reqwest::get(app.url("/t/acme/saml/metadata"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()[CONTENT_TYPE].to_str().unwrap(),
        "application/samlmetadata+xml"
    );
    let body = r.text().await.unwrap();
    let entity = start_tags(&body, "EntityDescriptor");
    assert_eq!(
        xml_attr(entity[0], "entityID").unwrap(),
        app.url("/t/acme/saml/metadata")
    );
    assert!(!texts(&body, "X509Certificate").is_empty());
    let sso: Vec<String> = start_tags(&body, "SingleSignOnService")
        .into_iter()
        .filter_map(|t| xml_attr(t, "Location"))
        .collect();
    assert!(sso.contains(&app.url("/t/acme/saml/sso")), "{sso:?}");
    let r = reqwest::get(app.url("/t/nope/saml/metadata"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sp_initiated_redirect_logs_in_and_posts_a_signed_response_to_the_acs() {
    let (app, tenant) = acme().await;
    let b = browser();
    let req = Req::new(&app, "acme", SP_A, ACS_A);
    let (p, _) = sso_with_login(&app, &b, &req, Some("back/to?page=1&x")).await;
    assert_eq!(p.action, ACS_A);
    assert_eq!(p.relay_state.as_deref(), Some("back/to?page=1&x"));
    let response = start_tags(&p.xml, "Response")[0];
    assert_eq!(
        xml_attr(response, "InResponseTo").as_deref(),
        Some(req.id.as_str())
    );
    assert_eq!(xml_attr(response, "Destination").as_deref(), Some(ACS_A));
    assert_eq!(status(&p.xml), [SUCCESS]);
    assert_eq!(texts(&p.xml, "Issuer")[0], app.url("/t/acme/saml/metadata"));
    assert_eq!(texts(&p.xml, "Audience"), [SP_A]);
    let confirmation = start_tags(&p.xml, "SubjectConfirmationData")[0];
    assert_eq!(xml_attr(confirmation, "Recipient").as_deref(), Some(ACS_A));
    assert_eq!(
        xml_attr(confirmation, "InResponseTo").as_deref(),
        Some(req.id.as_str())
    );
    let (format, nid) = name_id(&p.xml);
    assert_eq!(format, PERSISTENT);
    assert!(!nid.contains("alice"), "persistent NameID is opaque: {nid}");
    // Attributes: email and given name among them.
    let attrs: Vec<String> = start_tags(&p.xml, "Attribute")
        .into_iter()
        .filter_map(|t| xml_attr(t, "Name"))
        .collect();
    assert!(attrs.contains(&"email".to_owned()), "{attrs:?}");
    assert!(attrs.contains(&"givenName".to_owned()), "{attrs:?}");
    let values = texts(&p.xml, "AttributeValue");
    assert!(values.contains(&ALICE_EMAIL.to_owned()), "{values:?}");
    assert!(values.contains(&"Alice".to_owned()), "{values:?}");
    assert_eq!(issued_events(&app, &tenant).await, 1);
}

#[tokio::test]
async fn a_signed_in_user_is_answered_at_once_over_both_bindings() {
    let (app, tenant) = acme().await;
    let b = logged_in(&app, "acme").await;
    // HTTP-Redirect, signed (the SP's key is registered).
    let req = Req::new(&app, "acme", SP_A, ACS_A);
    let r = b
        .get(req.redirect_url(&app, "acme", None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(p.action, ACS_A);
    assert_eq!(p.relay_state, None);
    assert_eq!(
        xml_attr(start_tags(&p.xml, "Response")[0], "InResponseTo").as_deref(),
        Some(req.id.as_str())
    );
    // HTTP-POST, unsigned.
    let req = Req::new(&app, "acme", SP_B, ACS_B);
    let b64 = base64::engine::general_purpose::STANDARD.encode(req.xml(&app));
    let r = b
        .post(app.url("/t/acme/saml/sso"))
        .form(&[("SAMLRequest", b64.as_str()), ("RelayState", "rs-post")])
        .send()
        .await
        .unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(p.action, ACS_B);
    assert_eq!(p.relay_state.as_deref(), Some("rs-post"));
    assert_eq!(texts(&p.xml, "Audience"), [SP_B]);
    assert_eq!(issued_events(&app, &tenant).await, 2);
}

#[tokio::test]
async fn persistent_name_ids_are_stable_per_sp_and_differ_between_sps() {
    let (app, _) = acme().await;
    let first = browser();
    let (a1, _) = sso_with_login(&app, &first, &Req::new(&app, "acme", SP_A, ACS_A), None).await;
    let second = browser();
    let (a2, _) = sso_with_login(&app, &second, &Req::new(&app, "acme", SP_A, ACS_A), None).await;
    let r = second
        .get(Req::new(&app, "acme", SP_B, ACS_B).redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let b = posted(&app, "acme", r).await;
    let (fa1, va1) = name_id(&a1.xml);
    let (_, va2) = name_id(&a2.xml);
    let (fb, vb) = name_id(&b.xml);
    assert_eq!((fa1.as_str(), fb.as_str()), (PERSISTENT, PERSISTENT));
    assert_eq!(va1, va2, "stable across logins");
    assert_ne!(va1, vb, "pairwise per SP");
    // Qualifiers name the two parties.
    let tag = start_tags(&a1.xml, "NameID")[0];
    assert_eq!(xml_attr(tag, "SPNameQualifier").as_deref(), Some(SP_A));
}

#[tokio::test]
async fn an_sp_registered_for_email_gets_the_email_name_id() {
    let (app, _) = acme().await;
    let b = logged_in(&app, "acme").await;
    let mut req = Req::new(&app, "acme", SP_MAIL, ACS_MAIL);
    req.name_id_format = None;
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(name_id(&p.xml), (EMAIL.to_owned(), ALICE_EMAIL.to_owned()));
}

#[tokio::test]
async fn is_passive_without_a_session_answers_no_passive() {
    let (app, tenant) = acme().await;
    let mut req = Req::new(&app, "acme", SP_A, ACS_A);
    req.extra = " IsPassive=\"true\"".into();
    let r = browser()
        .get(req.redirect_url(&app, "acme", Some("rs"), None))
        .send()
        .await
        .unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(p.action, ACS_A);
    assert_eq!(p.relay_state.as_deref(), Some("rs"));
    let codes = status(&p.xml);
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert_eq!(codes[1], NO_PASSIVE);
    assert!(start_tags(&p.xml, "Assertion").is_empty());
    assert_eq!(
        xml_attr(start_tags(&p.xml, "Response")[0], "InResponseTo").as_deref(),
        Some(req.id.as_str())
    );
    assert_eq!(issued_events(&app, &tenant).await, 0);
}

#[tokio::test]
async fn force_authn_with_a_session_goes_through_the_login_page_again() {
    let (app, _) = acme().await;
    let b = logged_in(&app, "acme").await;
    app.clock.advance(time::Duration::seconds(2));
    let mut req = Req::new(&app, "acme", SP_A, ACS_A);
    req.extra = " ForceAuthn=\"true\"".into();
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let return_to = login_return_to(&app, "acme", &r);
    let location = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.contains("force=1"), "{location}");
    // The old session does not satisfy it: continuing without a new
    // sign-in sends the browser to the login page again.
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    assert_eq!(login_return_to(&app, "acme", &r), return_to);
    // A new sign-in (on the forced login page) does.
    let r = log_in_at(&app, &b, location.as_str()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(p.action, ACS_A);
}

#[tokio::test]
async fn requests_that_cannot_be_trusted_get_a_400_page() {
    let (app, tenant) = acme().await;
    let b = logged_in(&app, "acme").await;
    // An unregistered entity.
    let req = Req::new(&app, "acme", "https://stranger.example.com/sp", ACS_A);
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "unknown SP").await;
    // An ACS its metadata does not list.
    let req = Req::new(&app, "acme", SP_A, "https://evil.example.com/acs");
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "foreign ACS").await;
    // Another SP's ACS.
    let req = Req::new(&app, "acme", SP_A, ACS_B);
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "another SP's ACS").await;
    // Unsigned, to an SP that requires signatures.
    let req = Req::new(&app, "acme", SP_SIGNED, ACS_SIGNED);
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "unsigned").await;
    // Signed by a key the SP did not publish (required, and not required).
    let r = b
        .get(req.redirect_url(&app, "acme", None, Some(&intruder_key().key)))
        .send()
        .await
        .unwrap();
    expect_refused(r, "wrong key, signatures required").await;
    let req_a = Req::new(&app, "acme", SP_A, ACS_A);
    let r = b
        .get(req_a.redirect_url(&app, "acme", None, Some(&intruder_key().key)))
        .send()
        .await
        .unwrap();
    expect_refused(r, "wrong key").await;
    // A POST with no SAMLRequest; a Redirect with none.
    let r = b
        .post(app.url("/t/acme/saml/sso"))
        .form(&[("RelayState", "x")])
        .send()
        .await
        .unwrap();
    expect_refused(r, "POST without SAMLRequest").await;
    let r = b.get(app.url("/t/acme/saml/sso")).send().await.unwrap();
    expect_refused(r, "GET without SAMLRequest").await;
    // The wrong Destination.
    let mut req = Req::new(&app, "acme", SP_A, ACS_A);
    req.destination = "https://elsewhere.example.com/sso".into();
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "wrong Destination").await;
    // Signed correctly it passes.
    let req = Req::new(&app, "acme", SP_SIGNED, ACS_SIGNED);
    let r = b
        .get(req.redirect_url(&app, "acme", None, Some(&sp_key().key)))
        .send()
        .await
        .unwrap();
    assert_eq!(posted(&app, "acme", r).await.action, ACS_SIGNED);
    assert_eq!(issued_events(&app, &tenant).await, 1);
}

#[tokio::test]
async fn a_continue_link_works_once() {
    let (app, _) = acme().await;
    let b = browser();
    let (_, return_to) = sso_with_login(&app, &b, &Req::new(&app, "acme", SP_A, ACS_A), None).await;
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    expect_refused(r, "answered").await;
    let unknown = SamlRequestId::new(app.hub.now());
    let r = b
        .get(app.url(&format!("/t/acme/saml/continue/{unknown}")))
        .send()
        .await
        .unwrap();
    expect_refused(r, "unknown").await;
    let r = b
        .get(app.url("/t/acme/saml/continue/not-an-id"))
        .send()
        .await
        .unwrap();
    expect_refused(r, "malformed").await;
}

#[tokio::test]
async fn a_pending_request_expires() {
    let (app, _) = acme().await;
    let b = browser();
    let req = Req::new(&app, "acme", SP_A, ACS_A);
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let return_to = login_return_to(&app, "acme", &r);
    app.clock.advance(time::Duration::minutes(16));
    let r = log_in(&app, &b, "acme", Some(&return_to)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    expect_refused(r, "expired").await;
}

#[tokio::test]
async fn an_sp_of_one_tenant_cannot_use_another_tenants_idp() {
    let (app, _) = acme().await;
    let other = tenant_with_alice(&app, "other").await;
    let b = logged_in(&app, "other").await;
    // acme's SP at other's SSO URL (Destination written for it).
    let req = Req::new(&app, "other", SP_A, ACS_A);
    let r = b
        .get(req.redirect_url(&app, "other", None, None))
        .send()
        .await
        .unwrap();
    expect_refused(r, "SP of another tenant").await;
    // acme's pending request continued at other.
    let a = browser();
    let r = a
        .get(Req::new(&app, "acme", SP_A, ACS_A).redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let return_to = login_return_to(&app, "acme", &r);
    let id = return_to.rsplit('/').next().unwrap();
    let r = b
        .get(app.url(&format!("/t/other/saml/continue/{id}")))
        .send()
        .await
        .unwrap();
    expect_refused(r, "continue at another tenant").await;
    // IdP-initiated to acme's SP from other.
    let r = b
        .get(app.url(&format!(
            "/t/other/saml/idp-initiated?sp={}",
            url::form_urlencoded::byte_serialize(SP_A.as_bytes()).collect::<String>()
        )))
        .send()
        .await
        .unwrap();
    expect_refused(r, "idp-initiated to another tenant's SP").await;
    assert_eq!(issued_events(&app, &other).await, 0);
}

#[tokio::test]
async fn idp_initiated_sso_carries_the_relay_state_and_no_in_response_to() {
    let (app, tenant) = acme().await;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let path = format!(
        "/t/acme/saml/idp-initiated?sp={}&RelayState={}",
        enc(SP_B),
        enc("https://app-b.example.com/home")
    );
    // Without a session: the login page first, then the response.
    let b = browser();
    let r = b.get(app.url(&path)).send().await.unwrap();
    let return_to = login_return_to(&app, "acme", &r);
    let r = log_in(&app, &b, "acme", Some(&return_to)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b.get(app.url(&return_to)).send().await.unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(p.action, ACS_B);
    assert_eq!(
        p.relay_state.as_deref(),
        Some("https://app-b.example.com/home")
    );
    let response = start_tags(&p.xml, "Response")[0];
    assert_eq!(xml_attr(response, "InResponseTo"), None);
    assert_eq!(texts(&p.xml, "Audience"), [SP_B]);
    // With the session: at once.
    let r = b.get(app.url(&path)).send().await.unwrap();
    let p = posted(&app, "acme", r).await;
    assert_eq!(p.action, ACS_B);
    assert_eq!(status(&p.xml), [SUCCESS]);
    assert_eq!(issued_events(&app, &tenant).await, 2);
    // An unknown SP, or none.
    let r = b
        .get(app.url("/t/acme/saml/idp-initiated?sp=https%3A%2F%2Fnobody.example.com"))
        .send()
        .await
        .unwrap();
    expect_refused(r, "unknown SP").await;
    let r = b
        .get(app.url("/t/acme/saml/idp-initiated"))
        .send()
        .await
        .unwrap();
    expect_refused(r, "no sp").await;
}

#[tokio::test]
async fn response_only_and_assertion_only_signing_verify() {
    let (app, tenant) = acme().await;
    const SP_R: &str = "https://response-only.example.com/sp";
    const ACS_R: &str = "https://response-only.example.com/acs";
    const SP_S: &str = "https://assertion-only.example.com/sp";
    const ACS_S: &str = "https://assertion-only.example.com/acs";
    let only = |response: bool| SamlSpChanges {
        sign_response: Some(response),
        sign_assertion: Some(!response),
        ..SamlSpChanges::default()
    };
    register(&app, &tenant, SP_R, ACS_R, only(true)).await;
    register(&app, &tenant, SP_S, ACS_S, only(false)).await;
    let b = logged_in(&app, "acme").await;
    // The Response signed: what the signature covers is the whole Response.
    let req = Req::new(&app, "acme", SP_R, ACS_R);
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let p = posted(&app, "acme", r).await;
    let root = start_tags(&p.xml, "Response");
    assert_eq!(root.len(), 1, "{}", p.xml);
    assert_eq!(
        xml_attr(root[0], "InResponseTo").as_deref(),
        Some(req.id.as_str())
    );
    assert_eq!(xml_attr(root[0], "Destination").as_deref(), Some(ACS_R));
    assert_eq!(texts(&p.xml, "Audience"), [SP_R]);
    // The Assertion signed: what the signature covers is the Assertion.
    let req = Req::new(&app, "acme", SP_S, ACS_S);
    let r = b
        .get(req.redirect_url(&app, "acme", None, None))
        .send()
        .await
        .unwrap();
    let p = posted(&app, "acme", r).await;
    assert!(start_tags(&p.xml, "Response").is_empty(), "{}", p.xml);
    assert_eq!(texts(&p.xml, "Audience"), [SP_S]);
    let confirmation = start_tags(&p.xml, "SubjectConfirmationData")[0];
    assert_eq!(
        xml_attr(confirmation, "InResponseTo").as_deref(),
        Some(req.id.as_str())
    );
}
