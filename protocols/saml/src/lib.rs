//! SAML 2.0 protocol engine, IdP side: metadata, the HTTP-Redirect and
//! HTTP-POST bindings, AuthnRequest / Response, Single Logout, signatures
//! and assertion encryption.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. Time and IDs are parameters; nothing reads a clock.
//!
//! - [`status`]: the `StatusCode` values (saml-core-2.0-os §3.2.2.2);
//! - [`names`]: NameID formats (saml-core-2.0-os §8.3) and bindings
//!   (saml-bindings-2.0-os §3.4, §3.5);
//! - [`metadata`]: SP metadata in, IdP metadata out (saml-metadata-2.0-os
//!   §2.4.3, §2.4.4);
//! - [`binding`]: decode/encode over HTTP-Redirect and HTTP-POST, the
//!   auto-submitting form (saml-bindings-2.0-os §3.4, §3.5);
//! - [`authn_request`]: the AuthnRequest the IdP receives
//!   (saml-core-2.0-os §3.4.1);
//! - [`response`]: the Response and Assertion the IdP sends
//!   (saml-core-2.0-os §2, §3.3.3);
//! - [`encrypt`]: EncryptedAssertion (saml-core-2.0-os §2.3.4, §6);
//! - [`logout`]: Single Logout messages (saml-core-2.0-os §3.7);
//! - [`signature`]: XML-DSig profile and the Redirect query signature
//!   (saml-core-2.0-os §5, saml-bindings-2.0-os §3.4.4.1);
//! - [`keys`]: signing key, certificates, self-signed certificates.
//!
//! A typical SP-initiated login, from the hub's side:
//! [`binding::InboundMessage::from_redirect`] → look up the SP by
//! [`binding::InboundMessage::claimed_issuer`] →
//! [`authn_request::AuthnRequest::accept`] with the SP's certificates →
//! [`metadata::SpMetadata::resolve_acs`] → log the user in →
//! [`response::build_response`] → [`binding::post_form`].

#![warn(missing_docs)]

pub mod authn_request;
pub mod binding;
pub mod encrypt;
pub mod error;
pub mod keys;
pub mod logout;
mod message;
pub mod metadata;
pub mod names;
pub mod response;
pub mod signature;
pub mod status;
mod xml;

pub use error::{Result, SamlError};
pub use message::{MessagePolicy, NAMEID_ENTITY};
pub use names::{Binding, NameIdFormat};
pub use status::StatusCode;
pub use xml::{format_time, new_id};

#[cfg(test)]
mod tests;
