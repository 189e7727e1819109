//! SAML metadata (saml-metadata-2.0-os), both roles and both ways:
//!
//! - [`sp`]: a service provider's `<md:SPSSODescriptor>` (§2.4.4), read
//!   from a peer SP ([`SpMetadata`]) and written for USSO as an SP
//!   ([`SpDescriptor`]);
//! - [`idp`]: an identity provider's `<md:IDPSSODescriptor>` (§2.4.3),
//!   written for USSO as an IdP and read from an upstream IdP
//!   ([`IdpMetadata`]).
//!
//! This module owns what both share: endpoints (§2.2.2, §2.2.3), the entity
//! lookup, `<md:KeyDescriptor>` certificates (§2.4.1.1) and the writers of
//! those pieces. Metadata is refused over [`MAX_METADATA_BYTES`] or with any
//! DTD/entity declaration, before parsing.

mod idp;
mod sp;

pub use idp::IdpMetadata;
pub use sp::{SpDescriptor, SpMetadata};

use crate::error::{Result, SamlError};
use crate::keys::Certificate;
use crate::names::Binding;
use crate::xml::{self, escape, NS_DSIG, NS_METADATA, NS_PROTOCOL};

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

/// An absolute http(s) URL, trimmed.
pub(crate) fn absolute_url(v: &str, name: &'static str) -> Result<String> {
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

/// Reads an `md:EndpointType` element.
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

/// The first endpoint of `list` over `binding`.
fn find_endpoint(list: &[Endpoint], binding: Binding) -> Option<&Endpoint> {
    list.iter().find(|e| e.known_binding() == Some(binding))
}

/// Checks that `node` is an `<md:EntityDescriptor>` and returns its
/// `entityID` (non-empty, at most 1024 characters, §2.3.2).
fn entity_id(entity: roxmltree::Node<'_, '_>) -> Result<String> {
    if !xml::is(entity, NS_METADATA, "EntityDescriptor") {
        return Err(SamlError::UnexpectedElement {
            expected: "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor",
            found: xml::expanded(entity),
        });
    }
    let id = xml::required_attr(entity, "entityID")?.trim().to_owned();
    if id.is_empty() || id.len() > 1024 {
        return Err(SamlError::InvalidValue {
            name: "entityID",
            reason: "empty or longer than 1024 characters".into(),
        });
    }
    Ok(id)
}

/// The role descriptor `{md}name` of `entity` that supports SAML 2.0.
fn saml2_role<'a, 'i>(
    entity: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> Option<roxmltree::Node<'a, 'i>> {
    xml::children(entity, NS_METADATA, name).find(|d| {
        d.attribute("protocolSupportEnumeration")
            .is_some_and(|p| p.split_whitespace().any(|p| p == NS_PROTOCOL))
    })
}

/// Certificates of a role's `<md:KeyDescriptor>`s: (signing, encryption).
/// A descriptor without `use` serves both.
fn key_descriptors(role: roxmltree::Node<'_, '_>) -> Result<(Vec<Certificate>, Vec<Certificate>)> {
    let mut signing = Vec::new();
    let mut encryption = Vec::new();
    for kd in xml::children(role, NS_METADATA, "KeyDescriptor") {
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
    Ok((signing, encryption))
}

/// Opens the `<md:EntityDescriptor>` of a document this crate writes.
fn write_entity_open(x: &mut String, entity_id: &str) {
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<md:EntityDescriptor xmlns:md=\"{NS_METADATA}\" xmlns:ds=\"{NS_DSIG}\" entityID=\"{}\"",
        escape(entity_id)
    ));
}

/// Writes one `<md:KeyDescriptor>` holding `cert`.
fn write_key_descriptor(x: &mut String, usage: &str, cert: &Certificate) {
    x.push_str(&format!(
        "    <md:KeyDescriptor use=\"{usage}\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n",
        cert.to_base64()
    ));
}

/// Writes an endpoint element `<md:{name} …/>`; `extra` goes at the end of
/// the start tag (`index`, `isDefault`).
fn write_endpoint(x: &mut String, name: &str, e: &Endpoint, extra: &str) {
    x.push_str(&format!(
        "    <md:{name} Binding=\"{}\" Location=\"{}\"",
        escape(&e.binding),
        escape(&e.location)
    ));
    if let Some(r) = &e.response_location {
        x.push_str(&format!(" ResponseLocation=\"{}\"", escape(r)));
    }
    x.push_str(extra);
    x.push_str("/>\n");
}
