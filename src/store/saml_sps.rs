//! SAML service providers of a tenant, the AuthnRequests waiting for their
//! user to sign in (kept as JSON, taken once), and the providers each
//! session logged in to (for Single Logout).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::codec::{from_json, from_micros, micros, one_row, parse_id, to_json};
use super::{Page, StoreError};
use crate::core::saml_sp::SamlServiceProvider;
use crate::core::{SamlRequestId, SamlSpId, SessionId, TenantId};

const COLUMNS: &str =
    "tenant_id, id, name, entity_id, metadata, settings, created_at, updated_at, version";

fn decode(row: &AnyRow) -> Result<SamlServiceProvider, StoreError> {
    Ok(SamlServiceProvider {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        entity_id: row.try_get("entity_id")?,
        metadata: row.try_get("metadata")?,
        settings: from_json(&row.try_get::<String, _>("settings")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, sp: &SamlServiceProvider) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO saml_service_providers (tenant_id, id, name, entity_id, metadata, settings, \
         created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(sp.tenant_id.to_string())
    .bind(sp.id.to_string())
    .bind(&sp.name)
    .bind(&sp.entity_id)
    .bind(&sp.metadata)
    .bind(to_json(&sp.settings)?)
    .bind(micros(sp.created_at))
    .bind(micros(sp.updated_at))
    .bind(sp.version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a provider if its stored version is `expected_version`.
pub async fn update(
    conn: &mut AnyConnection,
    sp: &SamlServiceProvider,
    expected_version: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE saml_service_providers SET name = $3, entity_id = $4, metadata = $5, \
         settings = $6, updated_at = $7, version = $8 \
         WHERE tenant_id = $1 AND id = $2 AND version = $9",
    )
    .bind(sp.tenant_id.to_string())
    .bind(sp.id.to_string())
    .bind(&sp.name)
    .bind(&sp.entity_id)
    .bind(&sp.metadata)
    .bind(to_json(&sp.settings)?)
    .bind(micros(sp.updated_at))
    .bind(sp.version)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        get(conn, sp.tenant_id, sp.id).await?;
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: SamlSpId,
) -> Result<SamlServiceProvider, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saml_service_providers WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_one(conn)
    .await?;
    decode(&row)
}

pub async fn by_entity_id(
    conn: &mut AnyConnection,
    tenant: TenantId,
    entity_id: &str,
) -> Result<SamlServiceProvider, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saml_service_providers WHERE tenant_id = $1 AND entity_id = $2"
    ))
    .bind(tenant.to_string())
    .bind(entity_id)
    .fetch_one(conn)
    .await?;
    decode(&row)
}

pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: Page<'_>,
) -> Result<Vec<SamlServiceProvider>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saml_service_providers WHERE tenant_id = $1 AND id > $2 \
         ORDER BY id LIMIT $3"
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
    id: SamlSpId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM saml_service_providers WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// Keeps an AuthnRequest (as JSON) until its user has signed in.
pub async fn insert_request(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: SamlRequestId,
    sp: SamlSpId,
    request: &str,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO saml_requests (tenant_id, id, sp_id, request, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.to_string())
    .bind(id.to_string())
    .bind(sp.to_string())
    .bind(request)
    .bind(micros(created_at))
    .bind(micros(expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The waiting request `id` with its provider, if it has not expired; it
/// stays until [`delete_request`] (a user may need several tries to sign in).
pub async fn request(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: SamlRequestId,
    now: OffsetDateTime,
) -> Result<(SamlSpId, String), StoreError> {
    let row = sqlx::query(
        "SELECT sp_id, request FROM saml_requests WHERE tenant_id = $1 AND id = $2 \
         AND expires_at > $3",
    )
    .bind(tenant.to_string())
    .bind(id.to_string())
    .bind(micros(now))
    .fetch_one(conn)
    .await?;
    Ok((
        parse_id(&row.try_get::<String, _>("sp_id")?)?,
        row.try_get("request")?,
    ))
}

/// Drops an answered request; `NotFound` when it was already answered.
pub async fn delete_request(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: SamlRequestId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM saml_requests WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// Drops every request that expired before `now` (the sweep job).
pub async fn delete_expired_requests(
    conn: &mut AnyConnection,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let result = sqlx::query("DELETE FROM saml_requests WHERE expires_at <= $1")
        .bind(micros(now))
        .execute(conn)
        .await?;
    Ok(result.rows_affected())
}

/// Records that `session` logged in to `sp` with `name_id` (JSON); a later
/// login of the same session to the same provider replaces the NameID.
pub async fn record_participant(
    conn: &mut AnyConnection,
    tenant: TenantId,
    session: SessionId,
    sp: SamlSpId,
    name_id: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO saml_session_participants (tenant_id, session_id, sp_id, name_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, session_id, sp_id) \
         DO UPDATE SET name_id = excluded.name_id",
    )
    .bind(tenant.to_string())
    .bind(session.to_string())
    .bind(sp.to_string())
    .bind(name_id)
    .bind(micros(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The providers `session` logged in to, with the NameID each was sent.
pub async fn participants(
    conn: &mut AnyConnection,
    tenant: TenantId,
    session: SessionId,
) -> Result<Vec<(SamlSpId, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT sp_id, name_id FROM saml_session_participants \
         WHERE tenant_id = $1 AND session_id = $2 ORDER BY created_at, sp_id",
    )
    .bind(tenant.to_string())
    .bind(session.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_id(&row.try_get::<String, _>("sp_id")?)?,
                row.try_get("name_id")?,
            ))
        })
        .collect()
}
