//! The admin REST API under `/api/v1`: tenants, and per tenant its users,
//! groups, roles, workspaces, API keys and audit log — the resources an
//! Okta or Keycloak admin expects.
//!
//! Every route needs an API key with the `admin` scope ([`auth`]); errors are
//! RFC 9457 problem+json ([`crate::http::error`]); listings are pages
//! `{items, next_cursor}` walked by cursor ([`extract::Paging`]). The
//! OpenAPI document is generated from the handlers ([`openapi`]).

pub mod api_keys;
pub mod auth;
pub mod clients;
pub mod events;
pub mod extract;
pub mod groups;
pub mod idps;
pub mod keys;
pub mod ldap_sources;
pub mod openapi;
pub mod roles;
pub mod saml_sps;
pub mod tenants;
pub mod users;
pub mod views;
pub mod workspaces;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use utoipa::OpenApi;

use super::error::{ApiError, Problem};
use super::AppState;
use openapi::BearerApiKey;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(tenants::routes())
        .merge(users::routes())
        .merge(groups::routes())
        .merge(roles::routes())
        .merge(workspaces::routes())
        .merge(api_keys::routes())
        .merge(clients::routes())
        .merge(saml_sps::routes())
        .merge(idps::routes())
        .merge(ldap_sources::routes())
        .merge(events::routes())
        .merge(keys::routes())
        .route("/api/openapi.json", get(openapi::serve))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(auth::response_headers))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        Some("this URL does not accept this method".into()),
    )
}

/// The admin API's OpenAPI document (see [`openapi::document`]).
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "USSO admin API",
        version = "1",
        description = "Administration of a USSO installation: tenants, and per tenant its users, \
                       groups, roles, workspaces, API keys and audit log.\n\n\
                       Authenticate with `Authorization: Bearer <API key>`; the key needs the \
                       `admin` scope and must belong to the tenant in the URL or to the `default` \
                       tenant. Errors are `application/problem+json` (RFC 9457). Listings return \
                       `{items, next_cursor}`: pass `next_cursor` as `cursor` to read the next page.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        tenants::list_tenants,
        tenants::create_tenant,
        tenants::get_tenant,
        tenants::update_tenant,
        tenants::delete_tenant,
        users::list_users,
        users::create_user,
        users::get_user,
        users::replace_user,
        users::delete_user,
        users::disable_user,
        users::enable_user,
        users::set_password,
        users::user_roles,
        groups::list_groups,
        groups::create_group,
        groups::get_group,
        groups::delete_group,
        groups::list_members,
        groups::add_member,
        groups::remove_member,
        roles::list_roles,
        roles::create_role,
        roles::get_role,
        roles::delete_role,
        roles::list_assignments,
        roles::assign_role,
        roles::unassign_role,
        workspaces::list_workspaces,
        workspaces::create_workspace,
        workspaces::get_workspace,
        workspaces::delete_workspace,
        api_keys::list_api_keys,
        api_keys::create_api_key,
        api_keys::delete_api_key,
        clients::list_clients,
        clients::create_client,
        clients::get_client,
        clients::replace_client,
        clients::delete_client,
        clients::rotate_client_secret,
        saml_sps::list_saml_sps,
        saml_sps::create_saml_sp,
        saml_sps::get_saml_sp,
        saml_sps::replace_saml_sp,
        saml_sps::delete_saml_sp,
        idps::list_idps,
        idps::create_idp,
        idps::get_idp,
        idps::replace_idp,
        idps::delete_idp,
        idps::list_identities,
        idps::unlink_identity,
        ldap_sources::list_ldap_sources,
        ldap_sources::create_ldap_source,
        ldap_sources::get_ldap_source,
        ldap_sources::replace_ldap_source,
        ldap_sources::delete_ldap_source,
        ldap_sources::sync_ldap_source,
        ldap_sources::test_ldap_source,
        events::list_events,
        keys::list_keys,
        keys::rotate_keys,
    ),
    components(
        schemas(Problem),
        responses(
            openapi::BadRequest,
            openapi::Unauthorized,
            openapi::Forbidden,
            openapi::NotFound,
            openapi::Conflict,
            openapi::PreconditionFailed,
            openapi::Unprocessable,
        ),
    ),
    modifiers(&BearerApiKey),
    security(("api_key" = [])),
    tags(
        (name = "tenants", description = "Tenants: isolated identity realms"),
        (name = "users", description = "Users of a tenant"),
        (name = "groups", description = "Groups of users and of groups"),
        (name = "roles", description = "Roles and their assignments"),
        (name = "workspaces", description = "Sub-organizations of a tenant"),
        (name = "api-keys", description = "API keys for the admin API and SCIM"),
        (name = "clients", description = "OAuth / OpenID Connect clients (relying parties)"),
        (name = "saml-sps", description = "SAML service providers: the applications of the tenant's SAML IdP"),
        (name = "idps", description = "Upstream identity providers the tenant's users log in through, and the identities linked to users"),
        (name = "ldap-sources", description = "LDAP and Active Directory sources the tenant syncs users and groups from"),
        (name = "events", description = "The audit log"),
        (name = "keys", description = "Token-signing keys and their rotation"),
    ),
)]
pub struct AdminApi;
