//! The directory reader: connect and bind as the service account, count,
//! full sync with paged results (RFC 2696), incremental sync (RFC 4533
//! refreshOnly, Active Directory uSNChanged or DirSync, or modifyTimestamp
//! polling) and password checks by binding as the user (RFC 4513 §5.1.3).
//!
//! Syncs are cursors: `next().await` yields one entry or change at a time,
//! and `finish()` then returns the [`SyncState`] to store. Nothing holds more
//! than one page of the directory.

use ldap3::{Ldap, Scope};
use time::OffsetDateTime;

use crate::config::SourceConfig;
use crate::error::{Error, Result};
use crate::model::{Change, DirectoryEntry, DirectoryUser, SyncState};
use crate::result::ResultCode;

mod auth;
mod connect;
mod cursor;
mod primary;
mod ranges;
mod search;
mod state;
pub(crate) mod tls;

use cursor::{Cursor, Role};
use search::{Paging, Search};

pub use auth::{authenticate, MAX_USERNAME_LEN};
pub use state::TIMESTAMP_OVERLAP;

/// A connection bound as the source's service account.
pub struct Directory {
    ldap: Ldap,
    config: SourceConfig,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("url", &self.config.url)
            .field("bind_dn", &self.config.bind_dn)
            .finish_non_exhaustive()
    }
}

/// Validates `config` (before any network call), connects (TLS or StartTLS
/// as configured) and binds as the service account.
///
/// Errors: [`Error::Config`] / [`Error::InvalidFilter`] for a bad
/// configuration, [`Error::Unreachable`], [`Error::Tls`],
/// [`Error::InvalidCredentials`] for a refused bind.
pub async fn connect(config: &SourceConfig) -> Result<Directory> {
    config.validate()?;
    let ldap = connect::open_bound(config).await?;
    Ok(Directory {
        ldap,
        config: config.clone(),
    })
}

/// A full sync in progress: users, then groups.
#[derive(Debug)]
pub struct FullSync<'d>(Cursor<'d>);

/// An incremental sync in progress.
#[derive(Debug)]
pub struct Incremental<'d>(Cursor<'d>);

impl Directory {
    /// The source this connection reads.
    pub fn config(&self) -> &SourceConfig {
        &self.config
    }

    /// How many entries the user and group searches match (paged, no
    /// attributes read).
    pub async fn count(&mut self) -> Result<(u64, u64)> {
        let users = self
            .count_one(self.users_search(vec!["1.1".into()]))
            .await?;
        let groups = self
            .count_one(self.groups_search(vec!["1.1".into()]))
            .await?;
        Ok((users, groups))
    }

    /// Starts a full sync. The resume point is taken first (RFC 4533 cookie,
    /// AD `highestCommittedUSN` or DirSync cookie, or `now` less a margin for
    /// modifyTimestamp), so a change made while the pages are read is seen
    /// again by the next incremental sync rather than lost.
    pub async fn full_sync(&mut self, now: OffsetDateTime) -> Result<FullSync<'_>> {
        let state = state::resume_point(self, now).await?;
        let users = self.users_search(self.config.mapping.all_attributes());
        let groups = self.groups_search(self.config.mapping.all_attributes());
        Ok(FullSync(Cursor::new(
            self,
            vec![(Role::Full, users), (Role::Full, groups)],
            state,
        )))
    }

    /// Starts an incremental sync from a stored state. A state of another
    /// strategy or domain controller is [`Error::StateMismatch`]; a cookie
    /// the server no longer honours ends in [`Error::SyncRefreshRequired`]
    /// (check [`Error::requires_full_sync`]).
    ///
    /// With `modify_timestamp`, deletes are not visible: the caller finds
    /// them when it reconciles a full sync.
    pub async fn incremental(
        &mut self,
        state: &SyncState,
        now: OffsetDateTime,
    ) -> Result<Incremental<'_>> {
        let (searches, next) = state::incremental_plan(self, state, now).await?;
        Ok(Incremental(Cursor::new(self, searches, next)))
    }

    /// Checks a user's password: finds the user by the mapped username
    /// attributes (value escaped per RFC 4515), then binds as that DN on a
    /// fresh connection. `Ok(None)` for an unknown user, a wrong password or
    /// an empty one (refused before binding: an empty password would be an
    /// unauthenticated bind, RFC 4513 §5.1.2, which succeeds). The returned
    /// user's `disabled` flag is the caller's to enforce (OpenLDAP has no such
    /// flag; AD refuses the bind of a disabled account itself).
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<DirectoryUser>> {
        auth::check(self, username, password).await
    }

    fn search(&self, base: String, filter: String, attrs: Vec<String>) -> Search {
        Search::new(
            &self.ldap,
            base,
            Scope::Subtree,
            filter,
            attrs,
            self.config.timeout,
        )
    }

    fn users_search(&self, attrs: Vec<String>) -> Search {
        self.search(
            self.config.users_base().to_string(),
            self.config.user_filter().to_owned(),
            attrs,
        )
        .paging(Paging::Paged(self.config.page_size))
    }

    fn groups_search(&self, attrs: Vec<String>) -> Search {
        self.search(
            self.config.groups_base().to_string(),
            self.config.group_filter().to_owned(),
            attrs,
        )
        .paging(Paging::Paged(self.config.page_size))
    }

    async fn count_one(&self, mut search: Search) -> Result<u64> {
        let mut n = 0;
        while let Some(message) = search.next().await? {
            if matches!(message, crate::entry::Message::Entry(_)) {
                n += 1;
            }
        }
        Ok(n)
    }
}

