//! `/api/v1/tenants/{tenant}/clients`: the tenant's OAuth / OpenID Connect
//! clients — list (paged), register (a confidential client's secret is in
//! the answer, once), read, replace (with `If-Match`), delete, and rotate the
//! secret. `{client_id}` is a client's `client_id` or its name. Secrets
//! never appear in a read or a listing.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{etag, if_match, Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use super::views::{
    ClientSecretView, ClientView, CreatedClientView, GrantTypeView, Page, SigningAlgView,
    SubjectTypeView, TokenEndpointAuthMethodView,
};
use crate::core::client::{Client, ClientFields, TokenLifetimes};
use crate::http::error::ApiError;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/clients",
            get(list_clients).post(create_client),
        )
        .route(
            "/api/v1/tenants/{tenant}/clients/{client_id}",
            get(get_client).put(replace_client).delete(delete_client),
        )
        .route(
            "/api/v1/tenants/{tenant}/clients/{client_id}/secret",
            post(rotate_client_secret),
        )
}

/// A client's settings. On `PUT` they replace all the current ones: an
/// absent field is cleared or takes its default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    #[schema(example = "Billing portal")]
    pub name: String,
    /// A public client (a SPA, a native app) has no secret and uses PKCE.
    /// Fixed at registration: on `PUT`, absent keeps it, a different value
    /// is refused.
    pub public: Option<bool>,
    /// Absolute URIs without fragment: `https`, `http` (loopback for native
    /// apps), or a private-use scheme such as `com.example.app` (RFC 8252).
    /// Required with the `authorization_code` grant.
    #[serde(default)]
    #[schema(example = json!(["https://app.example.com/callback"]))]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Where logout tokens are POSTed (OIDC Back-Channel Logout).
    pub backchannel_logout_uri: Option<String>,
    /// Default `["authorization_code", "refresh_token"]`.
    #[schema(value_type = Option<Vec<GrantTypeView>>)]
    pub grant_types: Option<Vec<String>>,
    /// Scope tokens the client may ask for. Default `openid profile email
    /// phone address groups roles offline_access`.
    #[schema(example = json!(["openid", "profile", "email"]))]
    pub scopes: Option<Vec<String>>,
    /// Default `client_secret_basic` for confidential clients, `none` for
    /// public ones. `private_key_jwt` needs `jwks_uri` or `jwks`.
    #[schema(value_type = Option<TokenEndpointAuthMethodView>)]
    pub token_endpoint_auth_method: Option<String>,
    pub jwks_uri: Option<String>,
    /// A JWK Set (`{"keys": [...]}`); not together with `jwks_uri`.
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// A first-party client: no consent screen.
    #[serde(default)]
    pub skip_consent: bool,
    /// Default `RS256`.
    #[schema(value_type = Option<SigningAlgView>)]
    pub id_token_signed_response_alg: Option<String>,
    /// Default `public`.
    #[schema(value_type = Option<SubjectTypeView>)]
    pub subject_type: Option<String>,
    /// Overrides the tenant's `access_token_seconds` (1–86400).
    pub access_token_seconds: Option<i64>,
    /// Overrides the tenant's `refresh_token_idle_seconds`.
    pub refresh_token_idle_seconds: Option<i64>,
    /// Overrides the tenant's `refresh_token_absolute_seconds`.
    pub refresh_token_absolute_seconds: Option<i64>,
    /// The APIs (absolute URIs) its access tokens are for: their `aud`.
    /// Empty: the client itself.
    #[serde(default)]
    #[schema(example = json!(["https://api.example.com"]))]
    pub resources: Vec<String>,
}

impl ClientInput {
    /// The fields, with `public` taken from `current_public` when absent.
    fn into_fields(self, current_public: bool) -> ClientFields {
        ClientFields {
            name: self.name,
            public: self.public.unwrap_or(current_public),
            redirect_uris: self.redirect_uris,
            post_logout_redirect_uris: self.post_logout_redirect_uris,
            backchannel_logout_uri: self.backchannel_logout_uri,
            grant_types: self.grant_types,
            scopes: self.scopes,
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            jwks_uri: self.jwks_uri,
            jwks: self.jwks,
            skip_consent: self.skip_consent,
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            subject_type: self.subject_type,
            token_lifetimes: TokenLifetimes {
                access_token_seconds: self.access_token_seconds,
                refresh_token_idle_seconds: self.refresh_token_idle_seconds,
                refresh_token_absolute_seconds: self.refresh_token_absolute_seconds,
            },
            resources: self.resources,
        }
    }
}

