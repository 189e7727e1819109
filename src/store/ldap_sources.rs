//! LDAP sources of a tenant: settings (JSON), the sealed bind password, the
//! incremental sync state and report of the last run, and the scheduler's
//! lease (taken with one conditional UPDATE, the same on both databases).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::codec::{from_json, from_micros, from_opt_micros, micros, one_row, parse_id, to_json};
use super::StoreError;
use crate::core::ldap_source::{LdapSource, SyncReport};
use crate::core::{LdapSourceId, TenantId};

const COLUMNS: &str =
    "tenant_id, id, name, settings, last_sync_at, last_report, created_at, updated_at, version";

fn decode(row: &AnyRow) -> Result<LdapSource, StoreError> {
    let report: Option<String> = row.try_get("last_report")?;
    Ok(LdapSource {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        settings: from_json(&row.try_get::<String, _>("settings")?)?,
        last_sync_at: from_opt_micros(row.try_get("last_sync_at")?)?,
        last_report: report.as_deref().map(from_json).transpose()?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

fn name_key(name: &str) -> String {
    name.to_lowercase()
}

pub async fn insert(
    conn: &mut AnyConnection,
    source: &LdapSource,
    sealed_password: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ldap_sources (tenant_id, id, name, name_key, settings, bind_password, \
         created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(source.tenant_id.to_string())
    .bind(source.id.to_string())
    .bind(&source.name)
    .bind(name_key(&source.name))
    .bind(to_json(&source.settings)?)
    .bind(sealed_password)
    .bind(micros(source.created_at))
    .bind(micros(source.updated_at))
    .bind(source.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a source's name and settings (and its sealed password, when
/// given) if its stored version is `expected_version`.
pub async fn update(
    conn: &mut AnyConnection,
    source: &LdapSource,
    sealed_password: Option<&str>,
    expected_version: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE ldap_sources SET name = $3, name_key = $4, settings = $5, \
         bind_password = COALESCE($6, bind_password), updated_at = $7, version = $8 \
         WHERE tenant_id = $1 AND id = $2 AND version = $9",
    )
    .bind(source.tenant_id.to_string())
    .bind(source.id.to_string())
    .bind(&source.name)
    .bind(name_key(&source.name))
    .bind(to_json(&source.settings)?)
    .bind(sealed_password)
    .bind(micros(source.updated_at))
    .bind(source.version)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        get(conn, source.tenant_id, source.id).await?;
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
) -> Result<LdapSource, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM ldap_sources WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_one(conn)
    .await?;
    decode(&row)
}

pub async fn by_name(
    conn: &mut AnyConnection,
    tenant: TenantId,
    name: &str,
) -> Result<LdapSource, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM ldap_sources WHERE tenant_id = $1 AND name_key = $2"
    ))
    .bind(tenant.to_string())
    .bind(name_key(name))
    .fetch_one(conn)
    .await?;
    decode(&row)
}

/// Every source of the tenant, by name (a tenant has a handful).
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<LdapSource>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM ldap_sources WHERE tenant_id = $1 ORDER BY name_key"
    ))
    .bind(tenant.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM ldap_sources WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// The sealed bind password.
pub async fn sealed_password(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
) -> Result<String, StoreError> {
    let row =
        sqlx::query("SELECT bind_password FROM ldap_sources WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_one(conn)
            .await?;
    Ok(row.try_get("bind_password")?)
}

/// The incremental sync state of the last good run (JSON), if any.
pub async fn sync_state(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT sync_state FROM ldap_sources WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("sync_state")?)
}

/// Records a run that went to its end: its new state and its report.
pub async fn record_success(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
    state_json: &str,
    report: &SyncReport,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE ldap_sources SET sync_state = $3, last_report = $4, last_sync_at = $5 \
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.to_string())
    .bind(id.to_string())
    .bind(state_json)
    .bind(to_json(report)?)
    .bind(micros(at))
    .execute(conn)
    .await?;
    one_row(result)
}

/// Records the report of a run that stopped or failed; the state stays.
pub async fn record_report(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
    report: &SyncReport,
) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE ldap_sources SET last_report = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(to_json(report)?)
            .execute(conn)
            .await?;
    one_row(result)
}

/// Takes (or renews) the source's lease for `holder` until `until`, unless
/// another holder's lease is still running at `now`. One conditional
/// UPDATE: of two nodes racing, one row update wins.
pub async fn try_lease(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
    holder: &str,
    now: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE ldap_sources SET lease_holder = $3, lease_until = $4 \
         WHERE tenant_id = $1 AND id = $2 \
         AND (lease_holder IS NULL OR lease_holder = $3 OR lease_until IS NULL OR lease_until < $5)",
    )
    .bind(tenant.to_string())
    .bind(id.to_string())
    .bind(holder)
    .bind(micros(until))
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives the lease back, if `holder` has it.
pub async fn release_lease(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: LdapSourceId,
    holder: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE ldap_sources SET lease_holder = NULL, lease_until = NULL \
         WHERE tenant_id = $1 AND id = $2 AND lease_holder = $3",
    )
    .bind(tenant.to_string())
    .bind(id.to_string())
    .bind(holder)
    .execute(conn)
    .await?;
    Ok(())
}
