//! Tenant use cases: create, list, show, update settings, delete.

use serde_json::json;

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::signing_key::KeyAlgorithm;
use crate::core::tenant::{parse_display_name, Slug, Tenant, TenantSettings, DEFAULT_TENANT};
use crate::core::TenantId;
use crate::store::tenants;

impl Hub {
    /// Creates a tenant with its signing keys (one per algorithm).
    pub async fn create_tenant(
        &self,
        actor: Actor,
        slug: &str,
        display_name: Option<&str>,
    ) -> Result<Tenant, ServiceError> {
        self.create_tenant_with_keys(actor, slug, display_name, &KeyAlgorithm::ALL)
            .await
    }

    /// Creates a tenant with keys for `algs` only; the others come from
    /// [`Hub::ensure_signing_keys`] (bootstrap defers RSA generation so that
    /// the first start stays fast).
    pub(crate) async fn create_tenant_with_keys(
        &self,
        actor: Actor,
        slug: &str,
        display_name: Option<&str>,
        algs: &[KeyAlgorithm],
    ) -> Result<Tenant, ServiceError> {
        let slug = Slug::parse(slug)?;
        let display_name =
            parse_display_name(display_name.unwrap_or(slug.as_str()), "display_name")?;
        let now = self.now();
        let tenant = Tenant {
            id: TenantId::new(now),
            slug,
            display_name,
            settings: TenantSettings::default(),
            created_at: now,
            updated_at: now,
        };
        let keys = self.first_signing_keys(&tenant, algs).await?;
        let mut tx = self.store.begin().await?;
        tenants::insert(&mut tx, &tenant).await?;
        for (key, sealed) in &keys {
            crate::store::signing_keys::insert(&mut tx, key, sealed).await?;
        }
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "tenant.created")
                .target("tenant", tenant.id)
                .details(json!({ "slug": tenant.slug.as_str() })),
        )
        .await?;
        tx.commit().await?;
        Ok(tenant)
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(tenants::list(&mut conn).await?)
    }

    pub async fn update_tenant(
        &self,
        actor: Actor,
        slug: &str,
        display_name: Option<&str>,
        settings: Option<TenantSettings>,
    ) -> Result<Tenant, ServiceError> {
        let mut tx = self.store.begin().await?;
        let mut tenant = tenants::by_slug(&mut tx, slug)
            .await
            .map_err(ServiceError::not_found("tenant"))?;
        if let Some(name) = display_name {
            tenant.display_name = parse_display_name(name, "display_name")?;
        }
        if let Some(settings) = settings {
            settings.validate()?;
            tenant.settings = settings;
        }
        tenant.updated_at = self.now();
        tenants::update(&mut tx, &tenant).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, tenant.updated_at, actor, "tenant.updated")
                .target("tenant", tenant.id),
        )
        .await?;
        tx.commit().await?;
        self.tenants_by_slug.clear();
        Ok(tenant)
    }

    /// Deletes a tenant and everything it owns. The `default` tenant, which
    /// holds the installation's administrators, cannot be deleted. The event
    /// goes to the default tenant's log, since the tenant's own log goes too.
    pub async fn delete_tenant(&self, actor: Actor, slug: &str) -> Result<(), ServiceError> {
        if slug == DEFAULT_TENANT {
            return Err(ServiceError::Forbidden(
                "the default tenant holds the installation's administrators and cannot be deleted"
                    .into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let tenant = tenants::by_slug(&mut tx, slug)
            .await
            .map_err(ServiceError::not_found("tenant"))?;
        tenants::delete(&mut tx, tenant.id).await?;
        // Its clients and grants go with it.
        tx.invalidates_cached_reads();
        if let Ok(default) = tenants::by_slug(&mut tx, DEFAULT_TENANT).await {
            record(
                &mut tx,
                &AuditEvent::new(default.id, self.now(), actor, "tenant.deleted")
                    .target("tenant", tenant.id)
                    .details(json!({ "slug": slug })),
            )
            .await?;
        }
        tx.commit().await?;
        self.tenants_by_slug.clear();
        Ok(())
    }
}
