//! A service provider's metadata (saml-metadata-2.0-os §2.4.4): reading a
//! peer SP's `<md:SPSSODescriptor>` (ACS endpoints §2.2.3,
//! SingleLogoutService §2.4.2, KeyDescriptor §2.4.1.1, NameIDFormat,
//! AuthnRequestsSigned, WantAssertionsSigned) for USSO as an IdP, and
//! writing USSO's own when it logs users in through an upstream IdP.

use super::{
    endpoint, entity_id, find_endpoint, key_descriptors, saml2_role, write_endpoint,
    write_entity_open, write_key_descriptor, Endpoint, IndexedEndpoint, MAX_METADATA_BYTES,
};
use crate::error::{Result, SamlError};
use crate::keys::Certificate;
use crate::names::{Binding, NameIdFormat};
use crate::xml::{self, NS_METADATA, NS_PROTOCOL};
use time::OffsetDateTime;

/// What a service provider's metadata says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpMetadata {
    /// `entityID`.
    pub entity_id: String,
    /// `validUntil` of the EntityDescriptor, if any.
    pub valid_until: Option<OffsetDateTime>,
    /// `AssertionConsumerService` endpoints in document order.
    pub assertion_consumer_services: Vec<IndexedEndpoint>,
    /// `SingleLogoutService` endpoints.
    pub single_logout_services: Vec<Endpoint>,
    /// Certificates of `KeyDescriptor`s with `use="signing"` or no `use`.
    pub signing_certificates: Vec<Certificate>,
    /// Certificates of `KeyDescriptor`s with `use="encryption"` or no `use`.
    pub encryption_certificates: Vec<Certificate>,
    /// `NameIDFormat` URIs in document order.
    pub name_id_formats: Vec<String>,
    /// `AuthnRequestsSigned` (default false).
    pub authn_requests_signed: bool,
    /// `WantAssertionsSigned` (default false).
    pub want_assertions_signed: bool,
}

impl SpMetadata {
    /// Parses SP metadata: an `<md:EntityDescriptor>` root, or an
    /// `<md:EntitiesDescriptor>` holding exactly one. The entity must have an
    /// `<md:SPSSODescriptor>` supporting SAML 2.0, and at least one ACS.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let text = xml::guard(bytes, "metadata", MAX_METADATA_BYTES)?;
        let doc = xml::parse(text)?;
        let mut entity = doc.root_element();
        if xml::is(entity, NS_METADATA, "EntitiesDescriptor") {
            let all: Vec<_> = xml::children(entity, NS_METADATA, "EntityDescriptor").collect();
            let [one] = all.as_slice() else {
                return Err(SamlError::InvalidValue {
                    name: "EntitiesDescriptor",
                    reason: format!("holds {} entities, expected one", all.len()),
                });
            };
            entity = *one;
        }
        let entity_id = entity_id(entity)?;
        let sp = saml2_role(entity, "SPSSODescriptor")
            .ok_or(SamlError::MissingElement("SPSSODescriptor (SAML 2.0)"))?;

        let mut acs = Vec::new();
        for n in xml::children(sp, NS_METADATA, "AssertionConsumerService") {
            let index = xml::u16_attr(n, "index")?.ok_or(SamlError::MissingAttribute("index"))?;
            if acs.iter().any(|a: &IndexedEndpoint| a.index == index) {
                return Err(SamlError::InvalidValue {
                    name: "AssertionConsumerService",
                    reason: format!("index {index} used twice"),
                });
            }
            acs.push(IndexedEndpoint {
                endpoint: endpoint(n)?,
                index,
                is_default: xml::bool_attr(n, "isDefault")?,
            });
        }
        if acs.is_empty() {
            return Err(SamlError::MissingElement("AssertionConsumerService"));
        }
        let slo = xml::children(sp, NS_METADATA, "SingleLogoutService")
            .map(endpoint)
            .collect::<Result<Vec<_>>>()?;

        let (signing, encryption) = key_descriptors(sp)?;
        let name_id_formats = xml::children(sp, NS_METADATA, "NameIDFormat")
            .map(|n| xml::text(n, "NameIDFormat"))
            .collect::<Result<Vec<_>>>()?;

