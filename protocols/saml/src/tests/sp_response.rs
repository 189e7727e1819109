//! The SP's acceptance of a Response: happy paths and each check of the
//! Web SSO profile (decryption is in `sp_decrypt`, attacks in `xsw`).

use super::sp_fixture::*;
use super::*;
use crate::binding::{redirect_query, InboundMessage, Limits, MessageField};
use crate::response::{
    build_error_response, build_response, ErrorResponse, ResponseOptions, Status,
};
use crate::sp_response::{accept_response, ResponseExpectations};
use crate::{Binding, NameIdFormat, SamlError, StatusCode};
use time::Duration;

#[test]
fn response_signed_only() {
    let v = accept(&built(true, false)).unwrap();
    let r = base();
    assert!(v.response_signed && !v.assertion_signed && !v.assertion_encrypted);
    assert_eq!(v.response_id, "_resp1");
    assert_eq!(v.assertion_id, "_assert1");
    assert_eq!(v.issuer, IDP_ENTITY);
    assert_eq!(v.in_response_to.as_deref(), Some("_req1"));
    assert_eq!(v.name_id, r.name_id);
    assert_eq!(v.name_id.value, LEGIT_NAME);
    assert_eq!(
        v.name_id_format_uri.as_deref(),
        Some(NameIdFormat::Persistent.as_uri())
    );
    assert_eq!(v.session_index.as_deref(), Some("_sess42"));
    assert_eq!(v.authn_instant, r.authn_instant);
    assert_eq!(
        v.authn_context_class_ref.as_deref(),
        Some(r.authn_context_class_ref.as_str())
    );
    assert_eq!(v.session_not_on_or_after, r.session_not_on_or_after);
    assert_eq!(v.not_on_or_after, now() + Duration::minutes(5));
    assert_eq!(v.attributes, r.attributes);
    assert_eq!(v.relay_state.as_deref(), Some("rs"));
}

#[test]
fn assertion_signed_only() {
    let v = accept(&built(false, true)).unwrap();
    assert!(!v.response_signed && v.assertion_signed);
    assert_eq!(v.name_id.value, LEGIT_NAME);
    assert_eq!(v.attributes, base().attributes);
}

#[test]
fn response_and_assertion_signed() {
    let v = accept(&built(true, true)).unwrap();
    assert!(v.response_signed && v.assertion_signed);
    assert_eq!(v.name_id.value, LEGIT_NAME);
    // The assertion's own signature can be required.
    let strict = ResponseExpectations {
        require_signed_assertion: true,
        ..exp()
    };
    assert!(accept_with(&built(true, true), &strict).is_ok());
    assert_eq!(
        accept_with(&built(true, false), &strict),
        Err(SamlError::SignatureRequired)
    );
}

#[test]
fn unsigned_response_refused() {
    let r = base();
    let xml = response_of(&r, &assertion_of(&r));
    assert_eq!(accept(&xml), Err(SamlError::SignatureRequired));
}

/// The assertion of `r` edited by `edit`, then signed by the IdP (to be put
/// in an unsigned Response).
fn assertion_signed_after(
    r: &crate::response::LoginResponse,
    edit: impl Fn(&str) -> String,
) -> String {
    let a = edit(&assertion_of(r));
    sign_with(&a, &r.assertion_id, idp(), false)
}

#[test]
fn wrong_destination() {
    let mut r = base();
    r.destination = "https://evil.example/acs".into();
    let a = assertion_of(&base());
    let signed = sign_with(&response_of(&r, &a), "_resp1", idp(), false);
    assert!(matches!(
        accept(&signed),
        Err(SamlError::DestinationMismatch { found: Some(_), .. })
    ));
    // A signed Response must carry a Destination.
    let no_dest = response_of(&base(), &a).replace(&format!(" Destination=\"{SP_ACS}\""), "");
    let signed = sign_with(&no_dest, "_resp1", idp(), false);
    assert!(matches!(
        accept(&signed),
        Err(SamlError::DestinationMismatch { found: None, .. })
    ));
    // Unsigned Response (signed assertion): when present it must match.
    let xml = response_of(&r, &assertion_signed_after(&base(), str::to_owned));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::DestinationMismatch { .. })
    ));
}

#[test]
fn wrong_recipient() {
    let mut other = base();
    other.destination = "https://evil.example/acs".into();
    let xml = response_of(&base(), &assertion_signed_after(&other, str::to_owned));
    assert_eq!(
        accept(&xml),
        Err(SamlError::RecipientMismatch {
            expected: SP_ACS.into(),
            found: Some("https://evil.example/acs".into())
        })
    );
}

