//! `/Bulk` (RFC 7644 §3.7): parses the request within the advertised
//! limits and lets the SCIM adapter run it.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use usso_scim::message::BulkRequest;

use super::response::{body_rejection, json, ScimFailure, ScimResult};
use crate::adapters::scim::bulk::run_bulk;
use crate::adapters::scim::context::ScimClient;
use crate::http::AppState;

pub async fn bulk(
    State(state): State<AppState>,
    client: ScimClient,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult {
    let body = body.map_err(body_rejection)?;
    let request = BulkRequest::parse(&body, &super::bulk_limits()).map_err(ScimFailure)?;
    let response = run_bulk(&state.hub, &client, request).await;
    Ok(json(StatusCode::OK, &response.to_json()))
}
