//! Runs a directory query: the filtered rows in the asked order, an offset
//! page or a keyset page after an opaque cursor (constant time at any depth:
//! the cursor holds the last row's sort key and id, RFC 7644 §3.4.2.4 leaves
//! the cursor form to the server), and the total when asked.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::render::{render, Groups, Scope, Users, TENANT};
use super::{
    Cond, GroupQuery, GroupSortField, PageSpec, Query, SearchError, SearchPage, Sort, UserQuery,
    UserSortField, MAX_COUNT,
};
use crate::core::group::Group;
use crate::core::user::User;
use crate::core::TenantId;
use crate::store::dialect::Dialect;
use crate::store::sql::Sql;
use crate::store::{groups, users};

/// How rows are ordered: by `expr`, then by id.
struct SortKey {
    /// The name the cursor records, so that it only serves this order.
    tag: &'static str,
    expr: &'static str,
    id: &'static str,
    kind: KeyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// The id alone.
    Id,
    /// Unique, never NULL text: no tie to break.
    UniqueText,
    /// Never NULL integer (a time): ties broken by id.
    Int,
    /// Text that may be NULL: NULLs last ascending, ties broken by id.
    NullableText,
}

fn user_key(field: UserSortField) -> SortKey {
    let (tag, expr, kind) = match field {
        UserSortField::Id => ("id", "u.id", KeyKind::Id),
        UserSortField::UserName => ("userName", "u.username_key", KeyKind::UniqueText),
        UserSortField::DisplayName => (
            "displayName",
            "lower(u.display_name)",
            KeyKind::NullableText,
        ),
        UserSortField::GivenName => ("givenName", "lower(u.given_name)", KeyKind::NullableText),
        UserSortField::FamilyName => ("familyName", "lower(u.family_name)", KeyKind::NullableText),
        UserSortField::Created => ("created", "u.created_at", KeyKind::Int),
        UserSortField::LastModified => ("lastModified", "u.updated_at", KeyKind::Int),
    };
    SortKey {
        tag,
        expr,
        id: "u.id",
        kind,
    }
}

fn group_key(field: GroupSortField) -> SortKey {
    let (tag, expr, kind) = match field {
        GroupSortField::Id => ("id", "g.id", KeyKind::Id),
        GroupSortField::DisplayName => ("displayName", "g.name_key", KeyKind::UniqueText),
        GroupSortField::Created => ("created", "g.created_at", KeyKind::Int),
        GroupSortField::LastModified => ("lastModified", "g.updated_at", KeyKind::Int),
    };
    SortKey {
        tag,
        expr,
        id: "g.id",
        kind,
    }
}

/// The last row of a page, as the next page's cursor holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// The sort key's tag.
    k: String,
    /// Descending.
    d: bool,
    /// The sort key's value (absent for `Id`, NULL for a missing value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    v: Option<KeyValue>,
    /// The row's id.
    i: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum KeyValue {
    Int(i64),
    Text(Option<String>),
}

impl Cursor {
    fn encode(&self) -> Result<String, SearchError> {
        let json = serde_json::to_vec(self)
            .map_err(|e| SearchError::Unsupported(format!("cursor: {e}")))?;
        Ok(URL_SAFE_NO_PAD.encode(json))
    }

    /// The cursor `raw` if it was made for `key` in this direction.
    fn decode(raw: &str, key: &SortKey, descending: bool) -> Result<Self, SearchError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw)
            .map_err(|_| SearchError::InvalidCursor)?;
        let cursor: Self =
            serde_json::from_slice(&bytes).map_err(|_| SearchError::InvalidCursor)?;
        let value_fits = matches!(
            (key.kind, &cursor.v),
            (KeyKind::Id, None)
                | (KeyKind::Int, Some(KeyValue::Int(_)))
                | (KeyKind::UniqueText, Some(KeyValue::Text(Some(_))))
                | (KeyKind::NullableText, None | Some(KeyValue::Text(_)))
        );
        if cursor.k != key.tag || cursor.d != descending || !value_fits {
            return Err(SearchError::InvalidCursor);
        }
        Ok(cursor)
    }

    /// The cursor pointing after `row` (selected with its `sort_key`).
    fn after(row: &AnyRow, key: &SortKey, descending: bool) -> Result<Self, SearchError> {
        let v = match key.kind {
            KeyKind::Id => None,
            KeyKind::Int => Some(KeyValue::Int(row.try_get("sort_key")?)),
            KeyKind::UniqueText | KeyKind::NullableText => {
                Some(KeyValue::Text(row.try_get("sort_key")?))
            }
        };
        Ok(Self {
            k: key.tag.to_owned(),
            d: descending,
            v,
            i: row.try_get("id")?,
        })
    }
}

