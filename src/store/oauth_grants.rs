//! Grants, authorization codes, refresh tokens and consents of OAuth
//! clients (see [`crate::core::oauth_grant`]). Redeeming a code and rotating
//! a refresh token are single conditional UPDATEs, so two concurrent uses
//! cannot both win — on SQLite and PostgreSQL alike.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::codec::{from_micros, from_opt_micros, micros, one_row, opt_micros, parse_id};
use super::dialect::Dialect;
use super::sql::Sql;
use super::StoreError;
use crate::core::oauth_grant::{AuthorizationCode, Grant, RefreshToken};
use crate::core::{ClientId, GrantId, SessionId, TenantId, UserId};

const GRANT_COLUMNS: &str =
    "tenant_id, id, client_id, user_id, session_id, scope, claims, auth_time, created_at, expires_at, revoked_at";

fn opt_id<T: std::str::FromStr>(raw: Option<String>) -> Result<Option<T>, StoreError> {
    raw.map(|r| parse_id(&r)).transpose()
}

fn decode_grant(row: &AnyRow) -> Result<Grant, StoreError> {
    Ok(Grant {
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        client_id: parse_id(&row.try_get::<String, _>("client_id")?)?,
        user_id: opt_id(row.try_get("user_id")?)?,
        session_id: opt_id(row.try_get("session_id")?)?,
        scope: row.try_get("scope")?,
        claims: row.try_get("claims")?,
        auth_time: from_opt_micros(row.try_get("auth_time")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        expires_at: from_micros(row.try_get("expires_at")?)?,
        revoked_at: from_opt_micros(row.try_get("revoked_at")?)?,
    })
}

pub async fn insert_grant(conn: &mut AnyConnection, g: &Grant) -> Result<(), StoreError> {
    insert_grants(conn, std::slice::from_ref(g)).await
}

/// Inserts `grants` in one statement (the group commit of
/// [`super::oauth_batches`]); every grant carries its own tenant.
pub async fn insert_grants(conn: &mut AnyConnection, grants: &[Grant]) -> Result<(), StoreError> {
    if grants.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new_in(
        Dialect::of(conn),
        &format!("INSERT INTO oauth_grants ({GRANT_COLUMNS}) VALUES "),
    );
    for (i, g) in grants.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .text(g.tenant_id.to_string())
            .push(", ")
            .text(g.id.to_string())
            .push(", ")
            .text(g.client_id.to_string())
            .push(", ")
            .opt_text(g.user_id.map(|u| u.to_string()).as_deref())
            .push(", ")
            .opt_text(g.session_id.map(|s| s.to_string()).as_deref())
            .push(", ")
            .text(g.scope.as_str())
            .push(", ")
            .opt_text(g.claims.as_deref())
            .push(", ")
            .opt_int(opt_micros(g.auth_time))
            .push(", ")
            .int(micros(g.created_at))
            .push(", ")
            .int(micros(g.expires_at))
            .push(", ")
            .opt_int(opt_micros(g.revoked_at))
            .push(")");
    }
    sql.query().execute(conn).await?;
    Ok(())
}

pub async fn grant(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: GrantId,
) -> Result<Grant, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM oauth_grants WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode_grant(&row)
}

/// Revokes a grant (and so its code, refresh and access tokens); true when
/// it was live.
pub async fn revoke_grant(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: GrantId,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE oauth_grants SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .bind(micros(now))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Every grant made in a login session, revoked or not, oldest first.
pub async fn for_session(
    conn: &mut AnyConnection,
    tenant: TenantId,
    session: SessionId,
) -> Result<Vec<Grant>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {GRANT_COLUMNS} FROM oauth_grants WHERE tenant_id = $1 AND session_id = $2 \
         ORDER BY created_at, id"
    ))
    .bind(tenant.to_string())
    .bind(session.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_grant).collect()
}

