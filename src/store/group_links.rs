//! What ties groups to the outside and to users in bulk: the external ids a
//! provisioning client knows groups by (one namespace per client), direct
//! memberships of many users and members of many groups at once, and which
//! ids exist.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::codec::parse_id;
use super::dialect::Dialect;
use super::sql::Sql;
use super::StoreError;
use crate::core::group::Member;
use crate::core::{GroupId, TenantId, UserId};

/// Sets (or, with `None`, clears) the id `source` knows `group` by.
pub async fn set_external_id(
    conn: &mut AnyConnection,
    tenant: TenantId,
    group: GroupId,
    source: &str,
    external_id: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM group_external_ids WHERE tenant_id = $1 AND group_id = $2 AND source = $3",
    )
    .bind(tenant.to_string())
    .bind(group.to_string())
    .bind(source)
    .execute(&mut *conn)
    .await?;
    if let Some(id) = external_id {
        sqlx::query(
            "INSERT INTO group_external_ids (tenant_id, group_id, source, external_id) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant.to_string())
        .bind(group.to_string())
        .bind(source)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The ids `source` knows each of `groups` by (groups it has none for are
/// absent).
pub async fn external_ids(
    conn: &mut AnyConnection,
    tenant: TenantId,
    groups: &[GroupId],
    source: &str,
) -> Result<HashMap<GroupId, String>, StoreError> {
    if groups.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new_in(
        Dialect::of(conn),
        "SELECT group_id, external_id FROM group_external_ids WHERE tenant_id = ",
    );
    sql.text(tenant.to_string())
        .push(" AND source = ")
        .text(source)
        .push(" AND group_id IN ")
        .text_list(groups.iter().map(ToString::to_string));
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("group_id")?;
            Ok((parse_id(&id)?, row.try_get("external_id")?))
        })
        .collect()
}

/// The groups each of `users` is a direct member of, with their names,
/// ordered by name.
pub async fn direct_groups_of_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
    users: &[UserId],
) -> Result<HashMap<UserId, Vec<(GroupId, String)>>, StoreError> {
    let mut out: HashMap<UserId, Vec<(GroupId, String)>> = HashMap::new();
    if users.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new_in(
        Dialect::of(conn),
        "SELECT m.user_id, g.id, g.name FROM group_user_members m JOIN groups g \
         ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE m.tenant_id = ",
    );
    sql.text(tenant.to_string())
        .push(" AND m.user_id IN ")
        .text_list(users.iter().map(ToString::to_string))
        .push(" ORDER BY g.name_key");
    for row in sql.query().fetch_all(conn).await? {
        let user: UserId = parse_id(&row.try_get::<String, _>("user_id")?)?;
        let group: GroupId = parse_id(&row.try_get::<String, _>("id")?)?;
        out.entry(user)
            .or_default()
            .push((group, row.try_get("name")?));
    }
    Ok(out)
}

/// The direct members of each of `groups` (users first, then groups, each
/// by id), in two queries whatever the number of groups.
pub async fn members_of_groups(
    conn: &mut AnyConnection,
    tenant: TenantId,
    groups: &[GroupId],
) -> Result<HashMap<GroupId, Vec<Member>>, StoreError> {
    let mut out: HashMap<GroupId, Vec<Member>> = HashMap::new();
    if groups.is_empty() {
        return Ok(out);
    }
    for (table, column, as_group) in [
        ("group_user_members", "user_id", false),
        ("group_group_members", "child_group_id", true),
    ] {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            &format!("SELECT group_id, {column} AS member_id FROM {table} WHERE tenant_id = "),
        );
        sql.text(tenant.to_string())
            .push(" AND group_id IN ")
            .text_list(groups.iter().map(ToString::to_string))
            .push(" ORDER BY group_id, member_id");
        for row in sql.query().fetch_all(&mut *conn).await? {
            let group: GroupId = parse_id(&row.try_get::<String, _>("group_id")?)?;
            let id: String = row.try_get("member_id")?;
            let member = if as_group {
                Member::Group(parse_id(&id)?)
            } else {
                Member::User(parse_id(&id)?)
            };
            out.entry(group).or_default().push(member);
        }
    }
    Ok(out)
}

/// Which of `ids` are users of `tenant`.
pub async fn existing_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[UserId],
) -> Result<std::collections::HashSet<UserId>, StoreError> {
    existing(conn, "users", tenant, ids.iter().map(ToString::to_string)).await
}

/// Which of `ids` are groups of `tenant`.
pub async fn existing_groups(
    conn: &mut AnyConnection,
    tenant: TenantId,
    ids: &[GroupId],
) -> Result<std::collections::HashSet<GroupId>, StoreError> {
    existing(conn, "groups", tenant, ids.iter().map(ToString::to_string)).await
}

async fn existing<T: std::str::FromStr + std::hash::Hash + Eq>(
    conn: &mut AnyConnection,
    table: &str,
    tenant: TenantId,
    ids: impl Iterator<Item = String>,
) -> Result<std::collections::HashSet<T>, StoreError> {
    let ids: Vec<String> = ids.collect();
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            &format!("SELECT id FROM {table} WHERE tenant_id = "),
        );
        sql.text(tenant.to_string())
            .push(" AND id IN ")
            .text_list(chunk.iter().cloned());
        for row in sql.query().fetch_all(&mut *conn).await? {
            let id: String = row.try_get("id")?;
            if let Ok(id) = id.parse() {
                found.insert(id);
            }
        }
    }
    Ok(found)
}
