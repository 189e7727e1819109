//! Adapters between the protocol crates and the core (ARCHITECTURE.md rule
//! 3): each maps its protocol's identities and grants onto tenants, users,
//! clients and sessions.

pub mod oidc;
pub mod saml;

pub mod scim;
