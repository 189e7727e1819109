//! `/api/v1/tenants/{tenant}/users`: list (filtered, paged), create, read,
//! replace (with `If-Match`), delete, disable/enable, set a password, and
//! the roles in force for a user. `{id}` is a user id, a username or an
//! email address.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::TenantAdmin;
use super::extract::{etag, if_match, Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use super::views::{AssignmentView, Page, UserView};
use crate::core::tenant::Tenant;
use crate::core::user::{Email, ExternalId, User, UserFields, UserStatus};
use crate::core::UserId;
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::Hub;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/users",
            get(list_users).post(create_user),
        )
        .route(
            "/api/v1/tenants/{tenant}/users/{id}",
            get(get_user).put(replace_user).delete(delete_user),
        )
        .route(
            "/api/v1/tenants/{tenant}/users/{id}/disable",
            post(disable_user),
        )
        .route(
            "/api/v1/tenants/{tenant}/users/{id}/enable",
            post(enable_user),
        )
        .route(
            "/api/v1/tenants/{tenant}/users/{id}/password",
            put(set_password),
        )
        .route("/api/v1/tenants/{tenant}/users/{id}/roles", get(user_roles))
}

/// A password; never printed.
#[derive(Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Password)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// One email address of a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailInput {
    #[schema(example = "alice@example.com")]
    pub value: String,
    #[serde(default)]
    pub verified: bool,
    /// The first address is primary when none is marked.
    #[serde(default)]
    pub primary: bool,
    /// `work`, `home`, … (free text).
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// The id a user carries in another system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdInput {
    pub source: String,
    pub id: String,
}

/// The editable fields of a user (PUT replaces all of them: an absent
/// field is cleared).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[schema(example = "alice")]
    pub username: String,
    #[serde(default)]
    pub emails: Vec<EmailInput>,
    pub phone: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// A BCP 47 language tag.
    pub locale: Option<String>,
    #[serde(default)]
    pub external_ids: Vec<ExternalIdInput>,
}

/// A new user, optionally with a password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(example = "alice")]
    pub username: String,
    #[serde(default)]
    pub emails: Vec<EmailInput>,
    pub phone: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// A BCP 47 language tag.
    pub locale: Option<String>,
    #[serde(default)]
    pub external_ids: Vec<ExternalIdInput>,
    /// The user's first password; without one the user cannot log in
    /// with a password until one is set.
    pub password: Option<Password>,
}

/// A new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: Password,
}

/// `filter`, `limit` and `cursor` of the user listing.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Conditions `attribute op "value"` joined by `and`; operators `eq`,
    /// `sw` (starts with), `co` (contains), without regard to case;
    /// attributes `username`, `email`, `status`, `given_name`,
    /// `family_name`, `display_name`, `external_id`.
    #[param(example = "username sw \"al\" and status eq active")]
    pub filter: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl From<UserInput> for UserFields {
    /// The first email is primary when the caller marked none.
    fn from(u: UserInput) -> Self {
        let mut emails: Vec<Email> = u
            .emails
            .into_iter()
            .map(|e| Email {
                value: e.value,
                verified: e.verified,
                primary: e.primary,
                kind: e.kind,
            })
            .collect();
        if !emails.iter().any(|e| e.primary) {
            if let Some(first) = emails.first_mut() {
                first.primary = true;
            }
        }
        UserFields {
            username: u.username,
            emails,
            phone: u.phone,
            given_name: u.given_name,
            family_name: u.family_name,
            display_name: u.display_name,
            locale: u.locale,
            external_ids: u
                .external_ids
                .into_iter()
                .map(|x| ExternalId {
                    source: x.source,
                    id: x.id,
                })
                .collect(),
            profile: None,
        }
    }
}

impl NewUser {
    /// The user's fields and the password, if any.
    fn into_parts(self) -> (UserFields, Option<String>) {
        let input = UserInput {
            username: self.username,
            emails: self.emails,
            phone: self.phone,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: self.display_name,
            locale: self.locale,
            external_ids: self.external_ids,
        };
        (input.into(), self.password.map(|p| p.0))
    }
}

/// A user with its `ETag`.
fn with_etag(user: &User) -> impl IntoResponse {
    (
        [(header::ETAG, etag(user.version))],
        axum::Json(UserView::from(user)),
    )
}

