//! Listing and searching (RFC 7644 §3.4.2 GET with query parameters, §3.4.3
//! POST `/.search`) on `/Users`, `/Groups` and the root, and the
//! `attributes`/`excludedAttributes` projection every read honours.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde_json::Value;
use usso_scim::message::ListQuery;

use super::response::{body_rejection, json, ScimFailure, ScimResult};
use crate::adapters::scim::context::ScimClient;
use crate::adapters::scim::{search, Kind};
use crate::http::AppState;

/// The query parameters of a read (RFC 7644 §3.4.2, §3.9).
pub fn query_of(raw: Option<&str>) -> Result<ListQuery, ScimFailure> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    ListQuery::from_query_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(ScimFailure)
}

/// `resource` as the query asks to see it.
pub fn project(kind: Kind, resource: &Value, query: &ListQuery) -> Value {
    kind.resource_type()
        .project(resource, &query.attributes, &query.excluded_attributes)
}

pub async fn list(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    RawQuery(raw): RawQuery,
) -> ScimResult {
    let query = query_of(raw.as_deref())?;
    let page = search::search(&state.hub, &client, Some(kind), &query).await?;
    Ok(json(StatusCode::OK, &page.to_json()))
}

pub async fn search(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult {
    let body = body.map_err(body_rejection)?;
    let query = ListQuery::from_search_request(&body).map_err(ScimFailure)?;
    let page = search::search(&state.hub, &client, Some(kind), &query).await?;
    Ok(json(StatusCode::OK, &page.to_json()))
}

/// `POST /.search` on the base URL: every resource type at once.
pub async fn search_root(
    State(state): State<AppState>,
    client: ScimClient,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult {
    let body = body.map_err(body_rejection)?;
    let query = ListQuery::from_search_request(&body).map_err(ScimFailure)?;
    let page = search::search(&state.hub, &client, None, &query).await?;
    Ok(json(StatusCode::OK, &page.to_json()))
}
