//! `/api/v1/tenants`: list and create tenants (installation admins), read
//! and update one (its own admins too), delete one (installation admins).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::{InstallationAdmin, TenantAdmin};
use super::extract::{Json, PageQuery, Paging, QueryParams};
use super::openapi::{BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable};
use super::views::{Page, TenantView};
use crate::core::tenant::TenantSettings;
use crate::http::error::ApiError;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants", get(list_tenants).post(create_tenant))
        .route(
            "/api/v1/tenants/{tenant}",
            get(get_tenant).patch(update_tenant).delete(delete_tenant),
        )
}

/// A new tenant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTenant {
    /// 1–63 of `a-z 0-9 -`; the tenant's name in URLs.
    #[schema(example = "acme")]
    pub slug: String,
    /// Defaults to the slug.
    pub display_name: Option<String>,
}

/// Changes to a tenant; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    pub display_name: Option<String>,
    pub settings: Option<SettingsPatch>,
}

/// Changes to a tenant's settings; absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub session_idle_seconds: Option<i64>,
    pub session_absolute_seconds: Option<i64>,
    pub max_failed_logins_per_account: Option<u32>,
    pub max_failed_logins_per_ip: Option<u32>,
    pub lockout_window_seconds: Option<i64>,
    pub access_token_seconds: Option<i64>,
    pub refresh_token_idle_seconds: Option<i64>,
    pub refresh_token_absolute_seconds: Option<i64>,
}

impl SettingsPatch {
    fn apply(self, mut s: TenantSettings) -> TenantSettings {
        if let Some(v) = self.session_idle_seconds {
            s.session_idle_seconds = v;
        }
        if let Some(v) = self.session_absolute_seconds {
            s.session_absolute_seconds = v;
        }
        if let Some(v) = self.max_failed_logins_per_account {
            s.max_failed_logins_per_account = v;
        }
        if let Some(v) = self.max_failed_logins_per_ip {
            s.max_failed_logins_per_ip = v;
        }
        if let Some(v) = self.lockout_window_seconds {
            s.lockout_window_seconds = v;
        }
        if let Some(v) = self.access_token_seconds {
            s.access_token_seconds = v;
        }
        if let Some(v) = self.refresh_token_idle_seconds {
            s.refresh_token_idle_seconds = v;
        }
        if let Some(v) = self.refresh_token_absolute_seconds {
            s.refresh_token_absolute_seconds = v;
        }
        s
    }
}

/// Lists every tenant of the installation.
#[utoipa::path(
    get,
    path = "/api/v1/tenants",
    tag = "tenants",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of tenants, oldest first", body = Page<TenantView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    )
)]
pub async fn list_tenants(
    State(state): State<AppState>,
    _admin: InstallationAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<TenantView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let tenants = state.hub.list_tenants().await?;
    let (tenants, next_cursor) = paging.window(tenants, |t| t.id.to_string());
    Ok(axum::Json(Page {
        items: tenants
            .iter()
            .map(|t| TenantView::new(&state.hub, t))
            .collect(),
        next_cursor,
    }))
}

/// Creates a tenant.
#[utoipa::path(
    post,
    path = "/api/v1/tenants",
    tag = "tenants",
    request_body = NewTenant,
    responses(
        (status = 201, description = "The new tenant", body = TenantView,
            headers(("Location" = String, description = "The tenant's URL"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_tenant(
    State(state): State<AppState>,
    admin: InstallationAdmin,
    Json(body): Json<NewTenant>,
) -> Result<impl IntoResponse, ApiError> {
    let tenant = state
        .hub
        .create_tenant(admin.actor(), &body.slug, body.display_name.as_deref())
        .await?;
    let location = format!("/api/v1/tenants/{}", tenant.slug);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(TenantView::new(&state.hub, &tenant)),
    ))
}

/// Reads a tenant.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    responses(
        (status = 200, description = "The tenant", body = TenantView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_tenant(
    State(state): State<AppState>,
    admin: TenantAdmin,
) -> axum::Json<TenantView> {
    axum::Json(TenantView::new(&state.hub, &admin.tenant))
}

/// Changes a tenant's display name or settings (JSON merge semantics).
#[utoipa::path(
    patch,
    path = "/api/v1/tenants/{tenant}",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = TenantPatch,
    responses(
        (status = 200, description = "The updated tenant", body = TenantView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn update_tenant(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<TenantPatch>,
) -> Result<axum::Json<TenantView>, ApiError> {
    let settings = body
        .settings
        .map(|patch| patch.apply(admin.tenant.settings.clone()));
    let tenant = state
        .hub
        .update_tenant(
            admin.actor(),
            admin.tenant.slug.as_str(),
            body.display_name.as_deref(),
            settings,
        )
        .await?;
    Ok(axum::Json(TenantView::new(&state.hub, &tenant)))
}

/// Deletes a tenant and everything it owns. The `default` tenant cannot be
/// deleted; only installation admins may delete a tenant.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_tenant(
    State(state): State<AppState>,
    admin: TenantAdmin,
) -> Result<StatusCode, ApiError> {
    if !admin.caller.installation_admin {
        return Err(ApiError::forbidden(
            "only installation administrators (keys of the default tenant) may delete a tenant",
        ));
    }
    state
        .hub
        .delete_tenant(admin.actor(), admin.tenant.slug.as_str())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
