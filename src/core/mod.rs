//! The normalized core: tenants, users, groups, roles, workspaces, credentials,
//! sessions, API keys and audit events, with the rules that no protocol owns.
//!
//! Nothing here knows HTTP, SQL or any protocol's wire format (ARCHITECTURE.md
//! rule 2). Storage, HTTP and protocol adapters depend on this module, never
//! the reverse.

pub mod api_key;
pub mod client;
pub mod clock;
pub mod error;
pub mod event;
pub mod filter;
pub mod group;
pub mod ids;
pub mod ldap_source;
pub mod oauth_grant;
pub mod password;
pub mod role;
pub mod saml_sp;
pub mod session;
pub mod signing_key;
pub mod tenant;
pub mod upstream_idp;
pub mod upstream_oidc;
pub mod user;
pub mod user_profile;
pub mod workspace;

pub use clock::Clock;
pub use error::CoreError;
pub use ids::*;
