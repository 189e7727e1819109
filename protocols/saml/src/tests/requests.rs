use super::*;
use crate::authn_request::{AuthnContextComparison, AuthnRequest};
use crate::binding::{redirect_query, InboundMessage, Limits, MessageField};
use crate::signature::{SignaturePolicy, RSA_SHA1};
use crate::{Binding, MessagePolicy, SamlError};
use base64::Engine;
use std::io::Write;

const T: &str = "2025-03-04T05:06:00Z";

fn policy(require_signed: bool) -> MessagePolicy {
    MessagePolicy {
        signature: SignaturePolicy {
            require_signed,
            allow_sha1: false,
        },
        expected_destination: Some(IDP_SSO.to_owned()),
        ..MessagePolicy::default()
    }
}

fn accept_redirect(query: &str, p: &MessagePolicy) -> crate::Result<AuthnRequest> {
    let inbound = InboundMessage::from_redirect(query, MessageField::Request, &Limits::default())?;
    AuthnRequest::accept(inbound, &[sp().cert()], p, now())
}

fn accept_post(xml: &str, p: &MessagePolicy) -> crate::Result<AuthnRequest> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
    let inbound =
        InboundMessage::from_post(&b64, Some("rs"), MessageField::Request, &Limits::default())?;
    AuthnRequest::accept(inbound, &[sp().cert()], p, now())
}

#[test]
fn redirect_signed_round_trip() {
    let xml = authn_request_xml("_req1", "2.0", T, " ForceAuthn=\"true\"");
    let q = redirect_query(
        MessageField::Request,
        &xml,
        Some("state/with+&=chars"),
        Some(&sp().key),
    )
    .unwrap();
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Request, &Limits::default()).unwrap();
    assert_eq!(inbound.claimed_issuer(), Some(SP_ENTITY));
    assert_eq!(inbound.root_name(), "AuthnRequest");
    assert!(inbound.is_signed());
    let req = AuthnRequest::accept(inbound, &[sp().cert()], &policy(true), now()).unwrap();
    assert_eq!(req.id, "_req1");
    assert_eq!(req.issuer, SP_ENTITY);
    assert!(req.signed && req.force_authn && !req.is_passive);
    assert_eq!(req.binding, Binding::HttpRedirect);
    assert_eq!(req.relay_state.as_deref(), Some("state/with+&=chars"));
    assert_eq!(req.acs_url.as_deref(), Some(SP_ACS));
    let p = req.name_id_policy.unwrap();
    assert_eq!(p.allow_create, Some(true));
    assert_eq!(
        p.format.as_deref(),
        Some(crate::NameIdFormat::Persistent.as_uri())
    );
    let rac = req.requested_authn_context.unwrap();
    assert_eq!(rac.comparison, AuthnContextComparison::Minimum);
    assert_eq!(rac.class_refs.len(), 1);
}

#[test]
fn redirect_unsigned_allowed_only_when_not_required() {
    let xml = authn_request_xml("_req2", "2.0", T, "");
    let q = redirect_query(MessageField::Request, &xml, None, None).unwrap();
    let req = accept_redirect(&q, &policy(false)).unwrap();
    assert!(!req.signed);
    assert_eq!(
        accept_redirect(&q, &policy(true)),
        Err(SamlError::SignatureRequired)
    );
}

#[test]
fn redirect_signature_is_over_the_octets_as_received() {
    let xml = authn_request_xml("_req3", "2.0", T, "");
    let q = redirect_query(MessageField::Request, &xml, Some("a b"), Some(&sp().key)).unwrap();
    assert!(accept_redirect(&q, &policy(true)).is_ok());
    // The same values, percent-encoded differently: decodes to the same
    // message but the signed octets differ, so it must be refused.
    let reencoded = q.replace("RelayState=a+b", "RelayState=a%20b");
    assert_ne!(reencoded, q);
    assert!(matches!(
        accept_redirect(&reencoded, &policy(true)),
        Err(SamlError::SignatureInvalid(_))
    ));
    let lower = q.replacen("%2B", "%2b", 1);
    if lower != q {
        assert!(matches!(
            accept_redirect(&lower, &policy(true)),
            Err(SamlError::SignatureInvalid(_))
        ));
    }
    // Parameter order in the query does not matter, the signed order does.
    let mut parts: Vec<&str> = q.split('&').collect();
    parts.reverse();
    assert!(accept_redirect(&parts.join("&"), &policy(true)).is_ok());
    // A changed RelayState is refused.
    let tampered = q.replace("RelayState=a+b", "RelayState=evil");
    assert!(matches!(
        accept_redirect(&tampered, &policy(true)),
        Err(SamlError::SignatureInvalid(_))
    ));
}

