//! API keys, found by the keyed hash of their token.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{
    from_json, from_micros, from_opt_micros, micros, one_row, opt_micros, parse_id, to_json,
};
use super::StoreError;
use crate::core::api_key::ApiKey;
use crate::core::{ApiKeyId, TenantId};

const COLUMNS: &str = "tenant_id, id, name, scopes, created_at, expires_at";

fn decode(row: &AnyRow) -> Result<ApiKey, StoreError> {
    Ok(ApiKey {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        scopes: from_json(&row.try_get::<String, _>("scopes")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        expires_at: from_opt_micros(row.try_get("expires_at")?)?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    key: &ApiKey,
    token_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO api_keys (tenant_id, id, name, token_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(key.tenant_id.to_string())
    .bind(key.id.to_string())
    .bind(&key.name)
    .bind(token_hash)
    .bind(to_json(&key.scopes)?)
    .bind(micros(key.created_at))
    .bind(opt_micros(key.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_token_hash(
    conn: &mut AnyConnection,
    tenant: TenantId,
    token_hash: &str,
) -> Result<ApiKey, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 AND token_hash = $2"
    ))
    .bind(tenant.to_string())
    .bind(token_hash)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ApiKeyId,
) -> Result<ApiKey, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn list(conn: &mut AnyConnection, tenant: TenantId) -> Result<Vec<ApiKey>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY id"
    ))
    .bind(tenant.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ApiKeyId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM api_keys WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}
