//! Pending Back-Channel Logout 1.0 deliveries (see
//! [`crate::adapters::oidc::backchannel`]): a logout token owed to one
//! client, its attempts so far and when it is next due. Taking a row for an
//! attempt is a single conditional UPDATE on `attempts`, so two workers (or
//! two nodes) cannot both send it.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::codec::{from_micros, micros, parse_id};
use super::StoreError;
use crate::core::{ClientId, TenantId};

/// A logout token waiting to be acknowledged by its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogout {
    pub tenant_id: TenantId,
    pub id: String,
    pub client_id: ClientId,
    pub logout_token: String,
    /// Attempts made (or begun) so far.
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str =
    "tenant_id, id, client_id, logout_token, attempts, next_attempt_at, created_at";

fn decode(row: &AnyRow) -> Result<PendingLogout, StoreError> {
    Ok(PendingLogout {
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        id: row.try_get("id")?,
        client_id: parse_id(&row.try_get::<String, _>("client_id")?)?,
        logout_token: row.try_get("logout_token")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: from_micros(row.try_get("next_attempt_at")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
    })
}

pub async fn insert(conn: &mut AnyConnection, p: &PendingLogout) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO backchannel_logouts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(p.tenant_id.to_string())
    .bind(&p.id)
    .bind(p.client_id.to_string())
    .bind(&p.logout_token)
    .bind(p.attempts)
    .bind(micros(p.next_attempt_at))
    .bind(micros(p.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
) -> Result<PendingLogout, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backchannel_logouts WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

/// The tenant's deliveries due at `now`, the longest waiting first.
pub async fn due(
    conn: &mut AnyConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<PendingLogout>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backchannel_logouts WHERE tenant_id = $1 AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $3"
    ))
    .bind(tenant.to_string())
    .bind(micros(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Every delivery of the tenant, oldest first (for operators and tests).
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<PendingLogout>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM backchannel_logouts WHERE tenant_id = $1 ORDER BY created_at, id"
    ))
    .bind(tenant.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Takes the row for attempt `seen_attempts + 1`: counts it, stores the
/// token to send, and moves the next attempt to `next_attempt_at`. `false`
/// when another worker took it first (or it is gone).
pub async fn claim(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
    seen_attempts: i64,
    logout_token: &str,
    next_attempt_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE backchannel_logouts SET attempts = attempts + 1, logout_token = $4, \
         next_attempt_at = $5 WHERE tenant_id = $1 AND id = $2 AND attempts = $3",
    )
    .bind(tenant.to_string())
    .bind(id)
    .bind(seen_attempts)
    .bind(logout_token)
    .bind(micros(next_attempt_at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a delivery (acknowledged, or given up); `true` when it was there.
pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM backchannel_logouts WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