/// Revokes every live grant of a login session (it ended); returns how
/// many were live.
pub async fn revoke_for_session(
    conn: &mut AnyConnection,
    tenant: TenantId,
    session: SessionId,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE oauth_grants SET revoked_at = $3 WHERE tenant_id = $1 AND session_id = $2 \
         AND revoked_at IS NULL",
    )
    .bind(tenant.to_string())
    .bind(session.to_string())
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub async fn insert_code(
    conn: &mut AnyConnection,
    code_hash: &str,
    c: &AuthorizationCode,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oauth_codes (tenant_id, code_hash, grant_id, redirect_uri, redirect_uri_sent, nonce, \
         code_challenge, code_challenge_method, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(c.tenant_id.to_string())
    .bind(code_hash)
    .bind(c.grant_id.to_string())
    .bind(&c.redirect_uri)
    .bind(i64::from(c.redirect_uri_sent))
    .bind(c.nonce.clone())
    .bind(c.code_challenge.clone())
    .bind(c.code_challenge_method.clone())
    .bind(micros(c.created_at))
    .bind(micros(c.expires_at))
    .bind(opt_micros(c.used_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn code(
    conn: &mut AnyConnection,
    tenant: TenantId,
    code_hash: &str,
) -> Result<AuthorizationCode, StoreError> {
    let row = sqlx::query(
        "SELECT tenant_id, grant_id, redirect_uri, redirect_uri_sent, nonce, code_challenge, \
         code_challenge_method, created_at, expires_at, used_at FROM oauth_codes \
         WHERE tenant_id = $1 AND code_hash = $2",
    )
    .bind(tenant.to_string())
    .bind(code_hash)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(AuthorizationCode {
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        grant_id: parse_id(&row.try_get::<String, _>("grant_id")?)?,
        redirect_uri: row.try_get("redirect_uri")?,
        redirect_uri_sent: row.try_get::<i64, _>("redirect_uri_sent")? != 0,
        nonce: row.try_get("nonce")?,
        code_challenge: row.try_get("code_challenge")?,
        code_challenge_method: row.try_get("code_challenge_method")?,
        created_at: from_micros(row.try_get("created_at")?)?,
        expires_at: from_micros(row.try_get("expires_at")?)?,
        used_at: from_opt_micros(row.try_get("used_at")?)?,
    })
}

/// Marks a code used; `false` when someone used it first.
pub async fn use_code(
    conn: &mut AnyConnection,
    tenant: TenantId,
    code_hash: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE oauth_codes SET used_at = $3 WHERE tenant_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(tenant.to_string())
    .bind(code_hash)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_refresh(
    conn: &mut AnyConnection,
    token_hash: &str,
    r: &RefreshToken,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oauth_refresh_tokens (tenant_id, token_hash, grant_id, scope, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.tenant_id.to_string())
    .bind(token_hash)
    .bind(r.grant_id.to_string())
    .bind(&r.scope)
    .bind(micros(r.created_at))
    .bind(micros(r.expires_at))
    .bind(opt_micros(r.used_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn refresh(
    conn: &mut AnyConnection,
    tenant: TenantId,
    token_hash: &str,
) -> Result<RefreshToken, StoreError> {
    let row = sqlx::query(
        "SELECT tenant_id, grant_id, scope, created_at, expires_at, used_at FROM oauth_refresh_tokens \
         WHERE tenant_id = $1 AND token_hash = $2",
    )
    .bind(tenant.to_string())
    .bind(token_hash)
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(RefreshToken {
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        grant_id: parse_id(&row.try_get::<String, _>("grant_id")?)?,
        scope: row.try_get("scope")?,
        created_at: from_micros(row.try_get("created_at")?)?,
        expires_at: from_micros(row.try_get("expires_at")?)?,
        used_at: from_opt_micros(row.try_get("used_at")?)?,
    })
}

/// Marks a refresh token used (rotated); `false` when it already was.
pub async fn use_refresh(
    conn: &mut AnyConnection,
    tenant: TenantId,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE oauth_refresh_tokens SET used_at = $3 WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL",
    )
    .bind(tenant.to_string())
    .bind(token_hash)
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The scope the user consented to for the client, if any.
pub async fn consent(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    client: ClientId,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT scope FROM oauth_consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(client.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("scope")).transpose()?)
}

/// Records (or widens) the user's consent for the client.
pub async fn save_consent(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    client: ClientId,
    scope: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM oauth_consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(client.to_string())
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO oauth_consents (tenant_id, user_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(tenant.to_string())
        .bind(user.to_string())
        .bind(client.to_string())
        .bind(scope)
        .bind(micros(now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Withdraws the user's consent for the client.
pub async fn delete_consent(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    client: ClientId,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "DELETE FROM oauth_consents WHERE tenant_id = $1 AND user_id = $2 AND client_id = $3",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(client.to_string())
    .execute(conn)
    .await?;
    one_row(done)
}

/// A user's consents with the names of their clients, by client name.
pub async fn consents_of_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<(ClientId, String, String, OffsetDateTime)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.client_id, k.name, c.scope, c.granted_at FROM oauth_consents c \
         JOIN oauth_clients k ON k.tenant_id = c.tenant_id AND k.id = c.client_id \
         WHERE c.tenant_id = $1 AND c.user_id = $2 ORDER BY k.name_key",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_id(&row.try_get::<String, _>("client_id")?)?,
                row.try_get("name")?,
                row.try_get("scope")?,
                from_micros(row.try_get("granted_at")?)?,
            ))
        })
        .collect()
}

/// Revokes every live grant a user gave a client; returns how many.
pub async fn revoke_for_user_and_client(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
    client: ClientId,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE oauth_grants SET revoked_at = $4 WHERE tenant_id = $1 AND user_id = $2 \
         AND client_id = $3 AND revoked_at IS NULL",
    )
    .bind(tenant.to_string())
    .bind(user.to_string())
    .bind(client.to_string())
    .bind(micros(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
