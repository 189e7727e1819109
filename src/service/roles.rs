//! Role use cases: create, list, show, delete, assign to a user or group
//! (tenant-wide or in a workspace, optionally expiring), unassign.

use serde_json::json;
use time::OffsetDateTime;

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::group::parse_group_name;
use crate::core::role::{parse_permission, Principal, Role, RoleAssignment};
use crate::core::tenant::Tenant;
use crate::core::{AssignmentId, RoleId, UserId, WorkspaceId};
use crate::store::{groups, roles, users, workspaces, Page};

impl Hub {
    pub async fn create_role(
        &self,
        actor: Actor,
        tenant: &Tenant,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
    ) -> Result<Role, ServiceError> {
        let name = parse_group_name(name)?;
        let mut perms = permissions
            .iter()
            .map(|p| parse_permission(p))
            .collect::<Result<Vec<_>, _>>()?;
        perms.sort();
        perms.dedup();
        let now = self.now();
        let role = Role {
            id: RoleId::new(now),
            tenant_id: tenant.id,
            name,
            description: description
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            permissions: perms,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.begin().await?;
        roles::insert(&mut tx, &role).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "role.created")
                .target("role", role.id)
                .details(json!({ "name": role.name, "permissions": role.permissions })),
        )
        .await?;
        tx.commit().await?;
        Ok(role)
    }

    /// A role by id or by name.
    pub async fn find_role(&self, tenant: &Tenant, id_or_name: &str) -> Result<Role, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_name.parse::<RoleId>() {
            if let Ok(role) = roles::get(&mut conn, tenant.id, id).await {
                return Ok(role);
            }
        }
        roles::by_name(&mut conn, tenant.id, id_or_name)
            .await
            .map_err(ServiceError::not_found("role"))
    }

    pub async fn list_roles(
        &self,
        tenant: &Tenant,
        page: Page<'_>,
    ) -> Result<Vec<Role>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(roles::list(&mut conn, tenant.id, page).await?)
    }

    pub async fn role_assignments(
        &self,
        tenant: &Tenant,
        role: RoleId,
    ) -> Result<Vec<RoleAssignment>, ServiceError> {
        let mut conn = self.store.conn().await?;
        roles::get(&mut conn, tenant.id, role)
            .await
            .map_err(ServiceError::not_found("role"))?;
        Ok(roles::assignments_of_role(&mut conn, tenant.id, role).await?)
    }

    /// The roles in force for a user now (direct and through groups).
    pub async fn effective_assignments(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Vec<RoleAssignment>, ServiceError> {
        let mut conn = self.store.conn().await?;
        let now = self.now();
        let all = roles::assignments_of_user(&mut conn, tenant.id, user).await?;
        Ok(all.into_iter().filter(|a| a.is_active(now)).collect())
    }

    pub async fn delete_role(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: RoleId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        roles::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("role"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "role.deleted").target("role", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn assign_role(
        &self,
        actor: Actor,
        tenant: &Tenant,
        role: RoleId,
        principal: Principal,
        workspace: Option<WorkspaceId>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<RoleAssignment, ServiceError> {
        let now = self.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(ServiceError::invalid("expires_at", "must be in the future"));
        }
        let mut tx = self.store.begin().await?;
        roles::get(&mut tx, tenant.id, role)
            .await
            .map_err(ServiceError::not_found("role"))?;
        match principal {
            Principal::User(id) => {
                users::get(&mut tx, tenant.id, id)
                    .await
                    .map_err(ServiceError::not_found("user"))?;
            }
            Principal::Group(id) => {
                groups::get(&mut tx, tenant.id, id)
                    .await
                    .map_err(ServiceError::not_found("group"))?;
            }
        }
        if let Some(ws) = workspace {
            workspaces::get(&mut tx, tenant.id, ws)
                .await
                .map_err(ServiceError::not_found("workspace"))?;
        }
        let assignment = RoleAssignment {
            id: AssignmentId::new(now),
            tenant_id: tenant.id,
            role_id: role,
            principal,
            workspace_id: workspace,
            expires_at,
            created_at: now,
        };
        roles::assign(&mut tx, &assignment).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "role.assigned")
                .target("role", role)
                .details(json!({
                    "assignment_id": assignment.id,
                    "principal": principal,
                    "workspace_id": workspace,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(assignment)
    }

    pub async fn unassign_role(
        &self,
        actor: Actor,
        tenant: &Tenant,
        role: RoleId,
        principal: Principal,
        workspace: Option<WorkspaceId>,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        let assignment = roles::find_assignment(&mut tx, tenant.id, role, principal, workspace)
            .await
            .map_err(ServiceError::not_found("assignment"))?;
        roles::unassign(&mut tx, tenant.id, assignment.id).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "role.unassigned")
                .target("role", role)
                .details(json!({ "assignment_id": assignment.id, "principal": principal })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
