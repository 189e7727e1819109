//! Tenants table.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_json, from_micros, micros, one_row, parse_id, to_json};
use super::StoreError;
use crate::core::tenant::{Slug, Tenant};
use crate::core::TenantId;

const COLUMNS: &str = "id, slug, display_name, settings, created_at, updated_at";

fn decode(row: &AnyRow) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        slug: Slug::parse(&row.try_get::<String, _>("slug")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        display_name: row.try_get("display_name")?,
        settings: from_json(&row.try_get::<String, _>("settings")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
    })
}

pub async fn insert(conn: &mut AnyConnection, tenant: &Tenant) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tenants (id, slug, display_name, settings, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.id.to_string())
    .bind(tenant.slug.as_str())
    .bind(&tenant.display_name)
    .bind(to_json(&tenant.settings)?)
    .bind(micros(tenant.created_at))
    .bind(micros(tenant.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Tenant, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn by_id(conn: &mut AnyConnection, id: TenantId) -> Result<Tenant, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Tenant>, StoreError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants ORDER BY slug"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(decode).collect()
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tenants")
        .fetch_one(conn)
        .await?;
    Ok(n)
}

pub async fn update(conn: &mut AnyConnection, tenant: &Tenant) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE tenants SET display_name = $2, settings = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(tenant.id.to_string())
    .bind(&tenant.display_name)
    .bind(to_json(&tenant.settings)?)
    .bind(micros(tenant.updated_at))
    .execute(conn)
    .await?;
    one_row(result)
}

/// Deletes a tenant and, by cascade, every record it owns.
pub async fn delete(conn: &mut AnyConnection, id: TenantId) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM tenants WHERE id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}
