//! IdP metadata in and SP metadata out: the SP side's metadata.

use super::*;
use crate::metadata::{Endpoint, IdpMetadata, SpDescriptor, SpMetadata, MAX_METADATA_BYTES};
use crate::names::{Binding, NameIdFormat};
use crate::SamlError;

#[test]
fn idp_metadata_round_trips_through_parse() {
    let mut md = IdpMetadata::standard(
        IDP_ENTITY,
        IDP_SSO,
        IDP_SLO,
        vec![idp().cert(), sp().cert()],
    );
    md.want_authn_requests_signed = true;
    md.valid_until = Some(now());
    let parsed = IdpMetadata::parse(md.to_xml().as_bytes()).unwrap();
    assert_eq!(parsed, md);
    assert_eq!(parsed.sso(Binding::HttpRedirect).unwrap().location, IDP_SSO);
    assert_eq!(parsed.sso(Binding::HttpPost).unwrap().location, IDP_SSO);
    assert_eq!(parsed.slo(Binding::HttpPost).unwrap().location, IDP_SLO);
    let plain = IdpMetadata::standard(IDP_ENTITY, IDP_SSO, IDP_SLO, vec![idp().cert()]);
    assert_eq!(
        IdpMetadata::parse(plain.to_xml().as_bytes()).unwrap(),
        plain
    );
}

fn idp_doc(descriptor_attrs: &str, body: &str) -> String {
    format!(
        concat!(
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" ",
            "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"{e}\">",
            "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol\"{a}>",
            "{b}</md:IDPSSODescriptor></md:EntityDescriptor>"
        ),
        e = IDP_ENTITY,
        a = descriptor_attrs,
        b = body
    )
}

fn key(usage: &str, cert: &Certificate) -> String {
    format!(
        "<md:KeyDescriptor{usage}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n{}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
        cert.to_base64()
    )
}

const SSO_POST: &str = "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"https://idp.example.test/post\"/>";
const SSO_ARTIFACT: &str = "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\" Location=\"https://idp.example.test/art\"/>";

#[test]
fn idp_metadata_as_published_by_others() {
    let body = format!(
        "{}{}{}<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos</md:NameIDFormat><md:NameIDFormat>{}</md:NameIDFormat>{SSO_ARTIFACT}{SSO_POST}",
        key("", &idp().cert()),
        key(" use=\"encryption\"", &sp().cert()),
        key(" use=\"signing\"", &attacker().cert()),
        NameIdFormat::EmailAddress
    );
    let md =
        IdpMetadata::parse(idp_doc(" WantAuthnRequestsSigned=\"1\"", &body).as_bytes()).unwrap();
    // No `use`: signing too; `encryption` only: not a signing key.
    assert_eq!(
        md.signing_certificates,
        vec![idp().cert(), attacker().cert()]
    );
    assert!(md.want_authn_requests_signed);
    assert_eq!(md.name_id_formats, vec![NameIdFormat::EmailAddress]);
    assert_eq!(md.single_sign_on.len(), 2);
    assert!(md.sso(Binding::HttpRedirect).is_none());
    assert_eq!(
        md.sso(Binding::HttpPost),
        Some(&Endpoint {
            binding: Binding::HttpPost.as_uri().into(),
            location: "https://idp.example.test/post".into(),
            response_location: None,
        })
    );
    assert!(md.slo(Binding::HttpRedirect).is_none());
    assert!(md.valid_until.is_none());

    // Inside an EntitiesDescriptor beside an SP entity.
    let sp_entity = SpDescriptor {
        entity_id: SP_ENTITY.into(),
        acs_url: SP_ACS.into(),
        slo_url: "https://sp.example.test/slo".into(),
        signing_certificates: vec![],
        encryption_certificates: vec![],
        authn_requests_signed: false,
        want_assertions_signed: false,
        name_id_formats: vec![],
    }
    .to_xml();
    let sp_entity = &sp_entity[sp_entity.find("<md:EntityDescriptor").unwrap()..];
    let group = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{sp_entity}{}</md:EntitiesDescriptor>",
        idp_doc("", &body)
    );
    assert_eq!(
        IdpMetadata::parse(group.as_bytes()).unwrap().entity_id,
        IDP_ENTITY
    );
    let two = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{}{}</md:EntitiesDescriptor>",
        idp_doc("", &body),
        idp_doc("", &body)
    );
    assert!(matches!(
        IdpMetadata::parse(two.as_bytes()),
        Err(SamlError::InvalidValue {
            name: "EntitiesDescriptor",
            ..
        })
    ));
}

