//! OAuth 2.x and OpenID Connect protocol engine: the grammar, validation and
//! wire forms of the authorization server and relying party.
//!
//! This crate knows nothing of USSO: no HTTP framework, no storage, no hub
//! types. What it needs from the outside it will ask through small traits it
//! owns. This first step holds the boundary pieces later flows build on:
//!
//! - [`error`]: the OAuth / OIDC / bearer-token `error` codes and the JSON
//!   error body (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6; RFC 6750 §3.1);
//! - [`scope`]: the `scope` parameter grammar (RFC 6749 §3.3).

#![warn(missing_docs)]

pub mod error;
pub mod scope;

pub use error::{InvalidErrorUri, OAuthError, OAuthErrorCode};
pub use scope::{Scope, ScopeError};
