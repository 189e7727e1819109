//! LDAP / Active Directory source use cases (issue 6): register, read,
//! list, change and delete a tenant's directory sources, and test one
//! (connect, bind, count, map one user). Every setting is checked by
//! `usso_ldap` (URL, DNs, RFC 4515 filters, CA, mapping) before anything is
//! stored; the service account's password is sealed under the master key
//! like private signing keys, and never read back but to bind.

use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use usso_ldap::{Dn, Mapping, Preset, Secret, SourceConfig};

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::ldap_source::{
    parse_source_name, DeletePolicy, DirectoryKind, LdapSettings, LdapSource,
};
use crate::core::tenant::Tenant;
use crate::core::LdapSourceId;
use crate::store::ldap_sources;

/// Longest bind password accepted, in bytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// What a caller sets on a source; `None` keeps the current value. For the
/// optional settings, `Some("")` clears them.
#[derive(Debug, Clone, Default)]
pub struct LdapSourceChanges {
    pub name: Option<String>,
    pub url: Option<String>,
    pub bind_dn: Option<String>,
    pub bind_password: Option<String>,
    pub base_dn: Option<String>,
    pub preset: Option<DirectoryKind>,
    pub users_dn: Option<String>,
    pub groups_dn: Option<String>,
    pub user_filter: Option<String>,
    pub group_filter: Option<String>,
    pub start_tls: Option<bool>,
    pub ca_pem: Option<String>,
    /// `Some(0)` turns the schedule off.
    pub interval_seconds: Option<u64>,
    pub delete_policy: Option<DeletePolicy>,
    pub max_removal_share: Option<f64>,
    pub mapping: Option<serde_json::Value>,
}

/// What `test` found.
#[derive(Debug, Clone, Serialize)]
pub struct LdapTestResult {
    pub users: u64,
    pub groups: u64,
    /// The first user the sync would read, as it would be mapped.
    pub sample_user: Option<SampleUser>,
}

/// One mapped directory user.
#[derive(Debug, Clone, Serialize)]
pub struct SampleUser {
    pub dn: String,
    pub stable_id: String,
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub disabled: bool,
}

fn seal_context(tenant: &Tenant, id: LdapSourceId) -> String {
    format!("ldap-source:{}:{id}", tenant.id)
}

fn clearable(value: &Option<String>, current: Option<String>) -> Option<String> {
    match value {
        None => current,
        Some(v) if v.trim().is_empty() => None,
        Some(v) => Some(v.trim().to_owned()),
    }
}

fn apply(mut s: LdapSettings, c: &LdapSourceChanges) -> Result<LdapSettings, ServiceError> {
    if let Some(v) = &c.url {
        s.url = v.trim().to_owned();
    }
    if let Some(v) = &c.bind_dn {
        s.bind_dn = v.trim().to_owned();
    }
    if let Some(v) = &c.base_dn {
        s.base_dn = v.trim().to_owned();
    }
    if let Some(v) = c.preset {
        s.preset = v;
    }
    s.users_dn = clearable(&c.users_dn, s.users_dn);
    s.groups_dn = clearable(&c.groups_dn, s.groups_dn);
    s.user_filter = clearable(&c.user_filter, s.user_filter);
    s.group_filter = clearable(&c.group_filter, s.group_filter);
    s.ca_pem = clearable(&c.ca_pem, s.ca_pem);
    if let Some(v) = c.start_tls {
        s.start_tls = v;
    }
    if let Some(v) = c.interval_seconds {
        s.interval_seconds = (v > 0).then_some(v);
    }
    if let Some(v) = c.delete_policy {
        s.delete_policy = v;
    }
    if let Some(v) = c.max_removal_share {
        s.max_removal_share = v;
    }
    if let Some(v) = &c.mapping {
        s.mapping = (!v.is_null()).then(|| v.clone());
    }
    Ok(s.validate()?)
}

fn preset(kind: DirectoryKind) -> Preset {
    match kind {
        DirectoryKind::Openldap => Preset::Openldap,
        DirectoryKind::ActiveDirectory => Preset::ActiveDirectory,
        DirectoryKind::Freeipa => Preset::Freeipa,
    }
}

fn dn(field: &str, raw: &str) -> Result<Dn, ServiceError> {
    Dn::parse(raw).map_err(|e| ServiceError::invalid(field, format!("not a DN: {e}")))
}