/// A client with its `ETag`.
fn with_etag(client: &Client) -> impl IntoResponse {
    (
        [(header::ETAG, etag(client.version))],
        axum::Json(ClientView::from(client)),
    )
}

/// Lists the tenant's clients, oldest first, without their secrets.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/clients",
    tag = "clients",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of clients", body = Page<ClientView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_clients(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<ClientView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let clients = state
        .hub
        .list_clients(&admin.tenant, paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish(clients, |c| c.id.to_string())))
}

/// Registers a client. For a confidential client the answer holds its
/// `client_secret`, which is not stored and cannot be shown again.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/clients",
    tag = "clients",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = ClientInput,
    responses(
        (status = 201, description = "The new client, with its secret if confidential", body = CreatedClientView, headers(
            ("Location" = String, description = "The client's URL"),
            ("ETag" = String, description = "The client's version, for `If-Match`"),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_client(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<ClientInput>,
) -> Result<impl IntoResponse, ApiError> {
    let (client, secret) = state
        .hub
        .create_client(admin.actor(), &admin.tenant, body.into_fields(false))
        .await?;
    let location = format!(
        "/api/v1/tenants/{}/clients/{}",
        admin.tenant.slug,
        client.client_id()
    );
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::ETAG, etag(client.version)),
        ],
        axum::Json(CreatedClientView::new(&client, secret.as_ref())),
    ))
}

/// Reads a client (never its secret).
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/clients/{client_id}",
    tag = "clients",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("client_id" = String, Path, description = "The client's client_id or name"),
    ),
    responses(
        (status = 200, description = "The client", body = ClientView,
            headers(("ETag" = String, description = "The client's version, for `If-Match`"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_client(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, client_id)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let client = state.hub.resolve_client(&admin.tenant, &client_id).await?;
    Ok(with_etag(&client))
}

/// Replaces a client's settings (its secret stays). With
/// `If-Match: "<version>"` the change applies only if nobody changed the
/// client since that version.
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}/clients/{client_id}",
    tag = "clients",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("client_id" = String, Path, description = "The client's client_id or name"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on, e.g. `\"3\"`"),
    ),
    request_body = ClientInput,
    responses(
        (status = 200, description = "The updated client", body = ClientView,
            headers(("ETag" = String, description = "The client's new version"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn replace_client(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, client_id)): PathParams<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<ClientInput>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let current = state.hub.resolve_client(&admin.tenant, &client_id).await?;
    let client = state
        .hub
        .update_client(
            admin.actor(),
            &admin.tenant,
            current.id,
            body.into_fields(current.public),
            expected,
        )
        .await?;
    Ok(with_etag(&client))
}

/// Deletes a client.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/clients/{client_id}",
    tag = "clients",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("client_id" = String, Path, description = "The client's client_id or name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_client(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, client_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let client = state.hub.resolve_client(&admin.tenant, &client_id).await?;
    state
        .hub
        .delete_client(admin.actor(), &admin.tenant, client.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a confidential client a new secret, shown this once; the previous
/// secret stops working at once.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/clients/{client_id}/secret",
    tag = "clients",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("client_id" = String, Path, description = "The client's client_id or name"),
    ),
    responses(
        (status = 200, description = "The new secret", body = ClientSecretView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn rotate_client_secret(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, client_id)): PathParams<(String, String)>,
) -> Result<axum::Json<ClientSecretView>, ApiError> {
    let client = state.hub.resolve_client(&admin.tenant, &client_id).await?;
    let (client, secret) = state
        .hub
        .rotate_client_secret(admin.actor(), &admin.tenant, client.id)
        .await?;
    Ok(axum::Json(ClientSecretView::new(&client, &secret)))
}