#[test]
fn wrong_audience() {
    let mut r = base();
    r.audience = "https://other-sp.example/".into();
    let xml = response_of(&base(), &assertion_signed_after(&r, str::to_owned));
    assert_eq!(
        accept(&xml),
        Err(SamlError::AudienceMismatch {
            expected: SP_ENTITY.into(),
            found: vec!["https://other-sp.example/".into()]
        })
    );
    // Every AudienceRestriction must name this SP (§2.5.1.4).
    let two = |a: &str| {
        a.replace(
            "</saml:AudienceRestriction>",
            "</saml:AudienceRestriction><saml:AudienceRestriction><saml:Audience>https://x.example/</saml:Audience></saml:AudienceRestriction>",
        )
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), two));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::AudienceMismatch { .. })
    ));
    // No AudienceRestriction at all.
    let none = |a: &str| {
        let r = range_of(a, "AudienceRestriction");
        format!("{}{}", &a[..r.start], &a[r.end..])
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), none));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::AudienceMismatch { found, .. }) if found.is_empty()
    ));
}

#[test]
fn wrong_issuer() {
    let other = ResponseExpectations {
        idp_entity_id: "https://other-idp.example/",
        ..exp()
    };
    assert!(matches!(
        accept_with(&built(true, true), &other),
        Err(SamlError::IssuerMismatch { .. })
    ));
    // The Response's Issuer is right, the Assertion's is not.
    let mut r = base();
    r.issuer = "https://other-idp.example/".into();
    let xml = response_of(&base(), &assertion_signed_after(&r, str::to_owned));
    assert_eq!(
        accept(&xml),
        Err(SamlError::IssuerMismatch {
            expected: IDP_ENTITY.into(),
            found: Some("https://other-idp.example/".into())
        })
    );
}

fn accept_at(xml: &str, at: time::OffsetDateTime) -> crate::Result<crate::VerifiedLogin> {
    let inbound = InboundMessage::from_post(
        &crate::binding::post_value(xml),
        None,
        MessageField::Response,
        &Limits::default(),
    )?;
    accept_response(inbound, &exp(), at)
}

#[test]
fn expired_assertion() {
    // Five-minute assertion, three-minute skew: gone at +9 minutes.
    assert!(accept_at(&built(true, true), now() + Duration::minutes(7)).is_ok());
    assert!(matches!(
        accept_at(&built(true, true), now() + Duration::minutes(9)),
        Err(SamlError::AssertionExpired { .. })
    ));
    // Conditions shorter than the confirmation.
    let short = |a: &str| {
        a.replacen(
            "NotOnOrAfter=\"2025-03-04T05:11:07Z\"><saml:AudienceRestriction",
            "NotOnOrAfter=\"2025-03-04T05:00:00Z\"><saml:AudienceRestriction",
            1,
        )
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), short));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::AssertionExpired {
            what: "Conditions NotOnOrAfter",
            ..
        })
    ));
    // The Response itself too old.
    assert!(matches!(
        accept_at(&built(true, true), now() + Duration::minutes(14)),
        Err(SamlError::Expired { .. })
    ));
    // The IdP session over.
    let mut r = base();
    r.session_not_on_or_after = Some(now() - Duration::seconds(1));
    let xml = build_response(
        &r,
        &idp().key,
        &ResponseOptions {
            sign_response: true,
            sign_assertion: false,
            encrypt: None,
        },
    )
    .unwrap();
    assert!(matches!(
        accept(&xml),
        Err(SamlError::AssertionExpired {
            what: "SessionNotOnOrAfter",
            ..
        })
    ));
}

#[test]
fn not_yet_valid() {
    let later = |a: &str| {
        a.replace(
            "<saml:Conditions NotBefore=\"2025-03-04T05:06:07Z\"",
            "<saml:Conditions NotBefore=\"2025-03-04T05:16:07Z\"",
        )
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), later));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::NotYetValid {
            what: "Conditions NotBefore",
            ..
        })
    ));
    // Within the skew is fine.
    let skewed = |a: &str| {
        a.replace(
            "<saml:Conditions NotBefore=\"2025-03-04T05:06:07Z\"",
            "<saml:Conditions NotBefore=\"2025-03-04T05:08:07Z\"",
        )
    };
    assert!(accept(&response_of(
        &base(),
        &assertion_signed_after(&base(), skewed)
    ))
    .is_ok());
    // A Response from the future.
    assert!(matches!(
        accept_at(&built(true, true), now() - Duration::minutes(5)),
        Err(SamlError::IssuedInFuture { .. })
    ));
}

#[test]
fn in_response_to_mismatch() {
    let mut other = base();
    other.in_response_to = Some("_other_request".into());
    let xml = response_of(&base(), &assertion_signed_after(&other, str::to_owned));
    assert_eq!(
        accept(&xml),
        Err(SamlError::InResponseToMismatch {
            response: "_req1".into(),
            confirmation: "_other_request".into()
        })
    );
}