impl FullSync<'_> {
    /// The next user or group; `None` when all were read.
    pub async fn next(&mut self) -> Result<Option<DirectoryEntry>> {
        loop {
            match self.0.next().await? {
                Some(Change::Changed(entry)) => return Ok(Some(entry)),
                Some(Change::Deleted { .. }) => {}
                None => return Ok(None),
            }
        }
    }

    /// The state to store for the next incremental sync;
    /// [`Error::Incomplete`] unless [`FullSync::next`] returned `None`.
    pub fn finish(self) -> Result<SyncState> {
        self.0.finish()
    }
}

impl Incremental<'_> {
    /// The next change; `None` when all were read.
    pub async fn next(&mut self) -> Result<Option<Change>> {
        self.0.next().await
    }

    /// The state to store; [`Error::Incomplete`] unless
    /// [`Incremental::next`] returned `None`.
    pub fn finish(self) -> Result<SyncState> {
        self.0.finish()
    }
}

/// The directory as the completion steps ask it: ranged attribute reads
/// (`ranges.rs`) and primary-group lookups (`primary.rs`).
struct Lookups<'d>(&'d Directory);

impl ranges::RangeSource for Lookups<'_> {
    async fn read(&mut self, dn: &str, attr: &str) -> Result<Option<crate::entry::RawEntry>> {
        let dir = self.0;
        let search = Search::new(
            &dir.ldap,
            dn.to_owned(),
            Scope::Base,
            "(objectClass=*)".into(),
            vec![attr.to_owned()],
            dir.config.timeout,
        );
        first_entry(search).await
    }
}

impl primary::PrimaryLookup for Lookups<'_> {
    async fn users_with_primary_group(&mut self, rid: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let dir = self.0;
        let Some(sid_attr) = dir.config.mapping.group_sid.clone() else {
            return Ok(Vec::new());
        };
        let filter =
            crate::filter::and(&[dir.config.user_filter(), &format!("(primaryGroupID={rid})")]);
        let mut search = dir
            .search(
                dir.config.users_base().to_string(),
                filter,
                vec![sid_attr.clone()],
            )
            .paging(Paging::Paged(dir.config.page_size));
        let mut users = Vec::new();
        while let Some(message) = search.next().await? {
            if let crate::entry::Message::Entry(entry) = message {
                let sid = entry.values(&sid_attr).next().map(<[u8]>::to_vec);
                if let Some(sid) = sid {
                    users.push((entry.dn, sid));
                }
            }
        }
        Ok(users)
    }

    async fn group_with_sid(&mut self, sid: &[u8]) -> Result<Option<String>> {
        let dir = self.0;
        let Some(sid_attr) = dir.config.mapping.group_sid.as_deref() else {
            return Ok(None);
        };
        let by_sid = format!("({sid_attr}={})", crate::filter::escape_bytes(sid));
        let filter = crate::filter::and(&[dir.config.group_filter(), &by_sid]);
        let search = dir.search(
            dir.config.groups_base().to_string(),
            filter,
            vec!["1.1".into()],
        );
        Ok(first_entry(search).await?.map(|entry| entry.dn))
    }
}

/// The first entry a search returns; `None` for none or a base that does
/// not exist (noSuchObject).
async fn first_entry(mut search: Search) -> Result<Option<crate::entry::RawEntry>> {
    let mut found = None;
    loop {
        match search.next().await {
            Ok(Some(crate::entry::Message::Entry(entry))) => {
                found.get_or_insert(entry);
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok(found),
            Err(Error::Operation { code, .. }) if code == ResultCode::NoSuchObject.code() => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
    }
}

/// Reads the root DSE's `attrs` (RFC 4512 §5.1).
async fn root_dse(dir: &Directory, attrs: &[&str]) -> Result<crate::entry::RawEntry> {
    let mut search = Search::new(
        &dir.ldap,
        String::new(),
        Scope::Base,
        "(objectClass=*)".into(),
        attrs.iter().map(|a| (*a).to_owned()).collect(),
        dir.config.timeout,
    );
    let mut found = None;
    while let Some(message) = search.next().await? {
        if let crate::entry::Message::Entry(entry) = message {
            found.get_or_insert(entry);
        }
    }
    found.ok_or(Error::Malformed("no root DSE"))
}
