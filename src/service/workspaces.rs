//! Workspace use cases: create, list, find, delete.

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::tenant::{parse_display_name, Slug, Tenant};
use crate::core::workspace::Workspace;
use crate::core::WorkspaceId;
use crate::store::workspaces;

impl Hub {
    pub async fn create_workspace(
        &self,
        actor: Actor,
        tenant: &Tenant,
        slug: &str,
        display_name: Option<&str>,
    ) -> Result<Workspace, ServiceError> {
        let slug = Slug::parse(slug)?;
        let display_name =
            parse_display_name(display_name.unwrap_or(slug.as_str()), "display_name")?;
        let now = self.now();
        let ws = Workspace {
            id: WorkspaceId::new(now),
            tenant_id: tenant.id,
            slug,
            display_name,
            created_at: now,
        };
        let mut tx = self.store.begin().await?;
        workspaces::insert(&mut tx, &ws).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "workspace.created").target("workspace", ws.id),
        )
        .await?;
        tx.commit().await?;
        Ok(ws)
    }

    /// A workspace by id or by slug.
    pub async fn find_workspace(
        &self,
        tenant: &Tenant,
        id_or_slug: &str,
    ) -> Result<Workspace, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_slug.parse::<WorkspaceId>() {
            if let Ok(ws) = workspaces::get(&mut conn, tenant.id, id).await {
                return Ok(ws);
            }
        }
        workspaces::by_slug(&mut conn, tenant.id, id_or_slug)
            .await
            .map_err(ServiceError::not_found("workspace"))
    }

    pub async fn list_workspaces(&self, tenant: &Tenant) -> Result<Vec<Workspace>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(workspaces::list(&mut conn, tenant.id).await?)
    }

    pub async fn delete_workspace(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: WorkspaceId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        workspaces::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("workspace"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "workspace.deleted")
                .target("workspace", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
