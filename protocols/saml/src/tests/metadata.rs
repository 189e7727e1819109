use super::*;
use crate::metadata::{IdpMetadata, SpMetadata, MAX_METADATA_BYTES};
use crate::names::{Binding, NameIdFormat};
use crate::SamlError;

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../metadata/saml/sp/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn minimal_post_sp() {
    let md = SpMetadata::parse(&sample("minimal-post.xml")).unwrap();
    assert_eq!(md.entity_id, "https://app.example.com/saml/metadata");
    assert_eq!(md.assertion_consumer_services.len(), 1);
    let acs = md.default_acs().unwrap();
    assert_eq!(acs.endpoint.location, "https://app.example.com/saml/acs");
    assert_eq!(acs.endpoint.known_binding(), Some(Binding::HttpPost));
    assert!(md.signing_certificates.is_empty());
    assert!(!md.authn_requests_signed);
    assert!(!md.want_assertions_signed);
    assert_eq!(
        md.name_id_formats,
        vec![NameIdFormat::EmailAddress.as_uri().to_owned()]
    );
}

#[test]
fn sp_with_keys_and_indexes() {
    let md = SpMetadata::parse(&sample("signing-encryption-multi-acs.xml")).unwrap();
    assert_eq!(md.assertion_consumer_services.len(), 3);
    assert_eq!(md.signing_certificates.len(), 1);
    assert_eq!(md.encryption_certificates.len(), 1);
    assert_ne!(md.signing_certificates[0], md.encryption_certificates[0]);
    assert!(md.want_assertions_signed);
    assert_eq!(md.single_logout_services.len(), 2);
    assert!(md.slo(Binding::HttpRedirect).is_some());
    // isDefault on index 2 wins over document order.
    assert_eq!(md.default_acs().unwrap().index, 2);
    assert_eq!(
        md.resolve_acs(None, Some(1), None)
            .unwrap()
            .endpoint
            .location,
        "https://portal.example.org/Shibboleth.sso/SAML2/POST"
    );
    // Index 3 is an Artifact endpoint: not usable by this IdP.
    assert!(matches!(
        md.resolve_acs(None, Some(3), None),
        Err(SamlError::NoEndpoint(_))
    ));
    assert!(matches!(
        md.resolve_acs(Some("https://evil.example/acs"), None, None),
        Err(SamlError::NoEndpoint(_))
    ));
    assert!(md
        .resolve_acs(
            None,
            None,
            Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact")
        )
        .is_err());
}

#[test]
fn sp_requiring_signed_requests() {
    let md = SpMetadata::parse(&sample("signed-requests.xml")).unwrap();
    assert!(md.authn_requests_signed);
    // A KeyDescriptor without `use` serves both purposes.
    assert_eq!(md.signing_certificates.len(), 1);
    assert_eq!(md.encryption_certificates.len(), 1);
    assert_eq!(md.name_id_formats.len(), 2);
}

#[test]
fn metadata_refusals() {
    let dtd = br#"<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x "y">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>"#;
    assert_eq!(SpMetadata::parse(dtd), Err(SamlError::DtdRefused));
    let big = vec![b' '; MAX_METADATA_BYTES + 1];
    assert!(matches!(
        SpMetadata::parse(&big),
        Err(SamlError::TooLarge { .. })
    ));
    let idp_only = IdpMetadata::standard(IDP_ENTITY, IDP_SSO, IDP_SLO, vec![idp().cert()]).to_xml();
    assert!(matches!(
        SpMetadata::parse(idp_only.as_bytes()),
        Err(SamlError::MissingElement(_))
    ));
}

#[test]
fn idp_metadata_is_deterministic_and_parses_in_samael() {
    let next = sp().cert();
    let mut md = IdpMetadata::standard(IDP_ENTITY, IDP_SSO, IDP_SLO, vec![idp().cert(), next]);
    md.want_authn_requests_signed = true;
    let xml = md.to_xml();
    assert_eq!(xml, md.to_xml());
    assert!(xml.contains("WantAuthnRequestsSigned=\"true\""));
    assert_eq!(xml.matches("<md:KeyDescriptor use=\"signing\">").count(), 2);
    assert_eq!(xml.matches("<md:SingleSignOnService ").count(), 2);
    assert_eq!(xml.matches("<md:SingleLogoutService ").count(), 2);
    for f in NameIdFormat::ALL {
        assert!(xml.contains(f.as_uri()));
    }
    let parsed: samael::metadata::EntityDescriptor = xml.parse().unwrap();
    assert_eq!(parsed.entity_id.as_deref(), Some(IDP_ENTITY));
    let idp_desc = &parsed.idp_sso_descriptors.as_ref().unwrap()[0];
    assert_eq!(idp_desc.single_sign_on_services.len(), 2);
    assert_eq!(idp_desc.key_descriptors.len(), 2);
}
