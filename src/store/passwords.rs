//! Password credentials: one argon2id PHC string per user.

use sqlx::AnyConnection;

use super::codec::micros;
use super::StoreError;
use crate::core::{TenantId, UserId};

/// Sets (or replaces) a user's password hash.
pub async fn set(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    phc: &str,
    at: time::OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO password_credentials (tenant_id, user_id, hash, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET hash = excluded.hash, \
         created_at = excluded.created_at",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(phc)
    .bind(micros(at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT hash FROM password_credentials WHERE tenant_id = $1 AND user_id = $2",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(h,)| h))
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM password_credentials WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
