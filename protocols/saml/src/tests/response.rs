use super::*;
use crate::binding::{post_form, post_value, MessageField, POST_FORM_SCRIPT};
use crate::encrypt::{DataEncryption, Encryption};
use crate::keys::decode_base64;
use crate::metadata::IdpMetadata;
use crate::response::*;
use crate::{NameIdFormat, SamlError, StatusCode};
use samael::crypto::{CryptoProvider, ReduceMode, XmlSec};
use time::Duration;

pub(crate) fn login(now: OffsetDateTime) -> LoginResponse {
    LoginResponse {
        response_id: "_resp1".into(),
        assertion_id: "_assert1".into(),
        issuer: IDP_ENTITY.into(),
        destination: SP_ACS.into(),
        in_response_to: Some("_req1".into()),
        audience: SP_ENTITY.into(),
        name_id: NameId {
            format: NameIdFormat::Persistent,
            value: "a1b2c3<&>".into(),
            name_qualifier: Some(IDP_ENTITY.into()),
            sp_name_qualifier: Some(SP_ENTITY.into()),
        },
        session_index: Some("_sess42".into()),
        authn_instant: now - Duration::seconds(30),
        authn_context_class_ref: AC_PASSWORD_PROTECTED_TRANSPORT.into(),
        session_not_on_or_after: Some(now + Duration::hours(8)),
        attributes: vec![
            Attribute {
                name: "urn:oid:0.9.2342.19200300.100.1.3".into(),
                name_format: AttributeNameFormat::Uri,
                friendly_name: Some("mail".into()),
                values: vec!["ada@example.com".into()],
            },
            Attribute {
                name: "groups".into(),
                name_format: AttributeNameFormat::Basic,
                friendly_name: None,
                values: vec!["admins".into(), "R&D <lab>".into()],
            },
        ],
        now,
        lifetime: Duration::minutes(5),
    }
}

fn both() -> ResponseOptions<'static> {
    ResponseOptions {
        sign_response: true,
        sign_assertion: true,
        encrypt: None,
    }
}

#[test]
fn signed_response_verifies_with_samael() {
    let xml = build_response(&login(now()), &idp().key, &both()).unwrap();
    assert!(!xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<ds:Signature ").count(), 2);
    assert!(!xml.contains("xmldsig#sha1"));
    assert!(xml.contains(crate::signature::DIGEST_SHA256));
    // First signature in document order: the Response's.
    XmlSec::verify_signed_xml(&xml, &idp().cert().samael(), Some("ID")).unwrap();
    // Every signature, with the reduction samael's SP uses.
    let reduced = XmlSec::reduce_xml_to_signed(
        &xml,
        &[idp().cert().samael()],
        ReduceMode::ValidateAndMarkNoAncestors,
    )
    .unwrap();
    assert!(reduced.contains("ada@example.com"));
    // Another key does not verify it.
    assert!(XmlSec::verify_signed_xml(&xml, &sp().cert().samael(), Some("ID")).is_err());
}

#[test]
fn assertion_only_signature_verifies() {
    let opts = ResponseOptions {
        sign_response: false,
        sign_assertion: true,
        encrypt: None,
    };
    let xml = build_response(&login(now()), &idp().key, &opts).unwrap();
    assert_eq!(xml.matches("<ds:Signature ").count(), 1);
    let predigest =
        XmlSec::reduce_xml_to_signed(&xml, &[idp().cert().samael()], ReduceMode::PreDigest)
            .unwrap();
    assert!(predigest.starts_with("<saml:Assertion"));
    // Tampering with the assertion breaks it.
    let tampered = xml.replace("ada@example.com", "eve@example.com");
    assert!(XmlSec::reduce_xml_to_signed(
        &tampered,
        &[idp().cert().samael()],
        ReduceMode::PreDigest
    )
    .is_err());
}

#[test]
fn unsigned_response_refused() {
    let opts = ResponseOptions::default();
    assert!(matches!(
        build_response(&login(now()), &idp().key, &opts),
        Err(SamlError::InvalidValue { .. })
    ));
    let mut r = login(now());
    r.assertion_id = r.response_id.clone();
    assert!(build_response(&r, &idp().key, &both()).is_err());
    r.assertion_id = "not an id".into();
    assert!(build_response(&r, &idp().key, &both()).is_err());
}

#[test]
fn response_content() {
    let t = now();
    let xml = build_response(&login(t), &idp().key, &both()).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.attribute("Destination"), Some(SP_ACS));
    assert_eq!(root.attribute("InResponseTo"), Some("_req1"));
    assert_eq!(root.attribute("IssueInstant"), Some("2025-03-04T05:06:07Z"));
    let find = |name: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == name)
            .unwrap()
    };
    assert_eq!(
        find("StatusCode").attribute("Value"),
        Some(StatusCode::Success.as_uri())
    );
    let nid = find("NameID");
    assert_eq!(nid.text(), Some("a1b2c3<&>"));
    assert_eq!(nid.attribute("SPNameQualifier"), Some(SP_ENTITY));
    let scd = find("SubjectConfirmationData");
    assert_eq!(scd.attribute("Recipient"), Some(SP_ACS));
    assert_eq!(scd.attribute("NotOnOrAfter"), Some("2025-03-04T05:11:07Z"));
    assert_eq!(scd.attribute("InResponseTo"), Some("_req1"));
    assert_eq!(
        find("Conditions").attribute("NotBefore"),
        Some("2025-03-04T05:06:07Z")
    );
    assert_eq!(find("Audience").text(), Some(SP_ENTITY));
    let st = find("AuthnStatement");
    assert_eq!(st.attribute("SessionIndex"), Some("_sess42"));
    assert_eq!(st.attribute("AuthnInstant"), Some("2025-03-04T05:05:37Z"));
    assert_eq!(
        find("AuthnContextClassRef").text(),
        Some(AC_PASSWORD_PROTECTED_TRANSPORT)
    );
    let attrs: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "Attribute")
        .collect();
    assert_eq!(attrs.len(), 2);
    assert_eq!(attrs[0].attribute("FriendlyName"), Some("mail"));
    assert_eq!(
        attrs[0].attribute("NameFormat"),
        Some(AttributeNameFormat::Uri.as_uri())
    );
    let values: Vec<_> = attrs[1].children().filter_map(|v| v.text()).collect();
    assert_eq!(values, ["admins", "R&D <lab>"]);
}

