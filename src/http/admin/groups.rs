//! `/api/v1/tenants/{tenant}/groups`: list, create, read, delete, and the
//! direct members of a group (users and nested groups; a nesting that would
//! make a group contain itself is refused with 422). `{id}` is a group id or
//! name; a member is named by id, or by username/email or group name.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{missing_reference, Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::views::{GroupView, Page, PrincipalType, PrincipalView};
use crate::core::group::Member;
use crate::core::tenant::Tenant;
use crate::core::{GroupId, UserId};
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::Hub;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/groups",
            get(list_groups).post(create_group),
        )
        .route(
            "/api/v1/tenants/{tenant}/groups/{id}",
            get(get_group).delete(delete_group),
        )
        .route(
            "/api/v1/tenants/{tenant}/groups/{id}/members",
            get(list_members).post(add_member),
        )
        .route(
            "/api/v1/tenants/{tenant}/groups/{id}/members/{type}/{member_id}",
            delete(remove_member),
        )
}

/// A new group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Unique in the tenant, without regard to case.
    #[schema(example = "engineering")]
    pub name: String,
    pub description: Option<String>,
}

/// A user or a group, by id (or by username/email, or group name).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipalInput {
    #[serde(rename = "type")]
    pub kind: PrincipalType,
    pub id: String,
}

/// The id of the group named by `raw` (an id or a name).
pub(super) async fn resolve_group(
    hub: &Hub,
    tenant: &Tenant,
    raw: &str,
) -> Result<GroupId, ApiError> {
    Ok(hub.find_group(tenant, raw).await?.id)
}

/// The id of the user named by `raw` (an id, a username or an email).
pub(super) async fn resolve_user(
    hub: &Hub,
    tenant: &Tenant,
    raw: &str,
) -> Result<UserId, ApiError> {
    Ok(hub.find_user(tenant, raw).await?.id)
}

/// The member named by a `type` and an id or name.
pub(super) async fn resolve_member(
    hub: &Hub,
    tenant: &Tenant,
    body: &PrincipalInput,
    field: &'static str,
) -> Result<Member, ApiError> {
    let raw = body.id.as_str();
    Ok(match body.kind {
        PrincipalType::User => Member::User(
            resolve_user(hub, tenant, raw)
                .await
                .map_err(missing_reference(field, "user"))?,
        ),
        PrincipalType::Group => Member::Group(
            resolve_group(hub, tenant, raw)
                .await
                .map_err(missing_reference(field, "group"))?,
        ),
    })
}

/// Lists groups, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/groups",
    tag = "groups",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of groups", body = Page<GroupView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_groups(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<GroupView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let groups = state
        .hub
        .list_groups(&admin.tenant, paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish(groups, |g| g.id.to_string())))
}

/// Creates a group.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/groups",
    tag = "groups",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = NewGroup,
    responses(
        (status = 201, description = "The new group", body = GroupView,
            headers(("Location" = String, description = "The group's URL"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_group(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<NewGroup>,
) -> Result<impl IntoResponse, ApiError> {
    let group = state
        .hub
        .create_group(
            admin.actor(),
            &admin.tenant,
            &body.name,
            body.description.as_deref(),
        )
        .await?;
    let location = format!("/api/v1/tenants/{}/groups/{}", admin.tenant.slug, group.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(GroupView::from(&group)),
    ))
}

/// Reads a group.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/groups/{id}",
    tag = "groups",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The group's id or name"),
    ),
    responses(
        (status = 200, description = "The group", body = GroupView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_group(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<axum::Json<GroupView>, ApiError> {
    let group = state.hub.find_group(&admin.tenant, &id).await?;
    Ok(axum::Json(GroupView::from(&group)))
}

/// Deletes a group (its memberships and role assignments go with it).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/groups/{id}",
    tag = "groups",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The group's id or name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_group(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = resolve_group(&state.hub, &admin.tenant, &id).await?;
    state
        .hub
        .delete_group(admin.actor(), &admin.tenant, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the direct members of a group, by id.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/groups/{id}/members",
    tag = "groups",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The group's id or name"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of direct members", body = Page<PrincipalView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_members(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<PrincipalView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let id = resolve_group(&state.hub, &admin.tenant, &id).await?;
    let members = state.hub.group_members(&admin.tenant, id).await?;
    Ok(axum::Json(paging.in_memory(members, Member::id_string)))
}

/// Adds a direct member. Adding a member again changes nothing (200).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/groups/{id}/members",
    tag = "groups",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The group's id or name"),
    ),
    request_body = PrincipalInput,
    responses(
        (status = 201, description = "Added", body = PrincipalView),
        (status = 200, description = "Already a member", body = PrincipalView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn add_member(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    Json(body): Json<PrincipalInput>,
) -> Result<impl IntoResponse, ApiError> {
    let group = resolve_group(&state.hub, &admin.tenant, &id).await?;
    let member = resolve_member(&state.hub, &admin.tenant, &body, "id").await?;
    let added = state
        .hub
        .add_group_member(admin.actor(), &admin.tenant, group, member)
        .await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(PrincipalView::from(&member))))
}

/// Removes a direct member.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/groups/{id}/members/{type}/{member_id}",
    tag = "groups",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The group's id or name"),
        ("type" = PrincipalType, Path, description = "`user` or `group`"),
        ("member_id" = String, Path, description = "The member's id (or username/email, or group name)"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn remove_member(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id, kind, member_id)): PathParams<(String, String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let group = resolve_group(&state.hub, &admin.tenant, &id).await?;
    let member = match kind.as_str() {
        "user" => Member::User(resolve_user(&state.hub, &admin.tenant, &member_id).await?),
        "group" => Member::Group(resolve_group(&state.hub, &admin.tenant, &member_id).await?),
        _ => return Err(ApiError::not_found("a member type is `user` or `group`")),
    };
    state
        .hub
        .remove_group_member(admin.actor(), &admin.tenant, group, member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
