//! The JSON representations of upstream identity providers (admin API and
//! `usso idp --json`): what the provider is, how USSO talks to it, and
//! where users start a login through it. Listings leave the SAML metadata
//! document out; a single SAML provider carries it as `metadata`. An OIDC /
//! OAuth 2.0 provider shows its client id and `redirect_uri` (the callback
//! to register at the provider), never its client secret.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::timestamp;
use crate::core::upstream_idp::{FederatedIdentity, UpstreamConfig, UpstreamIdp};
use crate::service::Hub;

/// An upstream identity provider, without its metadata document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdpView {
    pub id: Uuid,
    /// The provider's name in URLs and in OIDC `idp_hint=<name>`.
    #[schema(example = "corp")]
    pub name: String,
    /// What the login page's button says.
    #[schema(example = "Corporate login")]
    pub display_name: String,
    /// `saml`, `oidc` or `oauth2`.
    #[schema(example = "oidc")]
    pub kind: String,
    /// The provider's identifier: a SAML `entityID`, an OIDC issuer (with
    /// `{tenantid}` for a multi-tenant one), an OAuth 2.0 provider's name.
    #[schema(example = "https://idp.example.com")]
    pub issuer: String,
    /// The IdP's `entityID` (SAML).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "https://idp.example.com/saml")]
    pub entity_id: Option<String>,
    /// Where the metadata was fetched from, if it was (SAML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    /// The page that starts a login through this provider.
    pub login_url: String,
    /// USSO's SP entityID towards this IdP (SAML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sp_entity_id: Option<String>,
    /// Where the IdP posts its Responses (SAML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs_url: Option<String>,
    /// The callback URL to register at the provider (OIDC / OAuth 2.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Where the provider sends the browser back after RP-Initiated Logout
    /// (OIDC; register it as a post-logout redirect URI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_logout_redirect_uri: Option<String>,
    /// USSO's client id at the provider (OIDC / OAuth 2.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The preset the provider was made from (OIDC / OAuth 2.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Scopes asked for (OIDC / OAuth 2.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Endpoints set by hand (OIDC: the rest are discovered).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub endpoints: Option<serde_json::Value>,
    /// How USSO talks to the provider and maps its users (see the admin
    /// API's input for each key).
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; sent as the `ETag` and expected in `If-Match`.
    pub version: i64,
}

impl IdpView {
    pub fn new(hub: &Hub, tenant: &crate::core::tenant::Tenant, idp: &UpstreamIdp) -> Self {
        let mut view = Self {
            id: idp.id.as_uuid(),
            name: idp.name.clone(),
            display_name: idp.display_name.clone(),
            kind: idp.kind().to_owned(),
            issuer: idp.issuer().to_owned(),
            entity_id: None,
            metadata_url: None,
            login_url: format!("{}/login/idp/{}", hub.issuer(tenant), idp.name),
            sp_entity_id: None,
            acs_url: None,
            redirect_uri: None,
            post_logout_redirect_uri: None,
            client_id: None,
            preset: None,
            scopes: None,
            endpoints: None,
            settings: serde_json::Value::Null,
            created_at: idp.created_at,
            updated_at: idp.updated_at,
            version: idp.version,
        };
        match &idp.config {
            UpstreamConfig::Saml(saml) => {
                view.entity_id = Some(saml.entity_id.clone());
                view.metadata_url = saml.metadata_url.clone();
                view.sp_entity_id = Some(hub.saml_sp_metadata_url(tenant));
                view.acs_url = Some(hub.saml_sp_acs_url(tenant));
                view.settings = serde_json::to_value(&saml.settings).unwrap_or_default();
            }
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => {
                view.redirect_uri = Some(hub.upstream_redirect_uri(tenant, &idp.name));
                if matches!(idp.config, UpstreamConfig::Oidc(_)) {
                    view.post_logout_redirect_uri =
                        Some(hub.upstream_logged_out_uri(tenant, &idp.name));
                }
                view.client_id = Some(o.client_id.clone());
                view.preset = o.preset.clone();
                view.scopes = Some(o.scopes.clone());
                view.endpoints = serde_json::to_value(&o.endpoints).ok();
                view.settings = serde_json::to_value(&o.settings).unwrap_or_default();
            }
        }
        view
    }
}

/// An upstream identity provider with its metadata document, as registered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdpDetailView {
    #[serde(flatten)]
    pub idp: IdpView,
    /// The IdP's metadata (`<md:EntityDescriptor>`), verbatim (SAML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

impl IdpDetailView {
    pub fn new(hub: &Hub, tenant: &crate::core::tenant::Tenant, idp: &UpstreamIdp) -> Self {
        let metadata = match &idp.config {
            UpstreamConfig::Saml(saml) => Some(saml.metadata.clone()),
            _ => None,
        };
        Self {
            idp: IdpView::new(hub, tenant, idp),
            metadata,
        }
    }
}

/// An identity at an upstream provider linked to a user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkedIdentityView {
    pub idp_id: Uuid,
    /// The provider's identifier for the user.
    pub subject: String,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub last_login_at: OffsetDateTime,
}

impl From<&FederatedIdentity> for LinkedIdentityView {
    fn from(f: &FederatedIdentity) -> Self {
        Self {
            idp_id: f.idp_id.as_uuid(),
            subject: f.subject.clone(),
            created_at: f.created_at,
            last_login_at: f.last_login_at,
        }
    }
}
