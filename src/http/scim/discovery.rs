//! The read-only discovery endpoints (RFC 7644 §4, RFC 7643 §5 to §7):
//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, each also by
//! id. They describe what this server does; unknown ids are 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;
use usso_scim::discovery::{schema_resources, ServiceProviderConfig};
use usso_scim::message::ListResponse;
use usso_scim::ScimError;

use super::response::{json, ScimResult};
use crate::adapters::scim::context::ScimClient;
use crate::adapters::scim::groups::group_type;
use crate::adapters::scim::users::user_type;
use crate::http::AppState;

/// What this server announces in `/ServiceProviderConfig`.
pub fn service_provider_config() -> ServiceProviderConfig {
    ServiceProviderConfig {
        documentation_uri: None,
        bulk: super::bulk_limits(),
        max_filter_results: super::MAX_PAGE_SIZE,
        default_page_size: super::DEFAULT_PAGE_SIZE,
        max_page_size: super::MAX_PAGE_SIZE,
        cursor_timeout_seconds: super::CURSOR_TIMEOUT_SECONDS,
    }
}

pub async fn config(State(_): State<AppState>, client: ScimClient) -> ScimResult {
    Ok(json(
        StatusCode::OK,
        &service_provider_config().to_json(&client.base_url),
    ))
}

fn resource_types(client: &ScimClient) -> Vec<Value> {
    [user_type(), group_type()]
        .iter()
        .map(|t| t.to_json(&client.base_url))
        .collect()
}

fn schemas(client: &ScimClient) -> Vec<Value> {
    schema_resources(
        &[user_type().clone(), group_type().clone()],
        &client.base_url,
    )
}

fn listing(resources: Vec<Value>) -> Value {
    let n = resources.len() as u64;
    ListResponse {
        total_results: Some(n),
        start_index: Some(1),
        items_per_page: n,
        resources,
        next_cursor: None,
        previous_cursor: None,
    }
    .to_json()
}

pub async fn list_resource_types(State(_): State<AppState>, client: ScimClient) -> ScimResult {
    Ok(json(StatusCode::OK, &listing(resource_types(&client))))
}

pub async fn resource_type(
    State(_): State<AppState>,
    client: ScimClient,
    Path((_, id)): Path<(String, String)>,
) -> ScimResult {
    by_id(resource_types(&client), &id, "resource type")
}

pub async fn list_schemas(State(_): State<AppState>, client: ScimClient) -> ScimResult {
    Ok(json(StatusCode::OK, &listing(schemas(&client))))
}

pub async fn schema(
    State(_): State<AppState>,
    client: ScimClient,
    Path((_, id)): Path<(String, String)>,
) -> ScimResult {
    by_id(schemas(&client), &id, "schema")
}

fn by_id(resources: Vec<Value>, id: &str, what: &str) -> ScimResult {
    resources
        .into_iter()
        .find(|r| r["id"].as_str() == Some(id))
        .map(|r| json(StatusCode::OK, &r))
        .ok_or_else(|| {
            ScimError::not_found()
                .with_detail(format!("no {what} {id:?}"))
                .into()
        })
}
