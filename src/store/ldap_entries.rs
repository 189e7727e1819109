//! The directory entries a source synced: stable id → kind, DN and core id.
//! Group member DNs resolve through it (by the lowercased DN), posixGroup
//! `memberUid`s through the linked users' usernames, and a full sync marks
//! what it saw (`seen_run`) so that the entries it did not see are found by
//! a query rather than held in memory.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::dialect::Dialect;
use super::sql::Sql;
use super::StoreError;
use crate::core::user::username_key;
use crate::core::{LdapSourceId, TenantId};

/// A user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    User,
    Group,
}

impl EntryKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "user" => Ok(Self::User),
            "group" => Ok(Self::Group),
            other => Err(StoreError::Corrupt(format!("entry kind {other:?}"))),
        }
    }
}

/// One synced entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub stable_id: String,
    pub kind: EntryKind,
    /// The core user or group id, as text.
    pub core_id: String,
}

/// The tables a sync fills, for [`refresh_statistics`].
const SYNCED_TABLES: [&str; 9] = [
    "users",
    "user_emails",
    "user_external_ids",
    "groups",
    "group_external_ids",
    "group_user_members",
    "group_group_members",
    "ldap_entries",
    "audit_events",
];

/// Refreshes PostgreSQL's planner statistics of the tables a sync fills
/// (`ANALYZE`). A first import into empty tables plans its statements, the
/// foreign key checks included, on statistics that say the tables are
/// empty: PostgreSQL then checked each new email's and external id's user
/// through an index on `tenant_id` alone, reading every user of the tenant,
/// and 100,000 users took minutes. Run once the first batch is in, the next
/// statements are planned on real figures. SQLite needs none of it, and
/// with the statistics of that first batch it planned the rest worse (twice
/// the time and memory): there this does nothing.
pub async fn refresh_statistics(conn: &mut AnyConnection) -> Result<(), StoreError> {
    if conn.backend_name() != "PostgreSQL" {
        return Ok(());
    }
    for table in SYNCED_TABLES {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An entry to record with [`upsert_many`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub stable_id: String,
    pub kind: EntryKind,
    pub dn_key: String,
    pub core_id: String,
}

/// [`upsert`] for many entries, 500 a statement (a sync's batch in one or
/// two round trips rather than one per entry). A stable id given twice
/// keeps its last row.
pub async fn upsert_many(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    rows: &[EntryRow],
    run: &str,
) -> Result<(), StoreError> {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        last.insert(&row.stable_id, i);
    }
    let unique: Vec<&EntryRow> = rows
        .iter()
        .enumerate()
        .filter(|(i, row)| last.get(row.stable_id.as_str()) == Some(i))
        .map(|(_, row)| row)
        .collect();
    let (tenant, source) = (tenant.to_string(), source.to_string());
    for chunk in unique.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "INSERT INTO ldap_entries (tenant_id, source_id, stable_id, kind, dn_key, core_id, \
             seen_run) VALUES ",
        );
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.text_list([
                tenant.as_str(),
                source.as_str(),
                row.stable_id.as_str(),
                row.kind.as_str(),
                row.dn_key.as_str(),
                row.core_id.as_str(),
                run,
            ]);
        }
        sql.push(
            " ON CONFLICT (tenant_id, source_id, stable_id) DO UPDATE SET kind = excluded.kind, \
             dn_key = excluded.dn_key, core_id = excluded.core_id, seen_run = excluded.seen_run",
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The core users `source` knows by these external ids (the directory's
/// stable ids), keyed by external id, 500 ids a query: what
/// [`user_by_external_id`] says for a whole batch at once.
pub async fn users_by_external_ids(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: &str,
    external_ids: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "SELECT external_id, user_id FROM user_external_ids WHERE tenant_id = ",
        );
        sql.text(tenant.to_string())
            .push(" AND source = ")
            .text(source)
            .push(" AND external_id IN ")
            .text_list(chunk.iter().cloned());
        for row in sql.query().fetch_all(&mut *conn).await? {
            out.insert(row.try_get("external_id")?, row.try_get("user_id")?);
        }
    }
    Ok(out)
}

