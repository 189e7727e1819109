//! `/api/v1/tenants/{tenant}/idps`: the upstream identity providers users
//! of the tenant log in through — list (paged, without metadata), register
//! a SAML IdP from metadata given inline or fetched from a URL, or an
//! OpenID Connect / OAuth 2.0 provider from its issuer or a preset, read
//! (with the metadata), replace (with `If-Match`), delete. `{idp}` is a
//! provider's id or name. And `/users/{id}/identities`: the identities
//! at those providers linked to a user, listed and removed.

use std::collections::BTreeMap;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::TenantAdmin;
use super::extract::{etag, if_match, Json, PageQuery, Paging, PathParams, QueryParams};
use super::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized, Unprocessable,
};
use super::saml_sps::{inline_or_fetched, metadata_problem};
use super::views::{IdpDetailView, IdpView, LinkedIdentityView, NameIdFormatView, Page};
use crate::core::upstream_idp::{SamlUpstreamSettings, UpstreamIdp};
use crate::core::upstream_oidc::{ClientAuthMethod, OidcUpstreamSettings, SignedClientSecret};
use crate::core::UpstreamIdpId;
use crate::http::error::ApiError;
use crate::http::AppState;
use crate::service::metadata_fetch::Reach;
use crate::service::saml_sps::MAX_METADATA_BYTES;
use crate::service::upstream_idps::SamlUpstreamChanges;
use crate::service::upstream_oidc::OidcUpstreamChanges;

/// Largest request body of these routes: a metadata document escaped into
/// JSON, and the settings.
const MAX_IDP_BODY_BYTES: usize = 2 * MAX_METADATA_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/tenants/{tenant}/idps",
            get(list_idps).post(create_idp),
        )
        .route(
            "/api/v1/tenants/{tenant}/idps/{idp}",
            get(get_idp).put(replace_idp).delete(delete_idp),
        )
        .route(
            "/api/v1/tenants/{tenant}/users/{id}/identities",
            get(list_identities),
        )
        .route(
            "/api/v1/tenants/{tenant}/users/{id}/identities/{idp}/{subject}",
            delete(unlink_identity),
        )
        .layer(DefaultBodyLimit::max(MAX_IDP_BODY_BYTES))
}

/// How USSO talks to a SAML IdP and what its logins may do. On
/// registration an absent setting takes its default; on `PUT` too (the
/// settings are replaced as a whole).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdpSettingsInput {
    /// Sign AuthnRequests. Default `true`.
    pub sign_requests: Option<bool>,
    /// Require the Assertion itself to be signed. Default `false` (a signed
    /// Response or a signed Assertion).
    pub want_assertions_signed: Option<bool>,
    /// Refuse unencrypted assertions. Default `false`.
    pub require_encrypted_assertions: Option<bool>,
    /// Accept RSA-SHA1 signatures. Default `false`.
    pub allow_sha1: Option<bool>,
    /// The NameID format asked for. Default: the IdP chooses.
    pub name_id_format: Option<NameIdFormatView>,
    /// Ask the IdP to authenticate the user again. Default `false`.
    pub force_authn: Option<bool>,
    /// An attribute holding the user's stable id, instead of the NameID.
    pub subject_attribute: Option<String>,
    /// Create a user on an unknown identity's first login. Default `true`.
    pub create_users: Option<bool>,
    /// Link an unknown identity to the user owning the email the IdP
    /// asserts. Default `false`: only for IdPs trusted with their users'
    /// emails.
    pub link_by_email: Option<bool>,
    /// Mark emails of users this IdP creates as verified. Default `true`.
    pub trust_email: Option<bool>,
    /// Upstream group value → core group name, kept in step at each login.
    #[schema(example = json!({"Engineering": "eng"}))]
    pub group_map: Option<BTreeMap<String, String>>,
    /// OIDC / OAuth 2.0: `client_secret_basic` (default) or `client_secret_post`.
    pub client_auth: Option<String>,
    /// OIDC / OAuth 2.0: the claim naming the user for good. Default `sub`.
    pub subject_claim: Option<String>,
    /// OIDC / OAuth 2.0: read UserInfo after the token exchange. Default `true`.
    pub userinfo: Option<bool>,
    /// OIDC: end the provider's session too (RP-Initiated Logout). Default `false`.
    pub rp_logout: Option<bool>,
    /// Email domains sent to this provider from the login page (home-realm
    /// discovery; OIDC / OAuth 2.0).
    pub domains: Option<Vec<String>>,
    /// OIDC / OAuth 2.0: further authorization request parameters.
    pub extra_params: Option<BTreeMap<String, String>>,
    /// OIDC / OAuth 2.0: the claim holding the email. Default `email`.
    pub email_claim: Option<String>,
    /// OIDC / OAuth 2.0: the claim holding the username.
    pub username_claim: Option<String>,
    /// OIDC / OAuth 2.0: the claim holding the groups. Default `groups`.
    pub groups_claim: Option<String>,
    /// Sign in with Apple: the Team ID; with `key_id`, the client secret is
    /// the provider's private key (PKCS#8 PEM) and each token request
    /// carries a JWT signed with it.
    pub team_id: Option<String>,
    /// Sign in with Apple: the key's id.
    pub key_id: Option<String>,
}