/// Appends ` AND <rows after cursor>`.
fn push_keyset(sql: &mut Sql, key: &SortKey, descending: bool, cursor: Cursor) {
    let (e, id) = (key.expr, key.id);
    let cmp = if descending { "<" } else { ">" };
    match (key.kind, cursor.v) {
        (KeyKind::Int, Some(KeyValue::Int(v))) => {
            sql.push(&format!(" AND ({e}, {id}) {cmp} (")).int(v);
            sql.push(", ").text(cursor.i).push(")");
        }
        (KeyKind::UniqueText, Some(KeyValue::Text(Some(v)))) => {
            sql.push(&format!(" AND {e} {cmp} ")).text(v);
        }
        (KeyKind::NullableText, Some(KeyValue::Text(Some(v)))) => {
            // Present values, then the missing ones (ascending), or the reverse.
            if descending {
                sql.push(&format!(" AND {e} IS NOT NULL AND ({e} < "))
                    .text(v.clone());
                sql.push(&format!(" OR ({e} = ")).text(v);
                sql.push(&format!(" AND {id} < ")).text(cursor.i).push("))");
            } else {
                sql.push(&format!(" AND ({e} IS NULL OR {e} > "))
                    .text(v.clone());
                sql.push(&format!(" OR ({e} = ")).text(v);
                sql.push(&format!(" AND {id} > ")).text(cursor.i).push("))");
            }
        }
        (KeyKind::NullableText, _) => {
            if descending {
                sql.push(&format!(" AND ({e} IS NOT NULL OR {id} < "))
                    .text(cursor.i)
                    .push(")");
            } else {
                sql.push(&format!(" AND {e} IS NULL AND {id} > "))
                    .text(cursor.i);
            }
        }
        _ => {
            sql.push(&format!(" AND {id} {cmp} ")).text(cursor.i);
        }
    }
}

fn order_by(key: &SortKey, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    let (e, id) = (key.expr, key.id);
    match key.kind {
        KeyKind::Id => format!(" ORDER BY {id} {dir}"),
        KeyKind::UniqueText => format!(" ORDER BY {e} {dir}"),
        KeyKind::Int => format!(" ORDER BY {e} {dir}, {id} {dir}"),
        KeyKind::NullableText => {
            format!(" ORDER BY ({e} IS NULL) {dir}, {e} {dir}, {id} {dir}")
        }
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

struct Plan<'a, S> {
    /// Text before `SELECT` (an `EXPLAIN`).
    prefix: &'a str,
    table: &'a str,
    alias: &'a str,
    columns: &'a str,
    scope: S,
    key: SortKey,
}

/// `SELECT … WHERE tenant AND filter`.
fn base<F, L, S: Scope<F, L>>(
    plan: &Plan<'_, S>,
    tenant: TenantId,
    filter: &Cond<F, L>,
    select: &str,
) -> Result<Sql, SearchError> {
    let mut sql = Sql::new(&format!(
        "{}SELECT {select} FROM {} {} WHERE {}.tenant_id = ",
        plan.prefix, plan.table, plan.alias, plan.alias
    ));
    sql.text(tenant.to_string());
    debug_assert!(sql.as_str().ends_with(TENANT));
    sql.push(" AND ");
    render(&mut sql, &plan.scope, filter)?;
    Ok(sql)
}

/// The page query, and for a keyset page the count it asks one row over;
/// `None` for an empty page.
fn page_sql<F, L, S: Scope<F, L>>(
    plan: &Plan<'_, S>,
    tenant: TenantId,
    query: &Query<Cond<F, L>, impl Copy>,
    descending: bool,
) -> Result<Option<(Sql, Option<u64>)>, SearchError> {
    let key = &plan.key;
    let select = format!("{}, {} AS sort_key", plan.columns, key.expr);
    Ok(match &query.page {
        PageSpec::Offset { count: 0, .. } | PageSpec::After { count: 0, .. } => None,
        PageSpec::Offset { start, count } => {
            let mut sql = base(plan, tenant, &query.filter, &select)?;
            sql.push(&order_by(key, descending))
                .push(" LIMIT ")
                .int(to_i64((*count).min(MAX_COUNT)))
                .push(" OFFSET ")
                .int(to_i64(*start));
            Some((sql, None))
        }
        PageSpec::After { cursor, count } => {
            let count = (*count).min(MAX_COUNT);
            let mut sql = base(plan, tenant, &query.filter, &select)?;
            if let Some(raw) = cursor {
                push_keyset(
                    &mut sql,
                    key,
                    descending,
                    Cursor::decode(raw, key, descending)?,
                );
            }
            sql.push(&order_by(key, descending))
                .push(" LIMIT ")
                .int(to_i64(count + 1));
            Some((sql, Some(count)))
        }
    })
}

/// The page's rows, the total, and the next cursor.
async fn run<F, L, S: Scope<F, L>>(
    conn: &mut AnyConnection,
    tenant: TenantId,
    plan: &Plan<'_, S>,
    query: &Query<Cond<F, L>, impl Copy>,
    descending: bool,
) -> Result<(Vec<AnyRow>, Option<u64>, Option<String>), SearchError> {
    let mut rows = Vec::new();
    let mut next = None;
    if let Some((sql, keyset)) = page_sql(plan, tenant, query, descending)? {
        rows = sql.query().fetch_all(&mut *conn).await?;
        if let Some(count) = keyset {
            let more = u64::try_from(rows.len()).unwrap_or(u64::MAX) > count;
            rows.truncate(usize::try_from(count).unwrap_or(usize::MAX));
            if let (true, Some(last)) = (more, rows.last()) {
                next = Some(Cursor::after(last, &plan.key, descending)?.encode()?);
            }
        }
    }
    let total = if query.want_total {
        let got = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        match query.page {
            // A short index page that reached the end: the total is known
            // without counting (one query instead of two).
            PageSpec::Offset { start, count }
                if got < count.min(super::MAX_COUNT) && (got > 0 || start == 0) =>
            {
                Some(start + got)
            }
            _ => {
                let sql = base(plan, tenant, &query.filter, "COUNT(*)")?;
                let n: i64 = sql.query().fetch_one(&mut *conn).await?.try_get(0)?;
                Some(u64::try_from(n).unwrap_or_default())
            }
        }
    } else {
        None
    };
    Ok((rows, total, next))
}

fn user_plan(dialect: Dialect, field: UserSortField) -> Plan<'static, Users> {
    Plan {
        prefix: "",
        table: "users",
        alias: "u",
        columns: users::COLUMNS,
        scope: Users { dialect },
        key: user_key(field),
    }
}

