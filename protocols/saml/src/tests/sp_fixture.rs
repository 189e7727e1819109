//! Shared pieces of the SP-side tests: expectations for the test IdP, the
//! POST round trip into `accept_response`, and builders that assemble
//! Responses piece by piece (to sign after a change, or to wrap).

use super::response::login;
use super::*;
use crate::binding::{post_value, InboundMessage, Limits, MessageField};
use crate::message::write_status;
use crate::response::{
    assertion_xml, build_response, response_open, LoginResponse, ResponseOptions, Status,
};
use crate::signature::{
    sign_enveloped, template, DIGEST_SHA1, DIGEST_SHA256, RSA_SHA1, RSA_SHA256,
};
use crate::sp_response::{accept_response, ResponseExpectations, VerifiedLogin};
use time::Duration;

pub(crate) fn idp_certs() -> &'static [Certificate] {
    static C: OnceLock<Vec<Certificate>> = OnceLock::new();
    C.get_or_init(|| vec![idp().cert()])
}

pub(crate) fn sp_keys() -> &'static [SigningKey] {
    static K: OnceLock<Vec<SigningKey>> = OnceLock::new();
    K.get_or_init(|| vec![sp().key.clone()])
}

pub(crate) fn exp() -> ResponseExpectations<'static> {
    ResponseExpectations {
        idp_entity_id: IDP_ENTITY,
        idp_certificates: idp_certs(),
        sp_entity_id: SP_ENTITY,
        acs_url: SP_ACS,
        decryption_keys: sp_keys(),
        require_signed_assertion: false,
        require_encrypted_assertion: false,
        allow_sha1: false,
        clock_skew: Duration::minutes(3),
        max_age: Duration::minutes(10),
    }
}

/// Posts `xml` to the ACS and accepts it at `now()`.
pub(crate) fn accept_with(xml: &str, e: &ResponseExpectations<'_>) -> crate::Result<VerifiedLogin> {
    let inbound = InboundMessage::from_post(
        &post_value(xml),
        Some("rs"),
        MessageField::Response,
        &Limits::default(),
    )?;
    accept_response(inbound, e, now())
}

pub(crate) fn accept(xml: &str) -> crate::Result<VerifiedLogin> {
    accept_with(xml, &exp())
}

/// The standard login, as `login(now())`.
pub(crate) fn base() -> LoginResponse {
    login(now())
}

/// The crate's own Response, signed as asked.
pub(crate) fn built(sign_response: bool, sign_assertion: bool) -> String {
    let opts = ResponseOptions {
        sign_response,
        sign_assertion,
        encrypt: None,
    };
    build_response(&base(), &idp().key, &opts).unwrap()
}

/// The assertion of `r`, unsigned.
pub(crate) fn assertion_of(r: &LoginResponse) -> String {
    assertion_xml(r, &idp().key, false).unwrap()
}

/// A Response of `r` around `inner` (the assertion or anything else),
/// unsigned.
pub(crate) fn response_of(r: &LoginResponse, inner: &str) -> String {
    let mut out = String::new();
    response_open(
        &mut out,
        &r.response_id,
        r.now,
        &r.destination,
        r.in_response_to.as_deref(),
        &r.issuer,
    );
    write_status(&mut out, &Status::success());
    out.push_str(inner);
    out.push_str("</samlp:Response>");
    out
}

/// Signs the element of `xml` whose ID is `id` (its signature placed after
/// the first `</saml:Issuer>`, which must be that element's), RSA-SHA256
/// or, with `sha1`, RSA-SHA1 with SHA-1 digests.
pub(crate) fn sign_with(xml: &str, id: &str, party: &Party, sha1: bool) -> String {
    let mut t = template(id, party.key.certificate());
    if sha1 {
        t = t
            .replace(RSA_SHA256, RSA_SHA1)
            .replace(DIGEST_SHA256, DIGEST_SHA1);
    }
    let at = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    let doc = format!("{}{t}{}", &xml[..at], &xml[at..]);
    sign_enveloped(&doc, &party.key).unwrap()
}

/// The byte range of the first element named `local` (any namespace).
pub(crate) fn range_of(xml: &str, local: &str) -> std::ops::Range<usize> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .unwrap_or_else(|| panic!("no <{local}>"))
        .range()
}

/// The text of the first element named `local`.
pub(crate) fn element<'a>(xml: &'a str, local: &str) -> &'a str {
    &xml[range_of(xml, local)]
}

/// `xml` without its first `<ds:Signature>`.
pub(crate) fn strip_signature(xml: &str) -> String {
    let r = range_of(xml, "Signature");
    format!("{}{}", &xml[..r.start], &xml[r.end..])
}

/// The NameID value of [`base`] as written in XML.
pub(crate) const LEGIT_NAME_XML: &str = "a1b2c3&lt;&amp;&gt;";
/// [`base`]'s NameID value.
pub(crate) const LEGIT_NAME: &str = "a1b2c3<&>";
/// The attacker's.
pub(crate) const EVIL_NAME: &str = "admin@evil.example";

/// `xml` with the subject changed to the attacker's.
pub(crate) fn evil(xml: &str) -> String {
    assert!(xml.contains(LEGIT_NAME_XML));
    xml.replace(LEGIT_NAME_XML, EVIL_NAME)
}
