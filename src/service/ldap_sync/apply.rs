//! Applying directory entries to the core, one transaction per batch. A
//! batch is first applied without savepoints (its users looked up at once,
//! its new users, their events and its `ldap_entries` rows written together,
//! a few multi-row statements for the batch); if the hub refuses an entry (a
//! username taken by a local user, a nesting loop), that attempt is rolled
//! back and the batch applied again with one savepoint per entry: the
//! refused entry is rolled back alone, counted and described in the report,
//! and the batch goes on. Users map to users with the
//! external id `ldap:<source id>` = the directory's stable id; groups to
//! groups with that external id, their member DNs resolved through the
//! source's entries (nested groups stay nested), `memberUid`s through the
//! usernames of the source's users. Nothing is written for an entry whose
//! core record already says the same. An Active Directory user also joins
//! its primary group (`primaryGroupID`, resolved to a DN by the reader) if
//! the source has it: AD does not change a group when a user gets it as its
//! primary group, so an incremental run would not re-read the group.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Connection};
use time::OffsetDateTime;
use usso_ldap::{Change, DirectoryEntry, DirectoryGroup, DirectoryUser};

use super::{Item, BATCH};
use crate::core::event::AuditEvent;
use crate::core::group::{parse_group_name, Member};
use crate::core::ldap_source::{
    exceeds_removal_share, DeletePolicy, LdapSource, SyncMode, SyncOutcome, SyncReport,
};
use crate::core::tenant::Tenant;
use crate::core::user::{username_key, Email, ExternalId, User, UserFields, UserStatus};
use crate::core::{GroupId, UserId};
use crate::service::provisioning::{GroupExternalId, GroupState, NewUser, Provisioner, UserState};
use crate::service::{record, Hub, ServiceError};
use crate::store::ldap_entries::{self, Entry, EntryKind, EntryRow};
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
    /// While a batch is applied without savepoints: the batch's users
    /// already linked (stable id → core id), looked up at once.
    known_users: Option<HashMap<String, String>>,
    /// While a batch is applied without savepoints: its `ldap_entries`
    /// rows, written together.
    rows: Vec<EntryRow>,
    /// While a batch is applied without savepoints: its new users, written
    /// together before its rows.
    new_users: Vec<NewUser>,
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
            known_users: None,
            rows: Vec::new(),
            new_users: Vec::new(),
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

    /// Applies entries in one transaction. First without savepoints, the
    /// entries' rows in `ldap_entries` written together and the users
    /// looked up for the whole batch (a few statements per entry, not ten);
    /// if the hub refuses an entry, that attempt is rolled back and the
    /// batch applied again with one savepoint per entry, so that only the
    /// refused entry is left out.
    async fn apply_items(&mut self, items: Vec<Item>, last_pass: bool) -> Result<(), ServiceError> {
        let mut entries = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Item::Entry(e) | Item::Change(Change::Changed(e)) => entries.push(e),
                Item::Change(Change::Deleted { stable_id }) => self.deleted.push(stable_id),
            }
        }
        if entries.is_empty() {
            return Ok(());
        }
        if let Some(outcomes) = self.apply_fast(&entries, last_pass).await? {
            for (entry, (effect, memberships, unresolved)) in entries.into_iter().zip(outcomes) {
                self.settle(entry, effect, memberships, unresolved);
            }
            return Ok(());
        }
        self.apply_careful(entries, last_pass).await
    }

    /// The batch without savepoints; `None` (nothing written) when the hub
    /// refused an entry.
    async fn apply_fast(
        &mut self,
        entries: &[DirectoryEntry],
        last_pass: bool,
    ) -> Result<Option<Vec<(Effect, usize, bool)>>, ServiceError> {
        let mut tx = self.hub.store.begin().await?;
        let ids: Vec<String> = entries
            .iter()
            .filter_map(|e| match e {
                DirectoryEntry::User(u) => Some(u.stable_id.clone()),
                _ => None,
            })
            .collect();
        self.known_users = Some(if ids.is_empty() {
            HashMap::new()
        } else {
            ldap_entries::users_by_external_ids(&mut tx, self.tenant.id, &self.ext, &ids).await?
        });
        self.rows.clear();
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut refused = false;
        for entry in entries {
            match self.apply_entry(&mut tx, entry, last_pass).await {
                Ok(outcome) => outcomes.push(outcome),
                Err(e) if entry_level(&e) => {
                    refused = true;
                    break;
                }
                Err(e) => {
                    self.end_fast();
                    return Err(e);
                }
            }
        }
        if !refused {
            match self.flush_rows(&mut tx).await {
                Ok(()) => {}
                // A username or email taken, found when the batch's new
                // users were written together.
                Err(e) if entry_level(&e) => refused = true,
                Err(e) => {
                    self.end_fast();
                    return Err(e);
                }
            }
        }
        self.end_fast();
        if refused {
            // Dropped uncommitted: rolled back.
            drop(tx);
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(outcomes))
    }

    fn end_fast(&mut self) {
        self.known_users = None;
        self.rows.clear();
        self.new_users.clear();
    }

    /// The batch with one savepoint per entry.
    async fn apply_careful(
        &mut self,
        entries: Vec<DirectoryEntry>,
        last_pass: bool,
    ) -> Result<(), ServiceError> {
        let mut tx = self.hub.store.begin().await?;
        for entry in entries {
            let mut sp = Connection::begin(&mut **tx).await?;
            match self.apply_entry(&mut sp, &entry, last_pass).await {
                Ok((effect, memberships, unresolved)) => {
                    sp.commit().await?;
                    self.settle(entry, effect, memberships, unresolved);
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

    async fn apply_entry(
        &mut self,
        conn: &mut AnyConnection,
        entry: &DirectoryEntry,
        last_pass: bool,
    ) -> Result<(Effect, usize, bool), ServiceError> {
        match entry {
            DirectoryEntry::User(u) => self.apply_user(conn, u).await.map(|(e, m)| (e, m, false)),
            DirectoryEntry::Group(g) => {
                // Its members resolve through the rows written so far.
                self.flush_rows(conn).await?;
                self.apply_group(conn, g, last_pass).await
            }
            DirectoryEntry::Unmapped { dn, reason } => {
                tracing::info!(source = %self.source.id, %dn, %reason, "LDAP entry not mapped");
                Ok((Effect::Skipped, 0, false))
            }
        }
    }

    /// Counts an applied entry; keeps a group with unknown members for the
    /// last pass.
    fn settle(
        &mut self,
        entry: DirectoryEntry,
        effect: Effect,
        memberships: usize,
        unresolved: bool,
    ) {
        self.count(effect, memberships);
        if unresolved {
            if let DirectoryEntry::Group(g) = entry {
                self.pending.push(g);
            }
        }
    }

    /// Writes the new users and the `ldap_entries` rows held back by the
    /// fast path.
    async fn flush_rows(&mut self, conn: &mut AnyConnection) -> Result<(), ServiceError> {
        if !self.new_users.is_empty() {
            let batch = std::mem::take(&mut self.new_users);
            self.hub.insert_new_users_in(conn, batch).await?;
        }
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        ldap_entries::upsert_many(conn, self.tenant.id, self.source.id, &rows, &self.run_id)
            .await?;
        Ok(())
    }

    /// Applies a user; the count is 1 when it joined its primary group.
    async fn apply_user(
        &mut self,
        conn: &mut AnyConnection,
        u: &DirectoryUser,
    ) -> Result<(Effect, usize), ServiceError> {
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
        let linked = match &self.known_users {
            Some(known) => known.get(&u.stable_id).cloned(),
            None => {
                ldap_entries::user_by_external_id(conn, tenant.id, &self.ext, &u.stable_id).await?
            }
        };
        if linked.is_some() && !self.new_users.is_empty() {
            // It may be one of the batch's new users (an entry read twice).
            self.flush_rows(conn).await?;
        }
        let existing = match linked {
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
                let id = if let Some(known) = &mut self.known_users {
                    let new = hub.build_new_user(&self.by, tenant, fields, status)?;
                    let id = new.user.id;
                    known.insert(u.stable_id.clone(), id.to_string());
                    self.new_users.push(new);
                    id
                } else {
                    let state = UserState {
                        fields,
                        status,
                        password: None,
                    };
                    hub.provision_user_in(conn, &self.by, tenant, state)
                        .await?
                        .id
                };
                (id, Effect::UserCreated)
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
        if self.known_users.is_some() {
            self.rows.push(EntryRow {
                stable_id: u.stable_id.clone(),
                kind: EntryKind::User,
                dn_key: dn_key(&u.dn),
                core_id: id.to_string(),
            });
        } else {
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
        }
        let joined = match &u.primary_group {
            Some(dn) => {
                self.flush_rows(conn).await?;
                self.join_primary_group(conn, id, dn).await?
            }
            None => 0,
        };
        Ok((effect, joined))
    }

    /// Makes `user` a direct member of its primary group `dn` when the
    /// source has that group and it is not one yet; 1 if it joined. (A full
    /// sync reads users before groups: there the group is not known yet, and
    /// its entry lists its primary-group users anyway.)
    async fn join_primary_group(
        &self,
        conn: &mut AnyConnection,
        user: UserId,
        dn: &usso_ldap::Dn,
    ) -> Result<usize, ServiceError> {
        let tenant = self.tenant;
        let key = dn_key(dn);
        let found =
            ldap_entries::by_dn_keys(conn, tenant.id, self.source.id, std::slice::from_ref(&key))
                .await?;
        let Some(entry) = found.get(&key).filter(|e| e.kind == EntryKind::Group) else {
            return Ok(0);
        };
        let gid: GroupId = parse_id(&entry.core_id)?;
        let now = self.hub.now();
        if !groups::add_member(conn, tenant.id, gid, Member::User(user), now).await? {
            return Ok(0);
        }
        let mut group = groups::get(conn, tenant.id, gid).await?;
        let read_version = group.version;
        group.updated_at = now;
        group.version = read_version + 1;
        groups::update(conn, &group, read_version).await?;
        let mut details = self.by.details.clone();
        if let Some(d) = details.as_object_mut() {
            d.insert("name".into(), group.name.clone().into());
            d.insert("members_added".into(), 1.into());
            d.insert("members_removed".into(), 0.into());
            d.insert("primary_group_of".into(), user.to_string().into());
        }
        record(
            conn,
            &AuditEvent::new(tenant.id, now, self.by.actor, "group.updated")
                .target("group", gid)
                .details(details),
        )
        .await?;
        Ok(1)
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
            fields: user.to_fields(),
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
