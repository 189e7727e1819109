//! The SP's AuthnRequest, accepted by the crate's own IdP side.

use super::*;
use crate::authn_request::AuthnRequest;
use crate::binding::{post_value, redirect_query, InboundMessage, Limits, MessageField};
use crate::signature::SignaturePolicy;
use crate::sp_request::{build_authn_request, NewAuthnRequest};
use crate::{Binding, MessagePolicy, NameIdFormat, SamlError};

fn request() -> NewAuthnRequest {
    NewAuthnRequest {
        id: "_sp_req1".into(),
        issue_instant: now(),
        destination: IDP_SSO.into(),
        issuer: SP_ENTITY.into(),
        acs_url: SP_ACS.into(),
        name_id_format: Some(NameIdFormat::EmailAddress),
        force_authn: true,
        is_passive: false,
    }
}

fn policy() -> MessagePolicy {
    MessagePolicy {
        signature: SignaturePolicy {
            require_signed: true,
            allow_sha1: false,
        },
        expected_destination: Some(IDP_SSO.to_owned()),
        ..MessagePolicy::default()
    }
}

#[test]
fn signed_post_request_is_accepted_by_the_idp_side() {
    let xml = build_authn_request(&request(), Some(&sp().key)).unwrap();
    let inbound = InboundMessage::from_post(
        &post_value(&xml),
        Some("rs"),
        MessageField::Request,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(inbound.claimed_issuer(), Some(SP_ENTITY));
    let req = AuthnRequest::accept(inbound, &[sp().cert()], &policy(), now()).unwrap();
    assert!(req.signed);
    assert_eq!(req.id, "_sp_req1");
    assert_eq!(req.issuer, SP_ENTITY);
    assert_eq!(req.destination.as_deref(), Some(IDP_SSO));
    assert_eq!(req.acs_url.as_deref(), Some(SP_ACS));
    assert_eq!(
        req.protocol_binding.as_deref(),
        Some(Binding::HttpPost.as_uri())
    );
    assert!(req.force_authn && !req.is_passive);
    let p = req.name_id_policy.unwrap();
    assert_eq!(p.allow_create, Some(true));
    assert_eq!(
        p.format.as_deref(),
        Some(NameIdFormat::EmailAddress.as_uri())
    );
    // Another key's signature does not pass.
    let forged = build_authn_request(&request(), Some(&attacker().key)).unwrap();
    let inbound = InboundMessage::from_post(
        &post_value(&forged),
        None,
        MessageField::Request,
        &Limits::default(),
    )
    .unwrap();
    assert!(matches!(
        AuthnRequest::accept(inbound, &[sp().cert()], &policy(), now()),
        Err(SamlError::SignatureInvalid(_))
    ));
}

#[test]
fn unsigned_request_over_signed_redirect_is_accepted() {
    let mut r = request();
    r.name_id_format = None;
    r.force_authn = false;
    r.is_passive = true;
    let xml = build_authn_request(&r, None).unwrap();
    assert!(!xml.contains("Signature"));
    assert!(!xml.contains("Format=\"urn:oasis:names:tc:SAML:1.1"));
    let q = redirect_query(MessageField::Request, &xml, Some("rs"), Some(&sp().key)).unwrap();
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Request, &Limits::default()).unwrap();
    let req = AuthnRequest::accept(inbound, &[sp().cert()], &policy(), now()).unwrap();
    assert!(req.signed && req.is_passive && !req.force_authn);
    assert_eq!(req.binding, Binding::HttpRedirect);
    assert_eq!(req.name_id_policy.unwrap().format, None);
    // Unsigned entirely: accepted when the IdP does not require signatures.
    let q = redirect_query(MessageField::Request, &xml, None, None).unwrap();
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Request, &Limits::default()).unwrap();
    let lenient = MessagePolicy {
        signature: SignaturePolicy::default(),
        ..policy()
    };
    assert!(
        !AuthnRequest::accept(inbound, &[], &lenient, now())
            .unwrap()
            .signed
    );
}

#[test]
fn request_inputs_are_checked() {
    let mut r = request();
    r.id = "1 not an id".into();
    assert!(matches!(
        build_authn_request(&r, None),
        Err(SamlError::InvalidValue { .. })
    ));
    let mut r = request();
    r.acs_url = "not a url".into();
    assert!(build_authn_request(&r, None).is_err());
    let mut r = request();
    r.issuer = "https://sp.example.test/<&\">".into();
    let xml = build_authn_request(&r, None).unwrap();
    assert!(xml.contains("https://sp.example.test/&lt;&amp;&quot;&gt;"));
    assert_eq!(xml, build_authn_request(&r, None).unwrap());
}