#[test]
fn idp_initiated_has_no_in_response_to() {
    let mut r = login(now());
    r.in_response_to = None;
    let xml = build_response(&r, &idp().key, &both()).unwrap();
    assert!(!xml.contains("InResponseTo"));
}

/// samael's own SP accepts our Response end to end (signature with the
/// certificate from our IdP metadata, Destination, Audience, times,
/// InResponseTo; decryption when encrypted). samael reads the wall clock,
/// so this test uses it too.
fn samael_sp_accepts(xml: &str, with_sp_key: bool) -> samael::schema::Assertion {
    let md = IdpMetadata::standard(IDP_ENTITY, IDP_SSO, IDP_SLO, vec![idp().cert()]).to_xml();
    let sp_key = openssl::pkey::PKey::private_key_from_pem(sp().key_pem.as_bytes()).unwrap();
    let service_provider = samael::service_provider::ServiceProvider {
        entity_id: Some(SP_ENTITY.into()),
        acs_url: Some(SP_ACS.into()),
        idp_metadata: md.parse().unwrap(),
        key: with_sp_key.then_some(sp_key),
        allow_idp_initiated: true,
        ..Default::default()
    };
    service_provider
        .parse_base64_response(&post_value(xml), Some(&["_req1"]))
        .unwrap()
}

#[test]
fn samael_service_provider_accepts_response() {
    let wall = OffsetDateTime::now_utc();
    let xml = build_response(&login(wall), &idp().key, &both()).unwrap();
    let a = samael_sp_accepts(&xml, false);
    assert_eq!(a.id, "_assert1");
    let opts = ResponseOptions {
        sign_response: true,
        sign_assertion: false,
        encrypt: None,
    };
    let xml = build_response(&login(wall), &idp().key, &opts).unwrap();
    samael_sp_accepts(&xml, false);
}

#[test]
fn encrypted_assertion_decrypts_in_samael() {
    let wall = OffsetDateTime::now_utc();
    let sp_cert = sp().cert();
    for alg in [DataEncryption::Aes128Gcm, DataEncryption::Aes128Cbc] {
        let opts = ResponseOptions {
            sign_response: true,
            sign_assertion: true,
            encrypt: Some(Encryption {
                certificate: &sp_cert,
                algorithm: alg,
            }),
        };
        let xml = build_response(&login(wall), &idp().key, &opts).unwrap();
        assert!(xml.contains("<saml:EncryptedAssertion>"));
        assert!(!xml.contains("ada@example.com"));
        let a = samael_sp_accepts(&xml, true);
        assert_eq!(a.id, "_assert1");
    }
}