#[test]
fn redirect_signed_by_another_key_refused() {
    let xml = authn_request_xml("_req4", "2.0", T, "");
    let q = redirect_query(MessageField::Request, &xml, None, Some(&attacker().key)).unwrap();
    assert!(matches!(
        accept_redirect(&q, &policy(false)),
        Err(SamlError::SignatureInvalid(_))
    ));
}

fn sign_query_sha1(unsigned_q: &str, key: &crate::keys::SigningKey) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let octets = format!("{unsigned_q}&SigAlg={}", enc(RSA_SHA1));
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha1(), key.pkey()).unwrap();
    signer.update(octets.as_bytes()).unwrap();
    let sig = base64::engine::general_purpose::STANDARD.encode(signer.sign_to_vec().unwrap());
    format!("{octets}&Signature={}", enc(&sig))
}

#[test]
fn redirect_sha1_refused_by_default_allowed_by_flag() {
    let xml = authn_request_xml("_req5", "2.0", T, "");
    let unsigned = redirect_query(MessageField::Request, &xml, None, None).unwrap();
    let q = sign_query_sha1(&unsigned, &sp().key);
    assert_eq!(
        accept_redirect(&q, &policy(true)),
        Err(SamlError::AlgorithmRefused(RSA_SHA1.to_owned()))
    );
    let mut lax = policy(true);
    lax.signature.allow_sha1 = true;
    assert!(accept_redirect(&q, &lax).unwrap().signed);
}

#[test]
fn redirect_parameter_errors() {
    let xml = authn_request_xml("_req6", "2.0", T, "");
    let q = redirect_query(MessageField::Request, &xml, None, Some(&sp().key)).unwrap();
    let dup = format!("{q}&RelayState=x&RelayState=y");
    assert_eq!(
        accept_redirect(&dup, &policy(false)),
        Err(SamlError::DuplicateParameter("RelayState"))
    );
    let no_sig: String = q
        .split('&')
        .filter(|p| !p.starts_with("Signature="))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(
        accept_redirect(&no_sig, &policy(false)),
        Err(SamlError::MissingParameter("Signature"))
    );
    assert_eq!(
        accept_redirect("RelayState=x", &policy(false)),
        Err(SamlError::MissingParameter("SAMLRequest"))
    );
    assert_eq!(
        accept_redirect("SAMLRequest=%%%", &policy(false)),
        Err(SamlError::Base64("SAMLRequest"))
    );
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn deflate_bomb_refused() {
    // 50 MB of spaces inflate from about 50 KB.
    let bomb = deflate(&vec![b' '; 50 * 1024 * 1024]);
    assert!(bomb.len() < Limits::default().max_encoded);
    let b64 = base64::engine::general_purpose::STANDARD.encode(bomb);
    let q = format!(
        "SAMLRequest={}",
        url::form_urlencoded::byte_serialize(b64.as_bytes()).collect::<String>()
    );
    assert!(matches!(
        accept_redirect(&q, &policy(false)),
        Err(SamlError::TooLarge {
            what: "inflated message",
            ..
        })
    ));
    // And an encoded message over its own cap never gets inflated.
    let huge = "A".repeat(Limits::default().max_encoded + 4);
    assert!(matches!(
        InboundMessage::from_post(&huge, None, MessageField::Request, &Limits::default()),
        Err(SamlError::TooLarge {
            what: "encoded message",
            ..
        })
    ));
}

#[test]
fn dtd_entities_and_billion_laughs_refused() {
    let laughs = concat!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">",
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">",
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>",
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">&lol3;</samlp:AuthnRequest>"
    );
    let xxe = concat!(
        "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">&xxe;</samlp:AuthnRequest>"
    );
    for doc in [laughs, xxe] {
        assert_eq!(accept_post(doc, &policy(false)), Err(SamlError::DtdRefused));
        let q = redirect_query(MessageField::Request, doc, None, None).unwrap();
        assert_eq!(
            accept_redirect(&q, &policy(false)),
            Err(SamlError::DtdRefused)
        );
    }
}

