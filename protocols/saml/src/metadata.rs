//! SAML metadata (saml-metadata-2.0-os): reading a service provider's
//! `<md:EntityDescriptor>` with its `<md:SPSSODescriptor>` (§2.4.4: ACS
//! endpoints §2.2.3, SingleLogoutService §2.4.2, KeyDescriptor §2.4.1.1,
//! NameIDFormat, AuthnRequestsSigned, WantAssertionsSigned), and writing this
//! IdP's `<md:IDPSSODescriptor>` (§2.4.3).
//!
//! Metadata is refused over 1 MiB or with any DTD/entity declaration, before
//! parsing.

use crate::error::{Result, SamlError};
use crate::keys::Certificate;
use crate::names::{Binding, NameIdFormat};
use crate::xml::{self, escape, NS_DSIG, NS_METADATA};
use time::OffsetDateTime;

/// Largest metadata document accepted.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// An endpoint (`md:EndpointType`, §2.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The binding URI as published (may be one this crate does not speak).
    pub binding: String,
    /// `Location`.
    pub location: String,
    /// `ResponseLocation`, if different.
    pub response_location: Option<String>,
}

impl Endpoint {
    /// The binding, if it is HTTP-Redirect or HTTP-POST.
    pub fn known_binding(&self) -> Option<Binding> {
        Binding::from_uri(&self.binding)
    }
}

/// An indexed endpoint (`md:IndexedEndpointType`, §2.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedEndpoint {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// `index`.
    pub index: u16,
    /// `isDefault` (absent = `None`).
    pub is_default: Option<bool>,
}

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

fn absolute_url(v: &str, name: &'static str) -> Result<String> {
    let u = url::Url::parse(v.trim()).map_err(|e| SamlError::InvalidValue {
        name,
        reason: format!("{v:?}: {e}"),
    })?;
    if !matches!(u.scheme(), "https" | "http") {
        return Err(SamlError::InvalidValue {
            name,
            reason: format!("{v:?}: not an http(s) URL"),
        });
    }
    Ok(v.trim().to_owned())
}

fn endpoint(node: roxmltree::Node<'_, '_>) -> Result<Endpoint> {
    Ok(Endpoint {
        binding: xml::required_attr(node, "Binding")?.trim().to_owned(),
        location: absolute_url(xml::required_attr(node, "Location")?, "Location")?,
        response_location: node
            .attribute("ResponseLocation")
            .map(|v| absolute_url(v, "ResponseLocation"))
            .transpose()?,
    })
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
        if !xml::is(entity, NS_METADATA, "EntityDescriptor") {
            return Err(SamlError::UnexpectedElement {
                expected: "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor",
                found: xml::expanded(entity),
            });
        }
        let entity_id = xml::required_attr(entity, "entityID")?.trim().to_owned();
        if entity_id.is_empty() || entity_id.len() > 1024 {
            return Err(SamlError::InvalidValue {
                name: "entityID",
                reason: "empty or longer than 1024 characters".into(),
            });
        }
        let sp = xml::children(entity, NS_METADATA, "SPSSODescriptor")
            .find(|d| {
                d.attribute("protocolSupportEnumeration")
                    .is_some_and(|p| p.split_whitespace().any(|p| p == crate::xml::NS_PROTOCOL))
            })
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

        let mut signing = Vec::new();
        let mut encryption = Vec::new();
        for kd in xml::children(sp, NS_METADATA, "KeyDescriptor") {
            let usage = kd.attribute("use").map(str::trim);
            let certs = kd
                .descendants()
                .filter(|n| xml::is(*n, NS_DSIG, "X509Certificate"))
                .map(|n| xml::text(n, "X509Certificate").and_then(|t| Certificate::from_base64(&t)))
                .collect::<Result<Vec<_>>>()?;
            match usage {
                None => {
                    signing.extend(certs.iter().cloned());
                    encryption.extend(certs);
                }
                Some("signing") => signing.extend(certs),
                Some("encryption") => encryption.extend(certs),
                Some(other) => {
                    return Err(SamlError::InvalidValue {
                        name: "KeyDescriptor use",
                        reason: format!("{other:?}"),
                    })
                }
            }
        }
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
        self.single_logout_services
            .iter()
            .find(|e| e.known_binding() == Some(binding))
    }
}

/// This IdP's metadata, as published per tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `entityID`.
    pub entity_id: String,
    /// Signing certificates: the current one first, then the next one
    /// published ahead of a rotation (and the previous one during overlap).
    pub signing_certificates: Vec<Certificate>,
    /// `SingleSignOnService` endpoints.
    pub single_sign_on: Vec<Endpoint>,
    /// `SingleLogoutService` endpoints.
    pub single_logout: Vec<Endpoint>,
    /// `NameIDFormat`s offered.
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
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!(
            "<md:EntityDescriptor xmlns:md=\"{NS_METADATA}\" xmlns:ds=\"{NS_DSIG}\" entityID=\"{}\"",
            escape(&self.entity_id)
        ));
        if let Some(v) = self.valid_until {
            x.push_str(&format!(" validUntil=\"{}\"", xml::format_time(v)));
        }
        x.push_str(">\n");
        x.push_str(&format!(
            "  <md:IDPSSODescriptor protocolSupportEnumeration=\"{}\" WantAuthnRequestsSigned=\"{}\">\n",
            crate::xml::NS_PROTOCOL,
            self.want_authn_requests_signed
        ));
        for c in &self.signing_certificates {
            x.push_str(&format!(
                "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n",
                c.to_base64()
            ));
        }
        let ep = |x: &mut String, name: &str, e: &Endpoint| {
            x.push_str(&format!(
                "    <md:{name} Binding=\"{}\" Location=\"{}\"",
                escape(&e.binding),
                escape(&e.location)
            ));
            if let Some(r) = &e.response_location {
                x.push_str(&format!(" ResponseLocation=\"{}\"", escape(r)));
            }
            x.push_str("/>\n");
        };
        for e in &self.single_logout {
            ep(&mut x, "SingleLogoutService", e);
        }
        for f in &self.name_id_formats {
            x.push_str(&format!("    <md:NameIDFormat>{f}</md:NameIDFormat>\n"));
        }
        for e in &self.single_sign_on {
            ep(&mut x, "SingleSignOnService", e);
        }
        x.push_str("  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n");
        x
    }
}
