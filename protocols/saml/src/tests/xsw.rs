//! Attacks on the SP's Response acceptance: the eight XML Signature
//! Wrapping variants of "On Breaking SAML" (Somorovsky et al., USENIX
//! Security 2012), comment injection, misplaced and foreign signatures,
//! weak algorithms, DTDs and size. Each builds a legitimate signed Response
//! with the crate's own IdP side, then rewrites it as the attacker would.

use super::sp_fixture::*;
use super::*;
use crate::binding::{post_value, InboundMessage, Limits, MessageField};
use crate::response::{build_response, ResponseOptions};
use crate::sp_response::ResponseExpectations;
use crate::SamlError;

/// Refused, or (for a variant that leaves the legitimate assertion the
/// only one read) never the attacker's subject.
fn assert_not_evil(result: crate::Result<crate::VerifiedLogin>) -> Option<SamlError> {
    match result {
        Ok(v) => {
            assert_eq!(v.name_id.value, LEGIT_NAME);
            None
        }
        Err(e) => Some(e),
    }
}

/// A wrapping with the original's ID copied is refused for the duplicate
/// ID (the reference would be ambiguous); with a fresh ID, for the second
/// assertion.
fn assert_wrapping_refused(result: crate::Result<crate::VerifiedLogin>, new_id: bool) {
    let e = assert_not_evil(result).expect("wrapped message accepted");
    if new_id {
        assert!(matches!(e, SamlError::UnexpectedAssertions(_)), "{e}");
    } else {
        assert!(
            matches!(e, SamlError::SignatureInvalid(ref m) if m.contains("more than once")),
            "{e}"
        );
    }
}

/// Inserts `what` right after the first `</saml:Issuer>` of `xml`.
fn after_issuer(xml: &str, what: &str) -> String {
    let at = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    format!("{}{what}{}", &xml[..at], &xml[at..])
}

/// Inserts `what` just before the end of the first `<ds:Signature>`.
fn into_signature(xml: &str, what: &str) -> String {
    let r = range_of(xml, "Signature");
    let end = r.end - "</ds:Signature>".len();
    format!("{}{what}{}", &xml[..end], &xml[end..])
}

/// The Response signed (assertion unsigned), rewritten: the evil Response
/// takes a new ID, the signed original goes where `place` puts it.
fn wrap_response(new_assertion_id: bool, place: impl Fn(&str, &str) -> String) -> String {
    let legit = built(true, false);
    let sig = element(&legit, "Signature").to_owned();
    let original = strip_signature(&legit);
    let mut evil_root = evil(&original).replacen("ID=\"_resp1\"", "ID=\"_evil_resp\"", 1);
    if new_assertion_id {
        evil_root = fresh(&evil_root);
    }
    place(&evil_root, &format!("{sig}|{original}"))
}

#[test]
fn xsw1_original_response_inside_copied_signature() {
    for new_id in [false, true] {
        let xml = wrap_response(new_id, |root, parts| {
            let (sig, original) = parts.split_once('|').unwrap();
            after_issuer(root, &into_signature(sig, original))
        });
        let e = accept(&xml).unwrap_err();
        let expected = if new_id {
            "Reference"
        } else {
            "more than once"
        };
        assert!(
            matches!(e, SamlError::SignatureInvalid(ref m) if m.contains(expected)),
            "{e}"
        );
    }
}

#[test]
fn xsw2_original_response_before_copied_signature() {
    for new_id in [false, true] {
        let xml = wrap_response(new_id, |root, parts| {
            let (sig, original) = parts.split_once('|').unwrap();
            after_issuer(root, &format!("{original}{sig}"))
        });
        let e = accept(&xml).unwrap_err();
        let expected = if new_id {
            "Reference"
        } else {
            "more than once"
        };
        assert!(
            matches!(e, SamlError::SignatureInvalid(ref m) if m.contains(expected)),
            "{e}"
        );
    }
}

