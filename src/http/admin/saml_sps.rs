//! `/api/v1/tenants/{tenant}/saml-sps`: the SAML service providers of the
//! tenant's IdP — list (paged, without metadata), register from metadata
//! given inline or fetched from a URL, read (with the metadata), replace
//! (with `If-Match`), delete. `{sp}` is a provider's id or its `entityID`
//! (percent-encoded). Metadata that is not usable SAML SP metadata is a 400
//! naming `metadata` (or `metadata_url` when it cannot be fetched); a
//! setting that breaks a rule is a 422 naming the setting.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{etag, if_match, Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use super::views::{AttributeNamingView, NameIdFormatView, Page, SamlSpDetailView, SamlSpView};
use crate::core::saml_sp::{SamlServiceProvider, SamlSpSettings};
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::metadata_fetch::{fetch_metadata, Reach};
use crate::service::saml_sps::{parse_sp_metadata, SamlSpChanges, MAX_METADATA_BYTES};
use crate::service::ServiceError;

/// Largest request body of these routes: a metadata document of
/// [`MAX_METADATA_BYTES`] escaped into JSON, and the settings.
const MAX_SAML_SP_BODY_BYTES: usize = 2 * MAX_METADATA_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/saml-sps",
            get(list_saml_sps).post(create_saml_sp),
        )
        .route(
            "/api/v1/tenants/{tenant}/saml-sps/{sp}",
            get(get_saml_sp).put(replace_saml_sp).delete(delete_saml_sp),
        )
        .layer(DefaultBodyLimit::max(MAX_SAML_SP_BODY_BYTES))
}

/// An unusable metadata document, or one that could not be fetched, is a
/// malformed request (400) naming the field; other errors as usual.
pub(super) fn metadata_problem(e: ServiceError) -> ApiError {
    match e {
        ServiceError::Invalid { field, message }
            if field == "metadata" || field == "metadata_url" =>
        {
            ApiError::bad_request(format!("{field}: {message}")).with_field(&field)
        }
        other => other.into(),
    }
}

/// What a provider is sent and how. On registration an absent setting takes
/// its default; on `PUT` too (the settings are replaced as a whole).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SamlSpSettingsInput {
    /// Default `persistent`.
    pub name_id_format: Option<NameIdFormatView>,
    /// Default `basic`.
    pub attribute_naming: Option<AttributeNamingView>,
    /// Of `email`, `given_name`, `family_name`, `display_name`, `username`,
    /// `groups`. Default: all of them.
    #[schema(example = json!(["email", "given_name", "family_name"]))]
    pub attributes: Option<Vec<String>>,
    /// Default `true`. The response, the assertion or both must be signed.
    pub sign_response: Option<bool>,
    /// Default `true`.
    pub sign_assertion: Option<bool>,
    /// Default `false`; needs an encryption certificate in the metadata.
    pub encrypt_assertion: Option<bool>,
    /// Default: the metadata's `AuthnRequestsSigned`; needs a signing
    /// certificate in the metadata.
    pub require_signed_requests: Option<bool>,
}

/// A service provider: its metadata (inline or a URL to fetch it from), its
/// name and its settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SamlSpInput {
    /// The provider's metadata (`<md:EntityDescriptor>`, at most 1 MiB).
    /// On registration exactly one of `metadata` and `metadata_url` is
    /// given; on `PUT` both may be absent (the metadata stays), and new
    /// metadata must keep the `entityID`.
    pub metadata: Option<String>,
    /// An `https` (or `http`) URL the metadata is fetched from, once, now.
    #[schema(example = "https://app.example.com/saml/metadata")]
    pub metadata_url: Option<String>,
    /// Default: the `entityID`.
    #[schema(example = "Expense reports")]
    pub name: Option<String>,
    #[serde(default)]
    pub settings: SamlSpSettingsInput,
}

impl SamlSpInput {
    async fn metadata(
        &self,
        http: &reqwest::Client,
        reach: Reach,
    ) -> Result<Option<String>, ApiError> {
        inline_or_fetched(http, &self.metadata, &self.metadata_url, reach).await
    }
}

/// A metadata document given inline or fetched from a URL; `None` when
/// neither is given. `reach` says which addresses a fetch may go to:
/// installation admins may fetch from the hub's own network, tenant admins
/// only from public addresses (the hub must not be a way into its network).
pub(super) async fn inline_or_fetched(
    http: &reqwest::Client,
    metadata: &Option<String>,
    metadata_url: &Option<String>,
    reach: Reach,
) -> Result<Option<String>, ApiError> {
    match (metadata, metadata_url) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "give either metadata or metadata_url, not both",
        )
        .with_field("metadata")),
        (Some(xml), None) => Ok(Some(xml.clone())),
        (None, Some(url)) => fetch_metadata(http, url, reach)
            .await
            .map(Some)
            .map_err(metadata_problem),
        (None, None) => Ok(None),
    }
}

impl SamlSpSettingsInput {
    /// The settings given, the others left to their defaults.
    fn changes(self, name: Option<String>, metadata: Option<String>) -> SamlSpChanges {
        SamlSpChanges {
            name,
            metadata,
            name_id_format: self.name_id_format.map(Into::into),
            attribute_naming: self.attribute_naming.map(Into::into),
            attributes: self.attributes,
            sign_response: self.sign_response,
            sign_assertion: self.sign_assertion,
            encrypt_assertion: self.encrypt_assertion,
            require_signed_requests: self.require_signed_requests,
        }
    }

