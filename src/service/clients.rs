//! OAuth / OIDC client use cases: register (a confidential client's secret
//! is shown once), read, list, update, delete, rotate the secret, and
//! authenticate a client by its secret (RFC 6749 §2.3.1) for the token,
//! introspection and revocation endpoints.
//!
//! Client authentication reads the client and its secret's keyed hash
//! through the hub's cache, checked against the store's change epoch
//! ([`crate::store::changes`]): every write of a client (create, update,
//! delete, secret rotation) marks its transaction, so that a secret rotated
//! or a client deleted — by this node, another process on the same SQLite
//! file, or the CLI — stops working at once. Where other nodes' changes
//! cannot be seen without a read (PostgreSQL for now), the client is read
//! every time.

use std::sync::Arc;

use serde_json::json;
use subtle::{Choice, ConstantTimeEq};

use super::{record, Hub, ServiceError};
use crate::core::client::{Client, ClientFields, ClientSecret, CLIENT_SECRET_PREFIX};
use crate::core::event::{Actor, AuditEvent};
use crate::core::tenant::Tenant;
use crate::core::ClientId;
use crate::secrets::tokens::new_token;
use crate::store::{clients, Page, StoreError};

/// A client and its secret's keyed hash as client authentication reads
/// them, or `None` for an unknown `client_id` (cached too, so that a known
/// and an unknown client cost the same).
pub type ClientWithSecret = Arc<Option<(Client, Option<String>)>>;

/// What an unknown client's secret is compared with, so that it costs what
/// a known client's comparison costs: a keyed hash is 64 hex digits.
const NO_SECRET_HASH: &str = "----------------------------------------------------------------";

impl Hub {
    /// Registers a client; returns it with its secret when it is
    /// confidential. The secret is stored only as a keyed hash.
    pub async fn create_client(
        &self,
        actor: Actor,
        tenant: &Tenant,
        fields: ClientFields,
    ) -> Result<(Client, Option<ClientSecret>), ServiceError> {
        let settings = fields.validate()?;
        let now = self.now();
        let client = Client::new(ClientId::new(now), tenant.id, settings, now);
        let secret = client
            .is_confidential()
            .then(|| ClientSecret::new(new_token(CLIENT_SECRET_PREFIX)));
        let secret_hash = secret.as_ref().map(|s| self.secrets.hash(s.expose()));
        let mut tx = self.store.begin().await?;
        clients::insert(&mut tx, &client, secret_hash.as_deref()).await?;
        // An unknown client_id is cached too.
        tx.invalidates_cached_reads();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "client.created")
                .target("client", client.id)
                .details(json!({
                    "name": client.name,
                    "public": client.public,
                    "grant_types": client.grant_types,
                    "redirect_uris": client.redirect_uris,
                    "token_endpoint_auth_method": client.token_endpoint_auth_method,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok((client, secret))
    }

    pub async fn get_client(&self, tenant: &Tenant, id: ClientId) -> Result<Client, ServiceError> {
        let mut conn = self.store.conn().await?;
        clients::get(&mut conn, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("client"))
    }

    /// The client whose public identifier is `client_id`, as a protocol
    /// request names it.
    pub async fn find_client(
        &self,
        tenant: &Tenant,
        client_id: &str,
    ) -> Result<Client, ServiceError> {
        let id: ClientId = client_id
            .parse()
            .map_err(|_| ServiceError::NotFound("client"))?;
        match self
            .client_with_secret(tenant, &id.to_string())
            .await?
            .as_ref()
        {
            Some((client, _)) => Ok(client.clone()),
            None => Err(ServiceError::NotFound("client")),
        }
    }

    /// A client and its secret's keyed hash by `client_id` (`None`: no such
    /// client), from the hub's cache when read in the store's current change
    /// epoch (every client write moves it).
    async fn client_with_secret(
        &self,
        tenant: &Tenant,
        client_id: &str,
    ) -> Result<ClientWithSecret, ServiceError> {
        let (now, epoch) = (self.now(), self.store.cache_epoch());
        let key = (tenant.id, client_id.to_owned());
        if let Some(found) = self.clients_by_id.get_at(&key, now, epoch) {
            return Ok(found);
        }
        let mut conn = self.store.conn().await?;
        let found: ClientWithSecret =
            match clients::with_secret_hash(&mut conn, tenant.id, client_id).await {
                Ok(found) => Arc::new(Some(found)),
                Err(StoreError::NotFound) => Arc::new(None),
                Err(e) => return Err(e.into()),
            };
        self.clients_by_id
            .put_at(key, Arc::clone(&found), now, epoch);
        Ok(found)
    }

    /// A client by `client_id` or, failing that, by name (for operators).
    pub async fn resolve_client(
        &self,
        tenant: &Tenant,
        client_id_or_name: &str,
    ) -> Result<Client, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = client_id_or_name.parse::<ClientId>() {
            if let Ok(client) = clients::get(&mut conn, tenant.id, id).await {
                return Ok(client);
            }
        }
        clients::by_name(&mut conn, tenant.id, client_id_or_name)
            .await
            .map_err(ServiceError::not_found("client"))
    }

    pub async fn list_clients(
        &self,
        tenant: &Tenant,
        page: Page<'_>,
    ) -> Result<Vec<Client>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(clients::list(&mut conn, tenant.id, page).await?)
    }

