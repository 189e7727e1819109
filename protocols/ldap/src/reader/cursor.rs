//! The engine behind full and incremental syncs: a queue of searches, each
//! with a role that says how its messages become changes, read one message
//! at a time. Roles follow RFC 4533 §3 (Sync State control on entries, Sync
//! Info messages, Sync Done control), Active Directory's tombstones and
//! DirSync (MS-ADTS §3.1.1.3.4.1.3), or plain searches. Each entry is
//! completed before it is yielded: ranged attributes read whole
//! (`ranges.rs`) and Active Directory primary groups resolved
//! (`primary.rs`).

use std::collections::VecDeque;

use crate::ad;
use crate::controls::{dirsync, malformed, sync};
use crate::entry::{Message, RawEntry};
use crate::error::{Error, Result};
use crate::mapping::{map_entry, stable_id_of};
use crate::model::{to_hex, Change, DirectoryEntry, SyncState};

use super::primary::{self, PrimaryGroups};
use super::ranges;
use super::search::{Paging, Search};
use super::{Directory, Lookups};

/// How a search's entries become changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Full sync: every entry is mapped as it is.
    Full,
    /// Changed entries; one outside its users/groups base is a delete.
    Live,
    /// Tombstones: each is a delete by stable id.
    Tombstones,
    /// An RFC 4533 refreshOnly search.
    Sync,
    /// A DirSync search: tombstones are deletes, live objects are re-read
    /// whole (DirSync sends changed attributes only).
    DirSync,
}

/// A sync in progress.
#[derive(Debug)]
pub(crate) struct Cursor<'d> {
    dir: &'d Directory,
    searches: VecDeque<(Role, Search)>,
    pending: VecDeque<Change>,
    finished: bool,
    state: SyncState,
    primary: PrimaryGroups,
}

impl<'d> Cursor<'d> {
    pub(crate) fn new(dir: &'d Directory, searches: Vec<(Role, Search)>, state: SyncState) -> Self {
        Self {
            dir,
            searches: searches.into(),
            pending: VecDeque::new(),
            finished: false,
            state,
            primary: PrimaryGroups::default(),
        }
    }

    /// The next change; `None` at the end.
    pub(crate) async fn next(&mut self) -> Result<Option<Change>> {
        loop {
            if let Some(change) = self.pending.pop_front() {
                return Ok(Some(change));
            }
            let Some((role, search)) = self.searches.front_mut() else {
                self.finished = true;
                return Ok(None);
            };
            let role = *role;
            match search.next().await? {
                None => {
                    match role {
                        Role::Sync => {
                            let done = search
                                .result_controls()
                                .iter()
                                .find(|c| c.ctype == sync::DONE_OID)
                                .map(|c| c.val.clone().unwrap_or_default());
                            if let Some(value) = done {
                                let done =
                                    sync::decode_done(&value).map_err(malformed("Sync Done"))?;
                                self.set_cookie(done.cookie);
                            }
                        }
                        Role::DirSync => {
                            let cookie = search.last_cookie().to_vec();
                            if let SyncState::Dirsync { cookie: stored } = &mut self.state {
                                *stored = to_hex(&cookie);
                            }
                        }
                        Role::Full | Role::Live | Role::Tombstones => {}
                    }
                    self.searches.pop_front();
                }
                Some(Message::Entry(entry)) => self.entry(role, entry).await?,
                Some(Message::Intermediate { name, value }) => {
                    if role == Role::Sync && name.as_deref() == Some(sync::INFO_OID) {
                        self.sync_info(value.as_deref().unwrap_or_default())?;
                    }
                }
                Some(Message::Referral) => {}
            }
        }
    }

    /// The state to store, once [`Cursor::next`] has returned `None`.
    pub(crate) fn finish(self) -> Result<SyncState> {
        if self.finished {
            Ok(self.state)
        } else {
            Err(Error::Incomplete)
        }
    }

    async fn entry(&mut self, role: Role, mut entry: RawEntry) -> Result<()> {
        let dir = self.dir;
        let mapping = &dir.config.mapping;
        if matches!(role, Role::Full | Role::Live | Role::Sync) && ranges::has_ranges(&entry) {
            ranges::complete(&mut Lookups(dir), &mut entry).await?;
        }
        match role {
            Role::Full => {
                let mapped = self.map(&entry).await?;
                self.pending.push_back(Change::Changed(mapped));
            }
            Role::Live => {
                let mapped = self.map(&entry).await?;
                let change = self.classify(mapped);
                self.pending.push_back(change);
            }
            Role::Tombstones => {
                if let Some(stable_id) = stable_id_of(mapping, &entry) {
                    self.pending.push_back(Change::Deleted { stable_id });
                }
            }
            Role::Sync => self.sync_entry(&entry).await?,
            Role::DirSync => {
                if dirsync::is_tombstone(&entry) {
                    if let Some(change) = dirsync::change_of(mapping, &entry) {
                        self.pending.push_back(change);
                    }
                } else {
                    let change = self.reread(&entry).await?;
                    self.pending.push_back(change);
                }
            }
        }
        Ok(())
    }