#[test]
fn idp_metadata_refusals() {
    // No signing certificate: nothing to trust.
    let enc_only = idp_doc(
        "",
        &format!("{}{SSO_POST}", key(" use=\"encryption\"", &idp().cert())),
    );
    assert_eq!(
        IdpMetadata::parse(enc_only.as_bytes()),
        Err(SamlError::MissingElement(
            "KeyDescriptor with a signing certificate"
        ))
    );
    // Only an Artifact SSO endpoint.
    let artifact = idp_doc("", &format!("{}{SSO_ARTIFACT}", key("", &idp().cert())));
    assert!(matches!(
        IdpMetadata::parse(artifact.as_bytes()),
        Err(SamlError::NoEndpoint(_))
    ));
    // SP metadata is not IdP metadata.
    let sp_md = SpDescriptor {
        entity_id: SP_ENTITY.into(),
        acs_url: SP_ACS.into(),
        slo_url: SP_ACS.into(),
        signing_certificates: vec![sp().cert()],
        encryption_certificates: vec![],
        authn_requests_signed: true,
        want_assertions_signed: true,
        name_id_formats: vec![],
    };
    assert!(matches!(
        IdpMetadata::parse(sp_md.to_xml().as_bytes()),
        Err(SamlError::MissingElement(_))
    ));
    let dtd = br#"<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x "y">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>"#;
    assert_eq!(IdpMetadata::parse(dtd), Err(SamlError::DtdRefused));
    let big = vec![b' '; MAX_METADATA_BYTES + 1];
    assert!(matches!(
        IdpMetadata::parse(&big),
        Err(SamlError::TooLarge { .. })
    ));
    let bad_url = idp_doc(
        "",
        &format!(
            "{}<md:SingleSignOnService Binding=\"{}\" Location=\"javascript:alert(1)\"/>",
            key("", &idp().cert()),
            Binding::HttpPost.as_uri()
        ),
    );
    assert!(matches!(
        IdpMetadata::parse(bad_url.as_bytes()),
        Err(SamlError::InvalidValue {
            name: "Location",
            ..
        })
    ));
}

#[test]
fn sp_descriptor_round_trips_through_sp_metadata() {
    let desc = SpDescriptor {
        entity_id: SP_ENTITY.into(),
        acs_url: SP_ACS.into(),
        slo_url: "https://sp.example.test/slo?x=1&y=2".into(),
        signing_certificates: vec![sp().cert()],
        encryption_certificates: vec![sp().cert(), attacker().cert()],
        authn_requests_signed: true,
        want_assertions_signed: true,
        name_id_formats: vec![NameIdFormat::Persistent, NameIdFormat::EmailAddress],
    };
    let xml = desc.to_xml();
    assert_eq!(xml, desc.to_xml());
    let md = SpMetadata::parse(xml.as_bytes()).unwrap();
    assert_eq!(md.entity_id, desc.entity_id);
    assert_eq!(md.signing_certificates, desc.signing_certificates);
    assert_eq!(md.encryption_certificates, desc.encryption_certificates);
    assert!(md.authn_requests_signed && md.want_assertions_signed);
    assert_eq!(
        md.name_id_formats,
        vec![
            NameIdFormat::Persistent.as_uri().to_owned(),
            NameIdFormat::EmailAddress.as_uri().to_owned()
        ]
    );
    let acs = md.default_acs().unwrap();
    assert_eq!((acs.index, acs.is_default), (0, Some(true)));
    assert_eq!(acs.endpoint.location, SP_ACS);
    assert_eq!(acs.endpoint.known_binding(), Some(Binding::HttpPost));
    assert_eq!(md.assertion_consumer_services.len(), 1);
    for b in [Binding::HttpRedirect, Binding::HttpPost] {
        assert_eq!(md.slo(b).unwrap().location, desc.slo_url);
    }
    assert_eq!(md.single_logout_services.len(), 2);
    assert!(md.valid_until.is_none());
    // samael reads it too.
    let parsed: samael::metadata::EntityDescriptor = xml.parse().unwrap();
    assert_eq!(parsed.entity_id.as_deref(), Some(SP_ENTITY));
}

#[test]
fn adfs_style_sample_parses() {
    let path = format!(
        "{}/../../metadata/saml/idp/adfs-style.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let md = IdpMetadata::parse(&bytes).unwrap();
    assert_eq!(md.entity_id, "http://adfs.corp.example/adfs/services/trust");
    assert_eq!(md.signing_certificates.len(), 1);
    assert!(!md.want_authn_requests_signed);
    assert_eq!(
        md.name_id_formats,
        vec![
            NameIdFormat::EmailAddress,
            NameIdFormat::Persistent,
            NameIdFormat::Transient
        ]
    );
    for b in [Binding::HttpRedirect, Binding::HttpPost] {
        assert_eq!(
            md.sso(b).unwrap().location,
            "https://adfs.corp.example/adfs/ls/"
        );
        assert_eq!(
            md.slo(b).unwrap().location,
            "https://adfs.corp.example/adfs/ls/"
        );
    }
}
