use super::*;
use crate::binding::{redirect_query, InboundMessage, Limits, MessageField};
use crate::logout::*;
use crate::response::{NameId, Status};
use crate::signature::SignaturePolicy;
use crate::{Binding, MessagePolicy, NameIdFormat, SamlError, StatusCode};
use base64::Engine;
use time::Duration;

fn policy() -> MessagePolicy {
    MessagePolicy {
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        ..MessagePolicy::default()
    }
}

fn sp_logout_request(id: &str) -> String {
    format!(
        concat!(
            "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ",
            "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" ",
            "IssueInstant=\"2025-03-04T05:06:00Z\" Destination=\"{slo}\" NotOnOrAfter=\"2025-03-04T05:16:00Z\">",
            "<saml:Issuer>{sp}</saml:Issuer>",
            "<saml:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">a1b2<!---->c3</saml:NameID>",
            "<samlp:SessionIndex>_sess42</samlp:SessionIndex></samlp:LogoutRequest>"
        ),
        id = id,
        slo = IDP_SLO,
        sp = SP_ENTITY
    )
}

#[test]
fn logout_request_from_sp_both_bindings() {
    let xml = sp_logout_request("_lo1");
    let q = redirect_query(MessageField::Request, &xml, Some("r"), Some(&sp().key)).unwrap();
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Request, &Limits::default()).unwrap();
    assert_eq!(inbound.root_name(), "LogoutRequest");
    let req = LogoutRequest::accept(inbound, &[sp().cert()], &policy(), now()).unwrap();
    assert_eq!(req.issuer, SP_ENTITY);
    assert_eq!(req.name_id.value, "a1b2c3");
    assert_eq!(req.session_indexes, ["_sess42"]);
    assert_eq!(req.binding, Binding::HttpRedirect);

    let signed = sign_as(&xml, "_lo1", sp());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&signed);
    let inbound =
        InboundMessage::from_post(&b64, None, MessageField::Request, &Limits::default()).unwrap();
    let req = LogoutRequest::accept(inbound, &[sp().cert()], &policy(), now()).unwrap();
    assert!(req.signed);
    assert_eq!(req.binding, Binding::HttpPost);

    // Forged by another key; and expired by NotOnOrAfter.
    let forged = sign_as(&xml, "_lo1", attacker());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&forged);
    let inbound =
        InboundMessage::from_post(&b64, None, MessageField::Request, &Limits::default()).unwrap();
    assert!(matches!(
        LogoutRequest::accept(inbound, &[sp().cert()], &policy(), now()),
        Err(SamlError::SignatureInvalid(_))
    ));
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Request, &Limits::default()).unwrap();
    let lenient_age = MessagePolicy {
        max_age: Duration::hours(1),
        ..policy()
    };
    assert!(matches!(
        LogoutRequest::accept(
            inbound,
            &[sp().cert()],
            &lenient_age,
            now() + Duration::minutes(20)
        ),
        Err(SamlError::Expired { .. })
    ));
}

#[test]
fn logout_response_round_trip() {
    let r = NewLogoutResponse {
        id: "_lr1".into(),
        issuer: IDP_ENTITY.into(),
        destination: "https://sp.example.test/slo".into(),
        in_response_to: "_lo1".into(),
        now: now(),
        status: Status::success(),
    };
    // POST: enveloped signature; read back with the IdP cert.
    let xml = build_logout_response(&r, Some(&idp().key)).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&xml);
    let inbound =
        InboundMessage::from_post(&b64, None, MessageField::Response, &Limits::default()).unwrap();
    let parsed = LogoutResponse::accept(inbound, &[idp().cert()], &policy(), now()).unwrap();
    assert!(parsed.status.is_success() && parsed.signed);
    assert_eq!(parsed.in_response_to.as_deref(), Some("_lo1"));
    assert_eq!(parsed.issuer, IDP_ENTITY);
    // Redirect with a partial-logout status.
    let mut partial = r.clone();
    partial.status =
        Status::error(StatusCode::Responder, Some(StatusCode::PartialLogout), None).unwrap();
    let xml = build_logout_response(&partial, None).unwrap();
    let q = redirect_query(MessageField::Response, &xml, None, Some(&idp().key)).unwrap();
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Response, &Limits::default()).unwrap();
    let parsed = LogoutResponse::accept(inbound, &[idp().cert()], &policy(), now()).unwrap();
    assert!(!parsed.status.is_success());
    assert_eq!(
        parsed.status.second_level.as_deref(),
        Some(StatusCode::PartialLogout.as_uri())
    );
}

#[test]
fn idp_initiated_logout_request_round_trip() {
    let r = NewLogoutRequest {
        id: "_idplo".into(),
        issuer: IDP_ENTITY.into(),
        destination: "https://sp.example.test/slo".into(),
        now: now(),
        name_id: NameId {
            format: NameIdFormat::EmailAddress,
            value: "ada@example.com".into(),
            name_qualifier: None,
            sp_name_qualifier: None,
        },
        session_index: Some("_sess42".into()),
        not_on_or_after: Some(now() + Duration::minutes(5)),
        reason: Some("urn:oasis:names:tc:SAML:2.0:logout:user".into()),
    };
    let xml = build_logout_request(&r, Some(&idp().key)).unwrap();
    <samael::crypto::XmlSec as samael::crypto::CryptoProvider>::verify_signed_xml(
        &xml,
        &idp().cert().samael(),
        Some("ID"),
    )
    .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&xml);
    let inbound =
        InboundMessage::from_post(&b64, None, MessageField::Request, &Limits::default()).unwrap();
    let parsed = LogoutRequest::accept(inbound, &[idp().cert()], &policy(), now()).unwrap();
    assert_eq!(parsed.name_id.value, "ada@example.com");
    assert_eq!(
        parsed.name_id.format.as_deref(),
        Some(NameIdFormat::EmailAddress.as_uri())
    );
    assert_eq!(
        parsed.reason.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:logout:user")
    );
}