/// Decrypts our EncryptedAssertion with the SP key by hand (OAEP, then AES).
pub(crate) fn decrypt_by_hand(xml: &str, alg: DataEncryption) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let values: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "CipherValue")
        .map(|n| decode_base64(n.text().unwrap(), "cv").unwrap())
        .collect();
    let (wrapped, data) = (&values[0], &values[1]);
    let rsa = openssl::pkey::PKey::private_key_from_pem(sp().key_pem.as_bytes())
        .unwrap()
        .rsa()
        .unwrap();
    let mut key = vec![0u8; rsa.size() as usize];
    let n = rsa
        .private_decrypt(wrapped, &mut key, openssl::rsa::Padding::PKCS1_OAEP)
        .unwrap();
    key.truncate(n);
    let plain = match alg {
        DataEncryption::Aes256Gcm => {
            let (iv, rest) = data.split_at(12);
            let (ct, tag) = rest.split_at(rest.len() - 16);
            openssl::symm::decrypt_aead(
                openssl::symm::Cipher::aes_256_gcm(),
                &key,
                Some(iv),
                &[],
                ct,
                tag,
            )
            .unwrap()
        }
        _ => unreachable!(),
    };
    String::from_utf8(plain).unwrap()
}

#[test]
fn aes256_gcm_round_trip() {
    let sp_cert = sp().cert();
    let opts = ResponseOptions {
        sign_response: false,
        sign_assertion: true,
        encrypt: Some(Encryption {
            certificate: &sp_cert,
            algorithm: DataEncryption::Aes256Gcm,
        }),
    };
    let xml = build_response(&login(now()), &idp().key, &opts).unwrap();
    assert!(xml.contains(DataEncryption::Aes256Gcm.as_uri()));
    let assertion = decrypt_by_hand(&xml, DataEncryption::Aes256Gcm);
    assert!(assertion.starts_with("<saml:Assertion"));
    // The decrypted assertion still carries a valid signature.
    XmlSec::verify_signed_xml(&assertion, &idp().cert().samael(), Some("ID")).unwrap();
}

#[test]
fn error_responses() {
    for (top, second) in [
        (StatusCode::Requester, None),
        (StatusCode::Responder, None),
        (StatusCode::Responder, Some(StatusCode::NoPassive)),
        (StatusCode::Responder, Some(StatusCode::AuthnFailed)),
        (StatusCode::Requester, Some(StatusCode::RequestDenied)),
    ] {
        let r = ErrorResponse {
            response_id: "_err".into(),
            issuer: IDP_ENTITY.into(),
            destination: SP_ACS.into(),
            in_response_to: Some("_req1".into()),
            now: now(),
            status: Status::error(top, second, Some("login failed")).unwrap(),
        };
        let signed = build_error_response(&r, Some(&idp().key)).unwrap();
        XmlSec::verify_signed_xml(&signed, &idp().cert().samael(), Some("ID")).unwrap();
        let doc = roxmltree::Document::parse(&signed).unwrap();
        let codes: Vec<_> = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "StatusCode")
            .map(|n| n.attribute("Value").unwrap())
            .collect();
        let mut expected = vec![top.as_uri()];
        expected.extend(second.map(StatusCode::as_uri));
        assert_eq!(codes, expected);
        assert!(!signed.contains("Assertion"));
        assert!(build_error_response(&r, None)
            .unwrap()
            .contains("login failed"));
    }
    assert!(Status::error(StatusCode::Success, None, None).is_err());
    assert!(Status::error(StatusCode::NoPassive, None, None).is_err());
    assert!(Status::error(StatusCode::Responder, Some(StatusCode::Requester), None).is_err());
}

#[test]
fn post_form_escapes_and_uses_the_published_script() {
    let html = post_form(
        "https://sp.example.test/acs?a=1&b=\"2\"",
        MessageField::Response,
        "PHNhbWw+",
        Some("<script>alert(1)</script>"),
    );
    assert!(html.contains("action=\"https://sp.example.test/acs?a=1&amp;b=&quot;2&quot;\""));
    assert!(html.contains("name=\"SAMLResponse\" value=\"PHNhbWw+\""));
    assert!(html.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(html.contains(&format!("<script>{POST_FORM_SCRIPT}</script>")));
    assert!(html.contains("<noscript>"));
    let no_rs = post_form(SP_ACS, MessageField::Request, "x", None);
    assert!(!no_rs.contains("RelayState"));
    assert!(no_rs.contains("name=\"SAMLRequest\""));
}

#[test]
fn certificates_round_trip() {
    let c = idp().cert();
    assert_eq!(crate::keys::Certificate::from_pem(&c.to_pem()).unwrap(), c);
    assert_eq!(
        crate::keys::Certificate::from_base64(&c.to_base64()).unwrap(),
        c
    );
    assert!(crate::keys::SigningKey::from_pkcs8_pem(&idp().key_pem, &sp().cert_pem).is_err());
    assert!(format!("{:?}", idp().key).contains("idp.example.test"));
    assert!(!format!("{:?}", idp().key).contains("PRIVATE"));
    let small = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
    let small_pem = String::from_utf8(small.private_key_to_pem_pkcs8().unwrap()).unwrap();
    assert!(matches!(
        self_signed_certificate(&small_pem, "x", now(), now() + Duration::days(1), &[1]),
        Err(SamlError::Key(_))
    ));
}
