//! A directory sync run (issue 6): stream the directory through `usso_ldap`
//! (RFC 2696 pages for a full sync; RFC 4533, AD uSNChanged / DirSync or
//! modifyTimestamp for an incremental one) and apply what it yields to the
//! core through provisioning, in batches of [`BATCH`] entries per
//! transaction, one audit event per change plus one per run
//! (`ldap.sync_completed`, `ldap.sync_stopped`, `ldap.sync_failed`).
//!
//! Rules:
//! - the first sync of a source is full; an incremental sync whose state
//!   the directory refuses falls back to a full one;
//! - removals (users the directory deleted, or a full sync did not see)
//!   come last, after the safety check: more than the source's
//!   `max_removal_share` of its linked users and the run stops without
//!   removing anyone and without moving its state on;
//! - the new state and the report are stored only when the run went to its
//!   end, so a failed run resumes from the last good state; every apply is
//!   idempotent.
//!
//! A full sync reads the directory's next batch while it writes the current
//! one. Memory holds two batches (of at most [`BATCH`] entries and
//! [`BATCH_MEMBERS`] group members), the groups whose member DNs named
//! entries not yet seen, and the stable ids an incremental run saw deleted.

mod apply;

use serde_json::json;
use usso_ldap::{Change, Directory, DirectoryEntry, FullSync, SyncState};

use super::provisioning::Provisioner;
use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::ldap_source::{LdapSource, SyncMode, SyncOutcome, SyncReport};
use crate::core::tenant::Tenant;
use crate::core::LdapSourceId;
use crate::store::ldap_entries::{self, EntryKind};
use crate::store::ldap_sources;

use self::apply::Run;
use super::ldap_sources::directory_error;

/// Entries applied per transaction.
pub const BATCH: usize = 500;

/// Member values (group member DNs and uids) a batch holds at most: a parsed
/// member DN takes several hundred bytes, so 500 groups of 200 members were
/// 70 MB. With two batches held (one read while the other is written),
/// this bounds a run's memory whatever the groups' sizes, but for one
/// group alone larger than it.
pub const BATCH_MEMBERS: usize = 20_000;

/// A full sync of a source with fewer linked users than this is a first
/// import: the planner statistics are refreshed after its first batch
/// (`store::ldap_entries::refresh_statistics`).
const FIRST_IMPORT: u64 = 10 * BATCH as u64;

/// How long a run holds its source's lease without renewing it (renewed at
/// every batch).
pub const LEASE: time::Duration = time::Duration::minutes(10);

/// What one pass yields: an entry of a full sync or a change.
pub(super) enum Item {
    Entry(DirectoryEntry),
    Change(Change),
}

impl Hub {
    /// Syncs a source now: full when asked, when it never ran, or when the
    /// directory refuses the stored state; incremental otherwise. Only one
    /// run per source at a time (across nodes): a second one is refused.
    pub async fn sync_ldap_source(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: LdapSourceId,
        full: bool,
    ) -> Result<SyncReport, ServiceError> {
        let holder = uuid::Uuid::new_v4().to_string();
        self.sync_ldap_source_as(actor, tenant, id, full, &holder)
            .await
    }

    /// [`Hub::sync_ldap_source`] under the lease holder name `holder` (the
    /// scheduler names its node).
    pub async fn sync_ldap_source_as(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: LdapSourceId,
        full: bool,
        holder: &str,
    ) -> Result<SyncReport, ServiceError> {
        let source = self.get_ldap_source(tenant, id).await?;
        if !self.take_lease(tenant, id, holder).await? {
            return Err(ServiceError::invalid(
                "sync",
                "a sync of this source is already running",
            ));
        }
        let started = self.now();
        let clock = std::time::Instant::now();
        let by = Provisioner {
            actor,
            details: json!({ "via": "ldap", "source": source.name, "source_id": source.id }),
        };
        let mut run = Run::new(self, tenant, &source, by, holder, started);
        let outcome = self.run_sync(&mut run, full).await;
        let mut report = run.report;
        report.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        let result = self
            .finish_run(actor, tenant, &source, &mut report, outcome)
            .await;
        let _ = self.release_lease(tenant, id, holder).await;
        result.map(|()| report)
    }

