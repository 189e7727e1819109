//! Applying directory entries to the core, inside a batch transaction with
//! one savepoint per entry: an entry the hub refuses (a username taken by a
//! local user, a nesting loop) is rolled back alone, counted and described
//! in the report, and the batch goes on. Users map to users with the
//! external id `ldap:<source id>` = the directory's stable id; groups to
//! groups with that external id, their member DNs resolved through the
//! source's entries (nested groups stay nested), `memberUid`s through the
//! usernames of the source's users. Nothing is written for an entry whose
//! core record already says the same.

use std::collections::HashSet;

use sqlx::{AnyConnection, Connection};
use time::OffsetDateTime;
use usso_ldap::{Change, DirectoryEntry, DirectoryGroup, DirectoryUser};

use super::{Item, BATCH};
use crate::core::group::{parse_group_name, Member};
use crate::core::ldap_source::{
    exceeds_removal_share, DeletePolicy, LdapSource, SyncMode, SyncOutcome, SyncReport,
};
use crate::core::tenant::Tenant;
use crate::core::user::{username_key, Email, ExternalId, User, UserFields, UserStatus};
use crate::core::{GroupId, UserId};
use crate::service::provisioning::{GroupExternalId, GroupState, Provisioner, UserState};
use crate::service::{Hub, ServiceError};
use crate::store::ldap_entries::{self, Entry, EntryKind};
use crate::store::{groups, users, StoreError};

/// One run's context and tallies.
pub(in crate::service) struct Run<'a> {
    pub hub: &'a Hub,
    pub tenant: &'a Tenant,
    pub source: &'a LdapSource,
    pub by: Provisioner,
    pub holder: &'a str,
    /// `ldap:<source id>`.
    pub ext: String,
    /// Marks the entries this run saw.
    pub run_id: String,
    pub report: SyncReport,
    /// The source's users when the run started (the safety share's base).
    pub linked_users: u64,
    /// Groups with member DNs not resolved yet, applied again at the end.
    pending: Vec<DirectoryGroup>,
    /// Stable ids an incremental run saw deleted.
    pub deleted: Vec<String>,
    started: OffsetDateTime,
}

enum Effect {
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserDeleted,
    UserUnchanged,
    GroupCreated,
    GroupUpdated,
    GroupDeleted,
    GroupUnchanged,
    Skipped,
    Nothing,
}

/// The lowercased RFC 4514 form of a DN: how member DNs are matched.
fn dn_key(dn: &usso_ldap::Dn) -> String {
    dn.to_string().to_lowercase()
}

/// Errors that concern one entry only: the run goes on without it.
fn entry_level(e: &ServiceError) -> bool {
    matches!(
        e,
        ServiceError::Invalid { .. }
            | ServiceError::Conflict { .. }
            | ServiceError::NotFound(_)
            | ServiceError::VersionMismatch
    )
}

fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ServiceError> {
    raw.parse()
        .map_err(|_| ServiceError::Internal(format!("bad core id {raw:?} in ldap_entries")))
}

fn fields_of(user: &User) -> UserFields {
    UserFields {
        username: user.username.clone(),
        emails: user.emails.clone(),
        phone: user.phone.clone(),
        given_name: user.given_name.clone(),
        family_name: user.family_name.clone(),
        display_name: user.display_name.clone(),
        locale: user.locale.clone(),
        external_ids: user.external_ids.clone(),
        profile: None,
    }
}

impl<'a> Run<'a> {
    pub fn new(
        hub: &'a Hub,
        tenant: &'a Tenant,
        source: &'a LdapSource,
        by: Provisioner,
        holder: &'a str,
        started: OffsetDateTime,
    ) -> Self {
        Self {
            hub,
            tenant,
            source,
            by,
            holder,
            ext: source.external_source(),
            run_id: uuid::Uuid::new_v4().to_string(),
            report: SyncReport::new(SyncMode::Full, started),
            linked_users: 0,
            pending: Vec::new(),
            deleted: Vec::new(),
            started,
        }
    }

    /// Starts the tallies over (a fallback from incremental to full).
    pub fn restart(&mut self, mode: SyncMode) {
        self.report = SyncReport::new(mode, self.started);
        self.pending.clear();
        self.deleted.clear();
    }

    /// Whether removing `removals` users goes past the safety share; if so
    /// the report says why the run stopped.
    pub fn too_many_removals(&mut self, removals: u64) -> bool {
        let share = self.source.settings.max_removal_share;
        if !exceeds_removal_share(removals, self.linked_users, share) {
            return false;
        }
        self.report.outcome = SyncOutcome::Stopped;
        self.report.stopped = Some(format!(
            "the sync would remove {removals} of the source's {} users, more than the \
             allowed share of {:.0}%; nothing was removed. Check the directory and the \
             source's filters, or raise max_removal_share.",
            self.linked_users,
            share * 100.0
        ));
        true
    }