/// The endpoints of an OIDC / OAuth 2.0 provider set by hand (OIDC: the
/// others are discovered).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointsInput {
    pub discovery: Option<String>,
    pub authorization: Option<String>,
    pub token: Option<String>,
    pub userinfo: Option<String>,
    pub jwks: Option<String>,
    pub end_session: Option<String>,
}

/// An upstream identity provider.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdpInput {
    /// `saml` (the default), `oidc` or `oauth2`.
    #[schema(example = "saml")]
    pub kind: Option<String>,
    /// A slug (a-z, 0-9, '-'): in URLs and OIDC `idp_hint`. Required on
    /// registration; on `PUT` absent keeps it.
    #[schema(example = "corp")]
    pub name: Option<String>,
    /// What the login button says. Default: the name.
    pub display_name: Option<String>,
    /// The IdP's metadata (at most 1 MiB). On registration exactly one of
    /// `metadata` and `metadata_url`; on `PUT` both may be absent (the
    /// metadata stays), and new metadata must keep the `entityID`.
    pub metadata: Option<String>,
    /// An `https` (or `http`) URL the metadata is fetched from, once, now.
    pub metadata_url: Option<String>,
    /// OIDC / OAuth 2.0, on registration: a preset of `metadata/idp/`
    /// (`google`, `microsoft`, `github`, `gitlab`, `oidc`, `oauth2`).
    pub preset: Option<String>,
    /// OIDC: the issuer (discovery under it).
    pub issuer: Option<String>,
    /// OIDC / OAuth 2.0: USSO's client id at the provider.
    pub client_id: Option<String>,
    /// OIDC / OAuth 2.0: the client secret; stored sealed, never shown. On
    /// `PUT` absent keeps it.
    pub client_secret: Option<String>,
    /// OIDC / OAuth 2.0: the scopes asked for. Default: the preset's.
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub endpoints: EndpointsInput,
    #[serde(default)]
    pub settings: IdpSettingsInput,
}

impl IdpSettingsInput {
    /// Every setting: the ones given, and the defaults for the others.
    fn replacing(self) -> SamlUpstreamChanges {
        let d = SamlUpstreamSettings::default();
        SamlUpstreamChanges {
            sign_requests: Some(self.sign_requests.unwrap_or(d.sign_requests)),
            want_assertions_signed: Some(
                self.want_assertions_signed
                    .unwrap_or(d.want_assertions_signed),
            ),
            require_encrypted_assertions: Some(
                self.require_encrypted_assertions
                    .unwrap_or(d.require_encrypted_assertions),
            ),
            allow_sha1: Some(self.allow_sha1.unwrap_or(d.allow_sha1)),
            name_id_format: Some(self.name_id_format.map(Into::into)),
            force_authn: Some(self.force_authn.unwrap_or(d.force_authn)),
            subject_attribute: Some(self.subject_attribute),
            create_users: Some(self.create_users.unwrap_or(d.accounts.create_users)),
            link_by_email: Some(self.link_by_email.unwrap_or(d.accounts.link_by_email)),
            trust_email: Some(self.trust_email.unwrap_or(d.accounts.trust_email)),
            group_map: Some(self.group_map.unwrap_or_default()),
            ..SamlUpstreamChanges::default()
        }
    }
}