fn opt_dn(field: &str, raw: &Option<String>) -> Result<Option<Dn>, ServiceError> {
    raw.as_deref().map(|r| dn(field, r)).transpose()
}

/// The `usso_ldap` configuration of `settings` with `password`, checked
/// without the network.
pub fn source_config(
    settings: &LdapSettings,
    password: Secret,
) -> Result<SourceConfig, ServiceError> {
    let mut mapping = Mapping::preset(preset(settings.preset));
    if let Some(overrides) = &settings.mapping {
        mapping = mapping.with_overrides(overrides).map_err(config_error)?;
    }
    let mut config = SourceConfig::new(
        settings.url.clone(),
        settings.bind_dn.clone(),
        password,
        dn("base_dn", &settings.base_dn)?,
        mapping,
    );
    config.users_dn = opt_dn("users_dn", &settings.users_dn)?;
    config.groups_dn = opt_dn("groups_dn", &settings.groups_dn)?;
    config.user_filter = settings.user_filter.clone();
    config.group_filter = settings.group_filter.clone();
    config.start_tls = settings.start_tls;
    config.ca_pem = settings.ca_pem.clone();
    config.validate().map_err(config_error)?;
    Ok(config)
}

/// A configuration error in the caller's terms (the field it is about).
pub fn config_error(e: usso_ldap::Error) -> ServiceError {
    let field = match &e {
        usso_ldap::Error::InvalidFilter { which, .. } => format!("{which}_filter"),
        usso_ldap::Error::Mapping(_) => "mapping".to_owned(),
        _ => "settings".to_owned(),
    };
    ServiceError::invalid(&field, e.to_string())
}

/// A failure talking to the directory (unreachable, refused bind, refused
/// search): a clear message for the operator; never the password.
pub fn directory_error(e: usso_ldap::Error) -> ServiceError {
    match e {
        usso_ldap::Error::Config(_)
        | usso_ldap::Error::InvalidFilter { .. }
        | usso_ldap::Error::Mapping(_) => config_error(e),
        other => ServiceError::invalid("directory", other.to_string()),
    }
}

