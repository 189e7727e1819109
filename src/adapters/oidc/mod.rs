//! The OpenID Provider's side of the hub: OAuth clients as
//! `usso_oidc` policies ([`policy`]), users as claims ([`claims`]), tokens
//! minted with the tenant's keys ([`tokens`]), and the grants behind them —
//! codes, refresh tokens, consents ([`grants`]). Also the relying-party side
//! towards upstream OIDC / OAuth 2.0 providers ([`upstream`],
//! [`upstream_logout`]).

pub mod backchannel;
pub mod claims;
pub mod client_assertion;
pub mod consents;
pub mod grants;
pub mod id_token_hint;
pub mod introspection;
pub mod policy;
pub mod revocation;
pub mod tokens;
pub mod upstream;
pub mod upstream_logout;
