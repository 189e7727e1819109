//! An identity provider's metadata (saml-metadata-2.0-os §2.4.3,
//! `<md:IDPSSODescriptor>`): written for USSO as an IdP, and read from an
//! upstream IdP that USSO logs users in through (its entityID, signing
//! certificates, SingleSignOnService and SingleLogoutService endpoints,
//! NameIDFormats, WantAuthnRequestsSigned, validUntil).

use super::{
    endpoint, entity_id, find_endpoint, key_descriptors, saml2_role, write_endpoint,
    write_entity_open, write_key_descriptor, Endpoint, MAX_METADATA_BYTES,
};
use crate::error::{Result, SamlError};
use crate::keys::Certificate;
use crate::names::{Binding, NameIdFormat};
use crate::xml::{self, NS_METADATA, NS_PROTOCOL};
use time::OffsetDateTime;

/// An identity provider's metadata: this IdP's, as published per tenant
/// ([`Self::standard`], [`Self::to_xml`]), or an upstream IdP's
/// ([`Self::parse`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `entityID`.
    pub entity_id: String,
    /// Signing certificates: the current one first, then the next one
    /// published ahead of a rotation (and the previous one during overlap).
    /// Read from `KeyDescriptor`s with `use="signing"` or no `use`.
    pub signing_certificates: Vec<Certificate>,
    /// `SingleSignOnService` endpoints.
    pub single_sign_on: Vec<Endpoint>,
    /// `SingleLogoutService` endpoints.
    pub single_logout: Vec<Endpoint>,
    /// `NameIDFormat`s offered (when read, formats this crate does not
    /// name are skipped).
    pub name_id_formats: Vec<NameIdFormat>,
    /// `WantAuthnRequestsSigned`.
    pub want_authn_requests_signed: bool,
    /// `validUntil`, if the hub wants peers to refresh.
    pub valid_until: Option<OffsetDateTime>,
}

impl IdpMetadata {
    /// The usual shape: SSO and SLO at one URL each over HTTP-Redirect and
    /// HTTP-POST, the four NameID formats (persistent, emailAddress,
    /// unspecified, transient), unsigned requests allowed.
    pub fn standard(
        entity_id: &str,
        sso_url: &str,
        slo_url: &str,
        signing_certificates: Vec<Certificate>,
    ) -> Self {
        let both = |url: &str| {
            [Binding::HttpRedirect, Binding::HttpPost]
                .into_iter()
                .map(|b| Endpoint {
                    binding: b.as_uri().to_owned(),
                    location: url.to_owned(),
                    response_location: None,
                })
                .collect()
        };
        Self {
            entity_id: entity_id.to_owned(),
            signing_certificates,
            single_sign_on: both(sso_url),
            single_logout: both(slo_url),
            name_id_formats: vec![
                NameIdFormat::Persistent,
                NameIdFormat::EmailAddress,
                NameIdFormat::Unspecified,
                NameIdFormat::Transient,
            ],
            want_authn_requests_signed: false,
            valid_until: None,
        }
    }

    /// The `<md:EntityDescriptor>` document (UTF-8, deterministic: same
    /// input, same bytes, fit for golden files).
    pub fn to_xml(&self) -> String {
        let mut x = String::new();
        write_entity_open(&mut x, &self.entity_id);
        if let Some(v) = self.valid_until {
            x.push_str(&format!(" validUntil=\"{}\"", xml::format_time(v)));
        }
        x.push_str(">\n");
        x.push_str(&format!(
            "  <md:IDPSSODescriptor protocolSupportEnumeration=\"{NS_PROTOCOL}\" WantAuthnRequestsSigned=\"{}\">\n",
            self.want_authn_requests_signed
        ));
        for c in &self.signing_certificates {
            write_key_descriptor(&mut x, "signing", c);
        }
        for e in &self.single_logout {
            write_endpoint(&mut x, "SingleLogoutService", e, "");
        }
        for f in &self.name_id_formats {
            x.push_str(&format!("    <md:NameIDFormat>{f}</md:NameIDFormat>\n"));
        }
        for e in &self.single_sign_on {
            write_endpoint(&mut x, "SingleSignOnService", e, "");
        }
        x.push_str("  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n");
        x
    }

    /// Parses an upstream IdP's metadata: an `<md:EntityDescriptor>` root,
    /// or an `<md:EntitiesDescriptor>` in which exactly one entity has an
    /// `<md:IDPSSODescriptor>` supporting SAML 2.0. At least one signing
    /// certificate is required (an IdP whose assertions cannot be checked
    /// cannot be trusted), and at least one SingleSignOnService over
    /// HTTP-Redirect or HTTP-POST. Endpoints over other bindings are kept
    /// as published; NameIDFormats this crate does not name are skipped.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let text = xml::guard(bytes, "metadata", MAX_METADATA_BYTES)?;
        let doc = xml::parse(text)?;
        let root = doc.root_element();
        let entity = if xml::is(root, NS_METADATA, "EntitiesDescriptor") {
            let idps: Vec<_> = xml::children(root, NS_METADATA, "EntityDescriptor")
                .filter(|e| saml2_role(*e, "IDPSSODescriptor").is_some())
                .collect();
            let [one] = idps.as_slice() else {
                return Err(SamlError::InvalidValue {
                    name: "EntitiesDescriptor",
                    reason: format!("holds {} SAML 2.0 IdP entities, expected one", idps.len()),
                });
            };
            *one
        } else {
            root
        };
        let entity_id = entity_id(entity)?;
        let idp = saml2_role(entity, "IDPSSODescriptor")
            .ok_or(SamlError::MissingElement("IDPSSODescriptor (SAML 2.0)"))?;
        let (signing_certificates, _) = key_descriptors(idp)?;
        if signing_certificates.is_empty() {
            return Err(SamlError::MissingElement(
                "KeyDescriptor with a signing certificate",
            ));
        }
        let endpoints = |name: &'static str| {
            xml::children(idp, NS_METADATA, name)
                .map(endpoint)
                .collect::<Result<Vec<_>>>()
        };
        let single_sign_on = endpoints("SingleSignOnService")?;
        if !single_sign_on.iter().any(|e| e.known_binding().is_some()) {
            return Err(SamlError::NoEndpoint(
                "no SingleSignOnService over HTTP-Redirect or HTTP-POST".into(),
            ));
        }
        let single_logout = endpoints("SingleLogoutService")?;
        let mut name_id_formats = Vec::new();
        for n in xml::children(idp, NS_METADATA, "NameIDFormat") {
            if let Some(f) = NameIdFormat::from_uri(&xml::text(n, "NameIDFormat")?) {
                if !name_id_formats.contains(&f) {
                    name_id_formats.push(f);
                }
            }
        }
        Ok(Self {
            entity_id,
            signing_certificates,
            single_sign_on,
            single_logout,
            name_id_formats,
            want_authn_requests_signed: xml::bool_attr(idp, "WantAuthnRequestsSigned")?
                .unwrap_or(false),
            valid_until: xml::time_attr(entity, "validUntil")?,
        })
    }

    /// The first SingleSignOnService over `binding`, if the IdP has one.
    pub fn sso(&self, binding: Binding) -> Option<&Endpoint> {
        find_endpoint(&self.single_sign_on, binding)
    }

    /// The first SingleLogoutService over `binding`, if the IdP has one.
    pub fn slo(&self, binding: Binding) -> Option<&Endpoint> {
        find_endpoint(&self.single_logout, binding)
    }
}