/// Records (or moves) an entry, marked as seen by `run`.
#[allow(clippy::too_many_arguments)]
pub async fn upsert(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    stable_id: &str,
    kind: EntryKind,
    dn_key: &str,
    core_id: &str,
    run: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ldap_entries (tenant_id, source_id, stable_id, kind, dn_key, core_id, seen_run) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (tenant_id, source_id, stable_id) DO UPDATE SET kind = $4, dn_key = $5, \
         core_id = $6, seen_run = $7",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(stable_id)
    .bind(kind.as_str())
    .bind(dn_key)
    .bind(core_id)
    .bind(run)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    stable_id: &str,
) -> Result<Option<Entry>, StoreError> {
    let row = sqlx::query(
        "SELECT stable_id, kind, core_id FROM ldap_entries \
         WHERE tenant_id = $1 AND source_id = $2 AND stable_id = $3",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(stable_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| decode(&r)).transpose()
}

fn decode(row: &sqlx::any::AnyRow) -> Result<Entry, StoreError> {
    Ok(Entry {
        stable_id: row.try_get("stable_id")?,
        kind: EntryKind::parse(&row.try_get::<String, _>("kind")?)?,
        core_id: row.try_get("core_id")?,
    })
}

pub async fn delete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    stable_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM ldap_entries WHERE tenant_id = $1 AND source_id = $2 AND stable_id = $3",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(stable_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The entries at the given DN keys (absent keys are left out), 500 keys a
/// query.
pub async fn by_dn_keys(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    dn_keys: &[String],
) -> Result<HashMap<String, Entry>, StoreError> {
    let mut out = HashMap::new();
    for chunk in dn_keys.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "SELECT stable_id, kind, core_id, dn_key FROM ldap_entries WHERE tenant_id = ",
        );
        sql.text(tenant.to_string())
            .push(" AND source_id = ")
            .text(source.to_string())
            .push(" AND dn_key IN ")
            .text_list(chunk.iter().cloned());
        for row in sql.query().fetch_all(&mut *conn).await? {
            out.insert(row.try_get("dn_key")?, decode(&row)?);
        }
    }
    Ok(out)
}

/// The core ids of the source's users with the given usernames (posixGroup
/// `memberUid`), keyed by lowercased username.
pub async fn users_by_usernames(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    usernames: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    let keys: Vec<String> = usernames.iter().map(|u| username_key(u)).collect();
    for chunk in keys.chunks(500) {
        let mut sql = Sql::new_in(
            Dialect::of(conn),
            "SELECT e.core_id, u.username_key FROM ldap_entries e JOIN users u \
             ON u.tenant_id = e.tenant_id AND u.id = e.core_id WHERE e.tenant_id = ",
        );
        sql.text(tenant.to_string())
            .push(" AND e.source_id = ")
            .text(source.to_string())
            .push(" AND e.kind = 'user' AND u.username_key IN ")
            .text_list(chunk.iter().cloned());
        for row in sql.query().fetch_all(&mut *conn).await? {
            out.insert(row.try_get("username_key")?, row.try_get("core_id")?);
        }
    }
    Ok(out)
}

/// How many entries of `kind` the source has.
pub async fn count(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    kind: EntryKind,
) -> Result<u64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM ldap_entries WHERE tenant_id = $1 AND source_id = $2 AND kind = $3",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(kind.as_str())
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
}

/// How many entries of `kind` the run `run` did not see.
pub async fn count_unseen(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    kind: EntryKind,
    run: &str,
) -> Result<u64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM ldap_entries WHERE tenant_id = $1 AND source_id = $2 \
         AND kind = $3 AND seen_run <> $4",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(kind.as_str())
    .bind(run)
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0))
}

/// Up to `limit` entries the run `run` did not see, by stable id after
/// `after` (`""` for the first page).
pub async fn unseen(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    run: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(
        "SELECT stable_id, kind, core_id FROM ldap_entries WHERE tenant_id = $1 \
         AND source_id = $2 AND seen_run <> $3 AND stable_id > $4 ORDER BY stable_id LIMIT $5",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(run)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The source's groups that have `user` as a direct member.
pub async fn groups_with_user(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: LdapSourceId,
    user: &str,
) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.stable_id, e.kind, e.core_id FROM ldap_entries e JOIN group_user_members m \
         ON m.tenant_id = e.tenant_id AND m.group_id = e.core_id \
         WHERE e.tenant_id = $1 AND e.source_id = $2 AND e.kind = 'group' AND m.user_id = $3 \
         ORDER BY e.core_id",
    )
    .bind(tenant.to_string())
    .bind(source.to_string())
    .bind(user)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The core user `source` knows by `external_id` (the directory's stable
/// id), even if its entry row is gone (a user disabled after a delete whose
/// directory entry comes back).
pub async fn user_by_external_id(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: &str,
    external_id: &str,
) -> Result<Option<String>, StoreError> {
    linked(
        conn,
        "user_external_ids",
        "user_id",
        tenant,
        source,
        external_id,
    )
    .await
}

/// The core group `source` knows by `external_id`.
pub async fn group_by_external_id(
    conn: &mut AnyConnection,
    tenant: TenantId,
    source: &str,
    external_id: &str,
) -> Result<Option<String>, StoreError> {
    linked(
        conn,
        "group_external_ids",
        "group_id",
        tenant,
        source,
        external_id,
    )
    .await
}

async fn linked(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    tenant: TenantId,
    source: &str,
    external_id: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {column} AS id FROM {table} WHERE tenant_id = $1 AND source = $2 AND external_id = $3"
    ))
    .bind(tenant.to_string())
    .bind(source)
    .bind(external_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| r.try_get::<String, _>("id").map_err(StoreError::from))
        .transpose()
}