impl IdpInput {
    /// Whether the body is about an OIDC / OAuth 2.0 provider.
    fn check_kind(&self) -> Result<bool, ApiError> {
        match self.kind.as_deref() {
            None | Some("saml") => Ok(false),
            Some("oidc" | "oauth2") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "kind: {other:?} is not a kind of provider; use \"saml\", \"oidc\" or \"oauth2\""
            ))
            .with_field("kind")),
        }
    }

    /// The OIDC changes of the body: settings replaced as a whole (absent
    /// ones take their defaults), the rest kept when absent.
    fn oidc_changes(self) -> Result<OidcUpstreamChanges, ApiError> {
        if self.metadata.is_some() || self.metadata_url.is_some() {
            return Err(
                ApiError::bad_request("an OIDC / OAuth 2.0 provider has no SAML metadata")
                    .with_field("metadata"),
            );
        }
        let s = self.settings;
        let d = OidcUpstreamSettings::default();
        let client_auth = match s.client_auth.as_deref() {
            None | Some("client_secret_basic") => ClientAuthMethod::ClientSecretBasic,
            Some("client_secret_post") => ClientAuthMethod::ClientSecretPost,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                "settings.client_auth: {other:?} is not client_secret_basic or client_secret_post"
            ))
                .with_field("settings.client_auth"))
            }
        };
        let e = self.endpoints;
        Ok(OidcUpstreamChanges {
            name: self.name,
            display_name: self.display_name,
            preset: self.preset.or(self.kind.filter(|k| k == "oauth2")),
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret: self.client_secret.map(Some),
            scopes: self.scopes,
            discovery_endpoint: e.discovery,
            authorization_endpoint: e.authorization,
            token_endpoint: e.token,
            userinfo_endpoint: e.userinfo,
            jwks_uri: e.jwks,
            end_session_endpoint: e.end_session,
            client_auth: Some(client_auth),
            signed_client_secret: Some(match (s.team_id, s.key_id) {
                (Some(team_id), Some(key_id)) => Some(SignedClientSecret { team_id, key_id }),
                (None, None) => None,
                _ => {
                    return Err(ApiError::bad_request(
                        "settings.team_id and settings.key_id go together",
                    )
                    .with_field("settings.team_id"))
                }
            }),
            subject_claim: Some(s.subject_claim.unwrap_or(d.subject_claim)),
            userinfo: Some(s.userinfo.unwrap_or(d.userinfo)),
            rp_logout: Some(s.rp_logout.unwrap_or(d.rp_logout)),
            domains: Some(s.domains.unwrap_or_default()),
            extra_params: Some(s.extra_params.unwrap_or_default()),
            email_claim: s.email_claim,
            username_claim: s.username_claim,
            groups_claim: s.groups_claim,
            group_map: Some(s.group_map.unwrap_or_default()),
            create_users: Some(s.create_users.unwrap_or(d.accounts.create_users)),
            link_by_email: Some(s.link_by_email.unwrap_or(d.accounts.link_by_email)),
            trust_email: Some(s.trust_email.unwrap_or(d.accounts.trust_email)),
        })
    }
}

fn with_etag(state: &AppState, admin: &TenantAdmin, idp: &UpstreamIdp) -> impl IntoResponse {
    (
        [(header::ETAG, etag(idp.version))],
        axum::Json(IdpDetailView::new(&state.hub, &admin.tenant, idp)),
    )
}

/// Lists the tenant's upstream identity providers, oldest first, without
/// their metadata documents.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/idps",
    tag = "idps",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of identity providers", body = Page<IdpView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_idps(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<IdpView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let idps = state
        .hub
        .list_upstreams(&admin.tenant, paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish_with(
        idps,
        |idp| idp.id.to_string(),
        |idp| IdpView::new(&state.hub, &admin.tenant, idp),
    )))
}

/// Registers a SAML IdP from its metadata, given inline or fetched from
/// `metadata_url`. Its name and its `entityID` are unique in the tenant.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/idps",
    tag = "idps",
    params(("tenant" = String, Path, description = "The tenant's slug")),
    request_body = IdpInput,
    responses(
        (status = 201, description = "The new identity provider", body = IdpDetailView, headers(
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
pub async fn create_idp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    Json(body): Json<IdpInput>,
) -> Result<impl IntoResponse, ApiError> {
    if body.check_kind()? {
        let idp = state
            .hub
            .create_oidc_upstream(
                admin.actor(),
                &admin.tenant,
                body.oidc_changes()?,
                Reach::for_caller(admin.caller.installation_admin),
            )
            .await?;
        let location = format!("/api/v1/tenants/{}/idps/{}", admin.tenant.slug, idp.id);
        return Ok((
            StatusCode::CREATED,
            [
                (header::LOCATION, location),
                (header::ETAG, etag(idp.version)),
            ],
            axum::Json(IdpDetailView::new(&state.hub, &admin.tenant, &idp)),
        ));
    }
    let reach = Reach::for_caller(admin.caller.installation_admin);
    let Some(xml) =
        inline_or_fetched(&state.hub.http, &body.metadata, &body.metadata_url, reach).await?
    else {
        return Err(
            ApiError::bad_request("give the provider's metadata or metadata_url")
                .with_field("metadata"),
        );
    };
    let changes = SamlUpstreamChanges {
        name: body.name,
        display_name: body.display_name,
        metadata_url: body.metadata_url,
        ..body.settings.replacing()
    };
    let idp = state
        .hub
        .create_saml_upstream(admin.actor(), &admin.tenant, xml, changes)
        .await
        .map_err(metadata_problem)?;
    let location = format!("/api/v1/tenants/{}/idps/{}", admin.tenant.slug, idp.id);
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::ETAG, etag(idp.version)),
        ],
        axum::Json(IdpDetailView::new(&state.hub, &admin.tenant, &idp)),
    ))
}