#[test]
fn in_response_to_only_from_signed_content() {
    // IdP-initiated: no InResponseTo anywhere.
    let mut r = base();
    r.in_response_to = None;
    let xml = build_response(
        &r,
        &idp().key,
        &ResponseOptions {
            sign_response: true,
            sign_assertion: true,
            encrypt: None,
        },
    )
    .unwrap();
    assert_eq!(accept(&xml).unwrap().in_response_to, None);
    // An unsigned Response claiming an InResponseTo the signed assertion
    // does not carry: the claim is not returned.
    let xml = response_of(&base(), &assertion_signed_after(&r, str::to_owned));
    assert_eq!(accept(&xml).unwrap().in_response_to, None);
    // A signed Response's is.
    let xml = sign_with(
        &response_of(&base(), &assertion_of(&r)),
        "_resp1",
        idp(),
        false,
    );
    assert_eq!(
        accept(&xml).unwrap().in_response_to.as_deref(),
        Some("_req1")
    );
}

#[test]
fn missing_bearer_confirmation() {
    let hok = |a: &str| {
        a.replace(
            "urn:oasis:names:tc:SAML:2.0:cm:bearer",
            "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key",
        )
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), hok));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::NoBearerConfirmation(_))
    ));
    let with_not_before = |a: &str| {
        a.replace(
            "<saml:SubjectConfirmationData ",
            "<saml:SubjectConfirmationData NotBefore=\"2025-03-04T05:06:07Z\" ",
        )
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), with_not_before));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::NoBearerConfirmation(_))
    ));
}

#[test]
fn encrypted_id_refused_clearly() {
    let enc_id = |a: &str| {
        let r = range_of(a, "NameID");
        format!("{}<saml:EncryptedID><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedID>{}", &a[..r.start], &a[r.end..])
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), enc_id));
    assert_eq!(
        accept(&xml),
        Err(SamlError::Unsupported("EncryptedID in the Subject"))
    );
}

#[test]
fn response_over_redirect_refused() {
    let q = redirect_query(MessageField::Response, &built(false, true), None, None).unwrap();
    let inbound =
        InboundMessage::from_redirect(&q, MessageField::Response, &Limits::default()).unwrap();
    assert_eq!(
        accept_response(inbound, &exp(), now()),
        Err(SamlError::WrongBinding {
            expected: Binding::HttpPost,
            found: Binding::HttpRedirect
        })
    );
}

#[test]
fn non_success_status_carries_the_status() {
    for key in [Some(&idp().key), None] {
        let r = ErrorResponse {
            response_id: "_err1".into(),
            issuer: IDP_ENTITY.into(),
            destination: SP_ACS.into(),
            in_response_to: Some("_req1".into()),
            now: now(),
            status: Status::error(
                StatusCode::Responder,
                Some(StatusCode::AuthnFailed),
                Some("bad password"),
            )
            .unwrap(),
        };
        let xml = build_error_response(&r, key).unwrap();
        let err = accept(&xml).unwrap_err();
        assert_eq!(err, SamlError::ErrorStatus(r.status.clone()));
        let SamlError::ErrorStatus(s) = &err else {
            unreachable!()
        };
        assert_eq!(s.code, StatusCode::Responder.as_uri());
        assert!(err.to_string().contains("bad password"));
        assert_eq!(
            err.status_code(),
            (StatusCode::Responder, Some(StatusCode::AuthnFailed))
        );
    }
}

#[test]
fn attributes_with_element_content_and_unknown_formats() {
    let edit = |a: &str| {
        a.replace(
            "<saml:AttributeValue>admins</saml:AttributeValue>",
            "<saml:AttributeValue>ad<b xmlns=\"urn:x\">mi<!---->n</b>s</saml:AttributeValue><saml:AttributeValue xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>",
        )
        .replace(
            &format!("Format=\"{}\"", NameIdFormat::Persistent.as_uri()),
            "Format=\"urn:example:custom-format\"",
        )
    };
    let xml = response_of(&base(), &assertion_signed_after(&base(), edit));
    let v = accept(&xml).unwrap();
    assert_eq!(v.attributes[1].values, ["admins", "", "R&D <lab>"]);
    assert_eq!(v.name_id.format, NameIdFormat::Unspecified);
    assert_eq!(
        v.name_id_format_uri.as_deref(),
        Some("urn:example:custom-format")
    );
}

#[test]
fn assertion_using_the_responses_namespace_declarations() {
    // As some IdPs write it: the Assertion declares no prefix of its own
    // and is signed in place; it is verified as a document of its own.
    let r = base();
    let a = assertion_of(&r).replacen(
        " xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
        " xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"",
        1,
    );
    let at = a.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    let a = format!(
        "{}{}{}",
        &a[..at],
        crate::signature::template("_assert1", idp().key.certificate()),
        &a[at..]
    );
    let xml = crate::signature::sign_enveloped(&response_of(&r, &a), &idp().key).unwrap();
    let v = accept(&xml).unwrap();
    assert!(v.assertion_signed && !v.response_signed);
    assert_eq!(v.name_id.value, LEGIT_NAME);
}
