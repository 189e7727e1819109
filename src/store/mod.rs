//! Storage: one query code path for SQLite and PostgreSQL (ARCHITECTURE.md
//! rule 7), on sqlx's `Any` driver.
//!
//! Every query is written once in SQL both databases accept (`$n`
//! placeholders, `ON CONFLICT`, `RETURNING`); what differs between them —
//! connection set-up, migrations, the reading of constraint errors — lives in
//! [`dialect`]. Every method takes the tenant it works in (rule 5).
//!
//! Reads take a `&mut AnyConnection` (from [`Store::conn`] or a transaction);
//! writes run inside a [`Store::begin`] transaction together with their audit
//! event, so that a change and its event land or fail together (rule 9).

pub mod api_keys;
pub mod backchannel_logouts;
pub mod changes;
pub mod client_assertions;
pub mod clients;
pub mod codec;
pub mod dialect;
pub mod directory_query;
pub mod error;
pub mod events;
pub mod federation;
pub mod group_commit;
pub mod group_links;
pub mod groups;
pub mod installation;
pub mod ldap_entries;
pub mod ldap_sources;
pub mod oauth_batches;
pub mod oauth_grants;
pub mod passwords;
pub mod roles;
pub mod saml_sps;
pub mod sessions;
pub mod signing_keys;
pub mod sql;
pub mod tenants;
pub mod upstream_idps;
pub mod users;
pub mod workspaces;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Transaction};

pub use dialect::Dialect;
pub use error::StoreError;

/// A pooled connection idle this long is pinged before it is handed out
/// (a PostgreSQL restart or failover leaves dead connections behind).
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// A page of a cursor-paginated listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<'a> {
    /// Return rows whose id sorts after this one.
    pub after: Option<&'a str>,
    pub limit: u32,
}

impl Page<'_> {
    pub const MAX_LIMIT: u32 = 1000;

    pub fn first(limit: u32) -> Self {
        Page { after: None, limit }
    }

    fn sql_limit(&self) -> i64 {
        i64::from(self.limit.clamp(1, Self::MAX_LIMIT))
    }
}

/// The database behind the hub: a pool and its dialect.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite has one writer at a time: writers queue here, in order, rather
    /// than in SQLite's busy handler (which sleeps up to 100 ms between
    /// tries), then write on the writer's own connection. `None` on
    /// PostgreSQL, where rows are locked, not the file.
    writers: Option<Writers>,
    /// The change epoch that hot-path caches check.
    changes: Arc<changes::Changes>,
}

/// SQLite's writers: the queue, and a pool of one connection that only
/// writers use. That connection's page cache stays valid from one write to
/// the next (SQLite drops a connection's cache whenever another connection
/// committed), so a write does not read its table's pages back from the file
/// first — as every write did when it took any connection of the pool.
#[derive(Debug, Clone)]
struct Writers {
    turn: Arc<tokio::sync::Mutex<()>>,
    pool: AnyPool,
}

/// A write transaction: rolled back when dropped without [`WriteTx::commit`].
/// Dereferences to the connection every store function takes.
#[derive(Debug)]
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    changes: Arc<changes::Changes>,
    invalidates: bool,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if self.invalidates {
            self.changes.changed();
        }
        Ok(())
    }

    /// Marks this transaction as changing what hot paths cache (a client or
    /// its secret, a grant's revocation, a tenant): once it commits, no
    /// process on this database serves those cached reads
    /// ([`changes`]).
    pub fn invalidates_cached_reads(&mut self) {
        self.invalidates = true;
    }
}

/// The writer's connection for one statement ([`Store::writer`]).
/// Dereferences to the connection every store function takes.
#[derive(Debug)]
pub struct Writer {
    conn: PoolConnection<Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for Writer {
    type Target = AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Transaction<'static, Any>;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// A pool of up to `max` connections to `options`, set up for `dialect`.
async fn open_pool(
    dialect: Dialect,
    options: &AnyConnectOptions,
    max: u32,
) -> Result<AnyPool, StoreError> {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out by default: one more
        // round trip per request (to PostgreSQL, or to the SQLite
        // connection's worker thread: half the statements of a warm
        // introspection). Only a connection idle for a while is checked.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _meta| Box::pin(async move { dialect.on_connect(conn).await }))
        .connect_with(options.clone())
        .await
        .map_err(StoreError::Database)
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), without migrating.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)?;
        let url = dialect.prepare_url(url);
        let options: AnyConnectOptions = url.parse().map_err(StoreError::Database)?;
        let pool = open_pool(dialect, &options, dialect.max_connections()).await?;
        let writers = match dialect {
            Dialect::Sqlite => Some(Writers {
                turn: Arc::new(tokio::sync::Mutex::new(())),
                pool: open_pool(dialect, &options, 1).await?,
            }),
            Dialect::Postgres => None,
        };
        // After connecting: the SQLite file (and so its directory) exists.
        let changes = Arc::new(changes::Changes::for_database(dialect, &url));
        Ok(Self {
            pool,
            dialect,
            writers,
            changes,
        })
    }

    /// Applies the migrations of this store's dialect that are not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.dialect
            .migrator()
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<PoolConnection<Any>, StoreError> {
        self.pool.acquire().await.map_err(StoreError::Database)
    }

    /// A transaction for writes; dropped without `commit`, it rolls back.
    /// On SQLite it waits its turn, then takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that a transaction that reads before it
    /// writes can never meet another in a lock upgrade ("database is
    /// locked").
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        let (pool, turn) = self.writers_turn().await;
        let tx = match self.dialect {
            Dialect::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => pool.begin().await,
        };
        let tx = tx.map_err(StoreError::Database)?;
        Ok(WriteTx {
            tx,
            _turn: turn,
            changes: Arc::clone(&self.changes),
            invalidates: false,
        })
    }

    /// The writer's connection, in autocommit mode, for a write that is one
    /// statement, atomic by itself: no `BEGIN` and `COMMIT` round trips. On
    /// SQLite it waits its turn like [`Store::begin`] (the statement takes
    /// the write lock as it starts).
    pub async fn writer(&self) -> Result<Writer, StoreError> {
        let (pool, turn) = self.writers_turn().await;
        let conn = pool.acquire().await;
        Ok(Writer {
            conn: conn.map_err(StoreError::Database)?,
            _turn: turn,
        })
    }

    /// The pool writes go to, once it is this writer's turn (SQLite's own
    /// writer connection and the held turn; PostgreSQL's pool, no turn).
    async fn writers_turn(&self) -> (&AnyPool, Option<tokio::sync::OwnedMutexGuard<()>>) {
        match &self.writers {
            Some(writers) => (
                &writers.pool,
                Some(Arc::clone(&writers.turn).lock_owned().await),
            ),
            None => (&self.pool, None),
        }
    }

    /// The change epoch now; `None` when cached reads must not be used
    /// ([`changes`]).
    pub fn cache_epoch(&self) -> Option<changes::Epoch> {
        self.changes.epoch()
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(StoreError::Database)
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(writers) = &self.writers {
            writers.pool.close().await;
        }
    }
}
