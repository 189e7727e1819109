//! Workspaces (sub-organizations of a tenant).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_micros, micros, one_row, parse_id};
use super::StoreError;
use crate::core::tenant::Slug;
use crate::core::workspace::Workspace;
use crate::core::{TenantId, WorkspaceId};

const COLUMNS: &str = "tenant_id, id, slug, display_name, created_at";

fn decode(row: &AnyRow) -> Result<Workspace, StoreError> {
    Ok(Workspace {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        slug: Slug::parse(&row.try_get::<String, _>("slug")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        display_name: row.try_get("display_name")?,
        created_at: from_micros(row.try_get("created_at")?)?,
    })
}

pub async fn insert(conn: &mut AnyConnection, ws: &Workspace) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO workspaces (tenant_id, id, slug, display_name, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ws.tenant_id.to_string())
    .bind(ws.id.to_string())
    .bind(ws.slug.as_str())
    .bind(&ws.display_name)
    .bind(micros(ws.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: WorkspaceId,
) -> Result<Workspace, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM workspaces WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn by_slug(
    conn: &mut AnyConnection,
    tenant: TenantId,
    slug: &str,
) -> Result<Workspace, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM workspaces WHERE tenant_id = $1 AND slug = $2"
    ))
    .bind(tenant.to_string())
    .bind(slug)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
) -> Result<Vec<Workspace>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM workspaces WHERE tenant_id = $1 ORDER BY slug"
    ))
    .bind(tenant.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: WorkspaceId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM workspaces WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}
