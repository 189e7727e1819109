//! `/api/v1/tenants/{tenant}/api-keys`: list (never with tokens), create
//! (the token is in the answer, once), revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use time::Duration;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{parse_id, Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{BadRequest, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::views::{ApiKeyView, ApiScopeView, CreatedApiKeyView, Page};
use crate::core::ApiKeyId;
use crate::http::error::ApiError;
use crate::http::AppState;

/// The longest lifetime a key may be given: ten years.
const MAX_EXPIRES_IN_SECONDS: i64 = 10 * 366 * 24 * 60 * 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/api-keys",
            get(list_api_keys).post(create_api_key),
        )
        .route(
            "/api/v1/tenants/{tenant}/api-keys/{id}",
            delete(delete_api_key),
        )
}

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[schema(example = "terraform")]
    pub name: String,
    /// At least one of `admin`, `scim`.
    #[schema(value_type = Vec<ApiScopeView>)]
    pub scopes: Vec<String>,
    /// Lifetime in seconds (at most ten years); absent: never expires.
    #[schema(minimum = 1, maximum = 316_224_000)]
    pub expires_in_seconds: Option<i64>,
}

/// Lists the tenant's API keys, oldest first, without their tokens.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/api-keys",
    tag = "api-keys",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of API keys", body = Page<ApiKeyView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_api_keys(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<ApiKeyView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let keys = state.hub.list_api_keys(&admin.tenant).await?;
    Ok(axum::Json(paging.in_memory(keys, |k| k.id.to_string())))
}

/// Creates an API key. The answer holds its token, which is not stored and
/// cannot be shown again.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/api-keys",
    tag = "api-keys",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = NewApiKey,
    responses(
        (status = 201, description = "The new key with its token", body = CreatedApiKeyView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_api_key(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<NewApiKey>,
) -> Result<impl IntoResponse, ApiError> {
    let expires_in = match body.expires_in_seconds {
        None => None,
        Some(s) if (1..=MAX_EXPIRES_IN_SECONDS).contains(&s) => Some(Duration::seconds(s)),
        Some(_) => {
            return Err(ApiError::from(crate::service::ServiceError::invalid(
                "expires_in_seconds",
                format!("must be between 1 and {MAX_EXPIRES_IN_SECONDS} (ten years)"),
            )))
        }
    };
    let (key, token) = state
        .hub
        .create_api_key(
            admin.actor(),
            &admin.tenant,
            &body.name,
            &body.scopes,
            expires_in,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedApiKeyView::new(&key, token)),
    ))
}

/// Revokes an API key at once.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/api-keys/{id}",
    tag = "api-keys",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The key's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_api_key(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id: ApiKeyId = parse_id(&id, "api key")?;
    state
        .hub
        .delete_api_key(admin.actor(), &admin.tenant, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
