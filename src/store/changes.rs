//! Whether reads cached by a process may be stale: the change epoch of the
//! database. A write transaction that changes what hot paths cache
//! (clients and their secrets, grant revocations, tenants) is marked
//! ([`super::WriteTx::invalidates_cached_reads`]); after it commits, the
//! epoch moves, and a cached read stored under another epoch is not used.
//!
//! The epoch is seen at once by every process on the same database:
//! - this process: a counter;
//! - SQLite (the CLI and the server share the file): a stamp file beside
//!   the database (`<db>.changes`) that each marked commit overwrites with
//!   a fresh random value, read (one `pread`) by each check;
//! - PostgreSQL (nodes on other machines): not yet heard of without a read,
//!   so [`Changes::epoch`] is `None` there and nothing is served from these
//!   caches (a listener on `LISTEN`/`NOTIFY` is the way to lift that).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::dialect::Dialect;

/// The change epoch at one moment: equal epochs, no marked change between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch {
    local: u64,
    shared: u64,
}

#[derive(Debug)]
enum Shared {
    /// Only this process reaches the database (SQLite in memory).
    Alone,
    /// The stamp file of a SQLite database.
    Stamp(File),
    /// Other processes' changes cannot be seen without a read.
    Unseen,
}

#[derive(Debug)]
pub struct Changes {
    local: AtomicU64,
    shared: Shared,
}

impl Changes {
    /// The epoch source for the database at `url` (its dialect's).
    pub(super) fn for_database(dialect: Dialect, url: &str) -> Self {
        let shared = match dialect {
            Dialect::Postgres => Shared::Unseen,
            Dialect::Sqlite => match sqlite_path(url) {
                None => Shared::Alone,
                Some(db) => {
                    let mut stamp = db.into_os_string();
                    stamp.push(".changes");
                    match open_stamp(&PathBuf::from(&stamp)) {
                        Ok(file) => Shared::Stamp(file),
                        Err(e) => {
                            tracing::warn!(
                                error = %e,
                                path = ?stamp,
                                "cannot open the change stamp: hot-path caches are off"
                            );
                            Shared::Unseen
                        }
                    }
                }
            },
        };
        Self {
            local: AtomicU64::new(0),
            shared,
        }
    }

    /// The current epoch; `None` when changes made elsewhere cannot be
    /// seen, so that nothing may be served from a cache.
    pub fn epoch(&self) -> Option<Epoch> {
        let shared = match &self.shared {
            Shared::Alone => 0,
            Shared::Stamp(file) => {
                let mut bytes = [0u8; 8];
                match file.read_at(&mut bytes, 0) {
                    Ok(8) => u64::from_le_bytes(bytes),
                    // Never written yet.
                    Ok(0) => 0,
                    Ok(_) | Err(_) => return None,
                }
            }
            Shared::Unseen => return None,
        };
        Some(Epoch {
            local: self.local.load(Ordering::Acquire),
            shared,
        })
    }

    /// Moves the epoch: called after a marked transaction committed.
    pub(super) fn changed(&self) {
        self.local.fetch_add(1, Ordering::AcqRel);
        if let Shared::Stamp(file) = &self.shared {
            let fresh = uuid::Uuid::new_v4().as_u64_pair().0;
            if let Err(e) = file.write_at(&fresh.to_le_bytes(), 0) {
                // Other processes keep their cached reads up to the caches'
                // time limit.
                tracing::error!(error = %e, "cannot write the change stamp");
            }
        }
    }
}

/// The file of a `sqlite://PATH[?…]` URL; `None` for an in-memory database.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

fn open_stamp(path: &std::path::Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_processes_on_one_sqlite_file_see_each_others_changes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/usso.db?mode=rwc", dir.path().display());
        let (a, b) = (
            Changes::for_database(Dialect::Sqlite, &url),
            Changes::for_database(Dialect::Sqlite, &url),
        );
        let (a0, b0) = (a.epoch().unwrap(), b.epoch().unwrap());
        b.changed();
        assert_ne!(a.epoch().unwrap(), a0, "a change by b is seen by a");
        assert_ne!(b.epoch().unwrap(), b0);
        let a1 = a.epoch().unwrap();
        assert_eq!(a.epoch().unwrap(), a1, "no change, same epoch");
        a.changed();
        assert_ne!(a.epoch().unwrap(), a1);
    }

    #[test]
    fn in_memory_sqlite_counts_its_own_changes_and_postgres_caches_nothing() {
        let memory = Changes::for_database(Dialect::Sqlite, "sqlite::memory:");
        let before = memory.epoch().unwrap();
        memory.changed();
        assert_ne!(memory.epoch().unwrap(), before);
        let pg = Changes::for_database(Dialect::Postgres, "postgres://localhost/x");
        assert_eq!(pg.epoch(), None);
    }

    #[test]
    fn sqlite_paths_come_from_the_url() {
        assert_eq!(
            sqlite_path("sqlite:///var/lib/usso/usso.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/usso/usso.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }
}
