//! Users, their emails and external ids.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_micros, micros, one_row, parse_id};
use super::dialect::Dialect;
use super::sql::{like_escape, Sql};
use super::{Page, StoreError};
use crate::core::filter::{Filter, FilterOp};
use crate::core::user::{email_key, username_key, Email, ExternalId, User, UserStatus};
use crate::core::{TenantId, UserId};

/// Attributes a user listing can be filtered on.
pub const FILTER_ATTRIBUTES: &[&str] = &[
    "username",
    "email",
    "status",
    "given_name",
    "family_name",
    "display_name",
    "external_id",
];

pub(crate) const COLUMNS: &str =
    "tenant_id, id, username, phone, given_name, family_name, display_name, \
                       locale, status, profile, created_at, updated_at, version";

pub(crate) fn decode(row: &AnyRow) -> Result<User, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(User {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        username: row.try_get("username")?,
        emails: Vec::new(),
        phone: row.try_get("phone")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        display_name: row.try_get("display_name")?,
        locale: row.try_get("locale")?,
        status: UserStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        external_ids: Vec::new(),
        profile: serde_json::from_str(&row.try_get::<String, _>("profile")?)
            .map_err(|e| StoreError::Corrupt(format!("user profile: {e}")))?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

/// Inserts a user with its emails and external ids.
pub async fn insert(conn: &mut AnyConnection, user: &User) -> Result<(), StoreError> {
    insert_many(conn, std::slice::from_ref(user)).await
}

/// Inserts many new users with their emails and external ids, 500 rows to a
/// statement (a directory sync's first import); a username taken makes the
/// whole call fail with `Conflict`.
pub async fn insert_many(conn: &mut AnyConnection, users: &[User]) -> Result<(), StoreError> {
    for chunk in users.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "INSERT INTO users (tenant_id, id, username, username_key, phone, given_name, \
             family_name, display_name, locale, status, created_at, updated_at, version, \
             profile) VALUES ",
        );
        for (i, user) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .text(user.tenant_id.to_string())
                .push(", ")
                .text(user.id.to_string())
                .push(", ")
                .text(user.username.as_str())
                .push(", ")
                .text(username_key(&user.username))
                .push(", ")
                .opt_text(user.phone.as_deref())
                .push(", ")
                .opt_text(user.given_name.as_deref())
                .push(", ")
                .opt_text(user.family_name.as_deref())
                .push(", ")
                .opt_text(user.display_name.as_deref())
                .push(", ")
                .opt_text(user.locale.as_deref())
                .push(", ")
                .text(user.status.as_str())
                .push(", ")
                .int(micros(user.created_at))
                .push(", ")
                .int(micros(user.updated_at))
                .push(", ")
                .int(user.version)
                .push(", ")
                .text(profile_json(user)?)
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    write_children_many(conn, users).await
}

/// Inserts users' emails and external ids, 500 rows to a statement.
async fn write_children_many(conn: &mut AnyConnection, users: &[User]) -> Result<(), StoreError> {
    let emails: Vec<(&User, usize, &Email)> = users
        .iter()
        .flat_map(|u| u.emails.iter().enumerate().map(move |(i, e)| (u, i, e)))
        .collect();
    for chunk in emails.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "INSERT INTO user_emails (tenant_id, user_id, position, value, value_key, verified, \
             is_primary, kind) VALUES ",
        );
        for (i, (user, position, email)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .text(user.tenant_id.to_string())
                .push(", ")
                .text(user.id.to_string())
                .push(", ")
                .int(i64::try_from(*position).unwrap_or(i64::MAX))
                .push(", ")
                .text(email.value.as_str())
                .push(", ")
                .text(email_key(&email.value))
                .push(", ")
                .bool(email.verified)
                .push(", ")
                .bool(email.primary)
                .push(", ")
                .opt_text(email.kind.as_deref())
                .push(")");
        }
        sql.query().execute(&mut *conn).await?;
    }
    let external_ids: Vec<(&User, &ExternalId)> = users
        .iter()
        .flat_map(|u| u.external_ids.iter().map(move |x| (u, x)))
        .collect();
    for chunk in external_ids.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "INSERT INTO user_external_ids (tenant_id, user_id, source, external_id) VALUES ",
        );
        for (i, (user, ext)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " }).text_list([
                user.tenant_id.to_string(),
                user.id.to_string(),
                ext.source.clone(),
                ext.id.clone(),
            ]);
        }
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

fn profile_json(user: &User) -> Result<String, StoreError> {
    serde_json::to_string(&user.profile).map_err(|e| StoreError::Corrupt(e.to_string()))
}

async fn write_children(conn: &mut AnyConnection, user: &User) -> Result<(), StoreError> {
    write_children_many(conn, std::slice::from_ref(user)).await
}