/// The Response unsigned around the signed original assertion, with
/// `build` arranging the evil copy and the original.
fn wrap_assertion(build: impl Fn(&str, &str, &str) -> String) -> String {
    let legit = built(false, true);
    let signed_assertion = element(&legit, "Assertion").to_owned();
    let sig = element(&signed_assertion, "Signature").to_owned();
    let plain_original = strip_signature(&signed_assertion);
    let around = build(&signed_assertion, &sig, &plain_original);
    legit.replace(&signed_assertion, &around)
}

/// The assertion under a new ID.
fn fresh(a: &str) -> String {
    a.replacen("ID=\"_assert1\"", "ID=\"_evil_assert\"", 1)
}

#[test]
fn xsw3_evil_assertion_before_the_signed_one() {
    for new_id in [false, true] {
        let xml = wrap_assertion(|signed, _, plain| {
            let e = evil(plain);
            format!("{}{signed}", if new_id { fresh(&e) } else { e })
        });
        assert_wrapping_refused(accept(&xml), new_id);
    }
}

#[test]
fn xsw4_evil_assertion_wrapping_the_signed_one() {
    for new_id in [false, true] {
        let xml = wrap_assertion(|signed, _, plain| {
            let e = evil(plain);
            let e = if new_id { fresh(&e) } else { e };
            let end = e.rfind("</saml:Assertion>").unwrap();
            format!("{}{signed}{}", &e[..end], &e[end..])
        });
        assert_wrapping_refused(accept(&xml), new_id);
    }
}

#[test]
fn xsw5_signed_copy_altered_original_appended() {
    for new_id in [false, true] {
        let xml = wrap_assertion(|signed, _, plain| {
            let e = evil(signed);
            format!("{}{plain}", if new_id { fresh(&e) } else { e })
        });
        assert_wrapping_refused(accept(&xml), new_id);
    }
    // The evil copy alone, keeping the original signature: digest fails.
    let xml = wrap_assertion(|signed, _, _| evil(signed));
    assert!(matches!(accept(&xml), Err(SamlError::SignatureInvalid(_))));
}

#[test]
fn xsw6_original_inside_the_evil_copys_signature() {
    for new_id in [false, true] {
        let xml = wrap_assertion(|signed, _, plain| {
            let e = evil(signed);
            let e = if new_id { fresh(&e) } else { e };
            into_signature(&e, plain)
        });
        assert_wrapping_refused(accept(&xml), new_id);
    }
}

#[test]
fn xsw7_evil_assertion_in_extensions() {
    // The signed original stays in place; an unsigned evil clone goes in
    // <samlp:Extensions> (right after the Issuer, as the schema puts it,
    // and not schema-checked), first in document order.
    let legit = built(false, true);
    for new_id in [false, true] {
        let clone = evil(&strip_signature(element(&legit, "Assertion")));
        let clone = if new_id { fresh(&clone) } else { clone };
        let xml = after_issuer(
            &legit,
            &format!("<samlp:Extensions>{clone}</samlp:Extensions>"),
        );
        assert_wrapping_refused(accept(&xml), new_id);
    }
}

#[test]
fn xsw8_original_in_an_object_of_the_evil_copys_signature() {
    for new_id in [false, true] {
        let xml = wrap_assertion(|signed, _, plain| {
            let e = evil(signed);
            let e = if new_id { fresh(&e) } else { e };
            into_signature(&e, &format!("<ds:Object>{plain}</ds:Object>"))
        });
        assert_wrapping_refused(accept(&xml), new_id);
    }
}

#[test]
fn evil_assertion_in_an_object_of_the_response_signature() {
    // The Response signature still verifies (the enveloped transform drops
    // its whole subtree); the extra assertion is refused all the same.
    let legit = built(true, false);
    let evil_assertion = fresh(&evil(element(&legit, "Assertion")));
    let xml = into_signature(&legit, &format!("<ds:Object>{evil_assertion}</ds:Object>"));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::UnexpectedAssertions(_))
    ));
}

