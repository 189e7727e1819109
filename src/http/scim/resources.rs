//! `/Users/{id}` and `/Groups/{id}` and their creation (RFC 7644 §3.3 to
//! §3.6): parse, call the SCIM adapter, write the resource with its ETag.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use usso_scim::patch::PatchRequest;

use super::response::{
    body_rejection, header_text, json_body, precondition, resource, ScimFailure, ScimResult,
};
use crate::adapters::scim::context::ScimClient;
use crate::adapters::scim::{etag_matches, groups, users};
use crate::http::AppState;

pub use crate::adapters::scim::Kind;

pub async fn create(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult {
    let body = json_body(&body.map_err(body_rejection)?)?;
    let created = match kind {
        Kind::Users => users::create_user(&state.hub, &client, body).await?,
        Kind::Groups => groups::create_group(&state.hub, &client, body).await?,
    };
    Ok(resource(StatusCode::CREATED, &created))
}

pub async fn get(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    Path((_, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ScimResult {
    let found = match kind {
        Kind::Users => users::get_user(&state.hub, &client, &id).await?,
        Kind::Groups => groups::get_group(&state.hub, &client, &id).await?,
    };
    if let Some(tags) = header_text(&headers, header::IF_NONE_MATCH) {
        let version = version_of(&found);
        if version.is_some_and(|v| etag_matches(&tags, v)) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Some(tag) = found["meta"]["version"]
                .as_str()
                .and_then(|v| v.parse().ok())
            {
                response.headers_mut().insert(header::ETAG, tag);
            }
            return Ok(response);
        }
    }
    let query = super::list::query_of(raw.as_deref())?;
    let shown = super::list::project(kind, &found, &query);
    Ok(resource(StatusCode::OK, &shown))
}

pub async fn replace(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult {
    let body = json_body(&body.map_err(body_rejection)?)?;
    let pre = precondition(&headers);
    let replaced = match kind {
        Kind::Users => users::replace_user(&state.hub, &client, &id, body, &pre).await?,
        Kind::Groups => groups::replace_group(&state.hub, &client, &id, body, &pre).await?,
    };
    Ok(resource(StatusCode::OK, &replaced))
}

pub async fn patch(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult {
    let body = body.map_err(body_rejection)?;
    let request = PatchRequest::parse(&body).map_err(ScimFailure)?;
    let pre = precondition(&headers);
    let patched = match kind {
        Kind::Users => users::patch_user(&state.hub, &client, &id, &request, &pre).await?,
        Kind::Groups => groups::patch_group(&state.hub, &client, &id, &request, &pre).await?,
    };
    Ok(resource(StatusCode::OK, &patched))
}

pub async fn delete(
    kind: Kind,
    State(state): State<AppState>,
    client: ScimClient,
    Path((_, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ScimResult {
    let pre = precondition(&headers);
    match kind {
        Kind::Users => users::delete_user(&state.hub, &client, &id, &pre).await?,
        Kind::Groups => groups::delete_group(&state.hub, &client, &id, &pre).await?,
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn version_of(resource: &serde_json::Value) -> Option<i64> {
    resource["meta"]["version"]
        .as_str()?
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .ok()
}
