//! The `jti`s of client assertions already accepted (replay protection of
//! private_key_jwt). `ON CONFLICT DO NOTHING` makes the check and the record
//! one statement on SQLite and PostgreSQL alike.

use sqlx::AnyConnection;
use time::OffsetDateTime;

use super::codec::micros;
use super::StoreError;
use crate::core::{ClientId, TenantId};

/// Records `jti`; `false` when it was already recorded (a replay).
pub async fn remember(
    conn: &mut AnyConnection,
    tenant: TenantId,
    client: ClientId,
    jti: &str,
    expires_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO oauth_assertion_jtis (tenant_id, client_id, jti, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(client.to_string())
    .bind(jti)
    .bind(micros(expires_at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the `jti`s of assertions that expired before `now`.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM oauth_assertion_jtis WHERE expires_at < $1")
        .bind(micros(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