#[test]
fn comment_in_name_id_reads_the_whole_value() {
    let mut r = base();
    r.name_id.value = "user@example.com.evil.com".into();
    let commented = |x: &str| {
        x.replace(
            "user@example.com.evil.com",
            "user@example.com<!---->.evil.com",
        )
    };
    // Signed with the comment in place, assertion signature then Response
    // signature.
    let a = sign_with(&commented(&assertion_of(&r)), "_assert1", idp(), false);
    assert!(a.contains("<!---->"));
    let v = accept(&response_of(&r, &a)).unwrap();
    assert_eq!(v.name_id.value, "user@example.com.evil.com");
    let resp = sign_with(
        &response_of(&r, &commented(&assertion_of(&r))),
        "_resp1",
        idp(),
        false,
    );
    assert!(resp.contains("<!---->"));
    assert_eq!(
        accept(&resp).unwrap().name_id.value,
        "user@example.com.evil.com"
    );
    // Inserted after signing (the signature still verifies: c14n drops
    // comments): still the whole value, never "user@example.com".
    for signed in [
        sign_with(&assertion_of(&r), "_assert1", idp(), false),
        sign_with(&response_of(&r, &assertion_of(&r)), "_resp1", idp(), false),
    ] {
        let xml = if signed.starts_with("<samlp:Response") {
            commented(&signed)
        } else {
            response_of(&r, &commented(&signed))
        };
        assert!(xml.contains("<!---->"));
        assert_eq!(
            accept(&xml).unwrap().name_id.value,
            "user@example.com.evil.com"
        );
    }
}

#[test]
fn unsigned_assertion_beside_a_signed_one() {
    let legit = built(false, true);
    let signed = element(&legit, "Assertion").to_owned();
    let unsigned = fresh(&evil(&strip_signature(&signed)));
    for order in [format!("{unsigned}{signed}"), format!("{signed}{unsigned}")] {
        let xml = legit.replace(&signed, &order);
        assert!(matches!(
            accept(&xml),
            Err(SamlError::UnexpectedAssertions(_))
        ));
    }
    // Beside it inside a signed Response too.
    let r = base();
    let xml = sign_with(
        &response_of(&r, &format!("{}{}", assertion_of(&r), unsigned)),
        "_resp1",
        idp(),
        false,
    );
    assert!(matches!(
        accept(&xml),
        Err(SamlError::UnexpectedAssertions(_))
    ));
}

#[test]
fn signature_referencing_another_element() {
    // The IdP's valid signature over the assertion, placed on the Response.
    let r = base();
    let xml = response_of(&r, &assertion_of(&r));
    let with_template = after_issuer(
        &xml,
        &crate::signature::template("_assert1", idp().key.certificate()),
    );
    let signed = crate::signature::sign_enveloped(&with_template, &idp().key).unwrap();
    let e = accept(&signed).unwrap_err();
    assert!(
        matches!(e, SamlError::SignatureInvalid(ref m) if m.contains("Reference")),
        "{e}"
    );
    // The assertion's signature referencing the Response.
    let a = assertion_of(&r);
    let t = crate::signature::template("_resp1", idp().key.certificate());
    let a = after_issuer(&a, &t);
    let xml = response_of(&r, &a);
    let e = accept(&xml).unwrap_err();
    assert!(
        matches!(e, SamlError::SignatureInvalid(ref m) if m.contains("Reference")),
        "{e}"
    );
}

