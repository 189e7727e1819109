//! `/api/v1/tenants/{tenant}/ldap-sources`: the LDAP and Active Directory
//! sources a tenant syncs users and groups from (issue 6) — list, register
//! (with the service account's `bind_password`, never returned), read,
//! replace (with `If-Match`), delete, test the connection, and run a sync
//! now. `{source}` is a source's id or name. A directory that cannot be
//! reached, refuses the bind or refuses a filter is a 422 naming
//! `directory`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{etag, if_match, Json, PathParams};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use super::views::{LdapSourceView, LdapTestView, Page, SyncReportView};
use crate::core::ldap_source::{DeletePolicy, DirectoryKind, LdapSettings, LdapSource};
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::ldap_sources::LdapSourceChanges;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/ldap-sources",
            get(list_ldap_sources).post(create_ldap_source),
        )
        .route(
            "/api/v1/tenants/{tenant}/ldap-sources/{source}",
            get(get_ldap_source)
                .put(replace_ldap_source)
                .delete(delete_ldap_source),
        )
        .route(
            "/api/v1/tenants/{tenant}/ldap-sources/{source}/sync",
            post(sync_ldap_source),
        )
        .route(
            "/api/v1/tenants/{tenant}/ldap-sources/{source}/test",
            post(test_ldap_source),
        )
}

/// A directory source. On `PUT` the settings are replaced as a whole (an
/// absent optional setting is cleared or takes its default) and an absent
/// `bind_password` keeps the stored one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LdapSourceInput {
    #[schema(example = "Corporate AD")]
    pub name: String,
    /// `ldap://host:port` or `ldaps://host:port`.
    #[schema(example = "ldaps://dc1.corp.example.com:636")]
    pub url: String,
    /// The service account's DN.
    pub bind_dn: String,
    /// The service account's password: required on registration; stored
    /// sealed and never returned.
    pub bind_password: Option<String>,
    pub base_dn: String,
    /// `openldap` (default), `active-directory` or `freeipa`.
    pub preset: Option<String>,
    pub users_dn: Option<String>,
    pub groups_dn: Option<String>,
    /// RFC 4515; default: the preset's.
    pub user_filter: Option<String>,
    /// RFC 4515; default: the preset's.
    pub group_filter: Option<String>,
    /// Default `false`.
    pub start_tls: Option<bool>,
    /// A CA certificate (PEM) to trust instead of the system's.
    pub ca_pem: Option<String>,
    /// Seconds between scheduled syncs (at least 60); absent: on demand.
    pub interval_seconds: Option<u64>,
    /// `disable` (default) or `delete`.
    pub delete_policy: Option<String>,
    /// Default `0.1`.
    pub max_removal_share: Option<f64>,
    /// A JSON merge patch over the preset's attribute mapping.
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<serde_json::Value>,
}

impl LdapSourceInput {
    fn settings(&self) -> Result<LdapSettings, ApiError> {
        Ok(LdapSettings {
            url: self.url.clone(),
            bind_dn: self.bind_dn.clone(),
            base_dn: self.base_dn.clone(),
            preset: self
                .preset
                .as_deref()
                .map(DirectoryKind::parse)
                .transpose()
                .map_err(crate::service::ServiceError::from)?
                .unwrap_or_default(),
            users_dn: self.users_dn.clone(),
            groups_dn: self.groups_dn.clone(),
            user_filter: self.user_filter.clone(),
            group_filter: self.group_filter.clone(),
            start_tls: self.start_tls.unwrap_or(false),
            ca_pem: self.ca_pem.clone(),
            interval_seconds: self.interval_seconds,
            delete_policy: self
                .delete_policy
                .as_deref()
                .map(DeletePolicy::parse)
                .transpose()
                .map_err(crate::service::ServiceError::from)?
                .unwrap_or_default(),
            max_removal_share: self.max_removal_share.unwrap_or(0.10),
            mapping: self.mapping.clone(),
        })
    }

    /// Every setting, for a `PUT`.
    fn replacing(self) -> Result<LdapSourceChanges, ApiError> {
        let s = self.settings()?;
        let or_clear = |v: Option<String>| Some(v.unwrap_or_default());
        Ok(LdapSourceChanges {
            name: Some(self.name),
            url: Some(s.url),
            bind_dn: Some(s.bind_dn),
            bind_password: self.bind_password,
            base_dn: Some(s.base_dn),
            preset: Some(s.preset),
            users_dn: or_clear(s.users_dn),
            groups_dn: or_clear(s.groups_dn),
            user_filter: or_clear(s.user_filter),
            group_filter: or_clear(s.group_filter),
            start_tls: Some(s.start_tls),
            ca_pem: or_clear(s.ca_pem),
            interval_seconds: Some(s.interval_seconds.unwrap_or(0)),
            delete_policy: Some(s.delete_policy),
            max_removal_share: Some(s.max_removal_share),
            mapping: Some(s.mapping.unwrap_or(serde_json::Value::Null)),
        })
    }
}

/// Options of a sync run.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncInput {
    /// Read the whole directory and reconcile (default: incremental when
    /// the source has a stored state).
    #[serde(default)]
    pub full: bool,
}

fn with_etag(source: &LdapSource) -> impl IntoResponse {
    (
        [(header::ETAG, etag(source.version))],
        axum::Json(LdapSourceView::from(source)),
    )
}

