//! Upstream identity provider use cases: register a SAML IdP from its
//! metadata, read, list, change, delete; and the identities linked to a
//! user (listed and removed by the user or an admin). The metadata is
//! checked by `usso_saml` before anything is stored; each change is one
//! transaction with one audit event.

use serde_json::json;
use usso_saml::metadata::IdpMetadata;

use super::saml_sps::MAX_METADATA_BYTES;
use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::saml_sp::NameIdChoice;
use crate::core::tenant::{parse_display_name, Tenant};
use crate::core::upstream_idp::{
    parse_idp_name, AccountPolicy, FederatedIdentity, SamlUpstream, SamlUpstreamSettings,
    UpstreamConfig, UpstreamIdp,
};
use crate::core::{UpstreamIdpId, UserId};
use crate::store::{federation, upstream_idps, Page};

/// What a caller sets on a SAML upstream; `None` keeps the current value
/// (or the default, when registering).
#[derive(Debug, Clone, Default)]
pub struct SamlUpstreamChanges {
    pub name: Option<String>,
    pub display_name: Option<String>,
    /// A new metadata document (its `entityID` may not change).
    pub metadata: Option<String>,
    pub metadata_url: Option<String>,
    pub sign_requests: Option<bool>,
    pub want_assertions_signed: Option<bool>,
    pub require_encrypted_assertions: Option<bool>,
    pub allow_sha1: Option<bool>,
    /// `Some(None)` clears it (the IdP chooses).
    pub name_id_format: Option<Option<NameIdChoice>>,
    pub force_authn: Option<bool>,
    pub subject_attribute: Option<Option<String>>,
    pub create_users: Option<bool>,
    pub link_by_email: Option<bool>,
    pub trust_email: Option<bool>,
    pub group_map: Option<std::collections::BTreeMap<String, String>>,
}

/// Parses IdP metadata, with the reason in a caller's terms.
pub fn parse_idp_metadata(xml: &str) -> Result<IdpMetadata, ServiceError> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err(ServiceError::invalid("metadata", "larger than 1 MiB"));
    }
    IdpMetadata::parse(xml.as_bytes()).map_err(|e| {
        ServiceError::invalid("metadata", format!("not usable SAML IdP metadata: {e}"))
    })
}

fn apply(mut s: SamlUpstreamSettings, c: &SamlUpstreamChanges) -> SamlUpstreamSettings {
    let set = |slot: &mut bool, v: Option<bool>| {
        if let Some(v) = v {
            *slot = v;
        }
    };
    set(&mut s.sign_requests, c.sign_requests);
    set(&mut s.want_assertions_signed, c.want_assertions_signed);
    set(
        &mut s.require_encrypted_assertions,
        c.require_encrypted_assertions,
    );
    set(&mut s.allow_sha1, c.allow_sha1);
    set(&mut s.force_authn, c.force_authn);
    if let Some(v) = c.name_id_format {
        s.name_id_format = v;
    }
    if let Some(v) = &c.subject_attribute {
        s.subject_attribute = v
            .as_ref()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
    }
    let AccountPolicy {
        create_users,
        link_by_email,
        trust_email,
    } = &mut s.accounts;
    set(create_users, c.create_users);
    set(link_by_email, c.link_by_email);
    set(trust_email, c.trust_email);
    if let Some(map) = &c.group_map {
        s.mapping.group_map = map.clone();
    }
    s
}

