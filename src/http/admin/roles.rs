//! `/api/v1/tenants/{tenant}/roles`: list, create, read, delete, and the
//! role's assignments to users and groups (tenant-wide or in a workspace,
//! optionally expiring). `{id}` is a role id or name.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{
    missing_reference, parse_id, Json, PageQuery, Paging, PathParams, QueryParams,
};
use super::groups::{resolve_member, PrincipalInput};
use super::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::views::{AssignmentView, Page, RoleView};
use crate::core::group::Member;
use crate::core::role::Principal;
use crate::core::AssignmentId;
use crate::http::error::ApiError;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/roles",
            get(list_roles).post(create_role),
        )
        .route(
            "/api/v1/tenants/{tenant}/roles/{id}",
            get(get_role).delete(delete_role),
        )
        .route(
            "/api/v1/tenants/{tenant}/roles/{id}/assignments",
            get(list_assignments).post(assign_role),
        )
        .route(
            "/api/v1/tenants/{tenant}/roles/{id}/assignments/{assignment_id}",
            delete(unassign_role),
        )
}

/// A new role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// Unique in the tenant, without regard to case.
    #[schema(example = "billing-admin")]
    pub name: String,
    pub description: Option<String>,
    /// Scope tokens the role grants (RFC 6749 §3.3 syntax).
    #[serde(default)]
    #[schema(example = json!(["billing:read", "billing:write"]))]
    pub permissions: Vec<String>,
}

/// A new assignment of the role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    /// Who gets the role.
    pub principal: PrincipalInput,
    /// The workspace (id or slug) the role applies in; absent: the whole tenant.
    pub workspace: Option<String>,
    /// When the assignment ends (RFC 3339); absent: until removed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

fn principal(member: Member) -> Principal {
    match member {
        Member::User(id) => Principal::User(id),
        Member::Group(id) => Principal::Group(id),
    }
}

/// Lists roles, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/roles",
    tag = "roles",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of roles", body = Page<RoleView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_roles(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<RoleView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let roles = state
        .hub
        .list_roles(&admin.tenant, paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish(roles, |r| r.id.to_string())))
}

/// Creates a role.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/roles",
    tag = "roles",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = NewRole,
    responses(
        (status = 201, description = "The new role", body = RoleView,
            headers(("Location" = String, description = "The role's URL"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_role(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<NewRole>,
) -> Result<impl IntoResponse, ApiError> {
    let role = state
        .hub
        .create_role(
            admin.actor(),
            &admin.tenant,
            &body.name,
            body.description.as_deref(),
            &body.permissions,
        )
        .await?;
    let location = format!("/api/v1/tenants/{}/roles/{}", admin.tenant.slug, role.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(RoleView::from(&role)),
    ))
}

/// Reads a role.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/roles/{id}",
    tag = "roles",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The role's id or name"),
    ),
    responses(
        (status = 200, description = "The role", body = RoleView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_role(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<axum::Json<RoleView>, ApiError> {
    let role = state.hub.find_role(&admin.tenant, &id).await?;
    Ok(axum::Json(RoleView::from(&role)))
}

/// Deletes a role and its assignments.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/roles/{id}",
    tag = "roles",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The role's id or name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_role(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let role = state.hub.find_role(&admin.tenant, &id).await?;
    state
        .hub
        .delete_role(admin.actor(), &admin.tenant, role.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the role's assignments, expired ones included.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/roles/{id}/assignments",
    tag = "roles",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The role's id or name"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of assignments", body = Page<AssignmentView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_assignments(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<AssignmentView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let role = state.hub.find_role(&admin.tenant, &id).await?;
    let assignments = state.hub.role_assignments(&admin.tenant, role.id).await?;
    Ok(axum::Json(
        paging.in_memory(assignments, |a| a.id.to_string()),
    ))
}

/// Assigns the role to a user or a group.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/roles/{id}/assignments",
    tag = "roles",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The role's id or name"),
    ),
    request_body = NewAssignment,
    responses(
        (status = 201, description = "The new assignment", body = AssignmentView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn assign_role(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    Json(body): Json<NewAssignment>,
) -> Result<impl IntoResponse, ApiError> {
    let role = state.hub.find_role(&admin.tenant, &id).await?;
    let member = resolve_member(&state.hub, &admin.tenant, &body.principal, "principal").await?;
    let workspace = match &body.workspace {
        None => None,
        Some(raw) => Some(
            state
                .hub
                .find_workspace(&admin.tenant, raw)
                .await
                .map_err(|e| missing_reference("workspace", "workspace")(e.into()))?
                .id,
        ),
    };
    let assignment = state
        .hub
        .assign_role(
            admin.actor(),
            &admin.tenant,
            role.id,
            principal(member),
            workspace,
            body.expires_at,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(AssignmentView::from(&assignment)),
    ))
}

/// Removes one assignment of the role.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/roles/{id}/assignments/{assignment_id}",
    tag = "roles",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The role's id or name"),
        ("assignment_id" = String, Path, description = "The assignment's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn unassign_role(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id, assignment_id)): PathParams<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let assignment_id: AssignmentId = parse_id(&assignment_id, "assignment")?;
    let role = state.hub.find_role(&admin.tenant, &id).await?;
    let assignment = state
        .hub
        .role_assignments(&admin.tenant, role.id)
        .await?
        .into_iter()
        .find(|a| a.id == assignment_id)
        .ok_or_else(|| ApiError::not_found("assignment not found"))?;
    state
        .hub
        .unassign_role(
            admin.actor(),
            &admin.tenant,
            role.id,
            assignment.principal,
            assignment.workspace_id,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
