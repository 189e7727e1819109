//! API key use cases: create (the token is shown once), list, revoke, and
//! authenticate a bearer token for a tenant.

use serde_json::json;
use time::Duration;

use super::{record, Hub, ServiceError};
use crate::core::api_key::{parse_scopes, ApiKey};
use crate::core::event::{Actor, AuditEvent};
use crate::core::tenant::{parse_display_name, Tenant, DEFAULT_TENANT};
use crate::core::ApiKeyId;
use crate::secrets::tokens::{looks_like, new_token, API_KEY_PREFIX};
use crate::store::{api_keys, tenants};

/// Who a valid API key speaks for.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub key: ApiKey,
    /// The key belongs to the default tenant: it may act on every tenant.
    pub installation_admin: bool,
}

impl Hub {
    /// Creates a key; returns it with its token, which is not stored.
    pub async fn create_api_key(
        &self,
        actor: Actor,
        tenant: &Tenant,
        name: &str,
        scopes: &[String],
        expires_in: Option<Duration>,
    ) -> Result<(ApiKey, String), ServiceError> {
        let name = parse_display_name(name, "name")?;
        let scopes = parse_scopes(scopes)?;
        if expires_in.is_some_and(|d| d <= Duration::ZERO) {
            return Err(ServiceError::invalid("expires_in", "must be positive"));
        }
        let now = self.now();
        let key = ApiKey {
            id: ApiKeyId::new(now),
            tenant_id: tenant.id,
            name,
            scopes,
            created_at: now,
            expires_at: expires_in.map(|d| now + d),
        };
        let token = new_token(API_KEY_PREFIX);
        let mut tx = self.store.begin().await?;
        api_keys::insert(&mut tx, &key, &self.secrets.hash(&token)).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "api_key.created")
                .target("api_key", key.id)
                .details(json!({ "name": key.name, "scopes": key.scopes })),
        )
        .await?;
        tx.commit().await?;
        Ok((key, token))
    }

    pub async fn list_api_keys(&self, tenant: &Tenant) -> Result<Vec<ApiKey>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(api_keys::list(&mut conn, tenant.id).await?)
    }

    pub async fn delete_api_key(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: ApiKeyId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        api_keys::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("api key"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "api_key.deleted").target("api_key", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The key behind `token`, if it belongs to `tenant` or to the default
    /// tenant (whose keys administer every tenant), and has not expired.
    pub async fn authenticate_api_key(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<ApiCaller, ServiceError> {
        if !looks_like(token, API_KEY_PREFIX) {
            return Err(ServiceError::Unauthorized);
        }
        let hash = self.secrets.hash(token);
        let now = self.now();
        let mut conn = self.store.conn().await?;
        let key = match api_keys::by_token_hash(&mut conn, tenant.id, &hash).await {
            Ok(key) => Some(key),
            Err(crate::store::StoreError::NotFound) if tenant.slug.as_str() != DEFAULT_TENANT => {
                match tenants::by_slug(&mut conn, DEFAULT_TENANT).await {
                    Ok(default) => api_keys::by_token_hash(&mut conn, default.id, &hash)
                        .await
                        .ok(),
                    Err(_) => None,
                }
            }
            Err(crate::store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let key = key.ok_or(ServiceError::Unauthorized)?;
        if !key.is_usable(now) {
            return Err(ServiceError::Unauthorized);
        }
        let installation_admin =
            key.tenant_id != tenant.id || tenant.slug.as_str() == DEFAULT_TENANT;
        Ok(ApiCaller {
            key,
            installation_admin,
        })
    }
}