#[test]
fn version_and_time_checks() {
    let v1 = authn_request_xml("_v", "1.1", T, "");
    assert_eq!(
        accept_post(&v1, &policy(false)),
        Err(SamlError::VersionMismatch("1.1".into()))
    );
    assert_eq!(
        SamlError::VersionMismatch("1.1".into()).status_code().0,
        crate::StatusCode::VersionMismatch
    );
    let old = authn_request_xml("_old", "2.0", "2025-03-04T04:00:00Z", "");
    assert!(matches!(
        accept_post(&old, &policy(false)),
        Err(SamlError::Expired { .. })
    ));
    let future = authn_request_xml("_fut", "2.0", "2025-03-04T05:30:00Z", "");
    assert!(matches!(
        accept_post(&future, &policy(false)),
        Err(SamlError::IssuedInFuture { .. })
    ));
    // Within the skew is fine.
    let skewed = authn_request_xml("_skew", "2.0", "2025-03-04T05:08:00Z", "");
    assert!(accept_post(&skewed, &policy(false)).is_ok());
}

#[test]
fn post_signed_round_trip_and_destination() {
    let xml = authn_request_xml("_p1", "2.0", T, " IsPassive=\"1\"");
    let signed = sign_as(&xml, "_p1", sp());
    let req = accept_post(&signed, &policy(true)).unwrap();
    assert!(req.signed && req.is_passive);
    assert_eq!(req.binding, Binding::HttpPost);
    assert_eq!(req.relay_state.as_deref(), Some("rs"));
    let mut elsewhere = policy(true);
    elsewhere.expected_destination = Some("https://other.example/sso".into());
    assert!(matches!(
        accept_post(&signed, &elsewhere),
        Err(SamlError::DestinationMismatch { .. })
    ));
}

#[test]
fn post_signature_checks() {
    let xml = authn_request_xml("_p2", "2.0", T, "");
    // Signed by another key that embeds its own certificate: refused, the
    // embedded certificate is never used.
    let forged = sign_as(&xml, "_p2", attacker());
    assert!(matches!(
        accept_post(&forged, &policy(false)),
        Err(SamlError::SignatureInvalid(_))
    ));
    // Modified after signing.
    let signed = sign_as(&xml, "_p2", sp());
    let tampered = signed
        .replace("ForceAuthn", "X")
        .replace(SP_ACS, "https://evil.example/acs");
    assert!(matches!(
        accept_post(&tampered, &policy(false)),
        Err(SamlError::SignatureInvalid(_))
    ));
    // Unsigned when required.
    assert_eq!(
        accept_post(&xml, &policy(true)),
        Err(SamlError::SignatureRequired)
    );
    // A signature over another element (a wrapped copy) is refused.
    let wrapped = signed.replacen(
        "<samlp:AuthnRequest ",
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_outer\" Version=\"2.0\" IssueInstant=\"2025-03-04T05:06:00Z\"><samlp:Extensions>",
        1,
    );
    assert!(accept_post(
        &(wrapped + "</samlp:Extensions></samlp:AuthnRequest>"),
        &policy(true)
    )
    .is_err());
}

#[test]
fn post_sha1_digest_refused_by_default() {
    let xml = authn_request_xml("_s1", "2.0", T, "");
    let at = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    let tpl = crate::signature::template("_s1", sp().key.certificate())
        .replace(crate::signature::RSA_SHA256, RSA_SHA1)
        .replace(
            crate::signature::DIGEST_SHA256,
            crate::signature::DIGEST_SHA1,
        );
    let signed =
        crate::signature::sign_enveloped(&format!("{}{tpl}{}", &xml[..at], &xml[at..]), &sp().key)
            .unwrap();
    assert!(signed.contains(RSA_SHA1));
    assert_eq!(
        accept_post(&signed, &policy(true)),
        Err(SamlError::AlgorithmRefused(RSA_SHA1.into()))
    );
    let mut lax = policy(true);
    lax.signature.allow_sha1 = true;
    assert!(accept_post(&signed, &lax).unwrap().signed);
}

#[test]
fn wrong_root_and_namespace() {
    let wrong_ns = authn_request_xml("_n", "2.0", T, "").replace(
        "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"",
        "xmlns:samlp=\"urn:example:evil\"",
    );
    assert!(matches!(
        accept_post(&wrong_ns, &policy(false)),
        Err(SamlError::UnexpectedElement { .. })
    ));
}
