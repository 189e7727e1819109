//! Login sessions, found by the keyed hash of their cookie token.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::codec::{from_micros, micros, one_row, parse_id};
use super::StoreError;
use crate::core::session::Session;
use crate::core::{SessionId, TenantId, UserId};

const COLUMNS: &str =
    "tenant_id, id, user_id, created_at, last_seen_at, expires_at, ip, user_agent";

fn decode(row: &AnyRow) -> Result<Session, StoreError> {
    Ok(Session {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        user_id: parse_id(&row.try_get::<String, _>("user_id")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        last_seen_at: from_micros(row.try_get("last_seen_at")?)?,
        expires_at: from_micros(row.try_get("expires_at")?)?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    session: &Session,
    token_hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (tenant_id, id, token_hash, user_id, created_at, last_seen_at, \
         expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(session.tenant_id.to_string())
    .bind(session.id.to_string())
    .bind(token_hash)
    .bind(session.user_id.to_string())
    .bind(micros(session.created_at))
    .bind(micros(session.last_seen_at))
    .bind(micros(session.expires_at))
    .bind(session.ip.as_deref())
    .bind(session.user_agent.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_token_hash(
    conn: &mut AnyConnection,
    tenant: TenantId,
    token_hash: &str,
) -> Result<Session, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE tenant_id = $1 AND token_hash = $2"
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
    id: SessionId,
) -> Result<Session, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn list_for_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<Session>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE tenant_id = $1 AND user_id = $2 ORDER BY id"
    ))
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn touch(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: SessionId,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE sessions SET last_seen_at = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(micros(at))
            .execute(conn)
            .await?;
    one_row(result)
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: SessionId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// Ends every session of a user (disable, password change); returns how many.
pub async fn delete_for_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

/// Removes sessions of `tenant` whose absolute end has passed.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND expires_at <= $2")
        .bind(tenant.to_string())
        .bind(micros(now))
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

/// Removes sessions of `tenant` unused since `cutoff` (idle timeout passed).
pub async fn delete_idle_since(
    conn: &mut AnyConnection,
    tenant: TenantId,
    cutoff: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND last_seen_at <= $2")
        .bind(tenant.to_string())
        .bind(micros(cutoff))
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}