    /// Every setting: the ones given, and `defaults` for the others.
    fn replacing(self, defaults: SamlSpSettings) -> SamlSpChanges {
        SamlSpChanges {
            name_id_format: Some(
                self.name_id_format
                    .map_or(defaults.name_id_format, Into::into),
            ),
            attribute_naming: Some(
                self.attribute_naming
                    .map_or(defaults.attribute_naming, Into::into),
            ),
            attributes: Some(self.attributes.unwrap_or(defaults.attributes)),
            sign_response: Some(self.sign_response.unwrap_or(defaults.sign_response)),
            sign_assertion: Some(self.sign_assertion.unwrap_or(defaults.sign_assertion)),
            encrypt_assertion: Some(self.encrypt_assertion.unwrap_or(defaults.encrypt_assertion)),
            require_signed_requests: Some(
                self.require_signed_requests
                    .unwrap_or(defaults.require_signed_requests),
            ),
            ..SamlSpChanges::default()
        }
    }
}

/// A provider, with its metadata and its `ETag`.
fn with_etag(sp: &SamlServiceProvider) -> impl IntoResponse {
    (
        [(header::ETAG, etag(sp.version))],
        axum::Json(SamlSpDetailView::from(sp)),
    )
}

/// Lists the tenant's SAML service providers, oldest first, without their
/// metadata documents.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/saml-sps",
    tag = "saml-sps",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of service providers", body = Page<SamlSpView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_saml_sps(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<SamlSpView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let sps = state
        .hub
        .list_saml_sps(&admin.tenant, paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish(sps, |sp| sp.id.to_string())))
}

/// Registers a service provider from its metadata, given inline or fetched
/// from `metadata_url`. Its `entityID` is unique in the tenant.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/saml-sps",
    tag = "saml-sps",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = SamlSpInput,
    responses(
        (status = 201, description = "The new service provider", body = SamlSpDetailView, headers(
            ("Location" = String, description = "The provider's URL"),
            ("ETag" = String, description = "The provider's version, for `If-Match`"),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_saml_sp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<SamlSpInput>,
) -> Result<impl IntoResponse, ApiError> {
    let Some(xml) = body
        .metadata(
            &state.hub.http,
            Reach::for_caller(admin.caller.installation_admin),
        )
        .await?
    else {
        return Err(
            ApiError::bad_request("give the provider's metadata or metadata_url")
                .with_field("metadata"),
        );
    };
    let changes = body.settings.changes(body.name, None);
    let sp = state
        .hub
        .create_saml_sp(admin.actor(), &admin.tenant, xml, changes)
        .await
        .map_err(metadata_problem)?;
    let location = format!("/api/v1/tenants/{}/saml-sps/{}", admin.tenant.slug, sp.id);
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::ETAG, etag(sp.version)),
        ],
        axum::Json(SamlSpDetailView::from(&sp)),
    ))
}

/// Reads a service provider, with its metadata document.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/saml-sps/{sp}",
    tag = "saml-sps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("sp" = String, Path, description = "The provider's id or entityID (percent-encoded)"),
    ),
    responses(
        (status = 200, description = "The service provider", body = SamlSpDetailView,
            headers(("ETag" = String, description = "The provider's version, for `If-Match`"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_saml_sp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, sp)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let sp = state.hub.find_saml_sp(&admin.tenant, &sp).await?;
    Ok(with_etag(&sp))
}

/// Replaces a service provider's name and settings, and its metadata when
/// `metadata` or `metadata_url` is given (the `entityID` may not change).
/// An absent setting takes its default, an absent name the `entityID`.
/// With `If-Match: "<version>"` the change applies only if nobody changed
/// the provider since that version.
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}/saml-sps/{sp}",
    tag = "saml-sps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("sp" = String, Path, description = "The provider's id or entityID (percent-encoded)"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on, e.g. `\"3\"`"),
    ),
    request_body = SamlSpInput,
    responses(
        (status = 200, description = "The updated service provider", body = SamlSpDetailView,
            headers(("ETag" = String, description = "The provider's new version"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn replace_saml_sp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, sp)): PathParams<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<SamlSpInput>,
) -> Result<impl IntoResponse, ApiError> {
    let expected = if_match(&headers)?;
    let current = state.hub.find_saml_sp(&admin.tenant, &sp).await?;
    let new_metadata = body
        .metadata(
            &state.hub.http,
            Reach::for_caller(admin.caller.installation_admin),
        )
        .await?;
    // The defaults of the document the provider will have.
    let metadata = parse_sp_metadata(new_metadata.as_deref().unwrap_or(&current.metadata))
        .map_err(metadata_problem)?;
    let defaults = SamlSpSettings {
        require_signed_requests: metadata.authn_requests_signed,
        ..SamlSpSettings::default()
    };
    let changes = SamlSpChanges {
        name: Some(body.name.unwrap_or_else(|| current.entity_id.clone())),
        metadata: new_metadata,
        ..body.settings.replacing(defaults)
    };
    let sp = state
        .hub
        .update_saml_sp(admin.actor(), &admin.tenant, current.id, changes, expected)
        .await
        .map_err(metadata_problem)?;
    Ok(with_etag(&sp))
}

/// Deletes a service provider; its users can no longer log in to it.
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/saml-sps/{sp}",
    tag = "saml-sps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("sp" = String, Path, description = "The provider's id or entityID (percent-encoded)"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_saml_sp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, sp)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let sp = state.hub.find_saml_sp(&admin.tenant, &sp).await?;
    state
        .hub
        .delete_saml_sp(admin.actor(), &admin.tenant, sp.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
