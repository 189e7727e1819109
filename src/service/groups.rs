//! Group use cases: create, list, show, delete, add and remove members
//! (users or groups, with cycles refused).

use serde_json::json;

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::group::{check_nesting, parse_group_name, Group, Member};
use crate::core::tenant::Tenant;
use crate::core::GroupId;
use crate::store::{groups, users, Page, StoreError};

impl Hub {
    pub async fn create_group(
        &self,
        actor: Actor,
        tenant: &Tenant,
        name: &str,
        description: Option<&str>,
    ) -> Result<Group, ServiceError> {
        let name = parse_group_name(name)?;
        let now = self.now();
        let group = Group {
            id: GroupId::new(now),
            tenant_id: tenant.id,
            name,
            description: description
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        groups::insert(&mut tx, &group).await?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "group.created")
                .target("group", group.id)
                .details(json!({ "name": group.name })),
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    /// A group by id or by name.
    pub async fn find_group(
        &self,
        tenant: &Tenant,
        id_or_name: &str,
    ) -> Result<Group, ServiceError> {
        let mut conn = self.store.conn().await?;
        if let Ok(id) = id_or_name.parse::<GroupId>() {
            if let Ok(group) = groups::get(&mut conn, tenant.id, id).await {
                return Ok(group);
            }
        }
        groups::by_name(&mut conn, tenant.id, id_or_name)
            .await
            .map_err(ServiceError::not_found("group"))
    }

    pub async fn list_groups(
        &self,
        tenant: &Tenant,
        page: Page<'_>,
    ) -> Result<Vec<Group>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(groups::list(&mut conn, tenant.id, page).await?)
    }

    pub async fn group_members(
        &self,
        tenant: &Tenant,
        id: GroupId,
    ) -> Result<Vec<Member>, ServiceError> {
        let mut conn = self.store.conn().await?;
        groups::get(&mut conn, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("group"))?;
        Ok(groups::members(&mut conn, tenant.id, id).await?)
    }

    pub async fn delete_group(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: GroupId,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        groups::delete(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("group"))?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "group.deleted").target("group", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a direct member. Adding an existing member changes nothing and
    /// records nothing; `Ok(false)` tells the caller.
    pub async fn add_group_member(
        &self,
        actor: Actor,
        tenant: &Tenant,
        group: GroupId,
        member: Member,
    ) -> Result<bool, ServiceError> {
        let mut tx = self.store.begin().await?;
        groups::get(&mut tx, tenant.id, group)
            .await
            .map_err(ServiceError::not_found("group"))?;
        match member {
            Member::User(user) => {
                users::get(&mut tx, tenant.id, user)
                    .await
                    .map_err(ServiceError::not_found("member user"))?;
            }
            Member::Group(child) => {
                groups::get(&mut tx, tenant.id, child)
                    .await
                    .map_err(ServiceError::not_found("member group"))?;
                let ancestors = groups::ancestors(&mut tx, tenant.id, group).await?;
                check_nesting(group, child, &ancestors)?;
            }
        }
        let now = self.now();
        let added = groups::add_member(&mut tx, tenant.id, group, member, now).await?;
        if added {
            record(
                &mut tx,
                &AuditEvent::new(tenant.id, now, actor, "group.member_added")
                    .target("group", group)
                    .details(
                        json!({ "member_type": member.kind(), "member_id": member.id_string() }),
                    ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn remove_group_member(
        &self,
        actor: Actor,
        tenant: &Tenant,
        group: GroupId,
        member: Member,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        groups::get(&mut tx, tenant.id, group)
            .await
            .map_err(ServiceError::not_found("group"))?;
        groups::remove_member(&mut tx, tenant.id, group, member)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::NotFound("membership"),
                other => other.into(),
            })?;
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, self.now(), actor, "group.member_removed")
                .target("group", group)
                .details(json!({ "member_type": member.kind(), "member_id": member.id_string() })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
