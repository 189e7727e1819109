//! OAuth 2.x and OpenID Connect protocol engine: the grammar, validation and
//! wire forms of the authorization server and relying party.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. What it needs from the outside it will ask through small traits it
//! owns. This first step holds the boundary pieces later flows build on:
//!
//! - [`error`]: the OAuth / OIDC / bearer-token `error` codes and the JSON
//!   error body (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6; RFC 6750 §3.1);
//! - [`jose`]: compact JWS signing and verification with ES256, RS256 and
//!   EdDSA, JWKs and JWK sets, JWT time and audience checks (RFC 7515,
//!   RFC 7517, RFC 7518, RFC 7519, RFC 7638, RFC 8037, RFC 8725);
//! - [`claims`]: `at_hash` / `c_hash` and the standard claims of each scope
//!   (OIDC Core §3.1.3.6, §3.3.2.11, §5.4);
//! - [`scope`]: the `scope` parameter grammar (RFC 6749 §3.3);
//! - [`params`]: request pairs as a map, no repeats, sizes capped (RFC 6749 §3.1, §3.2);
//! - [`pkce`]: `S256` code challenges and verifiers (RFC 7636);
//! - [`redirect_uri`]: registration rules and exact / loopback matching
//!   (RFC 6749 §3.1.2, RFC 8252 §7);
//! - [`authorize`]: the two-step authorization request check (OIDC Core
//!   §3.1.2.1, RFC 6749 §4.1.1), fatal vs redirected errors;
//! - [`authorize_response`]: success and error responses in the `query` and
//!   `form_post` modes, with `iss` (RFC 6749 §4.1.2, RFC 9207);
//! - [`client_auth`]: client authentication methods at the token endpoint
//!   (RFC 6749 §2.3.1, OIDC Core §9, RFC 7523);
//! - [`token_request`]: token requests and responses (RFC 6749 §4.1.3, §4.4, §5.1, §6);
//! - [`discovery`]: provider metadata (OIDC Discovery 1.0 §3, RFC 8414 §2);
//! - [`rp`]: the relying-party side towards upstream providers (code flow
//!   with PKCE, ID token validation, UserInfo, RP-Initiated Logout).

#![warn(missing_docs)]

pub mod authorize;
pub mod authorize_response;
pub mod claims;
pub mod client_auth;
pub mod discovery;
pub mod error;
pub mod jose;
pub mod params;
pub mod pkce;
pub mod redirect_uri;
pub mod rp;
pub mod scope;
pub mod token_request;

pub use error::{InvalidErrorUri, OAuthError, OAuthErrorCode};
pub use scope::{Scope, ScopeError};
