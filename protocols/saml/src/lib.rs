//! SAML 2.0 protocol engine: metadata, bindings, AuthnRequest / Response,
//! signatures.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. What it needs from the outside it will ask through small traits it
//! owns. This first step holds the boundary pieces later issues build on:
//!
//! - [`status`]: the `StatusCode` values (saml-core-2.0-os §3.2.2.2);
//! - [`names`]: the NameID format identifiers (saml-core-2.0-os §8.3) and the
//!   HTTP binding identifiers (saml-bindings-2.0-os §3.4, §3.5).

#![warn(missing_docs)]

pub mod names;
pub mod status;

pub use names::{Binding, NameIdFormat};
pub use status::StatusCode;