    async fn run_sync(
        &self,
        run: &mut Run<'_>,
        full: bool,
    ) -> Result<Option<SyncState>, ServiceError> {
        let config = self.ldap_config(run.tenant, run.source).await?;
        {
            let mut conn = self.store.conn().await?;
            run.linked_users =
                ldap_entries::count(&mut conn, run.tenant.id, run.source.id, EntryKind::User)
                    .await?;
        }
        let mut dir = usso_ldap::connect(&config).await.map_err(directory_error)?;
        let stored: Option<SyncState> = if full {
            None
        } else {
            let mut conn = self.store.conn().await?;
            ldap_sources::sync_state(&mut conn, run.tenant.id, run.source.id)
                .await?
                .and_then(|raw| serde_json::from_str(&raw).ok())
        };
        if let Some(state) = stored {
            match self.incremental(run, &mut dir, &state).await {
                Err(Fallback::Full(why)) => {
                    tracing::info!(source = %run.source.id, %why, "LDAP incremental sync refused; running a full sync");
                    run.restart(SyncMode::Full);
                    run.report.fell_back_to_full = true;
                }
                Err(Fallback::Fail(e)) => return Err(e),
                Ok(next) => return Ok(next),
            }
        }
        self.full(run, &mut dir).await
    }

    async fn incremental(
        &self,
        run: &mut Run<'_>,
        dir: &mut Directory,
        state: &SyncState,
    ) -> Result<Option<SyncState>, Fallback> {
        run.restart(SyncMode::Incremental);
        let mut cursor = dir
            .incremental(state, self.now())
            .await
            .map_err(Fallback::from_ldap)?;
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            let mut done = false;
            let mut weight = 0;
            while batch.len() < BATCH && weight < BATCH_MEMBERS {
                match cursor.next().await.map_err(Fallback::from_ldap)? {
                    Some(Change::Deleted { stable_id }) => run.deleted.push(stable_id),
                    Some(change) => {
                        if let Change::Changed(entry) = &change {
                            weight += members(entry);
                        }
                        batch.push(Item::Change(change));
                    }
                    None => {
                        done = true;
                        break;
                    }
                }
            }
            run.apply_batch(batch).await.map_err(Fallback::Fail)?;
            self.renew(run).await.map_err(Fallback::Fail)?;
            if done {
                break;
            }
        }
        let next = cursor.finish().map_err(Fallback::from_ldap)?;
        run.apply_pending_groups().await.map_err(Fallback::Fail)?;
        let deleted = std::mem::take(&mut run.deleted);
        let mut removals = Vec::with_capacity(deleted.len());
        let mut removed_users = 0;
        {
            let mut conn = self
                .store
                .conn()
                .await
                .map_err(|e| Fallback::Fail(e.into()))?;
            for stable_id in deleted {
                if let Some(entry) =
                    ldap_entries::get(&mut conn, run.tenant.id, run.source.id, &stable_id)
                        .await
                        .map_err(|e| Fallback::Fail(e.into()))?
                {
                    if entry.kind == EntryKind::User {
                        removed_users += 1;
                    }
                    removals.push(entry);
                }
            }
        }
        if run.too_many_removals(removed_users) {
            return Ok(None);
        }
        for chunk in removals.chunks(BATCH) {
            run.remove_batch(chunk).await.map_err(Fallback::Fail)?;
        }
        Ok(Some(next))
    }

    async fn full(
        &self,
        run: &mut Run<'_>,
        dir: &mut Directory,
    ) -> Result<Option<SyncState>, ServiceError> {
        let mut cursor = dir.full_sync(self.now()).await.map_err(directory_error)?;
        // A first import: fresh planner statistics after the first batch.
        let mut analyze = run.linked_users < FIRST_IMPORT;
        let (mut batch, mut done) = read_batch(&mut cursor).await?;
        loop {
            if done {
                run.apply_batch(batch).await?;
                self.after_batch(run, &mut analyze).await?;
                break;
            }
            // The directory's next page is read while this batch is written.
            let (applied, next) = tokio::join!(run.apply_batch(batch), read_batch(&mut cursor));
            applied?;
            self.after_batch(run, &mut analyze).await?;
            (batch, done) = next?;
        }
        let next = cursor.finish().map_err(directory_error)?;
        run.apply_pending_groups().await?;
        let unseen_users = {
            let mut conn = self.store.conn().await?;
            ldap_entries::count_unseen(
                &mut conn,
                run.tenant.id,
                run.source.id,
                EntryKind::User,
                &run.run_id,
            )
            .await?
        };
        if run.too_many_removals(unseen_users) {
            return Ok(None);
        }
        let mut after = String::new();
        loop {
            let page = {
                let mut conn = self.store.conn().await?;
                ldap_entries::unseen(
                    &mut conn,
                    run.tenant.id,
                    run.source.id,
                    &run.run_id,
                    &after,
                    BATCH as i64,
                )
                .await?
            };
            let Some(last) = page.last() else { break };
            after = last.stable_id.clone();
            run.remove_batch(&page).await?;
            self.renew(run).await?;
        }
        Ok(Some(next))
    }

    /// Renews the lease after a batch; after a first import's first batch,
    /// refreshes the planner statistics.
    async fn after_batch(&self, run: &Run<'_>, analyze: &mut bool) -> Result<(), ServiceError> {
        if std::mem::take(analyze) {
            let mut tx = self.store.begin().await?;
            ldap_entries::refresh_statistics(&mut tx).await?;
            tx.commit().await?;
        }
        self.renew(run).await
    }

    /// Stores the outcome of a run and records its event.
    async fn finish_run(
        &self,
        actor: Actor,
        tenant: &Tenant,
        source: &LdapSource,
        report: &mut SyncReport,
        outcome: Result<Option<SyncState>, ServiceError>,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let (action, error) = match &outcome {
            Ok(Some(_)) => ("ldap.sync_completed", None),
            Ok(None) => ("ldap.sync_stopped", None),
            Err(e) => ("ldap.sync_failed", Some(e.to_string())),
        };
        if let Some(e) = &error {
            report.outcome = SyncOutcome::Failed;
            report.stopped = Some(e.clone());
        }
        let mut event = AuditEvent::new(tenant.id, now, actor, action)
            .target("ldap_source", source.id)
            .details(json!({ "source": source.name, "report": report }));
        if error.is_some() {
            event = event.failed();
        }
        let mut tx = self.store.begin().await?;
        match &outcome {
            Ok(Some(state)) => {
                let state = serde_json::to_string(state)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                ldap_sources::record_success(&mut tx, tenant.id, source.id, &state, report, now)
                    .await?;
            }
            _ => ldap_sources::record_report(&mut tx, tenant.id, source.id, report).await?,
        }
        record(&mut tx, &event).await?;
        tx.commit().await?;
        if let Err(e) = &outcome {
            tracing::warn!(source = %source.id, error = %e, "LDAP sync failed");
        }
        outcome.map(|_| ())
    }

    async fn take_lease(
        &self,
        tenant: &Tenant,
        id: LdapSourceId,
        holder: &str,
    ) -> Result<bool, ServiceError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let taken =
            ldap_sources::try_lease(&mut tx, tenant.id, id, holder, now, now + LEASE).await?;
        tx.commit().await?;
        Ok(taken)
    }

    async fn renew(&self, run: &Run<'_>) -> Result<(), ServiceError> {
        if self
            .take_lease(run.tenant, run.source.id, run.holder)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::Internal(
                "the sync lost its lease to another node".into(),
            ))
        }
    }

    async fn release_lease(
        &self,
        tenant: &Tenant,
        id: LdapSourceId,
        holder: &str,
    ) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        ldap_sources::release_lease(&mut tx, tenant.id, id, holder).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Up to [`BATCH`] entries of a full sync, fewer when their groups' member
/// lists add up to [`BATCH_MEMBERS`]; and whether they were the last.
async fn read_batch(cursor: &mut FullSync<'_>) -> Result<(Vec<Item>, bool), ServiceError> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut weight = 0;
    while batch.len() < BATCH && weight < BATCH_MEMBERS {
        match cursor.next().await.map_err(directory_error)? {
            Some(entry) => {
                weight += members(&entry);
                batch.push(Item::Entry(entry));
            }
            None => return Ok((batch, true)),
        }
    }
    Ok((batch, false))
}

/// How many member values an entry holds (its weight in a batch).
fn members(entry: &DirectoryEntry) -> usize {
    match entry {
        DirectoryEntry::Group(g) => g.member_dns.len() + g.member_uids.len(),
        _ => 0,
    }
}

/// Why an incremental run did not finish: fall back to a full sync, or fail.
enum Fallback {
    Full(String),
    Fail(ServiceError),
}

impl Fallback {
    fn from_ldap(e: usso_ldap::Error) -> Self {
        if e.requires_full_sync() {
            Self::Full(e.to_string())
        } else {
            Self::Fail(directory_error(e))
        }
    }
}