/// Reads an identity provider, with its metadata document.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/idps/{idp}",
    tag = "idps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("idp" = String, Path, description = "The provider's id or name"),
    ),
    responses(
        (status = 200, description = "The identity provider", body = IdpDetailView,
            headers(("ETag" = String, description = "The provider's version, for `If-Match`"))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn get_idp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, idp)): PathParams<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let idp = state.hub.find_upstream(&admin.tenant, &idp).await?;
    Ok(with_etag(&state, &admin, &idp))
}

/// Replaces an identity provider's settings (absent ones take their
/// defaults), its name and display name when given, and its metadata when
/// `metadata` or `metadata_url` is given (the `entityID` may not change).
#[utoipa::path(
    put,
    path = "/api/v1/tenants/{tenant}/idps/{idp}",
    tag = "idps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("idp" = String, Path, description = "The provider's id or name"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the change is based on, e.g. `\"3\"`"),
    ),
    request_body = IdpInput,
    responses(
        (status = 200, description = "The updated identity provider", body = IdpDetailView,
            headers(("ETag" = String, description = "The provider's new version"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn replace_idp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, idp)): PathParams<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<IdpInput>,
) -> Result<impl IntoResponse, ApiError> {
    let oidc = body.check_kind()?;
    let expected = if_match(&headers)?;
    let current = state.hub.find_upstream(&admin.tenant, &idp).await?;
    if oidc || current.oidc().is_some() {
        if current.oidc().is_none() || body.preset.is_some() {
            return Err(ApiError::bad_request(
                "the kind (and preset) of a provider cannot change; register a new one",
            )
            .with_field("kind"));
        }
        let idp = state
            .hub
            .update_oidc_upstream(
                admin.actor(),
                &admin.tenant,
                current.id,
                body.oidc_changes()?,
                expected,
                Reach::for_caller(admin.caller.installation_admin),
            )
            .await?;
        return Ok(with_etag(&state, &admin, &idp));
    }
    let reach = Reach::for_caller(admin.caller.installation_admin);
    let metadata =
        inline_or_fetched(&state.hub.http, &body.metadata, &body.metadata_url, reach).await?;
    let changes = SamlUpstreamChanges {
        name: body.name,
        display_name: body.display_name,
        metadata,
        metadata_url: body.metadata_url,
        ..body.settings.replacing()
    };
    let idp = state
        .hub
        .update_saml_upstream(admin.actor(), &admin.tenant, current.id, changes, expected)
        .await
        .map_err(metadata_problem)?;
    Ok(with_etag(&state, &admin, &idp))
}

/// Deletes an identity provider; the identities linked through it are
/// unlinked (their users stay).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/idps/{idp}",
    tag = "idps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("idp" = String, Path, description = "The provider's id or name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn delete_idp(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, idp)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let idp = state.hub.find_upstream(&admin.tenant, &idp).await?;
    state
        .hub
        .delete_upstream(admin.actor(), &admin.tenant, idp.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The identities at upstream providers linked to a user.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/users/{id}/identities",
    tag = "idps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
    ),
    responses(
        (status = 200, description = "The linked identities", body = [LinkedIdentityView]),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_identities(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, user)): PathParams<(String, String)>,
) -> Result<axum::Json<Vec<LinkedIdentityView>>, ApiError> {
    let user = state.hub.find_user(&admin.tenant, &user).await?;
    let links = state.hub.linked_identities(&admin.tenant, user.id).await?;
    Ok(axum::Json(
        links.iter().map(LinkedIdentityView::from).collect(),
    ))
}

/// Unlinks one identity from a user (the user stays; a later login through
/// that provider is a first login again).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/users/{id}/identities/{idp}/{subject}",
    tag = "idps",
    params(
        ("tenant" = String, Path, description = "The tenant's slug"),
        ("id" = String, Path, description = "The user's id, username or email"),
        ("idp" = String, Path, description = "The provider's id or name"),
        ("subject" = String, Path, description = "The provider's identifier for the user (percent-encoded)"),
    ),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn unlink_identity(
    State(state): State<AppState>,
    admin: TenantAdmin,
    PathParams((_tenant, user, idp, subject)): PathParams<(String, String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = state.hub.find_user(&admin.tenant, &user).await?;
    let idp: UpstreamIdpId = state.hub.find_upstream(&admin.tenant, &idp).await?.id;
    state
        .hub
        .unlink_identity(admin.actor(), &admin.tenant, user.id, idp, &subject)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
