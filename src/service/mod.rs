//! The hub's use cases, shared by the CLI and the HTTP layer: each one checks
//! the input against the core's rules, writes through the store, and records
//! its audit event in the same transaction.

pub mod api_keys;
pub mod audit;
pub mod bootstrap;
pub mod clients;
pub mod error;
pub mod federation;
pub mod groups;
pub mod ldap_login;
pub mod ldap_sources;
pub mod ldap_sync;
pub mod login;
pub mod lookup_cache;
pub mod metadata_fetch;
pub mod provisioning;
pub mod roles;
pub mod saml_sps;
pub mod signing_keys;
pub mod tenants;
pub mod throttle;
pub mod upstream_documents;
pub mod upstream_idps;
pub mod upstream_oidc;
pub mod users;
pub mod workspaces;

use std::sync::Arc;

use sqlx::AnyConnection;
use url::Url;

pub use error::ServiceError;

use crate::core::event::AuditEvent;
use crate::core::oauth_grant::Grant;
use crate::core::tenant::Tenant;
use crate::core::{Clock, GrantId, TenantId};
use crate::secrets::{MasterKey, PasswordHasher, SecretBox, SecretHasher};
use crate::store::{self, events, Store};

/// The claims of an access token whose signature was checked.
pub type TokenClaims = Arc<serde_json::Map<String, serde_json::Value>>;

/// Everything a use case needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub secrets: SecretHasher,
    /// Seals what must be read back (private signing keys).
    pub sealer: SecretBox,
    pub passwords: PasswordHasher,
    pub public_url: Url,
    pub throttle: Arc<throttle::Throttle>,
    pub keygen: Arc<dyn signing_keys::KeyGenerator>,
    /// Outbound HTTP: clients' `jwks_uri`, back-channel logout deliveries.
    pub http: reqwest::Client,
    /// Tenants by slug, read on nearly every request.
    pub tenants_by_slug: Arc<lookup_cache::LookupCache<String, Tenant>>,
    /// Each tenant's signing keys with their parsed public JWKs, read by
    /// every token issued or checked.
    pub signing_key_lists: Arc<lookup_cache::LookupCache<TenantId, Arc<signing_keys::KeyList>>>,
    /// Clients with their secret's keyed hash (or none), by tenant and
    /// `client_id`, read by every client authentication; checked against
    /// the store's change epoch.
    pub clients_by_id:
        Arc<lookup_cache::LookupCache<(TenantId, String), clients::ClientWithSecret>>,
    /// OAuth grants by id, read by every access token check; checked
    /// against the store's change epoch (a revocation marks its
    /// transaction).
    pub grants_by_id: Arc<lookup_cache::LookupCache<(TenantId, GrantId), Arc<Grant>>>,
    /// Access tokens whose signature and `typ` were checked, with their
    /// claims, by tenant and the token's keyed hash; cleared with the
    /// tenants' key lists.
    pub verified_access_tokens: Arc<lookup_cache::LookupCache<(TenantId, String), TokenClaims>>,
    /// Client credentials grants waiting for their group commit.
    pub grant_rows: Arc<store::oauth_batches::GrantRows>,
    /// Code redemptions and refresh rotations waiting for their group
    /// commit.
    pub redemptions: Arc<store::oauth_batches::Redemptions>,
    /// Opened (unsealed, parsed) private signing keys, by tenant and `kid`.
    pub opened_signing_keys:
        Arc<lookup_cache::LookupCache<(TenantId, String), Arc<usso_oidc::jose::SigningKey>>>,
    /// Upstream OIDC providers' discovery documents and JWKS.
    pub upstream_documents: Arc<upstream_documents::UpstreamDocuments>,
}

impl Hub {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        master: &MasterKey,
        passwords: PasswordHasher,
        public_url: Url,
        http: reqwest::Client,
    ) -> Self {
        Self {
            store,
            clock,
            secrets: SecretHasher::new(master),
            sealer: SecretBox::new(master),
            passwords,
            public_url,
            throttle: Arc::new(throttle::Throttle::default()),
            tenants_by_slug: Arc::default(),
            signing_key_lists: Arc::default(),
            clients_by_id: Arc::default(),
            grants_by_id: Arc::default(),
            verified_access_tokens: Arc::default(),
            grant_rows: Arc::default(),
            redemptions: Arc::default(),
            opened_signing_keys: Arc::default(),
            upstream_documents: Arc::default(),
            keygen: Arc::new(signing_keys::FreshKeys),
            http,
        }
    }

    /// The current time, to the microsecond: what the store keeps, so that
    /// a record returned from a write equals the same record read back.
    pub fn now(&self) -> time::OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }

    /// The tenant's OIDC issuer: `{public_url}/t/{slug}`.
    pub fn issuer(&self, tenant: &Tenant) -> String {
        format!(
            "{}/t/{}",
            self.public_url.as_str().trim_end_matches('/'),
            tenant.slug
        )
    }

    /// The tenant's hosted login page.
    pub fn login_url(&self, tenant: &Tenant) -> String {
        format!("{}/login", self.issuer(tenant))
    }

    /// The tenant's SAML 2.0 IdP metadata URL, also its IdP `entityID`.
    pub fn saml_idp_metadata_url(&self, tenant: &Tenant) -> String {
        format!("{}/saml/metadata", self.issuer(tenant))
    }

    /// The tenant's SAML 2.0 SP metadata URL, also its SP `entityID`
    /// towards upstream IdPs.
    pub fn saml_sp_metadata_url(&self, tenant: &Tenant) -> String {
        format!("{}/saml/sp/metadata", self.issuer(tenant))
    }

    /// Where upstream SAML IdPs post their Responses (the SP's ACS).
    pub fn saml_sp_acs_url(&self, tenant: &Tenant) -> String {
        format!("{}/saml/sp/acs", self.issuer(tenant))
    }

    /// The SP's SingleLogoutService towards upstream SAML IdPs.
    pub fn saml_sp_slo_url(&self, tenant: &Tenant) -> String {
        format!("{}/saml/sp/slo", self.issuer(tenant))
    }

    /// The tenant's SCIM 2.0 base URL (RFC 7644 §3): `/Users`, `/Groups`,
    /// `/Schemas`… hang below it.
    pub fn scim_base_url(&self, tenant: &Tenant) -> String {
        format!("{}/scim/v2", self.issuer(tenant))
    }

    /// Resolves a tenant by slug (cached for [`lookup_cache::LOOKUP_TTL`]).
    pub async fn tenant(&self, slug: &str) -> Result<Tenant, ServiceError> {
        let now = self.now();
        if let Some(tenant) = self.tenants_by_slug.get(&slug.to_owned(), now) {
            return Ok(tenant);
        }
        let mut conn = self.store.conn().await?;
        let tenant = store::tenants::by_slug(&mut conn, slug)
            .await
            .map_err(ServiceError::not_found("tenant"))?;
        self.tenants_by_slug
            .put(slug.to_owned(), tenant.clone(), now);
        Ok(tenant)
    }
}

/// Appends `event` inside the caller's transaction.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    event: &AuditEvent,
) -> Result<(), ServiceError> {
    events::append(conn, event)
        .await
        .map_err(ServiceError::from)
}