impl Hub {
    /// Registers a SAML IdP of the tenant from its metadata.
    pub async fn create_saml_upstream(
        &self,
        actor: Actor,
        tenant: &Tenant,
        metadata_xml: String,
        changes: SamlUpstreamChanges,
    ) -> Result<UpstreamIdp, ServiceError> {
        let metadata = parse_idp_metadata(&metadata_xml)?;
        let name = parse_idp_name(
            changes
                .name
                .as_deref()
                .ok_or_else(|| ServiceError::invalid("name", "is required"))?,
        )?;
        let display_name = parse_display_name(
            changes.display_name.as_deref().unwrap_or(&name),
            "display_name",
        )?;
        let mut conn = self.store.conn().await?;
        if !upstream_idps::by_issuer(&mut conn, tenant.id, "saml", &metadata.entity_id)
            .await?
            .is_empty()
        {
            return Err(ServiceError::Conflict {
                field: "entity_id".into(),
            });
        }
        drop(conn);
        let now = self.now();
        let idp = UpstreamIdp {
            id: UpstreamIdpId::new(now),
            tenant_id: tenant.id,
            name,
            display_name,
            config: UpstreamConfig::Saml(SamlUpstream {
                entity_id: metadata.entity_id.clone(),
                metadata: metadata_xml,
                metadata_url: changes.metadata_url.clone(),
                settings: apply(SamlUpstreamSettings::default(), &changes),
            }),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        upstream_idps::insert(&mut tx, &idp).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "idp.created")
                .target("idp", idp.id)
                .details(json!({ "name": idp.name, "kind": idp.kind(), "issuer": idp.issuer() })),
        )
        .await?;
        tx.commit().await?;
        Ok(idp)
    }

    /// A provider by id or by name.
    pub async fn find_upstream(
        &self,
        tenant: &Tenant,
        id_or_name: &str,
    ) -> Result<UpstreamIdp, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_name.parse::<UpstreamIdpId>() {
            if let Ok(idp) = upstream_idps::get(&mut conn, tenant.id, id).await {
                return Ok(idp);
            }
        }
        upstream_idps::by_name(&mut conn, tenant.id, id_or_name)
            .await
            .map_err(ServiceError::not_found("identity provider"))
    }

    /// The SAML IdP of the tenant whose entityID is `entity_id`.
    pub async fn saml_upstream_by_entity_id(
        &self,
        tenant: &Tenant,
        entity_id: &str,
    ) -> Result<UpstreamIdp, ServiceError> {
        let mut conn = self.store.conn().await?;
        upstream_idps::by_issuer(&mut conn, tenant.id, "saml", entity_id)
            .await?
            .into_iter()
            .next()
            .ok_or(ServiceError::NotFound("identity provider"))
    }

    pub async fn list_upstreams(
        &self,
        tenant: &Tenant,
        page: Page<'_>,
    ) -> Result<Vec<UpstreamIdp>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(upstream_idps::list(&mut conn, tenant.id, page).await?)
    }

    pub async fn update_saml_upstream(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UpstreamIdpId,
        changes: SamlUpstreamChanges,
        expected_version: Option<i64>,
    ) -> Result<UpstreamIdp, ServiceError> {
        let mut tx = self.store.begin().await?;
        let mut idp = upstream_idps::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("identity provider"))?;
        let read_version = idp.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        let UpstreamConfig::Saml(saml) = &mut idp.config else {
            return Err(ServiceError::invalid(
                "kind",
                "this provider is not a SAML IdP; change it with the OIDC settings",
            ));
        };
        if let Some(xml) = &changes.metadata {
            let metadata = parse_idp_metadata(xml)?;
            if metadata.entity_id != saml.entity_id {
                return Err(ServiceError::invalid(
                    "metadata",
                    format!(
                        "the metadata is for {:?}, not {:?}; register it as a new provider",
                        metadata.entity_id, saml.entity_id
                    ),
                ));
            }
            saml.metadata = xml.clone();
        }
        if changes.metadata_url.is_some() {
            saml.metadata_url = changes.metadata_url.clone();
        }
        saml.settings = apply(saml.settings.clone(), &changes);
        if let Some(name) = &changes.name {
            idp.name = parse_idp_name(name)?;
        }
        if let Some(d) = &changes.display_name {
            idp.display_name = parse_display_name(d, "display_name")?;
        }
        idp.updated_at = self.now();
        idp.version = read_version + 1;
        upstream_idps::update(&mut tx, &idp, read_version).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, idp.updated_at, actor, "idp.updated")
                .target("idp", idp.id)
                .details(
                    json!({ "name": idp.name, "metadata_replaced": changes.metadata.is_some() }),
                ),
        )
        .await?;
        tx.commit().await?;
        Ok(idp)
    }

    /// Deletes a provider; the identities linked through it go with it (the
    /// users stay).
    pub async fn delete_upstream(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UpstreamIdpId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        upstream_idps::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("identity provider"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "idp.deleted").target("idp", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The identities at upstream providers linked to a user.
    pub async fn linked_identities(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Vec<FederatedIdentity>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(federation::identities_of(&mut conn, tenant.id, user).await?)
    }

    /// The user removes one of their own linked identities: refused when it
    /// is their only way to sign in (no password, no other link).
    pub async fn unlink_own_identity(
        &self,
        tenant: &Tenant,
        user: UserId,
        idp: UpstreamIdpId,
        subject: &str,
    ) -> Result<(), ServiceError> {
        let mut conn = self.store.conn().await?;
        let has_password = crate::store::passwords::get(&mut conn, tenant.id, user)
            .await?
            .is_some();
        let links = federation::identities_of(&mut conn, tenant.id, user).await?;
        drop(conn);
        if !links
            .iter()
            .any(|l| l.idp_id == idp && l.subject == subject)
        {
            return Err(ServiceError::NotFound("linked identity"));
        }
        if !has_password && links.len() < 2 {
            return Err(ServiceError::invalid(
                "identity",
                "it is your only way to sign in: set a password first, or link another provider",
            ));
        }
        self.unlink_identity(Actor::User(user), tenant, user, idp, subject)
            .await
    }

    /// Removes one linked identity of a user.
    pub async fn unlink_identity(
        &self,
        actor: Actor,
        tenant: &Tenant,
        user: UserId,
        idp: UpstreamIdpId,
        subject: &str,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        let link = federation::identity(&mut tx, tenant.id, idp, subject)
            .await
            .map_err(ServiceError::not_found("linked identity"))?;
        if link.user_id != user {
            return Err(ServiceError::NotFound("linked identity"));
        }
        federation::unlink(&mut tx, tenant.id, idp, subject).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "identity.unlinked")
                .target("user", user)
                .details(json!({ "idp_id": idp.to_string(), "subject": subject })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
