//! The JSON representations of upstream identity providers (admin API and
//! `usso idp --json`): what the provider is, how USSO talks to it, and
//! where users start a login through it. Listings leave the metadata
//! document out; a single provider carries it as `metadata`.

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
    /// `saml`.
    #[schema(example = "saml")]
    pub kind: String,
    /// The IdP's `entityID` (SAML).
    #[schema(example = "https://idp.example.com/saml")]
    pub entity_id: String,
    /// Where the metadata was fetched from, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    /// The page that starts a login through this provider.
    pub login_url: String,
    /// USSO's SP entityID towards this IdP (the tenant's SP metadata URL).
    pub sp_entity_id: String,
    /// Where the IdP posts its Responses.
    pub acs_url: String,
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
        let UpstreamConfig::Saml(saml) = &idp.config;
        Self {
            id: idp.id.as_uuid(),
            name: idp.name.clone(),
            display_name: idp.display_name.clone(),
            kind: idp.kind().to_owned(),
            entity_id: saml.entity_id.clone(),
            metadata_url: saml.metadata_url.clone(),
            login_url: format!("{}/login/idp/{}", hub.issuer(tenant), idp.name),
            sp_entity_id: hub.saml_sp_metadata_url(tenant),
            acs_url: hub.saml_sp_acs_url(tenant),
            settings: serde_json::to_value(&saml.settings).unwrap_or_default(),
            created_at: idp.created_at,
            updated_at: idp.updated_at,
            version: idp.version,
        }
    }
}

/// An upstream identity provider with its metadata document, as registered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdpDetailView {
    #[serde(flatten)]
    pub idp: IdpView,
    /// The IdP's metadata (`<md:EntityDescriptor>`), verbatim.
    pub metadata: String,
}

impl IdpDetailView {
    pub fn new(hub: &Hub, tenant: &crate::core::tenant::Tenant, idp: &UpstreamIdp) -> Self {
        let UpstreamConfig::Saml(saml) = &idp.config;
        Self {
            idp: IdpView::new(hub, tenant, idp),
            metadata: saml.metadata.clone(),
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
