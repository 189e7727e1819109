//! Listing and searching Users and Groups (RFC 7644 §3.4.2 query parameters,
//! §3.4.3 `/.search`, and draft-ietf-scim-cursor-pagination): the filter
//! and sort become an indexed store query, the page is index-based
//! (`startIndex`/`count`) or a keyset cursor that costs the same at any depth.
//!
//! `totalResults` is counted for index pages (RFC 7644 §3.4.2.4 requires
//! it); cursor pages leave it out, as cursor pagination allows, so that
//! walking a million users never counts them.

use serde_json::Value;
use usso_scim::message::{ListQuery, ListResponse, SortOrder};
use usso_scim::{ScimError, ScimType};

use super::context::ScimClient;
use super::query::{
    group_condition, group_condition_spanning, group_sort, user_condition, user_condition_spanning,
    user_sort,
};
use super::{groups, scim_error, users, Kind};
use crate::service::Hub;
use crate::store::directory_query::{
    search_groups, search_users, Cond, GroupQuery, PageSpec, SearchError, Sort, UserQuery,
};

/// Items per page when the client does not say (`count`).
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// Most items in one page.
pub const MAX_PAGE_SIZE: u64 = 1000;

/// One page of `kind` (or of every type, for the root `/.search`), shaped by
/// the query's `attributes`/`excludedAttributes`.
pub async fn search(
    hub: &Hub,
    client: &ScimClient,
    kind: Option<Kind>,
    query: &ListQuery,
) -> Result<ListResponse, ScimError> {
    let count = query.count.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE);
    let mut response = match kind {
        Some(kind) => one_type(hub, client, kind, query, page_of(query, count, 0), false).await?,
        None => every_type(hub, client, query, count).await?,
    };
    for resource in &mut response.resources {
        let kind = if resource["meta"]["resourceType"] == "Group" {
            Kind::Groups
        } else {
            Kind::Users
        };
        *resource =
            kind.resource_type()
                .project(resource, &query.attributes, &query.excluded_attributes);
    }
    Ok(response)
}

fn page_of(query: &ListQuery, count: u64, skip: u64) -> PageSpec {
    match &query.cursor {
        Some(cursor) => PageSpec::After {
            cursor: Some(cursor.clone()).filter(|c| !c.is_empty()),
            count,
        },
        None => PageSpec::Offset {
            start: query.start_index.saturating_sub(1).saturating_sub(skip),
            count,
        },
    }
}

/// One page of one type. `spanning`: the query is the root search's, so an
/// attribute this type lacks reads as absent, and a `sortBy` it lacks
/// leaves it in creation order.
async fn one_type(
    hub: &Hub,
    client: &ScimClient,
    kind: Kind,
    query: &ListQuery,
    page: PageSpec,
    spanning: bool,
) -> Result<ListResponse, ScimError> {
    let cursor_paging = query.cursor.is_some();
    let descending = query.sort_order == SortOrder::Descending;
    let source = client.source();
    let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
    let (resources, total, next_cursor) = match kind {
        Kind::Users => {
            let filter = match &query.filter {
                Some(f) if spanning => user_condition_spanning(f, &source)?,
                Some(f) => user_condition(f, &source)?,
                None => Cond::True,
            };
            let field = match query.sort_by.as_ref().map(user_sort).transpose() {
                Err(_) if spanning => None,
                sorted => sorted?,
            };
            let q = UserQuery {
                filter,
                sort: Sort {
                    field: field.unwrap_or_default(),
                    descending,
                },
                page,
                want_total: !cursor_paging,
            };
            let found = search_users(&mut conn, client.tenant.id, &q)
                .await
                .map_err(search_error)?;
            drop(conn);
            let ids: Vec<_> = found.items.iter().map(|u| u.id).collect();
            let groups = users::groups_of(hub, client, &ids).await?;
            let resources = found
                .items
                .iter()
                .map(|u| {
                    let mine = groups.get(&u.id).map_or(&[][..], Vec::as_slice);
                    super::user_map::user_resource(client.reader(), u, mine)
                })
                .collect::<Vec<Value>>();
            (resources, found.total, found.next_cursor)
        }
        Kind::Groups => {
            let filter = match &query.filter {
                Some(f) if spanning => group_condition_spanning(f, &source)?,
                Some(f) => group_condition(f, &source)?,
                None => Cond::True,
            };
            let field = match query.sort_by.as_ref().map(group_sort).transpose() {
                Err(_) if spanning => None,
                sorted => sorted?,
            };
            let q = GroupQuery {
                filter,
                sort: Sort {
                    field: field.unwrap_or_default(),
                    descending,
                },
                page,
                want_total: !cursor_paging,
            };
            let found = search_groups(&mut conn, client.tenant.id, &q)
                .await
                .map_err(search_error)?;
            drop(conn);
            let resources = groups::render_all(hub, client, &found.items).await?;
            (resources, found.total, found.next_cursor)
        }
    };
    Ok(ListResponse {
        total_results: total,
        start_index: (!cursor_paging).then_some(query.start_index.max(1)),
        items_per_page: resources.len() as u64,
        resources,
        next_cursor,
        previous_cursor: None,
    })
}