/// Replaces a user's fields if its stored version is `expected_version`;
/// the stored version becomes `user.version`.
pub async fn update(
    conn: &mut AnyConnection,
    user: &User,
    expected_version: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE users SET username = $3, username_key = $4, phone = $5, given_name = $6, \
         family_name = $7, display_name = $8, locale = $9, status = $10, updated_at = $11, \
         version = $12, profile = $14 WHERE tenant_id = $1 AND id = $2 AND version = $13",
    )
    .bind(user.tenant_id.to_string())
    .bind(user.id.to_string())
    .bind(&user.username)
    .bind(username_key(&user.username))
    .bind(user.phone.as_deref())
    .bind(user.given_name.as_deref())
    .bind(user.family_name.as_deref())
    .bind(user.display_name.as_deref())
    .bind(user.locale.as_deref())
    .bind(user.status.as_str())
    .bind(micros(user.updated_at))
    .bind(user.version)
    .bind(expected_version)
    .bind(profile_json(user)?)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        // Tell a stale write from a missing user.
        get(conn, user.tenant_id, user.id).await?;
        return Err(StoreError::VersionMismatch);
    }
    for table in ["user_emails", "user_external_ids"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE tenant_id = $1 AND user_id = $2"
        ))
        .bind(user.tenant_id.to_string())
        .bind(user.id.to_string())
        .execute(&mut *conn)
        .await?;
    }
    write_children(conn, user).await
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM users WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: UserId,
) -> Result<User, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut users = vec![decode(&row)?];
    load_children(conn, tenant, &mut users).await?;
    users.pop().ok_or(StoreError::NotFound)
}

/// The user whose username or email (either, without regard to case) is `login`.
pub async fn by_login(
    conn: &mut AnyConnection,
    tenant: TenantId,
    login: &str,
) -> Result<User, StoreError> {
    let key = login.to_lowercase();
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND (username_key = $2 OR id = \
         (SELECT user_id FROM user_emails WHERE tenant_id = $1 AND value_key = $2)) \
         ORDER BY CASE WHEN username_key = $2 THEN 0 ELSE 1 END LIMIT 1"
    ))
    .bind(tenant.to_string())
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut users = vec![decode(&row)?];
    load_children(conn, tenant, &mut users).await?;
    users.pop().ok_or(StoreError::NotFound)
}

/// The user owning `email` (without regard to case), if any.
pub async fn by_email(
    conn: &mut AnyConnection,
    tenant: TenantId,
    email: &str,
) -> Result<User, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = \
         (SELECT user_id FROM user_emails WHERE tenant_id = $1 AND value_key = $2)"
    ))
    .bind(tenant.to_string())
    .bind(crate::core::user::email_key(email))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut users = vec![decode(&row)?];
    load_children(conn, tenant, &mut users).await?;
    users.pop().ok_or(StoreError::NotFound)
}

/// One page of users ordered by id, matching `filter`.
pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    filter: &Filter,
    page: Page<'_>,
) -> Result<Vec<User>, StoreError> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM users WHERE tenant_id = "));
    sql.text(tenant.to_string());
    if let Some(after) = page.after {
        sql.push(" AND id > ").text(after);
    }
    let external_id_folded = Dialect::of(conn).casefold("x.external_id");
    for condition in &filter.conditions {
        // Key columns were lowercased by Rust when written, so the value is
        // too; free-text columns are lowercased by the database on both sides
        // (SQLite's lower() folds ASCII only: a value lowercased by Rust
        // would never match one lowercased by SQLite).
        let (prefix, column, folded_by_sql) = match condition.attribute.as_str() {
            "username" => ("", "username_key", false),
            "status" => ("", "status", false),
            "given_name" => ("", "lower(given_name)", true),
            "family_name" => ("", "lower(family_name)", true),
            "display_name" => ("", "lower(display_name)", true),
            "email" => (
                "EXISTS (SELECT 1 FROM user_emails e WHERE e.tenant_id = users.tenant_id \
                 AND e.user_id = users.id AND ",
                "e.value_key",
                false,
            ),
            "external_id" => (
                "EXISTS (SELECT 1 FROM user_external_ids x WHERE x.tenant_id = users.tenant_id \
                 AND x.user_id = users.id AND ",
                external_id_folded.as_str(),
                true,
            ),
            _ => continue,
        };
        let value = if folded_by_sql {
            condition.value.clone()
        } else {
            condition.value.to_lowercase()
        };
        let (operator, operand) = match condition.op {
            FilterOp::Eq => (" = ", value),
            FilterOp::StartsWith => (" LIKE ", format!("{}%", like_escape(&value))),
            FilterOp::Contains => (" LIKE ", format!("%{}%", like_escape(&value))),
        };
        sql.push(" AND ").push(prefix).push(column).push(operator);
        if folded_by_sql {
            sql.push("lower(").text(operand).push(")");
        } else {
            sql.text(operand);
        }
        if condition.op != FilterOp::Eq {
            sql.push(" ESCAPE '\\'");
        }
        if !prefix.is_empty() {
            sql.push(")");
        }
    }
    sql.push(" ORDER BY id LIMIT ").int(page.sql_limit());
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut users = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    load_children(conn, tenant, &mut users).await?;
    Ok(users)
}

