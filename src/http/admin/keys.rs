//! `/api/v1/tenants/{tenant}/keys`: the tenant's token-signing keys, and
//! their rotation (the same as `usso keys list|rotate`).

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::Json;
use super::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};
use super::views::SigningKeyView;
use crate::http::error::ApiError;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants/{tenant}/keys", get(list_keys))
        .route("/api/v1/tenants/{tenant}/keys/rotate", post(rotate_keys))
}

/// How to rotate.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Rotation {
    /// Sign with the new keys at once (a key may be compromised) instead of
    /// publishing them 10 minutes ahead.
    pub immediately: bool,
}

fn views(
    state: &AppState,
    keys: &[crate::core::signing_key::SigningKeyInfo],
) -> Vec<SigningKeyView> {
    let now = state.hub.now();
    keys.iter()
        .filter(|k| k.is_published(now))
        .map(|k| SigningKeyView::new(k, now))
        .collect()
}

/// The tenant's published signing keys, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/keys",
    tag = "keys",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    responses(
        (status = 200, description = "The keys", body = Vec<SigningKeyView>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_keys(
    State(state): State<AppState>,
    admin: TenantAdmin,
) -> Result<axum::Json<Vec<SigningKeyView>>, ApiError> {
    let keys = state.hub.ensure_signing_keys(&admin.tenant).await?;
    Ok(axum::Json(views(&state, &keys)))
}

/// Rotates the tenant's keys: new ones are published now and sign in 10
/// minutes (or at once); the current ones retire then and leave the JWKS a
/// day later.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/keys/rotate",
    tag = "keys",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body(content = Rotation, description = "Optional; `{}` rotates with the usual delay"),
    responses(
        (status = 200, description = "The keys after the rotation", body = Vec<SigningKeyView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn rotate_keys(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(rotation): Json<Rotation>,
) -> Result<axum::Json<Vec<SigningKeyView>>, ApiError> {
    let keys = state
        .hub
        .rotate_signing_keys(admin.actor(), &admin.tenant, rotation.immediately)
        .await?;
    Ok(axum::Json(views(&state, &keys)))
}