/// The root `/.search`: both types as one index-paged list. A filter
/// attribute only one type has reads as absent on the other (RFC 7644
/// §3.4.2.1); one neither has is refused. Users come first, unless the
/// `sortBy` attribute is one only Groups have, ascending, or only Users
/// have, descending: the type without it comes last ascending and first
/// descending (§3.4.2.3). Within each type, `sortBy` orders.
async fn every_type(
    hub: &Hub,
    client: &ScimClient,
    query: &ListQuery,
    count: u64,
) -> Result<ListResponse, ScimError> {
    if query.cursor.is_some() {
        return Err(ScimError::typed(ScimType::InvalidValue)
            .with_detail("cursor paging is per resource type: search /Users or /Groups"));
    }
    if let Some(filter) = &query.filter {
        let source = client.source();
        if let (Err(e), Err(_)) = (
            user_condition(filter, &source),
            group_condition(filter, &source),
        ) {
            return Err(e);
        }
    }
    let order = match &query.sort_by {
        Some(path) => {
            let users_have = user_sort(path).is_ok();
            let groups_have = group_sort(path).is_ok();
            if !users_have && !groups_have {
                user_sort(path)?;
            }
            let descending = query.sort_order == SortOrder::Descending;
            let users_first =
                (users_have || !groups_have) != (descending && users_have != groups_have);
            if users_first {
                [Kind::Users, Kind::Groups]
            } else {
                [Kind::Groups, Kind::Users]
            }
        }
        None => [Kind::Users, Kind::Groups],
    };
    let first = one_type(hub, client, order[0], query, page_of(query, count, 0), true).await?;
    let first_total = first.total_results.unwrap_or(0);
    let second_total = one_type(hub, client, order[1], query, page_of(query, 0, 0), true)
        .await?
        .total_results
        .unwrap_or(0);
    let mut resources = first.resources;
    let room = count.saturating_sub(resources.len() as u64);
    if room > 0 && second_total > 0 {
        let second = one_type(
            hub,
            client,
            order[1],
            query,
            page_of(query, room, first_total),
            true,
        )
        .await?;
        resources.extend(second.resources);
    }
    Ok(ListResponse {
        total_results: Some(first_total + second_total),
        start_index: Some(query.start_index.max(1)),
        items_per_page: resources.len() as u64,
        resources,
        next_cursor: None,
        previous_cursor: None,
    })
}

fn search_error(err: SearchError) -> ScimError {
    match err {
        SearchError::InvalidCursor => ScimError::typed(ScimType::InvalidValue)
            .with_detail("the cursor is invalid, expired, or was made for another query"),
        SearchError::Unsupported(what) => {
            ScimError::typed(ScimType::InvalidFilter).with_detail(what)
        }
        SearchError::Store(e) => scim_error(e.into()),
    }
}