    fn count(&mut self, effect: Effect, memberships: usize) {
        let r = &mut self.report;
        match effect {
            Effect::UserCreated => r.users_created += 1,
            Effect::UserUpdated => r.users_updated += 1,
            Effect::UserDisabled => r.users_disabled += 1,
            Effect::UserDeleted => r.users_deleted += 1,
            Effect::UserUnchanged => r.users_unchanged += 1,
            Effect::GroupCreated => r.groups_created += 1,
            Effect::GroupUpdated => r.groups_updated += 1,
            Effect::GroupDeleted => r.groups_deleted += 1,
            Effect::GroupUnchanged => r.groups_unchanged += 1,
            Effect::Skipped => r.skipped += 1,
            Effect::Nothing => {}
        }
        r.memberships_changed += memberships as u64;
    }

    /// Applies a batch of entries or changes in one transaction.
    pub async fn apply_batch(&mut self, items: Vec<Item>) -> Result<(), ServiceError> {
        self.apply_items(items, false).await
    }

    /// Applies the groups whose members were not all known yet, now that
    /// every entry was read; unknown DNs left are outside the synced scope.
    pub async fn apply_pending_groups(&mut self) -> Result<(), ServiceError> {
        let pending = std::mem::take(&mut self.pending);
        let mut items = Vec::with_capacity(BATCH);
        for group in pending {
            items.push(Item::Entry(DirectoryEntry::Group(group)));
            if items.len() == BATCH {
                self.apply_items(std::mem::take(&mut items), true).await?;
            }
        }
        self.apply_items(items, true).await
    }

