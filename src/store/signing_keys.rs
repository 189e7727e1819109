//! A tenant's signing keys: the public part in the clear, the private part
//! sealed (see [`crate::secrets::sealed`]).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{
    from_json, from_micros, from_opt_micros, micros, one_row, opt_micros, parse_id, to_json,
};
use super::StoreError;
use crate::core::signing_key::{KeyAlgorithm, SigningKeyInfo};
use crate::core::TenantId;

const COLUMNS: &str =
    "tenant_id, kid, alg, public_jwk, created_at, activates_at, retires_at, expires_at";

fn decode(row: &AnyRow) -> Result<SigningKeyInfo, StoreError> {
    let alg: String = row.try_get("alg")?;
    Ok(SigningKeyInfo {
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        kid: row.try_get("kid")?,
        alg: KeyAlgorithm::parse(&alg)
            .map_err(|_| StoreError::Corrupt(format!("signing key alg {alg}")))?,
        public_jwk: from_json(&row.try_get::<String, _>("public_jwk")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        activates_at: from_micros(row.try_get("activates_at")?)?,
        retires_at: from_opt_micros(row.try_get("retires_at")?)?,
        expires_at: from_opt_micros(row.try_get("expires_at")?)?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    key: &SigningKeyInfo,
    sealed_private: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO signing_keys (tenant_id, kid, alg, public_jwk, sealed_private, created_at, \
         activates_at, retires_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(key.tenant_id.to_string())
    .bind(&key.kid)
    .bind(key.alg.as_str())
    .bind(to_json(&key.public_jwk)?)
    .bind(sealed_private)
    .bind(micros(key.created_at))
    .bind(micros(key.activates_at))
    .bind(opt_micros(key.retires_at))
    .bind(opt_micros(key.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Every key of the tenant, oldest first.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<SigningKeyInfo>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM signing_keys WHERE tenant_id = $1 ORDER BY activates_at, kid"
    ))
    .bind(tenant.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The sealed private key of `kid`.
pub async fn sealed_private(
    conn: &mut AnyConnection,
    tenant: TenantId,
    kid: &str,
) -> Result<String, StoreError> {
    let row =
        sqlx::query("SELECT sealed_private FROM signing_keys WHERE tenant_id = $1 AND kid = $2")
            .bind(tenant.to_string())
            .bind(kid)
            .fetch_optional(conn)
            .await?
            .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("sealed_private")?)
}

/// Schedules the retirement of `kid`.
pub async fn retire(
    conn: &mut AnyConnection,
    tenant: TenantId,
    kid: &str,
    retires_at: time::OffsetDateTime,
    expires_at: time::OffsetDateTime,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE signing_keys SET retires_at = $3, expires_at = $4 WHERE tenant_id = $1 AND kid = $2")
        .bind(tenant.to_string())
        .bind(kid)
        .bind(micros(retires_at))
        .bind(micros(expires_at))
        .execute(conn)
        .await?;
    one_row(done)
}

/// Deletes the keys of every tenant that left the JWKS before `now`.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: time::OffsetDateTime,
) -> Result<u64, StoreError> {
    let done =
        sqlx::query("DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at <= $1")
            .bind(micros(now))
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}