    /// The entry mapped, with its primary-group membership (Active
    /// Directory).
    async fn map(&mut self, raw: &RawEntry) -> Result<DirectoryEntry> {
        let dir = self.dir;
        let mapping = &dir.config.mapping;
        let mut mapped = map_entry(mapping, raw);
        if primary::applies(mapping) {
            self.primary
                .complete(&mut Lookups(dir), mapping, raw, &mut mapped)
                .await?;
        }
        Ok(mapped)
    }

    /// A changed entry, or a delete if it left the users' or groups' base.
    fn classify(&self, mapped: DirectoryEntry) -> Change {
        let config = &self.dir.config;
        match &mapped {
            DirectoryEntry::User(u) if !u.dn.is_in_subtree_of(config.users_base()) => {
                Change::Deleted {
                    stable_id: u.stable_id.clone(),
                }
            }
            DirectoryEntry::Group(g) if !g.dn.is_in_subtree_of(config.groups_base()) => {
                Change::Deleted {
                    stable_id: g.stable_id.clone(),
                }
            }
            _ => Change::Changed(mapped),
        }
    }

    /// RFC 4533 §3.3.1: add and modify carry the whole entry; delete carries
    /// the entryUUID; present means the server chose the present phase, which
    /// only a full reconcile can apply.
    async fn sync_entry(&mut self, entry: &RawEntry) -> Result<()> {
        let control = entry
            .control(sync::STATE_OID)
            .ok_or(Error::Malformed("entry without a Sync State control"))?;
        let value = control.val.as_deref().unwrap_or_default();
        let state = sync::decode_state(value).map_err(malformed("Sync State"))?;
        self.set_cookie(state.cookie);
        match state.state {
            sync::EntryState::Add | sync::EntryState::Modify => {
                let mapped = self.map(entry).await?;
                let change = self.classify(mapped);
                self.pending.push_back(change);
            }
            sync::EntryState::Delete => {
                let stable_id = ad::uuid_bytes_to_string(&state.entry_uuid)
                    .ok_or(Error::Malformed("syncUUID is not 16 bytes"))?;
                self.pending.push_back(Change::Deleted { stable_id });
            }
            sync::EntryState::Present => return Err(present_phase()),
        }
        Ok(())
    }

    /// RFC 4533 §2.5: new cookies, and syncIdSet with refreshDeletes TRUE
    /// listing deleted entries.
    fn sync_info(&mut self, value: &[u8]) -> Result<()> {
        match sync::decode_info(value).map_err(malformed("Sync Info"))? {
            sync::Info::NewCookie(cookie) => self.set_cookie(Some(cookie)),
            sync::Info::RefreshDelete { cookie, .. } => self.set_cookie(cookie),
            sync::Info::RefreshPresent { .. } => return Err(present_phase()),
            sync::Info::SyncIdSet {
                cookie,
                refresh_deletes,
                uuids,
            } => {
                if !refresh_deletes {
                    return Err(present_phase());
                }
                for uuid in uuids {
                    let stable_id = ad::uuid_bytes_to_string(&uuid)
                        .ok_or(Error::Malformed("syncUUID is not 16 bytes"))?;
                    self.pending.push_back(Change::Deleted { stable_id });
                }
                self.set_cookie(cookie);
            }
        }
        Ok(())
    }

    /// DirSync sends changed attributes only: read the object whole, within
    /// the source's filters. Gone or out of the filters: a delete.
    async fn reread(&mut self, entry: &RawEntry) -> Result<Change> {
        let dir = self.dir;
        let config = &dir.config;
        let filter = crate::filter::or(&[config.user_filter(), config.group_filter()]);
        let mut search = Search::new(
            &dir.ldap,
            entry.dn.clone(),
            ldap3::Scope::Base,
            filter,
            config.mapping.all_attributes(),
            config.timeout,
        )
        .paging(Paging::None);
        let mut found = None;
        while let Some(message) = search.next().await.or_else(|e| match e {
            Error::Operation { code: 32, .. } => Ok(None),
            other => Err(other),
        })? {
            if let Message::Entry(e) = message {
                found.get_or_insert(e);
            }
        }
        Ok(match found {
            Some(mut current) => {
                if ranges::has_ranges(&current) {
                    ranges::complete(&mut Lookups(dir), &mut current).await?;
                }
                let mapped = self.map(&current).await?;
                self.classify(mapped)
            }
            None => match stable_id_of(&config.mapping, entry) {
                Some(stable_id) => Change::Deleted { stable_id },
                None => Change::Changed(map_entry(&config.mapping, entry)),
            },
        })
    }

    fn set_cookie(&mut self, cookie: Option<Vec<u8>>) {
        if let (Some(new), SyncState::Syncrepl { cookie }) = (cookie, &mut self.state) {
            *cookie = to_hex(&new);
        }
    }
}

fn present_phase() -> Error {
    Error::SyncRefreshRequired(
        "the server answered with a present phase (RFC 4533 §3.3.1): deletes are only \
         known by reconciling a full sync"
            .into(),
    )
}
