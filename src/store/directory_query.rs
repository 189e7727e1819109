//! Directory queries: a dialect-neutral condition model over users and groups,
//! rendered to indexed SQL on SQLite and PostgreSQL (ARCHITECTURE.md rule 7),
//! with sorting and offset or keyset (cursor) pages. It serves SCIM 2.0
//! filtering, sorting and pagination (RFC 7644 §3.4.2.2–§3.4.2.4) without
//! loading a tenant into memory; the SCIM adapter builds the conditions
//! (`adapters::scim::query`).
//!
//! Semantics, as in `usso_scim::filter`'s in-memory evaluator:
//!
//! - strings compare without regard to case, except case-exact ones (ids,
//!   externalId); `gt`/`ge`/`lt`/`le` on strings are lexicographic;
//! - `ne v` matches a missing value too (it is `not (eq v)` on a single value;
//!   on a list, "no value, or some value differs");
//! - `not (f)` matches every row `f` does not match, missing values included;
//! - `co`, `sw`, `ew` with an empty string match any present value.
//!
//! Conditions on a child table render as `id IN (SELECT … WHERE tenant_id =
//! $1 AND …)`, so that the child's index drives the lookup; `sw` on a key
//! column is a range `key >= lo AND key < hi` ([`prefix_upper_bound`]).

mod render;
mod search;

use thiserror::Error;
use time::OffsetDateTime;

use super::StoreError;

pub use search::{explain_users, search_groups, search_users};

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3); `pr` is
/// [`Cond::Present`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A value compared with; its type must suit the field (text for strings,
/// a time for `Created`/`LastModified`, a boolean for flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Time(OffsetDateTime),
    Bool(bool),
}

/// A condition over fields `F` and multi-valued attributes `L`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond<F, L> {
    True,
    False,
    /// All of them (`True` when empty).
    And(Vec<Cond<F, L>>),
    /// Any of them (`False` when empty).
    Or(Vec<Cond<F, L>>),
    Not(Box<Cond<F, L>>),
    Compare {
        field: F,
        op: Op,
        value: Value,
    },
    /// The field has a value that is not empty.
    Present(F),
    /// Some value of `list` satisfies `item` (all of `item` on the same value).
    Any {
        list: L,
        item: Box<ItemCond>,
    },
}

/// No multi-valued attribute: item conditions do not nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoList {}

/// A sub-attribute of one value of a multi-valued attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemField {
    /// `value` (an email address, an external id, a group or member id, a
    /// phone number…).
    Value,
    /// Another text sub-attribute: `type` for emails; any string key of the
    /// profile list's values (`type`, `display`, `locality`, `postal_code`…).
    Key(&'static str),
    /// `primary` (a boolean).
    Primary,
}

/// A condition on one value of a multi-valued attribute.
pub type ItemCond = Cond<ItemField, NoList>;

/// Single-valued user fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserField {
    Id,
    UserName,
    DisplayName,
    GivenName,
    FamilyName,
    Locale,
    Phone,
    /// `status = 'active'` (a boolean).
    Active,
    Created,
    LastModified,
    /// A top-level string key of the profile document, e.g. `title`.
    ProfileText(&'static str),
    /// A string key of the profile's `employment`, e.g. `department`.
    Employment(&'static str),
    /// The manager's user id (case-exact).
    ManagerId,
}

/// Multi-valued user attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserList {
    /// `user_emails`: `Value` (case-insensitive), `Key("type")`, `Primary`.
    Emails,
    /// The external ids one provisioning client (`source`) gave the user;
    /// `Value` is case-exact.
    ExternalIds { source: String },
    /// A list of the profile document: `phone_numbers`, `addresses`, `ims`,
    /// `photos`, `entitlements`, `roles`, `x509_certificates`.
    ProfileList(&'static str),
    /// Direct group memberships: `Value` is the group id.
    Groups,
}

/// Single-valued group fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupField {
    Id,
    DisplayName,
    Created,
    LastModified,
}

/// Multi-valued group attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupList {
    /// Direct members, users and groups: `Value` is the member's id.
    Members,
    /// The external ids one provisioning client (`source`) gave the group.
    ExternalIds { source: String },
}

pub type UserCond = Cond<UserField, UserList>;
pub type GroupCond = Cond<GroupField, GroupList>;

/// What users can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSortField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    UserName,
    DisplayName,
    GivenName,
    FamilyName,
    Created,
    LastModified,
}

/// What groups can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupSortField {
    #[default]
    Id,
    DisplayName,
    Created,
    LastModified,
}

/// A sort order; missing values come last ascending, first descending
/// (RFC 7644 §3.4.2.3); the id breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort<F> {
    pub field: F,
    pub descending: bool,
}

/// Which rows of the ordered result to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSpec {
    /// Skip `start` rows (0-based), return up to `count`.
    Offset { start: u64, count: u64 },
    /// Rows after `cursor` (from the start when `None`), up to `count`.
    After { cursor: Option<String>, count: u64 },
}

/// The most rows one page returns, whatever `count` asks.
pub const MAX_COUNT: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<C, F> {
    pub filter: C,
    pub sort: Sort<F>,
    pub page: PageSpec,
    /// Also count every match (the page set aside).
    pub want_total: bool,
}

pub type UserQuery = Query<UserCond, UserSortField>;
pub type GroupQuery = Query<GroupCond, GroupSortField>;

/// One page of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage<T> {
    pub items: Vec<T>,
    /// Every row the filter matches, when asked for.
    pub total: Option<u64>,
    /// For `PageSpec::After`: where the next page starts, `None` on the last.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Error)]
pub enum SearchError {
    /// The cursor was not made by this server for this sort order (SCIM:
    /// 400 `invalidValue`).
    #[error("the cursor is invalid or was made for another sort order")]
    InvalidCursor,
    /// A condition the store cannot render (a field with a value of the wrong
    /// type, a sub-attribute the list does not have): a bug of the caller.
    #[error("unsupported condition: {0}")]
    Unsupported(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SearchError {
    fn from(err: sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}

/// The least string greater than every string that starts with `prefix`
/// (code point order, as SQLite's BINARY and PostgreSQL's "C" collations
/// compare UTF-8): the prefix with its last character incremented, dropping
/// trailing U+10FFFF. `None` when there is no such bound (empty prefix, or
/// only U+10FFFF).
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests;