/// The id of the user named by `raw`: an id as is, else a username or email.
async fn resolve(hub: &Hub, tenant: &Tenant, raw: &str) -> Result<UserId, ApiError> {
    if let Ok(id) = raw.parse::<UserId>() {
        return Ok(id);
    }
    Ok(hub.find_user(tenant, raw).await?.id)
}

/// Lists users, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/users",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug"), UserListQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<UserView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<UserListQuery>,
) -> Result<axum::Json<Page<UserView>>, ApiError> {
    let paging = Paging::new(q.limit, q.cursor.as_deref())?;
    let users = state
        .hub
        .list_users(&admin.tenant, q.filter.as_deref(), paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish(users, |u| u.id.to_string())))
}

/// Creates a user.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/users",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = NewUser,
    responses(
        (status = 201, description = "The new user", body = UserView, headers(
            ("Location" = String, description = "The user's URL"),
            ("ETag" = String, description = "The user's version, for `If-Match`"),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<NewUser>,
) -> Result<impl IntoResponse, ApiError> {
    let (fields, password) = body.into_parts();
    let user = state
        .hub
        .create_user(admin.actor(), &admin.tenant, fields, password)
        .await?;
    let location = format!("/api/v1/tenants/{}/users/{}", admin.tenant.slug, user.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        with_etag(&user),
    ))
}

/// Reads a user.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/users/{id}",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
    ),
    responses(
        (status = 200, description = "The user", body = UserView,
            headers(("ETag" = String, description = "The user's version, for `If-Match`"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_user(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let user = state.hub.find_user(&admin.tenant, &id).await?;
    Ok(with_etag(&user))
}

/// Replaces a user's editable fields. With `If-Match: "<version>"` the
/// change applies only if nobody changed the user since that version.
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}/users/{id}",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on, e.g. `\"3\"`"),
    ),
    request_body = UserInput,
    responses(
        (status = 200, description = "The updated user", body = UserView,
            headers(("ETag" = String, description = "The user's new version"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn replace_user(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<UserInput>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let id = resolve(&state.hub, &admin.tenant, &id).await?;
    let user = state
        .hub
        .update_user(admin.actor(), &admin.tenant, id, body.into(), expected)
        .await?;
    Ok(with_etag(&user))
}

/// Deletes a user.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/users/{id}",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_user(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = resolve(&state.hub, &admin.tenant, &id).await?;
    state
        .hub
        .delete_user(admin.actor(), &admin.tenant, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    state: &AppState,
    admin: &TenantAdmin,
    id: &str,
    status: UserStatus,
) -> Result<impl IntoResponse, ApiError> {
    let id = resolve(&state.hub, &admin.tenant, id).await?;
    let user = state
        .hub
        .set_user_status(admin.actor(), &admin.tenant, id, status)
        .await?;
    Ok(with_etag(&user))
}

/// Disables a user: no more logins, and the user's sessions end.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/users/{id}/disable",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
    ),
    responses(
        (status = 200, description = "The user, disabled", body = UserView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn disable_user(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    set_status(&state, &admin, &id, UserStatus::Disabled).await
}

/// Enables a disabled user.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/users/{id}/enable",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
    ),
    responses(
        (status = 200, description = "The user, active", body = UserView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn enable_user(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    set_status(&state, &admin, &id, UserStatus::Active).await
}

/// Sets a user's password; the user's sessions end.
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}/users/{id}/password",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
    ),
    request_body = NewPassword,
    responses(
        (status = 204, description = "Password set"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn set_password(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    Json(body): Json<NewPassword>,
) -> Result<StatusCode, ApiError> {
    let id = resolve(&state.hub, &admin.tenant, &id).await?;
    state
        .hub
        .set_password(admin.actor(), &admin.tenant, id, body.password.0)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The role assignments in force for a user now: direct ones and those of
/// the groups the user belongs to, directly or through nesting.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/users/{id}/roles",
    tag = "users",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
        PageQuery,
    ),
    responses(
        (status = 200, description = "A page of the user's effective role assignments", body = Page<AssignmentView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn user_roles(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, id)): PathParams<(String, String)>,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<AssignmentView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let user = state.hub.find_user(&admin.tenant, &id).await?;
    let assignments = state
        .hub
        .effective_assignments(&admin.tenant, user.id)
        .await?;
    Ok(axum::Json(
        paging.in_memory(assignments, |a| a.id.to_string()),
    ))
}
