//! What federated logins leave behind: identities at upstream providers
//! linked to core users, login requests waiting for a provider's answer
//! (taken once), the upstream session behind a USSO session (for Single
//! Logout), and the assertion IDs already used (replay cache; `ON CONFLICT
//! DO NOTHING` makes check and record one statement on both databases).

use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::codec::{from_micros, micros, one_row, parse_id};
use super::StoreError;
use crate::core::upstream_idp::{FederatedIdentity, UpstreamSession};
use crate::core::{SessionId, TenantId, UpstreamIdpId, UserId};

fn decode_identity(row: &sqlx::any::AnyRow) -> Result<FederatedIdentity, StoreError> {
    Ok(FederatedIdentity {
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        idp_id: parse_id(&row.try_get::<String, _>("idp_id")?)?,
        subject: row.try_get("subject")?,
        user_id: parse_id(&row.try_get::<String, _>("user_id")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        last_login_at: from_micros(row.try_get("last_login_at")?)?,
    })
}

const IDENTITY_COLUMNS: &str = "tenant_id, idp_id, subject, user_id, created_at, last_login_at";

/// The user linked to `subject` at the provider.
pub async fn identity(
    conn: &mut AnyConnection,
    tenant: TenantId,
    idp: UpstreamIdpId,
    subject: &str,
) -> Result<FederatedIdentity, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {IDENTITY_COLUMNS} FROM federated_identities \
         WHERE tenant_id = $1 AND idp_id = $2 AND subject = $3"
    ))
    .bind(tenant.to_string())
    .bind(idp.to_string())
    .bind(subject)
    .fetch_one(conn)
    .await?;
    decode_identity(&row)
}

/// Every identity linked to a user, oldest first.
pub async fn identities_of(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<FederatedIdentity>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {IDENTITY_COLUMNS} FROM federated_identities \
         WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, idp_id"
    ))
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_identity).collect()
}

