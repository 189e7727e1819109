//! `/Bulk` (RFC 7644 §3.7): runs a client's operations in order, resolving
//! `bulkId:` references to the ids of resources created earlier in the same
//! request (an operation that refers to one created later waits for it), and
//! stops once `failOnErrors` errors have happened.

use std::collections::HashMap;

use serde_json::Value;
use usso_scim::message::{
    referenced_bulk_ids, resolve_bulk_ids, BulkMethod, BulkOperation, BulkOperationResult,
    BulkRequest, BulkResponse,
};
use usso_scim::patch::PatchRequest;
use usso_scim::{ScimError, ScimType};

use super::context::ScimClient;
use super::{groups, users, Precondition};
use crate::service::Hub;

/// Runs `request` for `client` and reports each operation's outcome.
pub async fn run_bulk(hub: &Hub, client: &ScimClient, request: BulkRequest) -> BulkResponse {
    let mut resolved: HashMap<String, String> = HashMap::new();
    let mut results: Vec<Option<BulkOperationResult>> = vec![None; request.operations.len()];
    let mut errors = 0u32;
    let mut pending: Vec<usize> = (0..request.operations.len()).collect();
    let bulk_ids: HashMap<&str, usize> = request
        .operations
        .iter()
        .enumerate()
        .filter_map(|(i, op)| op.bulk_id.as_deref().map(|b| (b, i)))
        .collect();
    'passes: loop {
        let mut progressed = false;
        let mut waiting = Vec::new();
        for &i in &pending {
            let op = &request.operations[i];
            let refs = references(op);
            let unresolved: Vec<&String> =
                refs.iter().filter(|r| !resolved.contains_key(*r)).collect();
            if unresolved.iter().any(|r| {
                bulk_ids
                    .get(r.as_str())
                    .is_some_and(|j| results[*j].is_none())
            }) {
                // Refers to a resource another operation of this request has
                // yet to create: try again after the others.
                waiting.push(i);
                continue;
            }
            progressed = true;
            let outcome = run_one(hub, client, op, &resolved).await;
            if let (Ok(id), Some(bulk_id)) = (&outcome.created_id, &op.bulk_id) {
                resolved.insert(bulk_id.clone(), id.clone());
            }
            if outcome.result.status >= 400 {
                errors += 1;
            }
            results[i] = Some(outcome.result);
            if request.fail_on_errors.is_some_and(|max| errors >= max) {
                break 'passes;
            }
        }
        pending = waiting;
        if pending.is_empty() || !progressed {
            break;
        }
    }
    // What is left refers in a circle (RFC 7644 §3.7.1): each fails alone.
    if request.fail_on_errors.is_none_or(|max| errors < max) {
        for i in pending {
            let op = &request.operations[i];
            results[i] = Some(failure(
                op,
                ScimError::new(409).with_detail("circular bulkId references could not be resolved"),
            ));
        }
    }
    BulkResponse {
        operations: results.into_iter().flatten().collect(),
    }
}

struct Outcome {
    result: BulkOperationResult,
    created_id: Result<String, ()>,
}

fn references(op: &BulkOperation) -> Vec<String> {
    let mut refs = op
        .data
        .as_ref()
        .map(referenced_bulk_ids)
        .unwrap_or_default();
    if let Some(r) = op
        .path
        .split('/')
        .find_map(|seg| seg.strip_prefix("bulkId:"))
    {
        refs.push(r.to_owned());
    }
    refs
}

async fn run_one(
    hub: &Hub,
    client: &ScimClient,
    op: &BulkOperation,
    resolved: &HashMap<String, String>,
) -> Outcome {
    match try_one(hub, client, op, resolved).await {
        Ok((status, resource)) => {
            let id = resource
                .as_ref()
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let meta = resource.as_ref().and_then(|r| r.get("meta"));
            let text = |key: &str| {
                meta.and_then(|m| m.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            Outcome {
                result: BulkOperationResult {
                    method: op.method,
                    bulk_id: op.bulk_id.clone(),
                    version: text("version"),
                    location: text("location"),
                    status,
                    response: None,
                },
                created_id: id.ok_or(()),
            }
        }
        Err(err) => Outcome {
            result: failure(op, err),
            created_id: Err(()),
        },
    }
}

fn failure(op: &BulkOperation, err: ScimError) -> BulkOperationResult {
    BulkOperationResult {
        method: op.method,
        bulk_id: op.bulk_id.clone(),
        version: None,
        location: None,
        status: err.status,
        response: serde_json::to_value(&err).ok(),
    }
}

async fn try_one(
    hub: &Hub,
    client: &ScimClient,
    op: &BulkOperation,
    resolved: &HashMap<String, String>,
) -> Result<(u16, Option<Value>), ScimError> {
    let unresolved = |id: String| {
        let mut err = ScimError::new(409).with_detail(format!(
            "bulkId:{id} names no resource created in this request"
        ));
        err.scim_type = Some(ScimType::InvalidValue);
        err
    };
    let mut data = op.data.clone();
    if let Some(d) = data.as_mut() {
        resolve_bulk_ids(d, resolved).map_err(unresolved)?;
    }
    let path = resolve_path(&op.path, resolved).map_err(unresolved)?;
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let bad_path = || {
        ScimError::typed(ScimType::InvalidPath)
            .with_detail(format!("{:?} is not a /Users or /Groups path", op.path))
    };
    let (endpoint, id) = match segments.as_slice() {
        [endpoint] => (*endpoint, None),
        [endpoint, id] => (*endpoint, Some(*id)),
        _ => return Err(bad_path()),
    };
    let users_endpoint = endpoint.eq_ignore_ascii_case("Users");
    if !users_endpoint && !endpoint.eq_ignore_ascii_case("Groups") {
        return Err(bad_path());
    }
    let pre = Precondition {
        if_match: op.version.clone(),
    };
    let body = || {
        data.clone().ok_or_else(|| {
            ScimError::typed(ScimType::InvalidSyntax).with_detail("this operation needs data")
        })
    };
    match (op.method, id) {
        (BulkMethod::Post, None) => {
            let created = if users_endpoint {
                users::create_user(hub, client, body()?).await?
            } else {
                groups::create_group(hub, client, body()?).await?
            };
            Ok((201, Some(created)))
        }
        (BulkMethod::Put, Some(id)) => {
            let replaced = if users_endpoint {
                users::replace_user(hub, client, id, body()?, &pre).await?
            } else {
                groups::replace_group(hub, client, id, body()?, &pre).await?
            };
            Ok((200, Some(replaced)))
        }
        (BulkMethod::Patch, Some(id)) => {
            let patch = PatchRequest::from_json(&body()?)?;
            let patched = if users_endpoint {
                users::patch_user(hub, client, id, &patch, &pre).await?
            } else {
                groups::patch_group(hub, client, id, &patch, &pre).await?
            };
            Ok((200, Some(patched)))
        }
        (BulkMethod::Delete, Some(id)) => {
            if users_endpoint {
                users::delete_user(hub, client, id, &pre).await?;
            } else {
                groups::delete_group(hub, client, id, &pre).await?;
            }
            Ok((204, None))
        }
        _ => Err(bad_path()),
    }
}

fn resolve_path(path: &str, resolved: &HashMap<String, String>) -> Result<String, String> {
    path.split('/')
        .map(|seg| match seg.strip_prefix("bulkId:") {
            Some(id) => resolved.get(id).cloned().ok_or_else(|| id.to_owned()),
            None => Ok(seg.to_owned()),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|segs| segs.join("/"))
}
