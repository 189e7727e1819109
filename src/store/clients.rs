//! OAuth / OIDC clients of a tenant, and the keyed hash of a confidential
//! client's secret, which is never part of a [`Client`] read.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_json, from_micros, micros, one_row, parse_id, to_json};
use super::{Page, StoreError};
use crate::core::client::{Client, GrantType, SigningAlg, SubjectType, TokenEndpointAuthMethod};
use crate::core::{ClientId, TenantId};

/// BOOLEAN columns are read as integers: sqlx's Any driver cannot decode
/// SQLite's BOOLEAN declared type.
const COLUMNS: &str = "tenant_id, id, name, CASE WHEN public THEN 1 ELSE 0 END AS public, \
                       redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, \
                       grant_types, scopes, token_endpoint_auth_method, jwks_uri, jwks, \
                       CASE WHEN skip_consent THEN 1 ELSE 0 END AS skip_consent, \
                       id_token_signed_response_alg, subject_type, created_at, updated_at, \
                       version, token_lifetimes, resources";

fn corrupt(e: crate::core::CoreError) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn decode(row: &AnyRow) -> Result<Client, StoreError> {
    let grant_types: Vec<GrantType> = from_json(&row.try_get::<String, _>("grant_types")?)?;
    let jwks: Option<String> = row.try_get("jwks")?;
    Ok(Client {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        public: row.try_get::<i64, _>("public")? != 0,
        redirect_uris: from_json(&row.try_get::<String, _>("redirect_uris")?)?,
        post_logout_redirect_uris: from_json(
            &row.try_get::<String, _>("post_logout_redirect_uris")?,
        )?,
        backchannel_logout_uri: row.try_get("backchannel_logout_uri")?,
        grant_types,
        scopes: from_json(&row.try_get::<String, _>("scopes")?)?,
        token_endpoint_auth_method: TokenEndpointAuthMethod::parse(
            &row.try_get::<String, _>("token_endpoint_auth_method")?,
        )
        .map_err(corrupt)?,
        jwks_uri: row.try_get("jwks_uri")?,
        jwks: jwks.as_deref().map(from_json).transpose()?,
        skip_consent: row.try_get::<i64, _>("skip_consent")? != 0,
        id_token_signed_response_alg: SigningAlg::parse(
            &row.try_get::<String, _>("id_token_signed_response_alg")?,
        )
        .map_err(corrupt)?,
        subject_type: SubjectType::parse(&row.try_get::<String, _>("subject_type")?)
            .map_err(corrupt)?,
        token_lifetimes: from_json(&row.try_get::<String, _>("token_lifetimes")?)?,
        resources: from_json(&row.try_get::<String, _>("resources")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

/// A broken uniqueness rule of this table, named for the caller: the name
/// (per tenant, without regard to case); anything else as usual.
fn write_error(err: sqlx::Error) -> StoreError {
    if let Some(db) = err.as_database_error() {
        if db.is_unique_violation()
            && (db.constraint() == Some("oauth_clients_name_uq")
                || db.message().contains("oauth_clients.name_key"))
        {
            return StoreError::Conflict { field: "name" };
        }
    }
    err.into()
}

fn jwks_text(client: &Client) -> Result<Option<String>, StoreError> {
    client.jwks.as_ref().map(to_json).transpose()
}

/// Inserts a client; `secret_hash` is the keyed hash of a confidential
/// client's secret, `None` for a public client.
pub async fn insert(
    conn: &mut AnyConnection,
    client: &Client,
    secret_hash: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oauth_clients (tenant_id, id, name, name_key, public, secret_hash, \
         redirect_uris, post_logout_redirect_uris, backchannel_logout_uri, grant_types, scopes, \
         token_endpoint_auth_method, jwks_uri, jwks, skip_consent, id_token_signed_response_alg, \
         subject_type, created_at, updated_at, version, token_lifetimes, resources) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22)",
    )
    .bind(client.tenant_id.to_string())
    .bind(client.id.to_string())
    .bind(&client.name)
    .bind(client.name.to_lowercase())
    .bind(client.public)
    .bind(secret_hash)
    .bind(to_json(&client.redirect_uris)?)
    .bind(to_json(&client.post_logout_redirect_uris)?)
    .bind(client.backchannel_logout_uri.as_deref())
    .bind(to_json(&client.grant_types)?)
    .bind(to_json(&client.scopes)?)
    .bind(client.token_endpoint_auth_method.as_str())
    .bind(client.jwks_uri.as_deref())
    .bind(jwks_text(client)?)
    .bind(client.skip_consent)
    .bind(client.id_token_signed_response_alg.as_str())
    .bind(client.subject_type.as_str())
    .bind(micros(client.created_at))
    .bind(micros(client.updated_at))
    .bind(client.version)
    .bind(to_json(&client.token_lifetimes)?)
    .bind(to_json(&client.resources)?)
    .execute(conn)
    .await
    .map_err(write_error)?;
    Ok(())
}

/// Replaces a client's settings (not its secret) if its stored version is
/// `expected_version`; the stored version becomes `client.version`.
pub async fn update(
    conn: &mut AnyConnection,
    client: &Client,
    expected_version: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE oauth_clients SET name = $3, name_key = $4, redirect_uris = $5, \
         post_logout_redirect_uris = $6, backchannel_logout_uri = $7, grant_types = $8, \
         scopes = $9, token_endpoint_auth_method = $10, jwks_uri = $11, jwks = $12, \
         skip_consent = $13, id_token_signed_response_alg = $14, subject_type = $15, \
         updated_at = $16, version = $17, token_lifetimes = $19, resources = $20 \
         WHERE tenant_id = $1 AND id = $2 AND version = $18",
    )
    .bind(client.tenant_id.to_string())
    .bind(client.id.to_string())
    .bind(&client.name)
    .bind(client.name.to_lowercase())
    .bind(to_json(&client.redirect_uris)?)
    .bind(to_json(&client.post_logout_redirect_uris)?)
    .bind(client.backchannel_logout_uri.as_deref())
    .bind(to_json(&client.grant_types)?)
    .bind(to_json(&client.scopes)?)
    .bind(client.token_endpoint_auth_method.as_str())
    .bind(client.jwks_uri.as_deref())
    .bind(jwks_text(client)?)
    .bind(client.skip_consent)
    .bind(client.id_token_signed_response_alg.as_str())
    .bind(client.subject_type.as_str())
    .bind(micros(client.updated_at))
    .bind(client.version)
    .bind(expected_version)
    .bind(to_json(&client.token_lifetimes)?)
    .bind(to_json(&client.resources)?)
    .execute(&mut *conn)
    .await
    .map_err(write_error)?;
    if result.rows_affected() == 0 {
        // Tell a stale write from a missing client.
        get(conn, client.tenant_id, client.id).await?;
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

/// Replaces a confidential client's secret hash. `NotFound` for an unknown
/// client; the database refuses a secret for a public client.
pub async fn set_secret_hash(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ClientId,
    secret_hash: &str,
) -> Result<(), StoreError> {
    let result =
        sqlx::query("UPDATE oauth_clients SET secret_hash = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(secret_hash)
            .execute(conn)
            .await?;
    one_row(result)
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: ClientId,
) -> Result<Client, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM oauth_clients WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

/// The client presenting `client_id` (any string: one that is no id simply
/// matches nothing, through the same query), with its secret hash.
pub async fn with_secret_hash(
    conn: &mut AnyConnection,
    tenant: TenantId,
    client_id: &str,
) -> Result<(Client, Option<String>), StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, secret_hash FROM oauth_clients WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(client_id)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((decode(&row)?, row.try_get("secret_hash")?))
}

/// A client by name, without regard to case.
pub async fn by_name(
    conn: &mut AnyConnection,
    tenant: TenantId,
    name: &str,
) -> Result<Client, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM oauth_clients WHERE tenant_id = $1 AND name_key = $2"
    ))
    .bind(tenant.to_string())
    .bind(name.to_lowercase())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

/// One page of clients ordered by id.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: Page<'_>,
) -> Result<Vec<Client>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM oauth_clients WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
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
    id: ClientId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM oauth_clients WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}
