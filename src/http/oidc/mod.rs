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

/// Whether the request body is an HTML form (`application/x-www-form-urlencoded`),
/// as the OAuth endpoints require (RFC 6749 §3.2, §4.1.3).
pub(crate) fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The tenant named in the URL, or `invalid_request` for an unknown one.
pub(crate) async fn tenant_or_invalid_request(
    state: &AppState,
    slug: &str,
) -> Result<crate::core::tenant::Tenant, error::OAuthResponseError> {
    match state.hub.tenant(slug).await {
        Ok(t) => Ok(t),
        Err(
            crate::service::ServiceError::NotFound(_)
            | crate::service::ServiceError::Invalid { .. },
        ) => Err(error::OAuthResponseError::new(
            usso_oidc::OAuthErrorCode::InvalidRequest,
            "unknown tenant",
        )),
        Err(e) => Err(e.into()),
    }
}
