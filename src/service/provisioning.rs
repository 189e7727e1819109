//! Provisioning: users and groups written whole by an outside system (a SCIM
//! client today, a directory sync next), each write one transaction with one
//! audit event that names the provisioning client (ARCHITECTURE.md rule 9).

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::group::{check_nesting, parse_group_name, Group, Member};
use crate::core::password::check_password_policy;
use crate::core::tenant::Tenant;
use crate::core::user::{User, UserFields, UserStatus};
use crate::core::{GroupId, UserId};
use crate::store::{events, group_links, groups, passwords, sessions, users, StoreError};

/// Who provisions: the actor of the events and what they say about it
/// (e.g. `{"via": "scim", "client": "Entra ID"}`).
#[derive(Debug, Clone)]
pub struct Provisioner {
    pub actor: Actor,
    pub details: Value,
}

impl Provisioner {
    fn event(&self, tenant: &Tenant, at: time::OffsetDateTime, action: &str) -> AuditEvent {
        AuditEvent::new(tenant.id, at, self.actor, action)
    }

    fn details(&self, extra: Value) -> Value {
        let mut details = self.details.clone();
        if let (Some(d), Value::Object(extra)) = (details.as_object_mut(), extra) {
            d.extend(extra);
        }
        details
    }
}

/// A user as a provisioning client states it.
#[derive(Debug, Clone)]
pub struct UserState {
    pub fields: UserFields,
    pub status: UserStatus,
    /// A new password, checked against the policy and hashed.
    pub password: Option<String>,
}

/// A new user and its `user.created` event, not written yet.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user: User,
    event: AuditEvent,
}

/// A group as a provisioning client states it.
#[derive(Debug, Clone, Copy)]
pub struct GroupState<'a> {
    pub name: &'a str,
    pub external_id: GroupExternalId<'a>,
    /// Its direct members, all of them.
    pub members: &'a [Member],
}

/// A group written inside a caller's transaction, with how many direct
/// members were added and removed.
#[derive(Debug, Clone)]
pub struct GroupWrite {
    pub group: Group,
    pub added: usize,
    pub removed: usize,
}

/// A group's external id in one client's namespace.
#[derive(Debug, Clone, Copy)]
pub struct GroupExternalId<'a> {
    pub source: &'a str,
    pub id: Option<&'a str>,
}

impl Hub {
    pub async fn provision_user(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        state: UserState,
    ) -> Result<User, ServiceError> {
        let mut tx = self.store.begin().await?;
        let user = self.provision_user_in(&mut tx, by, tenant, state).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// [`Hub::provision_user`] inside the caller's transaction, so that a
    /// batch (SCIM `/Bulk`) writes many users in one commit.
    pub async fn provision_user_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        by: &Provisioner,
        tenant: &Tenant,
        state: UserState,
    ) -> Result<User, ServiceError> {
        let UserState {
            fields,
            status,
            password,
        } = state;
        let fields = fields.validate()?;
        let hash = self.hash_new_password(password).await?;
        let new = self.new_user(by, tenant, fields, status, hash.is_some());
        users::insert(conn, &new.user).await?;
        if let Some(hash) = &hash {
            passwords::set(conn, tenant.id, new.user.id, hash, new.user.created_at).await?;
        }
        record(conn, &new.event).await?;
        Ok(new.user)
    }

    /// A new user without a password, built but not written: a directory
    /// sync's batch writes many with [`Hub::insert_new_users_in`].
    pub fn build_new_user(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        fields: UserFields,
        status: UserStatus,
    ) -> Result<NewUser, ServiceError> {
        Ok(self.new_user(by, tenant, fields.validate()?, status, false))
    }