/// Lists the tenant's directory sources, by name.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/ldap-sources",
    tag = "ldap-sources",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    responses(
        (status = 200, description = "The sources (one page)", body = Page<LdapSourceView>),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_ldap_sources(
    State(state): State<AppState>,
    admin: TenantAdmin,
) -> Result<axum::Json<Page<LdapSourceView>>, ApiError> {
    let sources = state.hub.list_ldap_sources(&admin.tenant).await?;
    Ok(axum::Json(Page {
        items: sources.iter().map(LdapSourceView::from).collect(),
        next_cursor: None,
    }))
}

/// Registers a directory source. Every setting is checked before anything
/// is stored (URL, DNs, filters, CA, mapping); the directory is not
/// contacted (see `test`).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/ldap-sources",
    tag = "ldap-sources",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = LdapSourceInput,
    responses(
        (status = 201, description = "The new source", body = LdapSourceView, headers(
            ("Location" = String, description = "The source's URL"),
            ("ETag" = String, description = "The source's version, for `If-Match`"),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_ldap_source(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<LdapSourceInput>,
) -> Result<impl IntoResponse, ApiError> {
    let settings = body.settings()?;
    let Some(password) = body.bind_password else {
        return Err(
            ApiError::bad_request("give the service account's bind_password")
                .with_field("bind_password"),
        );
    };
    let source = state
        .hub
        .create_ldap_source(admin.actor(), &admin.tenant, &body.name, settings, password)
        .await?;
    let location = format!(
        "/api/v1/tenants/{}/ldap-sources/{}",
        admin.tenant.slug, source.id
    );
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::ETAG, etag(source.version)),
        ],
        axum::Json(LdapSourceView::from(&source)),
    ))
}

/// Reads a source, with the report of its last sync.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/ldap-sources/{source}",
    tag = "ldap-sources",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("source" = String, Path, description = "The source's id or name"),
    ),
    responses(
        (status = 200, description = "The source", body = LdapSourceView,
            headers(("ETag" = String, description = "The source's version, for `If-Match`"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_ldap_source(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, source)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let source = state.hub.find_ldap_source(&admin.tenant, &source).await?;
    Ok(with_etag(&source))
}

/// Replaces a source's name and settings (and its password when
/// `bind_password` is given). With `If-Match: "<version>"` the change
/// applies only if nobody changed the source since that version.
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}/ldap-sources/{source}",
    tag = "ldap-sources",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("source" = String, Path, description = "The source's id or name"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on, e.g. `\"3\"`"),
    ),
    request_body = LdapSourceInput,
    responses(
        (status = 200, description = "The updated source", body = LdapSourceView,
            headers(("ETag" = String, description = "The source's new version"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn replace_ldap_source(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, source)): PathParams<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<LdapSourceInput>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let current = state.hub.find_ldap_source(&admin.tenant, &source).await?;
    let changes = body.replacing()?;
    let source = state
        .hub
        .update_ldap_source(admin.actor(), &admin.tenant, current.id, changes, expected)
        .await?;
    Ok(with_etag(&source))
}

/// Deletes a source. Its users and groups stay; its users can no longer
/// log in with their directory password.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/ldap-sources/{source}",
    tag = "ldap-sources",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("source" = String, Path, description = "The source's id or name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_ldap_source(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, source)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let source = state.hub.find_ldap_source(&admin.tenant, &source).await?;
    state
        .hub
        .delete_ldap_source(admin.actor(), &admin.tenant, source.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a sync now and returns its report. Incremental when the source has
/// a stored state, full otherwise or with `{"full": true}`. A run that
/// would remove more than the source's `max_removal_share` of its users
/// removes nobody and reports `outcome: "stopped"`.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/ldap-sources/{source}/sync",
    tag = "ldap-sources",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("source" = String, Path, description = "The source's id or name"),
    ),
    request_body(content = Option<SyncInput>, description = "Optional; default incremental"),
    responses(
        (status = 200, description = "The run's report", body = SyncReportView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn sync_ldap_source(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, source)): PathParams<(String, String)>,
    body: Bytes,
) -> Result<axum::Json<SyncReportView>, ApiError> {
    let input: SyncInput = if body.iter().all(u8::is_ascii_whitespace) {
        SyncInput::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("request body: {e}")))?
    };
    let source = state.hub.find_ldap_source(&admin.tenant, &source).await?;
    let report = state
        .hub
        .sync_ldap_source(admin.actor(), &admin.tenant, source.id, input.full)
        .await?;
    Ok(axum::Json(SyncReportView::from(&report)))
}

/// Connects and binds as the service account, counts the users and groups
/// the searches match, and maps the first user.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/ldap-sources/{source}/test",
    tag = "ldap-sources",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("source" = String, Path, description = "The source's id or name"),
    ),
    responses(
        (status = 200, description = "What the directory answered", body = LdapTestView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn test_ldap_source(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, source)): PathParams<(String, String)>,
) -> Result<axum::Json<LdapTestView>, ApiError> {
    let source = state.hub.find_ldap_source(&admin.tenant, &source).await?;
    let result = state
        .hub
        .test_ldap_source(admin.actor(), &admin.tenant, &source)
        .await?;
    Ok(axum::Json(LdapTestView::from(&result)))
}
