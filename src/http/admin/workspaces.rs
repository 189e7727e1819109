//! `/api/v1/tenants/{tenant}/workspaces`: list, create, read, delete the
//! tenant's sub-organizations. `{id}` is a workspace id or slug.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::views::{Page, WorkspaceView};
use crate::http::error::ApiError;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/workspaces",
            get(list_workspaces).post(create_workspace),
        )
        .route(
            "/api/v1/tenants/{tenant}/workspaces/{id}",
            get(get_workspace).delete(delete_workspace),
        )
}

/// A new workspace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    /// 1–63 of `a-z 0-9 -`, unique in the tenant.
    #[schema(example = "team-blue")]
    pub slug: String,
    /// Defaults to the slug.
    pub display_name: Option<String>,
}

/// Lists workspaces, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/workspaces",
    tag = "workspaces",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of workspaces", body = Page<WorkspaceView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_workspaces(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<WorkspaceView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let all = state.hub.list_workspaces(&admin.tenant).await?;
    Ok(axum::Json(paging.in_memory(all, |w| w.id.to_string())))
}

/// Creates a workspace.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/workspaces",
    tag = "workspaces",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = NewWorkspace,
    responses(
        (status = 201, description = "The new workspace", body = WorkspaceView,
            headers(("Location" = String, description = "The workspace's URL"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_workspace(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<NewWorkspace>,
) -> Result<impl IntoResponse, ApiError> {
    let ws = state
        .hub
        .create_workspace(
            admin.actor(),
            &admin.tenant,
            &body.slug,
            body.display_name.as_deref(),
        )
        .await?;
    let location = format!("/api/v1/tenants/{}/workspaces/{}", admin.tenant.slug, ws.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(WorkspaceView::from(&ws)),
    ))
}

/// Reads a workspace.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/workspaces/{id}",
    tag = "workspaces",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The workspace's id or slug"),
    ),
    responses(
        (status = 200, description = "The workspace", body = WorkspaceView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_workspace(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<axum::Json<WorkspaceView>, ApiError> {
    let ws = state.hub.find_workspace(&admin.tenant, &id).await?;
    Ok(axum::Json(WorkspaceView::from(&ws)))
}

/// Deletes a workspace and the role assignments made in it.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/workspaces/{id}",
    tag = "workspaces",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The workspace's id or slug"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_workspace(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ws = state.hub.find_workspace(&admin.tenant, &id).await?;
    state
        .hub
        .delete_workspace(admin.actor(), &admin.tenant, ws.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