pub async fn link(conn: &mut AnyConnection, link: &FederatedIdentity) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO federated_identities ({IDENTITY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(link.tenant_id.to_string())
    .bind(link.idp_id.to_string())
    .bind(&link.subject)
    .bind(link.user_id.to_string())
    .bind(micros(link.created_at))
    .bind(micros(link.last_login_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn touch_identity(
    conn: &mut AnyConnection,
    tenant: TenantId,
    idp: UpstreamIdpId,
    subject: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE federated_identities SET last_login_at = $4 \
         WHERE tenant_id = $1 AND idp_id = $2 AND subject = $3",
    )
    .bind(tenant.to_string())
    .bind(idp.to_string())
    .bind(subject)
    .bind(micros(at))
    .execute(conn)
    .await?;
    one_row(result)
}

pub async fn unlink(
    conn: &mut AnyConnection,
    tenant: TenantId,
    idp: UpstreamIdpId,
    subject: &str,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "DELETE FROM federated_identities WHERE tenant_id = $1 AND idp_id = $2 AND subject = $3",
    )
    .bind(tenant.to_string())
    .bind(idp.to_string())
    .bind(subject)
    .execute(conn)
    .await?;
    one_row(result)
}

/// Keeps a login request sent to a provider (as JSON) until it answers.
pub async fn insert_request(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
    idp: UpstreamIdpId,
    request: &str,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO upstream_requests (tenant_id, id, idp_id, request, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.to_string())
    .bind(id)
    .bind(idp.to_string())
    .bind(request)
    .bind(micros(created_at))
    .bind(micros(expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the waiting request `id` sent to `idp` (deleting it: an answer is
/// accepted once); `NotFound` when unknown, answered, expired or sent to
/// another provider.
pub async fn take_request(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
    idp: UpstreamIdpId,
    now: OffsetDateTime,
) -> Result<String, StoreError> {
    let row = sqlx::query(
        "SELECT request FROM upstream_requests WHERE tenant_id = $1 AND id = $2 AND idp_id = $3 \
         AND expires_at > $4",
    )
    .bind(tenant.to_string())
    .bind(id)
    .bind(idp.to_string())
    .bind(micros(now))
    .fetch_one(&mut *conn)
    .await?;
    let result = sqlx::query("DELETE FROM upstream_requests WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    one_row(result)?;
    Ok(row.try_get("request")?)
}

/// Records that `session` came from an upstream session.
pub async fn insert_session(
    conn: &mut AnyConnection,
    tenant: TenantId,
    session: SessionId,
    upstream: &UpstreamSession,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO federated_sessions (tenant_id, session_id, idp_id, subject, session_index, \
         name_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.to_string())
    .bind(session.to_string())
    .bind(upstream.idp_id.to_string())
    .bind(&upstream.subject)
    .bind(upstream.session_index.as_deref())
    .bind(&upstream.name_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The upstream session behind a USSO session, if it came from one.
pub async fn session_upstream(
    conn: &mut AnyConnection,
    tenant: TenantId,
    session: SessionId,
) -> Result<Option<UpstreamSession>, StoreError> {
    let row = sqlx::query(
        "SELECT idp_id, subject, session_index, name_id FROM federated_sessions \
         WHERE tenant_id = $1 AND session_id = $2",
    )
    .bind(tenant.to_string())
    .bind(session.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(UpstreamSession {
            idp_id: parse_id(&row.try_get::<String, _>("idp_id")?)?,
            subject: row.try_get("subject")?,
            session_index: row.try_get("session_index")?,
            name_id: row.try_get("name_id")?,
        })
    })
    .transpose()
}

/// The USSO sessions (with their users) that came from `subject`'s upstream
/// session at `idp` — all of them, or the one of `session_index`.
pub async fn sessions_from(
    conn: &mut AnyConnection,
    tenant: TenantId,
    idp: UpstreamIdpId,
    subject: &str,
    session_index: Option<&str>,
) -> Result<Vec<(SessionId, UserId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.session_id, s.user_id FROM federated_sessions f JOIN sessions s \
         ON s.tenant_id = f.tenant_id AND s.id = f.session_id \
         WHERE f.tenant_id = $1 AND f.idp_id = $2 AND f.subject = $3 \
         AND ($4 IS NULL OR f.session_index = $4)",
    )
    .bind(tenant.to_string())
    .bind(idp.to_string())
    .bind(subject)
    .bind(session_index)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_id(&row.try_get::<String, _>("session_id")?)?,
                parse_id(&row.try_get::<String, _>("user_id")?)?,
            ))
        })
        .collect()
}

/// Records an assertion ID as used; `false` when it already was (a replay).
pub async fn remember_assertion(
    conn: &mut AnyConnection,
    tenant: TenantId,
    idp: UpstreamIdpId,
    assertion_id: &str,
    expires_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO upstream_assertion_ids (tenant_id, idp_id, assertion_id, expires_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(idp.to_string())
    .bind(assertion_id)
    .bind(micros(expires_at))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Drops expired requests and remembered assertion IDs (the sweep job).
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for table in ["upstream_requests", "upstream_assertion_ids"] {
        let done = sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1"))
            .bind(micros(now))
            .execute(&mut *conn)
            .await?;
        n += done.rows_affected();
    }
    Ok(n)
}

/// Takes the waiting request `id`, whichever provider it was sent to:
/// `None` when unknown, taken or expired.
pub async fn take_any_request(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<(UpstreamIdpId, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT idp_id, request FROM upstream_requests WHERE tenant_id = $1 AND id = $2 \
         AND expires_at > $3",
    )
    .bind(tenant.to_string())
    .bind(id)
    .bind(micros(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let result = sqlx::query("DELETE FROM upstream_requests WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    if result.rows_affected() == 0 {
        return Ok(None);
    }
    Ok(Some((
        parse_id(&row.try_get::<String, _>("idp_id")?)?,
        row.try_get("request")?,
    )))
}
