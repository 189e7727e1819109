//! Roles and their assignments to users and groups.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::codec::{
    from_json, from_micros, from_opt_micros, micros, one_row, opt_micros, parse_id, to_json,
};
use super::{Page, StoreError};
use crate::core::role::{Principal, Role, RoleAssignment};
use crate::core::{AssignmentId, RoleId, TenantId, UserId};

const COLUMNS: &str = "tenant_id, id, name, description, permissions, created_at, updated_at";
const ASSIGNMENT_COLUMNS: &str =
    "tenant_id, id, role_id, user_id, group_id, workspace_id, expires_at, created_at";

fn decode(row: &AnyRow) -> Result<Role, StoreError> {
    Ok(Role {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        permissions: from_json(&row.try_get::<String, _>("permissions")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
        updated_at: from_micros(row.try_get("updated_at")?)?,
    })
}

fn decode_assignment(row: &AnyRow) -> Result<RoleAssignment, StoreError> {
    let user: Option<String> = row.try_get("user_id")?;
    let group: Option<String> = row.try_get("group_id")?;
    let principal = match (user, group) {
        (Some(u), None) => Principal::User(parse_id(&u)?),
        (None, Some(g)) => Principal::Group(parse_id(&g)?),
        _ => {
            return Err(StoreError::Corrupt(
                "assignment without one principal".into(),
            ))
        }
    };
    let workspace: Option<String> = row.try_get("workspace_id")?;
    Ok(RoleAssignment {
        id: parse_id(&row.try_get::<String, _>("id")?)?,
        tenant_id: parse_id(&row.try_get::<String, _>("tenant_id")?)?,
        role_id: parse_id(&row.try_get::<String, _>("role_id")?)?,
        principal,
        workspace_id: workspace.as_deref().map(parse_id).transpose()?,
        expires_at: from_opt_micros(row.try_get("expires_at")?)?,
        created_at: from_micros(row.try_get("created_at")?)?,
    })
}

pub async fn insert(conn: &mut AnyConnection, role: &Role) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO roles (tenant_id, id, name, name_key, description, permissions, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(role.tenant_id.to_string())
    .bind(role.id.to_string())
    .bind(&role.name)
    .bind(role.name.to_lowercase())
    .bind(role.description.as_deref())
    .bind(to_json(&role.permissions)?)
    .bind(micros(role.created_at))
    .bind(micros(role.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: RoleId,
) -> Result<Role, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM roles WHERE tenant_id = $1 AND id = $2"
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
) -> Result<Role, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM roles WHERE tenant_id = $1 AND name_key = $2"
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
) -> Result<Vec<Role>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM roles WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
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
    id: RoleId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM roles WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

fn principal_key(p: Principal) -> String {
    match p {
        Principal::User(id) => format!("user:{id}"),
        Principal::Group(id) => format!("group:{id}"),
    }
}

pub async fn assign(conn: &mut AnyConnection, a: &RoleAssignment) -> Result<(), StoreError> {
    let (user, group) = match a.principal {
        Principal::User(id) => (Some(id.to_string()), None),
        Principal::Group(id) => (None, Some(id.to_string())),
    };
    sqlx::query(
        "INSERT INTO role_assignments (tenant_id, id, role_id, user_id, group_id, workspace_id, \
         principal_key, workspace_key, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.tenant_id.to_string())
    .bind(a.id.to_string())
    .bind(a.role_id.to_string())
    .bind(user)
    .bind(group)
    .bind(a.workspace_id.map(|w| w.to_string()))
    .bind(principal_key(a.principal))
    .bind(a.workspace_id.map(|w| w.to_string()).unwrap_or_default())
    .bind(opt_micros(a.expires_at))
    .bind(micros(a.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn unassign(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: AssignmentId,
) -> Result<(), StoreError> {
    let result = sqlx::query("DELETE FROM role_assignments WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    one_row(result)
}

/// The assignment of `role` to `principal` in `workspace` (None: tenant-wide).
pub async fn find_assignment(
    conn: &mut AnyConnection,
    tenant: TenantId,
    role: RoleId,
    principal: Principal,
    workspace: Option<crate::core::WorkspaceId>,
) -> Result<RoleAssignment, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments WHERE tenant_id = $1 AND role_id = $2 \
         AND principal_key = $3 AND workspace_key = $4"
    ))
    .bind(tenant.to_string())
    .bind(role.to_string())
    .bind(principal_key(principal))
    .bind(workspace.map(|w| w.to_string()).unwrap_or_default())
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode_assignment(&row)
}

pub async fn assignments_of_role(
    conn: &mut AnyConnection,
    tenant: TenantId,
    role: RoleId,
) -> Result<Vec<RoleAssignment>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments WHERE tenant_id = $1 AND role_id = $2 ORDER BY id"
    ))
    .bind(tenant.to_string())
    .bind(role.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_assignment).collect()
}

/// Assignments that reach a user directly or through any of its groups
/// (nested included), expired ones included: the caller filters by time.
pub async fn assignments_of_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<RoleAssignment>, StoreError> {
    let rows = sqlx::query(&format!(
        "WITH RECURSIVE up(id) AS (SELECT group_id FROM group_user_members \
         WHERE tenant_id = $1 AND user_id = $2 UNION \
         SELECT m.group_id FROM group_group_members m JOIN up ON m.child_group_id = up.id \
         WHERE m.tenant_id = $1) \
         SELECT {ASSIGNMENT_COLUMNS} FROM role_assignments WHERE tenant_id = $1 \
         AND (user_id = $2 OR group_id IN (SELECT id FROM up)) ORDER BY id"
    ))
    .bind(tenant.to_string())
    .bind(user.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_assignment).collect()
}
