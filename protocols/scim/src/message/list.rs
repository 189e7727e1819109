//! Queries and their responses (RFC 7644 §3.4.2 query parameters, §3.4.3
//! SearchRequest, §3.4.2 ListResponse), with the `cursor` parameter and
//! `nextCursor` / `previousCursor` of draft-ietf-scim-cursor-pagination.

use serde_json::{json, Map, Value};

use super::{invalid_value, member, parse_object, require_schema, string_member};
use crate::error::ScimError;
use crate::filter::{AttrPath, Filter};
use crate::resource::{parse_attribute_list, parse_attribute_path};
use crate::schema;

/// The `sortOrder` of a query (RFC 7644 §3.4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// `ascending`, the default.
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

/// A query: from the query string of a GET (RFC 7644 §3.4.2) or the body of
/// a POST to `.search` (§3.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// `filter` (§3.4.2.2).
    pub filter: Option<Filter>,
    /// `sortBy` (§3.4.2.3).
    pub sort_by: Option<AttrPath>,
    /// `sortOrder` (§3.4.2.3).
    pub sort_order: SortOrder,
    /// `startIndex`, 1-based; a value below 1 counts as 1 (§3.4.2.4).
    pub start_index: u64,
    /// `count`; a negative value counts as 0 (§3.4.2.4).
    pub count: Option<u64>,
    /// `cursor` (draft-ietf-scim-cursor-pagination): `Some("")` asks to
    /// start cursor paging, `Some(c)` for the page after cursor `c`.
    pub cursor: Option<String>,
    /// `attributes` (§3.4.2.5).
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes` (§3.4.2.5).
    pub excluded_attributes: Vec<AttrPath>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            filter: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
            start_index: 1,
            count: None,
            cursor: None,
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
        }
    }
}

impl ListQuery {
    /// Reads the query parameters of a GET (RFC 7644 §3.4.2), each pair
    /// already percent-decoded. Names match ignoring ASCII case; unknown
    /// ones are ignored; when a name repeats, the last one wins; an empty
    /// value counts as absent, except for `cursor` where it starts cursor
    /// paging.
    ///
    /// A malformed `filter` is 400 `invalidFilter`; a `sortOrder` other than
    /// `ascending` / `descending` (any case), a `startIndex` or `count` that
    /// is not an integer, or a malformed attribute path is 400
    /// `invalidValue`.
    pub fn from_query_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ScimError> {
        let mut q = Self::default();
        for (name, value) in pairs {
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            if is("cursor") {
                q.cursor = Some(value.to_owned());
            } else if value.is_empty() {
                continue;
            } else if is("filter") {
                q.filter = Some(Filter::parse(value)?);
            } else if is("sortBy") {
                q.sort_by = Some(parse_attribute_path(value)?);
            } else if is("sortOrder") {
                q.sort_order = sort_order(value)?;
            } else if is("startIndex") {
                q.start_index = start_index(parse_int("startIndex", value)?);
            } else if is("count") {
                q.count = Some(count(parse_int("count", value)?));
            } else if is("attributes") {
                q.attributes = parse_attribute_list(value)?;
            } else if is("excludedAttributes") {
                q.excluded_attributes = parse_attribute_list(value)?;
            }
        }
        Ok(q)
    }

    /// Reads a SearchRequest body (RFC 7644 §3.4.3): a JSON object whose
    /// `schemas` lists [`schema::SEARCH_REQUEST`] (else, or on malformed
    /// JSON, 400 `invalidSyntax`), with the members of
    /// [`ListQuery::from_query_pairs`] (names ignoring ASCII case).
    /// `attributes` and `excludedAttributes` are arrays of paths (a
    /// comma-separated string is accepted too); `startIndex` and `count` are
    /// integers (or strings holding one). Wrong types are 400 `invalidValue`.
    pub fn from_search_request(body: &[u8]) -> Result<Self, ScimError> {
        let map = parse_object(body, "SearchRequest")?;
        require_schema(&map, schema::SEARCH_REQUEST)?;
        let mut q = Self::default();
        if let Some(f) = string_member(&map, "filter")?.filter(|f| !f.is_empty()) {
            q.filter = Some(Filter::parse(f)?);
        }
        if let Some(s) = string_member(&map, "sortBy")?.filter(|s| !s.is_empty()) {
            q.sort_by = Some(parse_attribute_path(s)?);
        }
        if let Some(o) = string_member(&map, "sortOrder")?.filter(|o| !o.is_empty()) {
            q.sort_order = sort_order(o)?;
        }
        if let Some(i) = int_member(&map, "startIndex")? {
            q.start_index = start_index(i);
        }
        q.count = int_member(&map, "count")?.map(count);
        q.cursor = string_member(&map, "cursor")?.map(str::to_owned);
        q.attributes = path_list_member(&map, "attributes")?;
        q.excluded_attributes = path_list_member(&map, "excludedAttributes")?;
        Ok(q)
    }
}

fn sort_order(value: &str) -> Result<SortOrder, ScimError> {
    if value.eq_ignore_ascii_case("ascending") {
        Ok(SortOrder::Ascending)
    } else if value.eq_ignore_ascii_case("descending") {
        Ok(SortOrder::Descending)
    } else {
        Err(invalid_value(
            "'sortOrder' must be 'ascending' or 'descending'",
        ))
    }
}

/// An integer parameter; values past the 64-bit range saturate.
fn parse_int(name: &str, value: &str) -> Result<i128, ScimError> {
    let digits = value.trim();
    let ok = !digits.is_empty()
        && digits
            .strip_prefix(['-', '+'])
            .unwrap_or(digits)
            .bytes()
            .all(|b| b.is_ascii_digit());
    if !ok || digits.len() > 30 {
        return Err(invalid_value(format!("'{name}' must be an integer")));
    }
    digits
        .parse::<i128>()
        .map_err(|_| invalid_value(format!("'{name}' must be an integer")))
}

fn start_index(i: i128) -> u64 {
    u64::try_from(i.max(1)).unwrap_or(u64::MAX)
}

fn count(i: i128) -> u64 {
    u64::try_from(i.max(0)).unwrap_or(u64::MAX)
}

fn int_member(map: &Map<String, Value>, name: &str) -> Result<Option<i128>, ScimError> {
    match member(map, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .map(Some)
            .ok_or_else(|| invalid_value(format!("'{name}' must be an integer"))),
        Some(Value::String(s)) => parse_int(name, s).map(Some),
        Some(_) => Err(invalid_value(format!("'{name}' must be an integer"))),
    }
}

fn path_list_member(map: &Map<String, Value>, name: &str) -> Result<Vec<AttrPath>, ScimError> {
    match member(map, name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => parse_attribute_list(s),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i.as_str() {
                Some(s) => parse_attribute_path(s.trim()),
                None => Err(invalid_value(format!("'{name}' must hold strings"))),
            })
            .collect(),
        Some(_) => Err(invalid_value(format!(
            "'{name}' must be an array of strings"
        ))),
    }
}

/// A ListResponse (RFC 7644 §3.4.2), with the cursor members of
/// draft-ietf-scim-cursor-pagination.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListResponse {
    /// `totalResults`: how many resources match in all; `None` to leave it
    /// out (cursor paging may not know it).
    pub total_results: Option<u64>,
    /// `startIndex` of this page; `None` to leave it out (cursor paging).
    pub start_index: Option<u64>,
    /// `itemsPerPage`: how many resources this page holds.
    pub items_per_page: u64,
    /// `Resources`: the page, each already projected.
    pub resources: Vec<Value>,
    /// `nextCursor`: the cursor of the next page, if any.
    pub next_cursor: Option<String>,
    /// `previousCursor`: the cursor of the previous page, if any.
    pub previous_cursor: Option<String>,
}

impl ListResponse {
    /// The JSON body. `Resources` is always present, empty when nothing
    /// matches.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "schemas": [schema::LIST_RESPONSE],
            "itemsPerPage": self.items_per_page,
            "Resources": self.resources,
        });
        if let Some(total) = self.total_results {
            out["totalResults"] = json!(total);
        }
        if let Some(start) = self.start_index {
            out["startIndex"] = json!(start);
        }
        if let Some(next) = &self.next_cursor {
            out["nextCursor"] = json!(next);
        }
        if let Some(prev) = &self.previous_cursor {
            out["previousCursor"] = json!(prev);
        }
        out
    }
}
