//! Each tenant's OpenID Provider and OAuth 2.x authorization server over
//! HTTP, under its issuer `/t/{tenant}`: discovery and keys ([`discovery`]).
//! The protocol grammar is `usso_oidc`; these handlers only parse, call the
//! hub, and write (ARCHITECTURE.md rule 4).

pub mod authorize;
pub mod consent;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod introspect;
pub mod revoke;
pub mod token;
pub mod userinfo;

use axum::routing::{get, post};
use axum::Router;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/t/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server/t/{tenant}",
            get(discovery::oauth_authorization_server),
        )
        .route(
            "/t/{tenant}/.well-known/oauth-authorization-server",
            get(discovery::oauth_authorization_server),
        )
        .route("/t/{tenant}/jwks", get(discovery::jwks))
        .route(
            "/t/{tenant}/authorize",
            get(authorize::get).post(authorize::post),
        )
        .route("/t/{tenant}/token", post(token::token))
        .route(
            "/t/{tenant}/end-session",
            get(end_session::get).post(end_session::post),
        )
        .route("/t/{tenant}/revoke", post(revoke::revoke))
        .route("/t/{tenant}/introspect", post(introspect::introspect))
        .route(
            "/t/{tenant}/userinfo",
            get(userinfo::get).post(userinfo::post),
        )
}
