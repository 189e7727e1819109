//! Discovery (OpenID Connect Discovery 1.0 §4, RFC 8414 §3) and the
//! tenant's JWK Set (RFC 7517). Both are public and cacheable; the JWKS is
//! cached for less time than a new key is published ahead of signing
//! ([`crate::core::signing_key::PUBLISH_AHEAD`]), so no relying party meets
//! a token signed by a key it cannot know yet.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use usso_oidc::discovery::{Features, ProviderMetadata};

use super::error::OAuthResponseError;
use crate::core::tenant::Tenant;
use crate::http::AppState;
use crate::service::Hub;

/// What relying parties may cache discovery and keys for.
const CACHE: &str = "public, max-age=300";

/// The features this provider has today; discovery never advertises more.
pub fn features() -> Features {
    Features {
        revocation: true,
        introspection: true,
        end_session: true,
        backchannel_logout: true,
        pairwise_subjects: true,
    }
}

pub fn metadata(hub: &Hub, tenant: &Tenant) -> ProviderMetadata {
    let mut m = ProviderMetadata::for_issuer(&hub.issuer(tenant), &features());
    // Revocation and introspection authenticate clients as the token
    // endpoint does (`token::authenticated_client`).
    for methods in [
        &mut m.revocation_endpoint_auth_methods_supported,
        &mut m.introspection_endpoint_auth_methods_supported,
    ]
    .into_iter()
    .flatten()
    {
        methods.clone_from(&m.token_endpoint_auth_methods_supported);
    }
    m
}

fn cached(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    response
}

fn not_found(e: OAuthResponseError) -> Response {
    let mut response = e.into_response();
    *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    response
}

/// `GET /t/{tenant}/.well-known/openid-configuration`
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Response {
    match super::tenant_or_invalid_request(&state, &slug).await {
        Ok(t) => cached(Json(metadata(&state.hub, &t))),
        Err(e) => not_found(e),
    }
}

/// `GET /.well-known/oauth-authorization-server/t/{tenant}` (RFC 8414 §3:
/// the well-known segment goes between host and issuer path), and the same
/// under the issuer for clients that append it.
pub async fn oauth_authorization_server(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Response {
    openid_configuration(State(state), Path(slug)).await
}

/// `GET /t/{tenant}/jwks`
pub async fn jwks(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let t = match super::tenant_or_invalid_request(&state, &slug).await {
        Ok(t) => t,
        Err(e) => return not_found(e),
    };
    match state.hub.jwks(&t).await {
        Ok(set) => cached(Json(set)),
        Err(e) => OAuthResponseError::from(e).into_response(),
    }
}