pub async fn count(conn: &mut AnyConnection, tenant: TenantId) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE tenant_id = $1")
        .bind(tenant.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Fills in emails and external ids of `users` with one query.
pub(crate) async fn load_children(
    conn: &mut AnyConnection,
    tenant: TenantId,
    users: &mut [User],
) -> Result<(), StoreError> {
    if users.is_empty() {
        return Ok(());
    }
    let index: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.to_string(), i))
        .collect();
    let ids: Vec<String> = index.keys().cloned().collect();
    let mut positions: Vec<Vec<i64>> = vec![Vec::new(); users.len()];
    for row in children_of(Dialect::of(conn), "", tenant, &ids)
        .query()
        .fetch_all(&mut *conn)
        .await?
    {
        let user_id: String = row.try_get("user_id")?;
        let Some(&i) = index.get(&user_id) else {
            continue;
        };
        if row.try_get::<i64, _>("which")? == 0 {
            positions[i].push(row.try_get("position")?);
            users[i].emails.push(Email {
                value: row.try_get("value")?,
                verified: row.try_get::<i64, _>("verified")? != 0,
                primary: row.try_get::<i64, _>("is_primary")? != 0,
                kind: row.try_get("extra")?,
            });
        } else {
            users[i].external_ids.push(ExternalId {
                source: row.try_get("value")?,
                id: row
                    .try_get::<Option<String>, _>("extra")?
                    .unwrap_or_default(),
            });
        }
    }
    for (user, positions) in users.iter_mut().zip(positions) {
        // Emails in list order.
        let mut emails: Vec<(i64, Email)> = positions
            .into_iter()
            .zip(std::mem::take(&mut user.emails))
            .collect();
        emails.sort_by_key(|(position, _)| *position);
        user.emails = emails.into_iter().map(|(_, e)| e).collect();
        user.external_ids
            .sort_by(|a, b| (&a.source, &a.id).cmp(&(&b.source, &b.id)));
    }
    Ok(())
}

/// The emails (`which` 0, with their `position`) and external ids (`which`
/// 1: `value` is the source, `extra` the id) of `ids`, unordered; `prefix`
/// is empty or the dialect's EXPLAIN. BOOLEAN columns are read as integers:
/// sqlx's Any driver cannot decode SQLite's BOOLEAN declared type. No ORDER
/// BY: each branch reads the (tenant_id, user_id) index, where ordering the
/// external ids would make SQLite walk their primary key (tenant_id,
/// source, external_id) — the whole tenant; the caller sorts.
fn children_of(dialect: Dialect, prefix: &str, tenant: TenantId, ids: &[String]) -> Sql {
    let mut sql = Sql::new_in(
        dialect,
        &format!(
            "{prefix}SELECT 0 AS which, user_id, position, value, \
         CASE WHEN verified THEN 1 ELSE 0 END AS verified, \
         CASE WHEN is_primary THEN 1 ELSE 0 END AS is_primary, kind AS extra \
         FROM user_emails WHERE tenant_id = "
        ),
    );
    sql.text(tenant.to_string())
        .push(" AND user_id IN ")
        .text_list(ids.iter().cloned())
        .push(
            " UNION ALL SELECT 1, user_id, 0, source, 0, 0, external_id FROM user_external_ids \
             WHERE tenant_id = ",
        )
        .text(tenant.to_string())
        .push(" AND user_id IN ")
        .text_list(ids.iter().cloned());
    sql
}

/// The database's plans for loading the emails and external ids of one
/// user (SQLite's `EXPLAIN QUERY PLAN` details, PostgreSQL's `EXPLAIN`
/// lines): for tests that prove a single read never walks the tenant.
pub async fn explain_children(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<String>, StoreError> {
    let dialect = Dialect::of(conn);
    let (prefix, column) = dialect.explain();
    let ids = [user.to_string()];
    let mut lines = Vec::new();
    for row in children_of(dialect, prefix, tenant, &ids)
        .query()
        .fetch_all(&mut *conn)
        .await?
    {
        lines.push(row.try_get::<String, _>(column)?);
    }
    Ok(lines)
}
