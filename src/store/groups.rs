//! Groups and their direct members (users and nested groups).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{from_micros, micros, one_row, parse_id};
use super::dialect::Dialect;
use super::sql::Sql;
use super::{Page, StoreError};
use crate::core::group::{Group, Member};
use crate::core::{GroupId, TenantId, UserId};

pub(crate) const COLUMNS: &str =
    "tenant_id, id, name, description, created_at, updated_at, version";

pub(crate) fn decode(row: &AnyRow) -> Result<Group, StoreError> {
    Ok(Group {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, group: &Group) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO groups (tenant_id, id, name, name_key, description, created_at, updated_at, \
         version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(group.tenant_id.to_string())
    .bind(group.id.to_string())
    .bind(&group.name)
    .bind(group.name.to_lowercase())
    .bind(group.description.as_deref())
    .bind(micros(group.created_at))
    .bind(micros(group.updated_at))
    .bind(group.version)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut AnyConnection,
    group: &Group,
    expected_version: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "UPDATE groups SET name = $3, name_key = $4, description = $5, updated_at = $6, \
         version = $7 WHERE tenant_id = $1 AND id = $2 AND version = $8",
    )
    .bind(group.tenant_id.to_string())
    .bind(group.id.to_string())
    .bind(&group.name)
    .bind(group.name.to_lowercase())
    .bind(group.description.as_deref())
    .bind(micros(group.updated_at))
    .bind(group.version)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        get(conn, group.tenant_id, group.id).await?;
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: GroupId,
) -> Result<Group, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM groups WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn by_name(
    conn: &mut AnyConnection,
    tenant: TenantId,
    name: &str,
) -> Result<Group, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM groups WHERE tenant_id = $1 AND name_key = $2"
    ))
    .bind(tenant.to_string())
    .bind(name.to_lowercase())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode(&row)
}

pub async fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: Page<'_>,
) -> Result<Vec<Group>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM groups WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
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
    id: GroupId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM groups WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// Adds a direct member; `Ok(false)` when it already was one.
pub async fn add_member(
    conn: &mut AnyConnection,
    tenant: TenantId,
    group: GroupId,
    member: Member,
    at: time::OffsetDateTime,
) -> Result<bool, StoreError> {
    let sql = match member {
        Member::User(_) => {
            "INSERT INTO group_user_members (tenant_id, group_id, user_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        }
        Member::Group(_) => {
            "INSERT INTO group_group_members (tenant_id, group_id, child_group_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        }
    };
    let result = sqlx::query(sql)
        .bind(tenant.to_string())
        .bind(group.to_string())
        .bind(member.id_string())
        .bind(micros(at))
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Adds direct members, 500 a statement (a directory group of thousands in
/// a few round trips); members already there stay as they are.
pub async fn add_members(
    conn: &mut AnyConnection,
    tenant: TenantId,
    group: GroupId,
    members: &[Member],
    at: time::OffsetDateTime,
) -> Result<(), StoreError> {
    let (users, groups): (Vec<&Member>, Vec<&Member>) =
        members.iter().partition(|m| matches!(m, Member::User(_)));
    let tables = [
        (
            "group_user_members (tenant_id, group_id, user_id, created_at)",
            users,
        ),
        (
            "group_group_members (tenant_id, group_id, child_group_id, created_at)",
            groups,
        ),
    ];
    for (table, list) in tables {
        for chunk in list.chunks(500) {
            let mut sql = Sql::new_in(Dialect::of(conn), &format!("INSERT INTO {table} VALUES "));
            for (i, member) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .text(tenant.to_string())
                    .push(", ")
                    .text(group.to_string())
                    .push(", ")
                    .text(member.id_string())
                    .push(", ")
                    .int(micros(at))
                    .push(")");
            }
            sql.push(" ON CONFLICT DO NOTHING");
            sql.query().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Removes a direct member; `NotFound` when it was not one.
pub async fn remove_member(
    conn: &mut AnyConnection,
    tenant: TenantId,
    group: GroupId,
    member: Member,
) -> Result<(), StoreError> {
    let sql = match member {
        Member::User(_) => {
            "DELETE FROM group_user_members WHERE tenant_id = $1 AND group_id = $2 AND user_id = $3"
        }
        Member::Group(_) => {
            "DELETE FROM group_group_members WHERE tenant_id = $1 AND group_id = $2 \
             AND child_group_id = $3"
        }
    };
    let result = sqlx::query(sql)
        .bind(tenant.to_string())
        .bind(group.to_string())
        .bind(member.id_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// The direct members of a group: users first, then groups, each by id.
pub async fn members(
    conn: &mut AnyConnection,
    tenant: TenantId,
    group: GroupId,
) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT 'user' AS kind, user_id AS member_id FROM group_user_members \
         WHERE tenant_id = $1 AND group_id = $2 \
         UNION ALL SELECT 'group' AS kind, child_group_id AS member_id FROM group_group_members \
         WHERE tenant_id = $1 AND group_id = $2 ORDER BY kind DESC, member_id",
    )
    .bind(tenant.to_string())
    .bind(group.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let id: String = row.try_get("member_id")?;
            Ok(if kind == "user" {
                Member::User(parse_id(&id)?)
            } else {
                Member::Group(parse_id(&id)?)
            })
        })
        .collect()
}

/// Every group that contains `group`, transitively, `group` included; empty
/// when `group` is not a group of `tenant`.
pub async fn ancestors(
    conn: &mut AnyConnection,
    tenant: TenantId,
    group: GroupId,
) -> Result<Vec<GroupId>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "WITH RECURSIVE up(id) AS (SELECT id FROM groups WHERE tenant_id = $1 AND id = $2 UNION \
         SELECT m.group_id FROM group_group_members m JOIN up ON m.child_group_id = up.id \
         WHERE m.tenant_id = $1) SELECT id FROM up",
    )
    .bind(tenant.to_string())
    .bind(group.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(|(id,)| parse_id(id)).collect()
}

/// The groups a user belongs to, directly or through nesting.
pub async fn of_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<Group>, StoreError> {
    let rows = sqlx::query(&format!(
        "WITH RECURSIVE up(id) AS (SELECT group_id FROM group_user_members \
         WHERE tenant_id = $1 AND user_id = $2 UNION \
         SELECT m.group_id FROM group_group_members m JOIN up ON m.child_group_id = up.id \
         WHERE m.tenant_id = $1) \
         SELECT {COLUMNS} FROM groups WHERE tenant_id = $1 AND id IN (SELECT id FROM up) ORDER BY name_key"
    ))
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}
