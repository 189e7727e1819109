//! What differs between SQLite and PostgreSQL, in one place: URLs,
//! connection set-up, pool size, migrations, constraint-error reading, and
//! the JSON functions of directory queries (`directory_query`).

use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, Executor};

use super::StoreError;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// The dialect of an open connection (`AnyConnection::backend_name`).
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// `lower(expr)` folding every script, whatever the column's collation
    /// (PostgreSQL's `lower()` folds ASCII only under the "C" collation that
    /// the id and key columns carry; SQLite's folds ASCII only anyway, on
    /// both sides of a comparison alike).
    pub fn casefold(self, expr: &str) -> String {
        match self {
            Self::Sqlite => format!("lower({expr})"),
            Self::Postgres => format!("lower({expr} COLLATE \"default\")"),
        }
    }

    /// The text at `path` (keys from the code, never from a request) in the
    /// JSON document `doc` (a TEXT column or a JSON array element); NULL
    /// when absent.
    pub fn json_text(self, doc: &str, path: &[&str]) -> String {
        match self {
            Self::Sqlite => format!("json_extract({doc}, '$.{}')", path.join(".")),
            Self::Postgres => format!("(({doc})::jsonb #>> '{{{}}}')", path.join(",")),
        }
    }

    /// Whether the JSON boolean `key` of `doc` is true: a condition that is
    /// never NULL.
    pub fn json_flag(self, doc: &str, key: &str) -> String {
        match self {
            Self::Sqlite => format!("(COALESCE(json_extract({doc}, '$.{key}'), 0) = 1)"),
            Self::Postgres => format!("COALESCE((({doc})::jsonb ->> '{key}')::boolean, FALSE)"),
        }
    }

    /// A FROM item listing the elements of the JSON array `key` of `doc` as
    /// `alias.value` (no rows when the key is absent).
    pub fn json_elements(self, doc: &str, key: &str, alias: &str) -> String {
        match self {
            Self::Sqlite => format!("json_each({doc}, '$.{key}') AS {alias}"),
            Self::Postgres => format!(
                "jsonb_array_elements(COALESCE(({doc})::jsonb -> '{key}', '[]'::jsonb)) \
                 AS {alias}(value)"
            ),
        }
    }

    /// The prefix that makes a query print its plan, and the index of the
    /// plan's text column in the rows it returns.
    pub fn explain(self) -> (&'static str, usize) {
        match self {
            Self::Sqlite => ("EXPLAIN QUERY PLAN ", 3),
            Self::Postgres => ("EXPLAIN ", 0),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// SQLite: create the file when missing.
    pub(super) fn prepare_url(self, url: &str) -> String {
        match self {
            Self::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        }
    }

    pub(super) fn max_connections(self) -> u32 {
        match self {
            // One writer at a time anyway; readers share WAL snapshots.
            Self::Sqlite => 8,
            Self::Postgres => 16,
        }
    }

    /// Per-connection set-up: SQLite gets WAL, foreign keys, a busy timeout.
    pub(super) async fn on_connect(self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        if self == Self::Sqlite {
            conn.execute(
                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                 PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
            )
            .await?;
        }
        Ok(())
    }

    pub(super) fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}