        Ok(Self {
            entity_id,
            valid_until: xml::time_attr(entity, "validUntil")?,
            assertion_consumer_services: acs,
            single_logout_services: slo,
            signing_certificates: signing,
            encryption_certificates: encryption,
            name_id_formats,
            authn_requests_signed: xml::bool_attr(sp, "AuthnRequestsSigned")?.unwrap_or(false),
            want_assertions_signed: xml::bool_attr(sp, "WantAssertionsSigned")?.unwrap_or(false),
        })
    }

    /// The HTTP-POST ACS endpoints, the only binding this IdP answers on.
    fn post_acs(&self) -> impl Iterator<Item = &IndexedEndpoint> {
        self.assertion_consumer_services
            .iter()
            .filter(|a| a.endpoint.known_binding() == Some(Binding::HttpPost))
    }

    /// The default HTTP-POST ACS (§2.2.3): the first with `isDefault="true"`,
    /// else the first without `isDefault="false"`, else the first.
    pub fn default_acs(&self) -> Option<&IndexedEndpoint> {
        self.post_acs()
            .find(|a| a.is_default == Some(true))
            .or_else(|| self.post_acs().find(|a| a.is_default.is_none()))
            .or_else(|| self.post_acs().next())
    }

    /// Picks the ACS a Response goes to (saml-core-2.0-os §3.4.1,
    /// saml-profiles-2.0-os §4.1.4.1): by index, or by URL (which must be
    /// registered: exact string match), or the default. Only HTTP-POST
    /// endpoints qualify; a requested `ProtocolBinding` other than POST is
    /// refused.
    pub fn resolve_acs(
        &self,
        url: Option<&str>,
        index: Option<u16>,
        protocol_binding: Option<&str>,
    ) -> Result<&IndexedEndpoint> {
        if let Some(b) = protocol_binding {
            if b != Binding::HttpPost.as_uri() {
                return Err(SamlError::NoEndpoint(format!("ProtocolBinding {b}")));
            }
        }
        match (url, index) {
            (Some(_), Some(_)) => Err(SamlError::InvalidValue {
                name: "AuthnRequest",
                reason: "both AssertionConsumerServiceURL and Index given".into(),
            }),
            (Some(u), None) => self
                .post_acs()
                .find(|a| a.endpoint.location == u)
                .ok_or_else(|| SamlError::NoEndpoint(format!("ACS URL {u} not registered"))),
            (None, Some(i)) => self
                .post_acs()
                .find(|a| a.index == i)
                .ok_or_else(|| SamlError::NoEndpoint(format!("ACS index {i}"))),
            (None, None) => self
                .default_acs()
                .ok_or_else(|| SamlError::NoEndpoint("no HTTP-POST ACS".into())),
        }
    }

    /// The SP's SingleLogoutService for `binding`, if it publishes one.
    pub fn slo(&self, binding: Binding) -> Option<&Endpoint> {
        find_endpoint(&self.single_logout_services, binding)
    }
}

/// USSO's own metadata as a service provider, for an upstream IdP: one
/// HTTP-POST ACS (index 0, the default), Single Logout over HTTP-Redirect and
/// HTTP-POST at one URL (saml-metadata-2.0-os §2.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpDescriptor {
    /// `entityID`.
    pub entity_id: String,
    /// The AssertionConsumerService URL (HTTP-POST).
    pub acs_url: String,
    /// The SingleLogoutService URL (HTTP-Redirect and HTTP-POST).
    pub slo_url: String,
    /// Certificates the IdP checks USSO's requests with (`use="signing"`).
    pub signing_certificates: Vec<Certificate>,
    /// Certificates the IdP encrypts assertions to (`use="encryption"`).
    pub encryption_certificates: Vec<Certificate>,
    /// `AuthnRequestsSigned`.
    pub authn_requests_signed: bool,
    /// `WantAssertionsSigned`.
    pub want_assertions_signed: bool,
    /// `NameIDFormat`s accepted, in order of preference.
    pub name_id_formats: Vec<NameIdFormat>,
}

impl SpDescriptor {
    /// The `<md:EntityDescriptor>` document (UTF-8, deterministic: same
    /// input, same bytes).
    pub fn to_xml(&self) -> String {
        let mut x = String::new();
        write_entity_open(&mut x, &self.entity_id);
        x.push_str(">\n");
        x.push_str(&format!(
            "  <md:SPSSODescriptor protocolSupportEnumeration=\"{NS_PROTOCOL}\" AuthnRequestsSigned=\"{}\" WantAssertionsSigned=\"{}\">\n",
            self.authn_requests_signed, self.want_assertions_signed
        ));
        for c in &self.signing_certificates {
            write_key_descriptor(&mut x, "signing", c);
        }
        for c in &self.encryption_certificates {
            write_key_descriptor(&mut x, "encryption", c);
        }
        for b in [Binding::HttpRedirect, Binding::HttpPost] {
            let e = Endpoint {
                binding: b.as_uri().to_owned(),
                location: self.slo_url.clone(),
                response_location: None,
            };
            write_endpoint(&mut x, "SingleLogoutService", &e, "");
        }
        for f in &self.name_id_formats {
            x.push_str(&format!("    <md:NameIDFormat>{f}</md:NameIDFormat>\n"));
        }
        let acs = Endpoint {
            binding: Binding::HttpPost.as_uri().to_owned(),
            location: self.acs_url.clone(),
            response_location: None,
        };
        write_endpoint(
            &mut x,
            "AssertionConsumerService",
            &acs,
            " index=\"0\" isDefault=\"true\"",
        );
        x.push_str("  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n");
        x
    }
}
