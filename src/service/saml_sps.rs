//! SAML service provider use cases: register one from its metadata (file
//! or URL), read, list, change, delete. The metadata is checked by
//! `usso_saml` before anything is stored; the provider's `entityID` comes
//! from it and is unique in the tenant.

use serde_json::json;
use usso_saml::metadata::SpMetadata;

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::saml_sp::{
    parse_sp_name, AttributeNaming, NameIdChoice, SamlServiceProvider, SamlSpSettings,
};
use crate::core::tenant::Tenant;
use crate::core::SamlSpId;
use crate::store::{saml_sps, Page};

/// Largest metadata document accepted (what `usso_saml` parses at most).
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// What a caller sets on a provider; `None` keeps the current value (or the
/// default, when registering).
#[derive(Debug, Clone, Default)]
pub struct SamlSpChanges {
    pub name: Option<String>,
    /// A new metadata document (its `entityID` may not change).
    pub metadata: Option<String>,
    pub name_id_format: Option<NameIdChoice>,
    pub attribute_naming: Option<AttributeNaming>,
    pub attributes: Option<Vec<String>>,
    pub sign_response: Option<bool>,
    pub sign_assertion: Option<bool>,
    pub encrypt_assertion: Option<bool>,
    pub require_signed_requests: Option<bool>,
}

/// Parses service provider metadata, with the reason in a caller's terms.
pub fn parse_sp_metadata(xml: &str) -> Result<SpMetadata, ServiceError> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err(ServiceError::invalid("metadata", "larger than 1 MiB"));
    }
    SpMetadata::parse(xml.as_bytes())
        .map_err(|e| ServiceError::invalid("metadata", format!("not usable SAML SP metadata: {e}")))
}

fn apply(
    mut settings: SamlSpSettings,
    changes: &SamlSpChanges,
    metadata: &SpMetadata,
) -> Result<SamlSpSettings, ServiceError> {
    if let Some(v) = changes.name_id_format {
        settings.name_id_format = v;
    }
    if let Some(v) = changes.attribute_naming {
        settings.attribute_naming = v;
    }
    if let Some(v) = &changes.attributes {
        settings.attributes = v.clone();
    }
    if let Some(v) = changes.sign_response {
        settings.sign_response = v;
    }
    if let Some(v) = changes.sign_assertion {
        settings.sign_assertion = v;
    }
    if let Some(v) = changes.encrypt_assertion {
        settings.encrypt_assertion = v;
    }
    if let Some(v) = changes.require_signed_requests {
        settings.require_signed_requests = v;
    }
    if settings.encrypt_assertion && metadata.encryption_certificates.is_empty() {
        return Err(ServiceError::invalid(
            "encrypt_assertion",
            "the service provider's metadata publishes no encryption certificate",
        ));
    }
    if settings.require_signed_requests && metadata.signing_certificates.is_empty() {
        return Err(ServiceError::invalid(
            "require_signed_requests",
            "the service provider's metadata publishes no signing certificate",
        ));
    }
    if metadata.assertion_consumer_services.is_empty() {
        return Err(ServiceError::invalid(
            "metadata",
            "the service provider has no AssertionConsumerService",
        ));
    }
    Ok(settings.validate()?)
}

impl Hub {
    pub async fn create_saml_sp(
        &self,
        actor: Actor,
        tenant: &Tenant,
        metadata_xml: String,
        changes: SamlSpChanges,
    ) -> Result<SamlServiceProvider, ServiceError> {
        let metadata = parse_sp_metadata(&metadata_xml)?;
        let defaults = SamlSpSettings {
            require_signed_requests: metadata.authn_requests_signed,
            ..SamlSpSettings::default()
        };
        let settings = apply(defaults, &changes, &metadata)?;
        let name = parse_sp_name(changes.name.as_deref().unwrap_or(&metadata.entity_id))?;
        let now = self.now();
        let sp = SamlServiceProvider {
            id: SamlSpId::new(now),
            tenant_id: tenant.id,
            name,
            entity_id: metadata.entity_id.clone(),
            metadata: metadata_xml,
            settings,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        saml_sps::insert(&mut tx, &sp).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "saml_sp.created")
                .target("saml_sp", sp.id)
                .details(json!({ "name": sp.name, "entity_id": sp.entity_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(sp)
    }

    /// A provider by id or by entityID.
    pub async fn find_saml_sp(
        &self,
        tenant: &Tenant,
        id_or_entity: &str,
    ) -> Result<SamlServiceProvider, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_entity.parse::<SamlSpId>() {
            if let Ok(sp) = saml_sps::get(&mut conn, tenant.id, id).await {
                return Ok(sp);
            }
        }
        saml_sps::by_entity_id(&mut conn, tenant.id, id_or_entity)
            .await
            .map_err(ServiceError::not_found("SAML service provider"))
    }

    pub async fn list_saml_sps(
        &self,
        tenant: &Tenant,
        page: Page<'_>,
    ) -> Result<Vec<SamlServiceProvider>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(saml_sps::list(&mut conn, tenant.id, page).await?)
    }

    pub async fn update_saml_sp(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: SamlSpId,
        changes: SamlSpChanges,
        expected_version: Option<i64>,
    ) -> Result<SamlServiceProvider, ServiceError> {
        let mut tx = self.store.begin().await?;
        let mut sp = saml_sps::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("SAML service provider"))?;
        let read_version = sp.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        let metadata_xml = changes
            .metadata
            .clone()
            .unwrap_or_else(|| sp.metadata.clone());
        let metadata = parse_sp_metadata(&metadata_xml)?;
        if metadata.entity_id != sp.entity_id {
            return Err(ServiceError::invalid(
                "metadata",
                format!(
                    "the metadata is for {:?}, not {:?}; register it as a new provider",
                    metadata.entity_id, sp.entity_id
                ),
            ));
        }
        sp.settings = apply(sp.settings.clone(), &changes, &metadata)?;
        if let Some(name) = &changes.name {
            sp.name = parse_sp_name(name)?;
        }
        sp.metadata = metadata_xml;
        sp.updated_at = self.now();
        sp.version = read_version + 1;
        saml_sps::update(&mut tx, &sp, read_version).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, sp.updated_at, actor, "saml_sp.updated")
                .target("saml_sp", sp.id)
                .details(
                    json!({ "name": sp.name, "metadata_replaced": changes.metadata.is_some() }),
                ),
        )
        .await?;
        tx.commit().await?;
        Ok(sp)
    }

    pub async fn delete_saml_sp(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: SamlSpId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        saml_sps::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("SAML service provider"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "saml_sp.deleted").target("saml_sp", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
