//! Upstream identity providers of a tenant: the registry rows, found by id,
//! by name (URLs, `idp_hint`) or by issuer (a SAML Response's `Issuer`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_json, from_micros, micros, one_row, parse_id, to_json};
use super::{Page, StoreError};
use crate::core::upstream_idp::UpstreamIdp;
use crate::core::{TenantId, UpstreamIdpId};

const COLUMNS: &str = "tenant_id, id, name, display_name, config, created_at, updated_at, version";

fn decode(row: &AnyRow) -> Result<UpstreamIdp, StoreError> {
    Ok(UpstreamIdp {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        display_name: row.try_get("display_name")?,
        config: from_json(&row.try_get::<String, _>("config")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, idp: &UpstreamIdp) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO upstream_idps (tenant_id, id, name, kind, issuer, display_name, config, \
         created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(idp.tenant_id.to_string())
    .bind(idp.id.to_string())
    .bind(&idp.name)
    .bind(idp.kind())
    .bind(idp.issuer())
    .bind(&idp.display_name)
    .bind(to_json(&idp.config)?)
    .bind(micros(idp.created_at))
    .bind(micros(idp.updated_at))
    .bind(idp.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a provider if its stored version is `expected_version`.
pub async fn update(
    conn: &mut AnyConnection,
    idp: &UpstreamIdp,
    expected_version: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE upstream_idps SET name = $3, issuer = $4, display_name = $5, config = $6, \
         updated_at = $7, version = $8 WHERE tenant_id = $1 AND id = $2 AND version = $9",
    )
    .bind(idp.tenant_id.to_string())
    .bind(idp.id.to_string())
    .bind(&idp.name)
    .bind(idp.issuer())
    .bind(&idp.display_name)
    .bind(to_json(&idp.config)?)
    .bind(micros(idp.updated_at))
    .bind(idp.version)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        get(conn, idp.tenant_id, idp.id).await?;
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UpstreamIdpId,
) -> Result<UpstreamIdp, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM upstream_idps WHERE tenant_id = $1 AND id = $2"
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
) -> Result<UpstreamIdp, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM upstream_idps WHERE tenant_id = $1 AND name = $2"
    ))
    .bind(tenant.to_string())
    .bind(name)
    .fetch_one(conn)
    .await?;
    decode(&row)
}

/// The providers of one kind whose issuer is `issuer`.
pub async fn by_issuer(
    conn: &mut AnyConnection,
    tenant: TenantId,
    kind: &str,
    issuer: &str,
) -> Result<Vec<UpstreamIdp>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM upstream_idps WHERE tenant_id = $1 AND issuer = $2 AND kind = $3 \
         ORDER BY id"
    ))
    .bind(tenant.to_string())
    .bind(issuer)
    .bind(kind)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: Page<'_>,
) -> Result<Vec<UpstreamIdp>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM upstream_idps WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind(tenant.to_string())
    .bind(page.after.unwrap_or(""))
    .bind(page.sql_limit())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UpstreamIdpId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM upstream_idps WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// Sets (or, with `None`, clears) the sealed client secret of a provider.
pub async fn set_client_secret(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UpstreamIdpId,
    sealed: Option<&str>,
) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE upstream_idps SET client_secret = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(sealed)
            .execute(conn)
            .await?;
    one_row(result)
}

/// The sealed client secret of a provider, if it has one.
pub async fn client_secret(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UpstreamIdpId,
) -> Result<Option<String>, StoreError> {
    let row =
        sqlx::query("SELECT client_secret FROM upstream_idps WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .fetch_one(conn)
            .await?;
    Ok(row.try_get("client_secret")?)
}
