//! Facts about the installation as a whole (not any tenant's): the master
//! key's check value, the bootstrap marker.

use sqlx::AnyConnection;

use super::StoreError;

pub async fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    let value: Option<(String,)> = sqlx::query_as("SELECT value FROM installation WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(value.map(|(v,)| v))
}

/// Sets `key` unless it is already set; returns the stored value.
pub async fn get_or_insert(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO installation (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    get(conn, key).await?.ok_or(StoreError::NotFound)
}