    /// Writes users built by [`Hub::build_new_user`] and their
    /// `user.created` events, a few statements for the lot.
    pub async fn insert_new_users_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        batch: Vec<NewUser>,
    ) -> Result<(), ServiceError> {
        let (users, events): (Vec<User>, Vec<AuditEvent>) =
            batch.into_iter().map(|n| (n.user, n.event)).unzip();
        users::insert_many(conn, &users).await?;
        events::append_many(conn, &events).await?;
        Ok(())
    }

    /// The user row and its event from validated fields.
    fn new_user(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        fields: UserFields,
        status: UserStatus,
        password_set: bool,
    ) -> NewUser {
        let now = self.now();
        let user = User {
            id: UserId::new(now),
            tenant_id: tenant.id,
            username: fields.username,
            emails: fields.emails,
            phone: fields.phone,
            given_name: fields.given_name,
            family_name: fields.family_name,
            display_name: fields.display_name,
            locale: fields.locale,
            status,
            external_ids: fields.external_ids,
            profile: fields.profile.unwrap_or_default(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let details = by.details(json!({
            "username": user.username,
            "active": status == UserStatus::Active,
            "password_set": password_set,
        }));
        let event = by
            .event(tenant, now, "user.created")
            .target("user", user.id)
            .details(details);
        NewUser { user, event }
    }

    /// Replaces every field of a user; disabling ends its sessions.
    /// `expected_version`, when given, must be the stored version.
    pub async fn reprovision_user(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        id: UserId,
        state: UserState,
        expected_version: Option<i64>,
    ) -> Result<User, ServiceError> {
        let mut tx = self.store.begin().await?;
        let user = self
            .reprovision_user_in(&mut tx, by, tenant, id, state, expected_version)
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// [`Hub::reprovision_user`] inside the caller's transaction (a
    /// directory sync's batch).
    pub async fn reprovision_user_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        by: &Provisioner,
        tenant: &Tenant,
        id: UserId,
        state: UserState,
        expected_version: Option<i64>,
    ) -> Result<User, ServiceError> {
        let UserState {
            fields,
            status,
            password,
        } = state;
        let fields = fields.validate()?;
        let hash = self.hash_new_password(password).await?;
        let mut user = users::get(&mut *tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))?;
        let read_version = user.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        let was = user.status;
        user.username = fields.username;
        user.emails = fields.emails;
        user.phone = fields.phone;
        user.given_name = fields.given_name;
        user.family_name = fields.family_name;
        user.display_name = fields.display_name;
        user.locale = fields.locale;
        user.external_ids = fields.external_ids;
        if let Some(profile) = fields.profile {
            user.profile = profile;
        }
        user.status = status;
        user.updated_at = self.now();
        user.version = read_version + 1;
        users::update(&mut *tx, &user, read_version).await?;
        if let Some(hash) = &hash {
            passwords::set(&mut *tx, tenant.id, user.id, hash, user.updated_at).await?;
        }
        let ended = if status == UserStatus::Disabled && was == UserStatus::Active {
            sessions::delete_for_user(&mut *tx, tenant.id, id).await?
        } else {
            0
        };
        let action = match (was, status) {
            (UserStatus::Active, UserStatus::Disabled) => "user.disabled",
            (UserStatus::Disabled, UserStatus::Active) => "user.enabled",
            _ => "user.updated",
        };
        let details = by.details(json!({
            "password_set": hash.is_some(),
            "sessions_ended": ended,
        }));
        record(
            &mut *tx,
            &by.event(tenant, user.updated_at, action)
                .target("user", user.id)
                .details(details),
        )
        .await?;
        Ok(user)
    }

    pub async fn deprovision_user(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        id: UserId,
        expected_version: Option<i64>,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        self.deprovision_user_in(&mut tx, by, tenant, id, expected_version)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Hub::deprovision_user`] inside the caller's transaction.
    pub async fn deprovision_user_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        by: &Provisioner,
        tenant: &Tenant,
        id: UserId,
        expected_version: Option<i64>,
    ) -> Result<(), ServiceError> {
        let user = users::get(&mut *tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("user"))?;
        if expected_version.is_some_and(|v| v != user.version) {
            return Err(ServiceError::VersionMismatch);
        }
        users::delete(&mut *tx, tenant.id, id).await?;
        record(
            &mut *tx,
            &by.event(tenant, self.now(), "user.deleted")
                .target("user", id)
                .details(by.details(json!({ "username": user.username }))),
        )
        .await?;
        Ok(())
    }

    pub async fn provision_group(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        state: GroupState<'_>,
    ) -> Result<Group, ServiceError> {
        let mut tx = self.store.begin().await?;
        let written = self.provision_group_in(&mut tx, by, tenant, state).await?;
        tx.commit().await?;
        Ok(written.group)
    }

    /// [`Hub::provision_group`] inside the caller's transaction.
    pub async fn provision_group_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        by: &Provisioner,
        tenant: &Tenant,
        state: GroupState<'_>,
    ) -> Result<GroupWrite, ServiceError> {
        let GroupState {
            name,
            external_id,
            members,
        } = state;
        let name = parse_group_name(name)?;
        let now = self.now();
        let group = Group {
            id: GroupId::new(now),
            tenant_id: tenant.id,
            name,
            description: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        groups::insert(&mut *tx, &group).await?;
        group_links::set_external_id(
            &mut *tx,
            tenant.id,
            group.id,
            external_id.source,
            external_id.id,
        )
        .await?;
        let (added, _) = replace_members(&mut *tx, tenant, group.id, members, now).await?;
        record(
            &mut *tx,
            &by.event(tenant, now, "group.created")
                .target("group", group.id)
                .details(by.details(json!({ "name": group.name, "members_added": added }))),
        )
        .await?;
        Ok(GroupWrite {
            group,
            added,
            removed: 0,
        })
    }

    /// Replaces a group's name, external id (in the caller's namespace) and
    /// direct members.
    pub async fn reprovision_group(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        id: GroupId,
        state: GroupState<'_>,
        expected_version: Option<i64>,
    ) -> Result<Group, ServiceError> {
        let mut tx = self.store.begin().await?;
        let written = self
            .reprovision_group_in(&mut tx, by, tenant, id, state, expected_version)
            .await?;
        tx.commit().await?;
        Ok(written.group)
    }

    /// [`Hub::reprovision_group`] inside the caller's transaction.
    pub async fn reprovision_group_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        by: &Provisioner,
        tenant: &Tenant,
        id: GroupId,
        state: GroupState<'_>,
        expected_version: Option<i64>,
    ) -> Result<GroupWrite, ServiceError> {
        let GroupState {
            name,
            external_id,
            members,
        } = state;
        let name = parse_group_name(name)?;
        let mut group = groups::get(&mut *tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("group"))?;
        let read_version = group.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        group.name = name;
        group.updated_at = self.now();
        group.version = read_version + 1;
        groups::update(&mut *tx, &group, read_version).await?;
        group_links::set_external_id(&mut *tx, tenant.id, id, external_id.source, external_id.id)
            .await?;
        let (added, removed) =
            replace_members(&mut *tx, tenant, id, members, group.updated_at).await?;
        record(
            &mut *tx,
            &by.event(tenant, group.updated_at, "group.updated")
                .target("group", id)
                .details(by.details(json!({
                    "name": group.name,
                    "members_added": added,
                    "members_removed": removed,
                }))),
        )
        .await?;
        Ok(GroupWrite {
            group,
            added,
            removed,
        })
    }

    pub async fn deprovision_group(
        &self,
        by: &Provisioner,
        tenant: &Tenant,
        id: GroupId,
        expected_version: Option<i64>,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        self.deprovision_group_in(&mut tx, by, tenant, id, expected_version)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`Hub::deprovision_group`] inside the caller's transaction.
    pub async fn deprovision_group_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        by: &Provisioner,
        tenant: &Tenant,
        id: GroupId,
        expected_version: Option<i64>,
    ) -> Result<(), ServiceError> {
        let group = groups::get(&mut *tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("group"))?;
        if expected_version.is_some_and(|v| v != group.version) {
            return Err(ServiceError::VersionMismatch);
        }
        groups::delete(&mut *tx, tenant.id, id).await?;
        record(
            &mut *tx,
            &by.event(tenant, self.now(), "group.deleted")
                .target("group", id)
                .details(by.details(json!({ "name": group.name }))),
        )
        .await?;
        Ok(())
    }

    async fn hash_new_password(
        &self,
        password: Option<String>,
    ) -> Result<Option<String>, ServiceError> {
        match password {
            Some(p) => {
                check_password_policy(&p)?;
                Ok(Some(self.passwords.hash(p).await?))
            }
            None => Ok(None),
        }
    }
}

/// Makes `members` the direct members of `group`: every one must exist in
/// the tenant and no nesting may loop. Returns how many were added and
/// removed.
async fn replace_members(
    conn: &mut sqlx::AnyConnection,
    tenant: &Tenant,
    group: GroupId,
    members: &[Member],
    at: time::OffsetDateTime,
) -> Result<(usize, usize), ServiceError> {
    let wanted: HashSet<Member> = members.iter().copied().collect();
    let current: HashSet<Member> = groups::members(conn, tenant.id, group)
        .await?
        .into_iter()
        .collect();
    let to_add: Vec<Member> = wanted.difference(&current).copied().collect();
    let to_remove: Vec<Member> = current.difference(&wanted).copied().collect();
    let user_ids: Vec<UserId> = to_add
        .iter()
        .filter_map(|m| match m {
            Member::User(id) => Some(*id),
            Member::Group(_) => None,
        })
        .collect();
    let group_ids: Vec<GroupId> = to_add
        .iter()
        .filter_map(|m| match m {
            Member::Group(id) => Some(*id),
            Member::User(_) => None,
        })
        .collect();
    let users_found = group_links::existing_users(conn, tenant.id, &user_ids).await?;
    if let Some(missing) = user_ids.iter().find(|id| !users_found.contains(id)) {
        return Err(ServiceError::invalid(
            "members",
            format!("no user {missing} in this tenant"),
        ));
    }
    let groups_found = group_links::existing_groups(conn, tenant.id, &group_ids).await?;
    if let Some(missing) = group_ids.iter().find(|id| !groups_found.contains(id)) {
        return Err(ServiceError::invalid(
            "members",
            format!("no group {missing} in this tenant"),
        ));
    }
    if !group_ids.is_empty() {
        let ancestors = groups::ancestors(conn, tenant.id, group).await?;
        for child in &group_ids {
            check_nesting(group, *child, &ancestors)?;
        }
    }
    for member in &to_remove {
        match groups::remove_member(conn, tenant.id, group, *member).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    groups::add_members(conn, tenant.id, group, &to_add, at).await?;
    Ok((to_add.len(), to_remove.len()))
}
