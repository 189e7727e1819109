//! The reader against a real OpenLDAP slapd (Debian's `slapd` 2.5, started
//! per test by `scripts/slapd.sh` in a temp dir on a free port). If slapd is
//! not installed the tests fail with a message saying how to install it;
//! they are never skipped.
//!
//! Directory writes go through OpenLDAP's `ldapmodify`, so the reader is
//! checked against data made by independent tools.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "slapd/harness.rs"]
mod harness;

#[path = "slapd/auth.rs"]
mod auth;
#[path = "slapd/errors.rs"]
mod errors;
#[path = "slapd/full.rs"]
mod full;
#[path = "slapd/incremental.rs"]
mod incremental;
#[path = "slapd/tls.rs"]
mod tls;

use time::OffsetDateTime;
use usso_ldap::{Change, Directory, DirectoryEntry, DirectoryGroup, DirectoryUser, SyncState};

/// Reads a whole full sync.
pub async fn full_sync(dir: &mut Directory) -> (Vec<DirectoryEntry>, SyncState) {
    let mut sync = dir
        .full_sync(OffsetDateTime::now_utc())
        .await
        .expect("full sync");
    let mut entries = Vec::new();
    while let Some(entry) = sync.next().await.expect("next entry") {
        entries.push(entry);
    }
    (entries, sync.finish().expect("finish"))
}

/// Reads a whole incremental sync.
pub async fn incremental(
    dir: &mut Directory,
    state: &SyncState,
) -> usso_ldap::Result<(Vec<Change>, SyncState)> {
    let mut sync = dir.incremental(state, OffsetDateTime::now_utc()).await?;
    let mut changes = Vec::new();
    while let Some(change) = sync.next().await? {
        changes.push(change);
    }
    Ok((changes, sync.finish()?))
}

pub fn users(entries: &[DirectoryEntry]) -> Vec<&DirectoryUser> {
    entries
        .iter()
        .filter_map(|e| match e {
            DirectoryEntry::User(u) => Some(u),
            _ => None,
        })
        .collect()
}

pub fn groups(entries: &[DirectoryEntry]) -> Vec<&DirectoryGroup> {
    entries
        .iter()
        .filter_map(|e| match e {
            DirectoryEntry::Group(g) => Some(g),
            _ => None,
        })
        .collect()
}

pub fn changed(changes: &[Change]) -> Vec<&DirectoryEntry> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Changed(e) => Some(e),
            Change::Deleted { .. } => None,
        })
        .collect()
}

pub fn deleted(changes: &[Change]) -> Vec<&str> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Deleted { stable_id } => Some(stable_id.as_str()),
            Change::Changed(_) => None,
        })
        .collect()
}