    async fn apply_items(&mut self, items: Vec<Item>, last_pass: bool) -> Result<(), ServiceError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.hub.store.begin().await?;
        for item in items {
            let entry = match item {
                Item::Entry(e) | Item::Change(Change::Changed(e)) => e,
                Item::Change(Change::Deleted { stable_id }) => {
                    self.deleted.push(stable_id);
                    continue;
                }
            };
            let mut sp = Connection::begin(&mut **tx).await?;
            let result = match &entry {
                DirectoryEntry::User(u) => self.apply_user(&mut sp, u).await.map(|e| (e, 0, false)),
                DirectoryEntry::Group(g) => self.apply_group(&mut sp, g, last_pass).await,
                DirectoryEntry::Unmapped { dn, reason } => {
                    tracing::info!(source = %self.source.id, %dn, %reason, "LDAP entry not mapped");
                    Ok((Effect::Skipped, 0, false))
                }
            };
            match result {
                Ok((effect, memberships, unresolved)) => {
                    sp.commit().await?;
                    self.count(effect, memberships);
                    if unresolved {
                        if let DirectoryEntry::Group(g) = entry {
                            self.pending.push(g);
                        }
                    }
                }
                Err(e) if entry_level(&e) => {
                    sp.rollback().await?;
                    let dn = match &entry {
                        DirectoryEntry::User(u) => u.dn.to_string(),
                        DirectoryEntry::Group(g) => g.dn.to_string(),
                        DirectoryEntry::Unmapped { dn, .. } => dn.clone(),
                    };
                    self.report.entry_failed(format!("{dn}: {e}"));
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn apply_user(
        &self,
        conn: &mut AnyConnection,
        u: &DirectoryUser,
    ) -> Result<Effect, ServiceError> {
        let (hub, tenant) = (self.hub, self.tenant);
        let status = if u.disabled {
            UserStatus::Disabled
        } else {
            UserStatus::Active
        };
        let ours = ExternalId {
            source: self.ext.clone(),
            id: u.stable_id.clone(),
        };
        let existing =
            match ldap_entries::user_by_external_id(conn, tenant.id, &self.ext, &u.stable_id)
                .await?
            {
                Some(id) => match users::get(conn, tenant.id, parse_id(&id)?).await {
                    Ok(user) => Some(user),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
        let mut fields = UserFields {
            username: u.username.clone(),
            emails: u
                .email
                .iter()
                .map(|value| Email {
                    value: value.clone(),
                    verified: true,
                    primary: true,
                    kind: None,
                })
                .collect(),
            given_name: u.given_name.clone(),
            family_name: u.family_name.clone(),
            display_name: u.display_name.clone(),
            external_ids: vec![ours.clone()],
            ..UserFields::default()
        };
        let (id, effect) = match existing {
            None => {
                let state = UserState {
                    fields,
                    status,
                    password: None,
                };
                let user = hub.provision_user_in(conn, &self.by, tenant, state).await?;
                (user.id, Effect::UserCreated)
            }
            Some(user) => {
                fields.external_ids = user
                    .external_ids
                    .iter()
                    .filter(|x| x.source != self.ext)
                    .cloned()
                    .chain(std::iter::once(ours))
                    .collect();
                fields.phone = user.phone.clone();
                fields.locale = user.locale.clone();
                let fields = fields.validate()?;
                if same_user(&user, &fields, status) {
                    (user.id, Effect::UserUnchanged)
                } else {
                    let effect = match (user.status, status) {
                        (UserStatus::Active, UserStatus::Disabled) => Effect::UserDisabled,
                        _ => Effect::UserUpdated,
                    };
                    let state = UserState {
                        fields,
                        status,
                        password: None,
                    };
                    hub.reprovision_user_in(conn, &self.by, tenant, user.id, state, None)
                        .await?;
                    (user.id, effect)
                }
            }
        };
        ldap_entries::upsert(
            conn,
            tenant.id,
            self.source.id,
            &u.stable_id,
            EntryKind::User,
            &dn_key(&u.dn),
            &id.to_string(),
            &self.run_id,
        )
        .await?;
        Ok(effect)
    }

    /// Applies a group; says whether some member DNs or uids named nothing
    /// known yet (the caller applies it again at the end, `last_pass`).
    async fn apply_group(
        &self,
        conn: &mut AnyConnection,
        g: &DirectoryGroup,
        last_pass: bool,
    ) -> Result<(Effect, usize, bool), ServiceError> {
        let (hub, tenant) = (self.hub, self.tenant);
        let name = parse_group_name(&g.name)?;
        let dn_keys: Vec<String> = g.member_dns.iter().map(dn_key).collect();
        let found = ldap_entries::by_dn_keys(conn, tenant.id, self.source.id, &dn_keys).await?;
        let mut unresolved = false;
        let mut members: Vec<Member> = Vec::new();
        let mut seen = HashSet::new();
        for key in &dn_keys {
            match found.get(key) {
                Some(entry) => {
                    let member = member_of(entry)?;
                    if seen.insert(member) {
                        members.push(member);
                    }
                }
                None => unresolved = true,
            }
        }
        if !g.member_uids.is_empty() {
            let by_name =
                ldap_entries::users_by_usernames(conn, tenant.id, self.source.id, &g.member_uids)
                    .await?;
            for uid in &g.member_uids {
                match by_name.get(&username_key(uid)) {
                    Some(id) => {
                        let member = Member::User(parse_id(id)?);
                        if seen.insert(member) {
                            members.push(member);
                        }
                    }
                    None => unresolved = true,
                }
            }
        }
        let state = GroupState {
            name: &name,
            external_id: GroupExternalId {
                source: &self.ext,
                id: Some(&g.stable_id),
            },
            members: &members,
        };
        let existing =
            match ldap_entries::group_by_external_id(conn, tenant.id, &self.ext, &g.stable_id)
                .await?
            {
                Some(id) => match groups::get(conn, tenant.id, parse_id(&id)?).await {
                    Ok(group) => Some(group),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
        let (id, effect, changed) = match existing {
            None => {
                let written = hub
                    .provision_group_in(conn, &self.by, tenant, state)
                    .await?;
                (written.group.id, Effect::GroupCreated, written.added)
            }
            Some(group) => {
                let current: HashSet<Member> = groups::members(conn, tenant.id, group.id)
                    .await?
                    .into_iter()
                    .collect();
                if group.name == name && current == seen {
                    (group.id, Effect::GroupUnchanged, 0)
                } else {
                    let written = hub
                        .reprovision_group_in(conn, &self.by, tenant, group.id, state, None)
                        .await?;
                    (
                        group.id,
                        Effect::GroupUpdated,
                        written.added + written.removed,
                    )
                }
            }
        };
        ldap_entries::upsert(
            conn,
            tenant.id,
            self.source.id,
            &g.stable_id,
            EntryKind::Group,
            &dn_key(&g.dn),
            &id.to_string(),
            &self.run_id,
        )
        .await?;
        Ok((effect, changed, unresolved && !last_pass))
    }

    /// Removes entries the directory no longer has, in one transaction.
    pub async fn remove_batch(&mut self, entries: &[Entry]) -> Result<(), ServiceError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.hub.store.begin().await?;
        for entry in entries {
            let mut sp = Connection::begin(&mut **tx).await?;
            match self.remove(&mut sp, entry).await {
                Ok((effect, memberships)) => {
                    sp.commit().await?;
                    self.count(effect, memberships);
                }
                Err(e) if entry_level(&e) => {
                    sp.rollback().await?;
                    self.report
                        .entry_failed(format!("removing {}: {e}", entry.stable_id));
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn remove(
        &self,
        conn: &mut AnyConnection,
        entry: &Entry,
    ) -> Result<(Effect, usize), ServiceError> {
        let (hub, tenant) = (self.hub, self.tenant);
        let result = match entry.kind {
            EntryKind::Group => {
                let id: GroupId = parse_id(&entry.core_id)?;
                match hub
                    .deprovision_group_in(conn, &self.by, tenant, id, None)
                    .await
                {
                    Ok(()) => (Effect::GroupDeleted, 0),
                    Err(ServiceError::NotFound(_)) => (Effect::Nothing, 0),
                    Err(e) => return Err(e),
                }
            }
            EntryKind::User => {
                let id: UserId = parse_id(&entry.core_id)?;
                match self.source.settings.delete_policy {
                    DeletePolicy::Delete => {
                        match hub
                            .deprovision_user_in(conn, &self.by, tenant, id, None)
                            .await
                        {
                            Ok(()) => (Effect::UserDeleted, 0),
                            Err(ServiceError::NotFound(_)) => (Effect::Nothing, 0),
                            Err(e) => return Err(e),
                        }
                    }
                    DeletePolicy::Disable => self.disable(conn, id).await?,
                }
            }
        };
        ldap_entries::delete(conn, tenant.id, self.source.id, &entry.stable_id).await?;
        Ok(result)
    }

    /// Disables a user the directory no longer has and takes it out of the
    /// source's groups (a directory may drop a deleted user from its groups
    /// without reporting the groups changed: OpenLDAP's refint does).
    async fn disable(
        &self,
        conn: &mut AnyConnection,
        id: UserId,
    ) -> Result<(Effect, usize), ServiceError> {
        let (hub, tenant) = (self.hub, self.tenant);
        let user = match users::get(conn, tenant.id, id).await {
            Ok(u) => u,
            Err(StoreError::NotFound) => return Ok((Effect::Nothing, 0)),
            Err(e) => return Err(e.into()),
        };
        let mut memberships = 0;
        let user_key = id.to_string();
        for group_entry in
            ldap_entries::groups_with_user(conn, tenant.id, self.source.id, &user_key).await?
        {
            let gid: GroupId = parse_id(&group_entry.core_id)?;
            let group = groups::get(conn, tenant.id, gid).await?;
            let members: Vec<Member> = groups::members(conn, tenant.id, gid)
                .await?
                .into_iter()
                .filter(|m| *m != Member::User(id))
                .collect();
            let state = GroupState {
                name: &group.name,
                external_id: GroupExternalId {
                    source: &self.ext,
                    id: Some(&group_entry.stable_id),
                },
                members: &members,
            };
            let written = hub
                .reprovision_group_in(conn, &self.by, tenant, gid, state, None)
                .await?;
            memberships += written.removed;
        }
        if user.status == UserStatus::Disabled {
            return Ok((Effect::Nothing, memberships));
        }
        let state = UserState {
            fields: fields_of(&user),
            status: UserStatus::Disabled,
            password: None,
        };
        hub.reprovision_user_in(conn, &self.by, tenant, id, state, None)
            .await?;
        Ok((Effect::UserDisabled, memberships))
    }
}

fn member_of(entry: &Entry) -> Result<Member, ServiceError> {
    Ok(match entry.kind {
        EntryKind::User => Member::User(parse_id(&entry.core_id)?),
        EntryKind::Group => Member::Group(parse_id(&entry.core_id)?),
    })
}

fn same_user(user: &User, fields: &UserFields, status: UserStatus) -> bool {
    let emails = |list: &[Email]| -> Vec<(String, bool)> {
        list.iter()
            .map(|e| (e.value.to_lowercase(), e.primary))
            .collect()
    };
    let ext = |list: &[ExternalId]| -> HashSet<(String, String)> {
        list.iter()
            .map(|x| (x.source.clone(), x.id.clone()))
            .collect()
    };
    user.username == fields.username
        && emails(&user.emails) == emails(&fields.emails)
        && user.given_name == fields.given_name
        && user.family_name == fields.family_name
        && user.display_name == fields.display_name
        && user.status == status
        && ext(&user.external_ids) == ext(&fields.external_ids)
}
