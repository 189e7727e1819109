//! Who is calling the admin API: an API key sent as
//! `Authorization: Bearer usso_ak_…` (RFC 6750 §2.1) that carries the
//! `admin` scope.
//!
//! [`TenantAdmin`] admits keys of the tenant named in the URL and keys of the
//! `default` tenant (installation admins); [`InstallationAdmin`] admits only
//! the latter. A key of another tenant is simply not a key of this one: 401,
//! never a sign that the tenant exists.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;

use crate::core::api_key::ApiScope;
use crate::core::event::Actor;
use crate::core::tenant::{Tenant, DEFAULT_TENANT};
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::api_keys::ApiCaller;
use crate::service::ServiceError;

/// An admin of the tenant named by the `{tenant}` path parameter.
#[derive(Debug, Clone)]
pub struct TenantAdmin {
    pub tenant: Tenant,
    pub caller: ApiCaller,
}

impl TenantAdmin {
    /// The actor recorded on the events this caller causes.
    pub fn actor(&self) -> Actor {
        Actor::ApiKey(self.caller.key.id)
    }
}

/// An installation admin: a key of the `default` tenant.
#[derive(Debug, Clone)]
pub struct InstallationAdmin {
    pub tenant: Tenant,
    pub caller: ApiCaller,
}

impl InstallationAdmin {
    pub fn actor(&self) -> Actor {
        Actor::ApiKey(self.caller.key.id)
    }
}

impl FromRequestParts<AppState> for TenantAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("tenant not found"))?;
        let Some((_, slug)) = params.iter().find(|(name, _)| *name == "tenant") else {
            tracing::error!("admin route without a {{tenant}} parameter");
            return Err(ServiceError::Internal("route without {tenant}".into()).into());
        };
        let tenant = match state.hub.tenant(slug).await {
            Ok(t) => t,
            Err(ServiceError::NotFound(_)) => {
                // Only an installation admin may learn that a tenant does not exist.
                installation_admin(state, &token).await?;
                return Err(ApiError::not_found("tenant not found"));
            }
            Err(e) => return Err(e.into()),
        };
        let caller = state.hub.authenticate_api_key(&tenant, &token).await?;
        require_admin_scope(&caller)?;
        Ok(Self { tenant, caller })
    }
}

impl FromRequestParts<AppState> for InstallationAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        installation_admin(state, &token).await
    }
}

async fn installation_admin(state: &AppState, token: &str) -> Result<InstallationAdmin, ApiError> {
    let tenant = match state.hub.tenant(DEFAULT_TENANT).await {
        Ok(t) => t,
        Err(ServiceError::NotFound(_)) => return Err(ApiError::unauthorized()),
        Err(e) => return Err(e.into()),
    };
    let caller = state.hub.authenticate_api_key(&tenant, token).await?;
    require_admin_scope(&caller)?;
    Ok(InstallationAdmin { tenant, caller })
}

fn require_admin_scope(caller: &ApiCaller) -> Result<(), ApiError> {
    if caller.key.allows(ApiScope::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "this API key does not have the admin scope",
        ))
    }
}

/// The bearer token of the request; 401 without one.
fn bearer_token(parts: &Parts) -> Result<String, ApiError> {
    crate::http::bearer_token(&parts.headers).ok_or_else(ApiError::unauthorized)
}

/// Response headers of every admin answer: a 401 names the scheme to use
/// (RFC 6750 §3), and nothing is cached (answers may carry a new token).
pub async fn response_headers(mut response: Response) -> Response {
    let unauthorized = response.status() == StatusCode::UNAUTHORIZED;
    let headers = response.headers_mut();
    if unauthorized {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"usso-admin\""),
        );
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