fn check_password(password: &str) -> Result<(), ServiceError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ServiceError::invalid(
            "bind_password",
            format!("at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

impl Hub {
    pub async fn create_ldap_source(
        &self,
        actor: Actor,
        tenant: &Tenant,
        name: &str,
        settings: LdapSettings,
        bind_password: String,
    ) -> Result<LdapSource, ServiceError> {
        let name = parse_source_name(name)?;
        let settings = settings.validate()?;
        check_password(&bind_password)?;
        source_config(&settings, Secret::new(bind_password.clone()))?;
        let now = self.now();
        let source = LdapSource {
            id: LdapSourceId::new(now),
            tenant_id: tenant.id,
            name,
            settings,
            last_sync_at: None,
            last_report: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let sealed = self
            .sealer
            .seal(bind_password.as_bytes(), &seal_context(tenant, source.id));
        let mut tx = self.store.begin().await?;
        ldap_sources::insert(&mut tx, &source, &sealed).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "ldap_source.created")
                .target("ldap_source", source.id)
                .details(json!({ "name": source.name, "url": source.settings.url })),
        )
        .await?;
        tx.commit().await?;
        Ok(source)
    }

    /// A source by id or by name.
    pub async fn find_ldap_source(
        &self,
        tenant: &Tenant,
        id_or_name: &str,
    ) -> Result<LdapSource, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_name.parse::<LdapSourceId>() {
            if let Ok(source) = ldap_sources::get(&mut conn, tenant.id, id).await {
                return Ok(source);
            }
        }
        ldap_sources::by_name(&mut conn, tenant.id, id_or_name)
            .await
            .map_err(ServiceError::not_found("LDAP source"))
    }

    pub async fn get_ldap_source(
        &self,
        tenant: &Tenant,
        id: LdapSourceId,
    ) -> Result<LdapSource, ServiceError> {
        let mut conn = self.store.conn().await?;
        ldap_sources::get(&mut conn, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("LDAP source"))
    }

    pub async fn list_ldap_sources(
        &self,
        tenant: &Tenant,
    ) -> Result<Vec<LdapSource>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(ldap_sources::list(&mut conn, tenant.id).await?)
    }

    pub async fn update_ldap_source(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: LdapSourceId,
        changes: LdapSourceChanges,
        expected_version: Option<i64>,
    ) -> Result<LdapSource, ServiceError> {
        if let Some(p) = &changes.bind_password {
            check_password(p)?;
        }
        let mut tx = self.store.begin().await?;
        let mut source = ldap_sources::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("LDAP source"))?;
        let read_version = source.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        source.settings = apply(source.settings.clone(), &changes)?;
        if let Some(name) = &changes.name {
            source.name = parse_source_name(name)?;
        }
        let password = match &changes.bind_password {
            Some(p) => Secret::new(p.clone()),
            None => {
                let sealed = ldap_sources::sealed_password(&mut tx, tenant.id, id).await?;
                self.open_password(tenant, id, &sealed)?
            }
        };
        source_config(&source.settings, password)?;
        let sealed = changes
            .bind_password
            .as_ref()
            .map(|p| self.sealer.seal(p.as_bytes(), &seal_context(tenant, id)));
        source.updated_at = self.now();
        source.version = read_version + 1;
        ldap_sources::update(&mut tx, &source, sealed.as_deref(), read_version).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, source.updated_at, actor, "ldap_source.updated")
                .target("ldap_source", id)
                .details(json!({
                    "name": source.name,
                    "password_replaced": changes.bind_password.is_some(),
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(source)
    }

    /// Deletes the source. Its users and groups stay (an operator decides
    /// what becomes of them); their directory logins stop working.
    pub async fn delete_ldap_source(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: LdapSourceId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        ldap_sources::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("LDAP source"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "ldap_source.deleted")
                .target("ldap_source", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn open_password(
        &self,
        tenant: &Tenant,
        id: LdapSourceId,
        sealed: &str,
    ) -> Result<Secret, ServiceError> {
        let bytes = self
            .sealer
            .open(sealed, &seal_context(tenant, id))
            .map_err(|e| ServiceError::Internal(format!("LDAP bind password: {e}")))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ServiceError::Internal("LDAP bind password is not UTF-8".into()))?;
        Ok(Secret::new(text))
    }

    /// The source's directory configuration, with its password opened.
    pub async fn ldap_config(
        &self,
        tenant: &Tenant,
        source: &LdapSource,
    ) -> Result<SourceConfig, ServiceError> {
        let sealed = {
            let mut conn = self.store.conn().await?;
            ldap_sources::sealed_password(&mut conn, tenant.id, source.id)
                .await
                .map_err(ServiceError::not_found("LDAP source"))?
        };
        let password = self.open_password(tenant, source.id, &sealed)?;
        source_config(&source.settings, password)
    }

    /// Connects and binds, counts users and groups, and maps the first
    /// user; records `ldap_source.tested` (failed when the directory was
    /// not usable).
    pub async fn test_ldap_source(
        &self,
        actor: Actor,
        tenant: &Tenant,
        source: &LdapSource,
    ) -> Result<LdapTestResult, ServiceError> {
        let config = self.ldap_config(tenant, source).await?;
        let result = probe(&config, self.now()).await;
        let mut event = AuditEvent::new(tenant.id, self.now(), actor, "ldap_source.tested")
            .target("ldap_source", source.id);
        event = match &result {
            Ok(r) => event.details(json!({ "users": r.users, "groups": r.groups })),
            Err(e) => event.failed().details(json!({ "error": e.to_string() })),
        };
        let mut tx = self.store.begin().await?;
        record(&mut tx, &event).await?;
        tx.commit().await?;
        result.map_err(directory_error)
    }
}

async fn probe(config: &SourceConfig, now: OffsetDateTime) -> usso_ldap::Result<LdapTestResult> {
    let mut dir = usso_ldap::connect(config).await?;
    let (users, groups) = dir.count().await?;
    let mut sample_user = None;
    {
        let mut sync = dir.full_sync(now).await?;
        while let Some(entry) = sync.next().await? {
            if let usso_ldap::DirectoryEntry::User(u) = entry {
                sample_user = Some(SampleUser {
                    dn: u.dn.to_string(),
                    stable_id: u.stable_id,
                    username: u.username,
                    email: u.email,
                    display_name: u.display_name,
                    disabled: u.disabled,
                });
                break;
            }
        }
    }
    Ok(LdapTestResult {
        users,
        groups,
        sample_user,
    })
}