    /// Replaces the client's settings. A client stays public or confidential
    /// for life (its secret, or lack of one, goes with it): register a new
    /// client to change that. `expected_version`, when given, must match the
    /// stored version.
    pub async fn update_client(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: ClientId,
        fields: ClientFields,
        expected_version: Option<i64>,
    ) -> Result<Client, ServiceError> {
        let settings = fields.validate()?;
        let mut tx = self.store.begin().await?;
        let mut client = clients::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("client"))?;
        let read_version = client.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        if settings.public != client.public {
            return Err(ServiceError::invalid(
                "public",
                "a client cannot change between public and confidential; register a new client",
            ));
        }
        let before = client.clone();
        client.apply(settings);
        client.updated_at = self.now();
        client.version = read_version + 1;
        clients::update(&mut tx, &client, read_version).await?;
        tx.invalidates_cached_reads();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, client.updated_at, actor, "client.updated")
                .target("client", client.id)
                .details(json!({ "changed": changed_fields(&before, &client) })),
        )
        .await?;
        tx.commit().await?;
        Ok(client)
    }

    pub async fn delete_client(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: ClientId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        let client = clients::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("client"))?;
        clients::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("client"))?;
        // Its grants go with it.
        tx.invalidates_cached_reads();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "client.deleted")
                .target("client", id)
                .details(json!({ "name": client.name })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a confidential client a new secret; the old one stops working
    /// at once. Returns the client (at its new version) and the secret.
    pub async fn rotate_client_secret(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: ClientId,
    ) -> Result<(Client, ClientSecret), ServiceError> {
        let mut tx = self.store.begin().await?;
        let mut client = clients::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("client"))?;
        if client.public {
            return Err(ServiceError::invalid(
                "public",
                "a public client has no secret to rotate",
            ));
        }
        let secret = ClientSecret::new(new_token(CLIENT_SECRET_PREFIX));
        let read_version = client.version;
        client.updated_at = self.now();
        client.version = read_version + 1;
        clients::update(&mut tx, &client, read_version).await?;
        clients::set_secret_hash(&mut tx, tenant.id, id, &self.secrets.hash(secret.expose()))
            .await?;
        tx.invalidates_cached_reads();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, client.updated_at, actor, "client.secret_rotated")
                .target("client", id),
        )
        .await?;
        tx.commit().await?;
        Ok((client, secret))
    }

    /// The client of `tenant` presenting `client_id` and `secret`, if the
    /// secret is its current one and it authenticates with its secret
    /// (`client_secret_basic` or `client_secret_post`). Any failure is
    /// `Unauthorized`, the token endpoint's `invalid_client`.
    ///
    /// The keyed hashes are compared in constant time, and an unknown
    /// `client_id` takes the same path (one read, one hash, one comparison)
    /// as a known one presenting a wrong secret, so that timing tells nothing
    /// about which clients exist; both are cached alike. The caller records
    /// the outcome with its context.
    pub async fn authenticate_client_secret(
        &self,
        tenant: &Tenant,
        client_id: &str,
        secret: &str,
    ) -> Result<Client, ServiceError> {
        let presented = self.secrets.hash(secret);
        let found = self.client_with_secret(tenant, client_id).await?;
        secret_matches(found.as_ref().as_ref(), &presented).ok_or(ServiceError::Unauthorized)
    }
}

/// The client of `found` if it authenticates with a secret whose keyed hash
/// is `presented`: compared in constant time, and against a placeholder
/// when there is no client or no secret, so that every path costs the same.
fn secret_matches(found: Option<&(Client, Option<String>)>, presented: &str) -> Option<Client> {
    let (client, stored) = match found {
        Some((client, stored)) => (Some(client), stored.as_deref()),
        None => (None, None),
    };
    let usable = client
        .is_some_and(|c| c.is_confidential() && c.token_endpoint_auth_method.uses_secret())
        && stored.is_some();
    let stored = stored.unwrap_or(NO_SECRET_HASH);
    let matches = stored.as_bytes().ct_eq(presented.as_bytes()) & Choice::from(u8::from(usable));
    match client {
        Some(client) if bool::from(matches) => Some(client.clone()),
        _ => None,
    }
}

/// The names of the settings that differ between two versions of a client.
fn changed_fields(a: &Client, b: &Client) -> Vec<&'static str> {
    let checks = [
        ("name", a.name != b.name),
        ("redirect_uris", a.redirect_uris != b.redirect_uris),
        (
            "post_logout_redirect_uris",
            a.post_logout_redirect_uris != b.post_logout_redirect_uris,
        ),
        (
            "backchannel_logout_uri",
            a.backchannel_logout_uri != b.backchannel_logout_uri,
        ),
        ("grant_types", a.grant_types != b.grant_types),
        ("scopes", a.scopes != b.scopes),
        (
            "token_endpoint_auth_method",
            a.token_endpoint_auth_method != b.token_endpoint_auth_method,
        ),
        ("jwks_uri", a.jwks_uri != b.jwks_uri),
        ("jwks", a.jwks != b.jwks),
        ("skip_consent", a.skip_consent != b.skip_consent),
        (
            "id_token_signed_response_alg",
            a.id_token_signed_response_alg != b.id_token_signed_response_alg,
        ),
        ("subject_type", a.subject_type != b.subject_type),
    ];
    checks
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
}