#[test]
fn sha1_refused_unless_allowed() {
    let r = base();
    let a = sign_with(&assertion_of(&r), "_assert1", idp(), true);
    let xml = response_of(&r, &a);
    assert_eq!(
        accept(&xml),
        Err(SamlError::AlgorithmRefused(
            crate::signature::RSA_SHA1.into()
        ))
    );
    let resp = sign_with(&response_of(&r, &assertion_of(&r)), "_resp1", idp(), true);
    assert_eq!(
        accept(&resp),
        Err(SamlError::AlgorithmRefused(
            crate::signature::RSA_SHA1.into()
        ))
    );
    let lenient = ResponseExpectations {
        allow_sha1: true,
        ..exp()
    };
    assert!(accept_with(&xml, &lenient).is_ok());
    assert!(accept_with(&resp, &lenient).is_ok());
    // A SHA-256 Response around a SHA-1 assertion: refused too.
    let both = sign_with(&response_of(&r, &a), "_resp1", idp(), false);
    assert!(matches!(accept(&both), Err(SamlError::AlgorithmRefused(_))));
}

#[test]
fn signature_by_an_unregistered_key_with_its_certificate_embedded() {
    let r = base();
    // The attacker's certificate sits in KeyInfo; it is never used.
    let a = sign_with(&evil(&assertion_of(&r)), "_assert1", attacker(), false);
    assert!(a.contains(&attacker().cert().to_base64()));
    let e = accept(&response_of(&r, &a)).unwrap_err();
    assert!(matches!(e, SamlError::SignatureInvalid(_)), "{e}");
    let resp = sign_with(
        &evil(&response_of(&r, &assertion_of(&r))),
        "_resp1",
        attacker(),
        false,
    );
    let e = accept(&resp).unwrap_err();
    assert!(matches!(e, SamlError::SignatureInvalid(_)), "{e}");
    // Signed Response by the IdP around an assertion signed by the attacker.
    let both = sign_with(&response_of(&r, &a), "_resp1", idp(), false);
    assert!(matches!(accept(&both), Err(SamlError::SignatureInvalid(_))));
}

fn post(xml: &str, limits: &Limits) -> crate::Result<InboundMessage> {
    InboundMessage::from_post(&post_value(xml), None, MessageField::Response, limits)
}

#[test]
fn dtd_billion_laughs_and_external_entities_refused_before_parsing() {
    let legit = built(true, true);
    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>{}",
        legit.replace(LEGIT_NAME_XML, "&lol3;")
    );
    let xxe = format!(
        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
        legit.replace(LEGIT_NAME_XML, "&x;")
    );
    let internal_subset_only = format!("<!DOCTYPE samlp:Response>{legit}");
    for bad in [laughs, xxe, internal_subset_only] {
        assert_eq!(
            post(&bad, &Limits::default()).unwrap_err(),
            SamlError::DtdRefused
        );
    }
}

#[test]
fn oversized_response_refused() {
    let legit = built(true, true);
    let small = Limits {
        max_encoded: 4096,
        ..Limits::default()
    };
    assert!(matches!(
        post(&legit, &small),
        Err(SamlError::TooLarge {
            what: "encoded message",
            ..
        })
    ));
    let padded = legit.replace(
        "<samlp:Status>",
        &format!("<!--{}--><samlp:Status>", "x".repeat(300 * 1024)),
    );
    assert!(matches!(
        post(
            &padded,
            &Limits {
                max_encoded: 1 << 20,
                ..Limits::default()
            }
        ),
        Err(SamlError::TooLarge {
            what: "decoded message",
            ..
        })
    ));
}

#[test]
fn encrypted_and_signed_assertion_wrapped_is_refused() {
    // A legitimate encrypted, signed assertion next to a plain evil one.
    let sp_cert = sp().cert();
    let opts = ResponseOptions {
        sign_response: false,
        sign_assertion: true,
        encrypt: Some(crate::encrypt::Encryption {
            certificate: &sp_cert,
            algorithm: crate::encrypt::DataEncryption::Aes256Gcm,
        }),
    };
    let legit = build_response(&base(), &idp().key, &opts).unwrap();
    let enc = element(&legit, "EncryptedAssertion").to_owned();
    let evil_plain = fresh(&evil(&assertion_of(&base())));
    let xml = legit.replace(&enc, &format!("{evil_plain}{enc}"));
    assert!(matches!(
        accept(&xml),
        Err(SamlError::UnexpectedAssertions(_))
    ));
}
