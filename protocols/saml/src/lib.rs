//! SAML 2.0 protocol engine, both sides of Web Browser SSO: USSO as an
//! identity provider for its tenants' applications, and USSO as a service
//! provider logging users in through upstream SAML IdPs. Metadata, the
//! HTTP-Redirect and HTTP-POST bindings, AuthnRequest / Response, Single
//! Logout, signatures, assertion encryption and decryption.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. Time and IDs are parameters; nothing reads a clock.
//!
//! - [`status`]: the `StatusCode` values (saml-core-2.0-os §3.2.2.2);
//! - [`names`]: NameID formats (saml-core-2.0-os §8.3) and bindings
//!   (saml-bindings-2.0-os §3.4, §3.5);
//! - [`metadata`]: SP metadata in and out, IdP metadata out and in
//!   (saml-metadata-2.0-os §2.4.3, §2.4.4);
//! - [`binding`]: decode/encode over HTTP-Redirect and HTTP-POST, the
//!   auto-submitting form (saml-bindings-2.0-os §3.4, §3.5);
//! - [`authn_request`]: the AuthnRequest the IdP receives
//!   (saml-core-2.0-os §3.4.1);
//! - [`response`]: the Response and Assertion the IdP sends
//!   (saml-core-2.0-os §2, §3.3.3);
//! - [`encrypt`]: EncryptedAssertion (saml-core-2.0-os §2.3.4, §6);
//! - [`sp_request`]: the AuthnRequest the SP sends (saml-core-2.0-os
//!   §3.4.1);
//! - [`sp_response`]: the Response the SP receives, verified and read from
//!   signed content only (saml-profiles-2.0-os §4.1.4);
//! - [`decrypt`]: EncryptedAssertion decryption (xmlenc-core, xmlenc-core1);
//! - [`logout`]: Single Logout messages (saml-core-2.0-os §3.7);
//! - [`signature`]: XML-DSig profile and the Redirect query signature
//!   (saml-core-2.0-os §5, saml-bindings-2.0-os §3.4.4.1);
//! - [`keys`]: signing key, certificates, self-signed certificates.
//!
//! A typical SP-initiated login at a tenant's application, USSO the IdP:
//! [`binding::InboundMessage::from_redirect`] → look up the SP by
//! [`binding::InboundMessage::claimed_issuer`] →
//! [`authn_request::AuthnRequest::accept`] with the SP's certificates →
//! [`metadata::SpMetadata::resolve_acs`] → log the user in →
//! [`response::build_response`] → [`binding::post_form`].
//!
//! A login through an upstream IdP, USSO the SP (its metadata from
//! [`metadata::SpDescriptor::to_xml`], the IdP's read by
//! [`metadata::IdpMetadata::parse`]): [`sp_request::build_authn_request`]
//! (unsigned) → [`binding::redirect_query`] with USSO's key, to the URL of
//! [`metadata::IdpMetadata::sso`] (or signed, through
//! [`binding::post_value`] and [`binding::post_form`]) → the user
//! authenticates at the IdP → the ACS receives the form:
//! [`binding::InboundMessage::from_post`] → find the IdP by
//! [`binding::InboundMessage::claimed_issuer`] (or by the pending request
//! of [`binding::InboundMessage::claimed_in_response_to`]) →
//! [`sp_response::accept_response`] with that IdP's certificates → check
//! `in_response_to` against the pending request and the assertion ID
//! against the replay cache → log the user in.

#![warn(missing_docs)]

pub mod authn_request;
pub mod binding;
pub mod decrypt;
pub mod encrypt;
pub mod error;
pub mod keys;
pub mod logout;
mod message;
pub mod metadata;
pub mod names;
pub mod response;
pub mod signature;
pub mod sp_request;
pub mod sp_response;
pub mod status;
mod xml;

pub use error::{Result, SamlError};
pub use message::{MessagePolicy, NAMEID_ENTITY};
pub use names::{Binding, NameIdFormat};
pub use sp_request::{build_authn_request, NewAuthnRequest};
pub use sp_response::{accept_response, ResponseExpectations, VerifiedLogin};
pub use status::StatusCode;
pub use xml::{format_time, new_id};

#[cfg(test)]
mod tests;