/// The database's plan for the page query of `search_users` (SQLite's
/// `EXPLAIN QUERY PLAN` details, PostgreSQL's `EXPLAIN` lines): for tests
/// that prove the indexes serve a filter, and for diagnosis.
pub async fn explain_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
    query: &UserQuery,
) -> Result<Vec<String>, SearchError> {
    let dialect = Dialect::of(conn);
    let (prefix, column) = dialect.explain();
    let plan = Plan {
        prefix,
        ..user_plan(dialect, query.sort.field)
    };
    let Some((sql, _)) = page_sql(&plan, tenant, query, query.sort.descending)? else {
        return Ok(Vec::new());
    };
    let rows = sql.query().fetch_all(&mut *conn).await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get::<String, _>(column))
        .collect::<Result<_, _>>()?)
}

/// The users of `tenant` that match `query.filter`, one page in the asked
/// order, with their emails and external ids.
pub async fn search_users(
    conn: &mut AnyConnection,
    tenant: TenantId,
    query: &UserQuery,
) -> Result<SearchPage<User>, SearchError> {
    let Sort { field, descending } = query.sort;
    let plan = user_plan(Dialect::of(conn), field);
    let (rows, total, next_cursor) = run(conn, tenant, &plan, query, descending).await?;
    let mut items = rows
        .iter()
        .map(users::decode)
        .collect::<Result<Vec<_>, _>>()?;
    users::load_children(conn, tenant, &mut items).await?;
    Ok(SearchPage {
        items,
        total,
        next_cursor,
    })
}

/// The groups of `tenant` that match `query.filter`, one page in the asked
/// order.
pub async fn search_groups(
    conn: &mut AnyConnection,
    tenant: TenantId,
    query: &GroupQuery,
) -> Result<SearchPage<Group>, SearchError> {
    let Sort { field, descending } = query.sort;
    let plan = Plan {
        prefix: "",
        table: "groups",
        alias: "g",
        columns: groups::COLUMNS,
        scope: Groups,
        key: group_key(field),
    };
    let (rows, total, next_cursor) = run(conn, tenant, &plan, query, descending).await?;
    let items = rows
        .iter()
        .map(groups::decode)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SearchPage {
        items,
        total,
        next_cursor,
    })
}
