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
        let mut k = 0;
        while k < pending.len() {
            let i = pending[k];
            let op = &request.operations[i];
            if is_plain_user_post(op) {
                // A run of user creations that refer to nothing: one commit.
                let run: Vec<usize> = pending[k..]
                    .iter()
                    .copied()
                    .take_while(|&j| is_plain_user_post(&request.operations[j]))
                    .collect();
                k += run.len();
                progressed = true;
                let budget = request.fail_on_errors.map(|max| max.saturating_sub(errors));
                for (j, outcome) in
                    create_users(hub, client, &request.operations, &run, budget).await
                {
                    if let (Ok(id), Some(bulk_id)) =
                        (&outcome.created_id, &request.operations[j].bulk_id)
                    {
                        resolved.insert(bulk_id.clone(), id.clone());
                    }
                    if outcome.result.status >= 400 {
                        errors += 1;
                    }
                    results[j] = Some(outcome.result);
                }
                if request.fail_on_errors.is_some_and(|max| errors >= max) {
                    break 'passes;
                }
                continue;
            }
            k += 1;
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

/// A POST to `/Users` whose data names no other operation's resource.
fn is_plain_user_post(op: &BulkOperation) -> bool {
    op.method == BulkMethod::Post
        && op.path.trim_matches('/').eq_ignore_ascii_case("Users")
        && op.data.is_some()
        && references(op).is_empty()
}

/// Creates the users of `run` in one transaction, each in its own
/// savepoint so that one refused user leaves the others; stops after
/// `budget` errors. A failure of the transaction itself fails them all.
async fn create_users(
    hub: &Hub,
    client: &ScimClient,
    ops: &[BulkOperation],
    run: &[usize],
    budget: Option<u32>,
) -> Vec<(usize, Outcome)> {
    let mut done = Vec::with_capacity(run.len());
    let failed_all = |run: &[usize], detail: &str| -> Vec<(usize, Outcome)> {
        tracing::error!(%detail, "SCIM bulk batch failed");
        run.iter()
            .map(|&j| {
                (
                    j,
                    Outcome {
                        result: failure(&ops[j], ScimError::internal()),
                        created_id: Err(()),
                    },
                )
            })
            .collect()
    };
    let mut tx = match hub.store.begin().await {
        Ok(tx) => tx,
        Err(e) => return failed_all(run, &e.to_string()),
    };
    let mut errors = 0u32;
    for &j in run {
        if budget.is_some_and(|b| errors >= b) {
            break;
        }
        let op = &ops[j];
        let mut savepoint = match sqlx::Acquire::begin(&mut *tx).await {
            Ok(sp) => sp,
            Err(e) => return failed_all(run, &e.to_string()),
        };
        let data = op.data.clone().unwrap_or(Value::Null);
        let outcome = match users::create_user_in(hub, client, &mut savepoint, data).await {
            Ok(resource) => match savepoint.commit().await {
                Ok(()) => created(op, 201, Some(resource)),
                Err(e) => return failed_all(run, &e.to_string()),
            },
            Err(err) => {
                // Dropped: rolled back to the savepoint.
                drop(savepoint);
                errors += 1;
                Outcome {
                    result: failure(op, err),
                    created_id: Err(()),
                }
            }
        };
        done.push((j, outcome));
    }
    if let Err(e) = tx.commit().await {
        return failed_all(run, &e.to_string());
    }
    done
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
        Ok((status, resource)) => created(op, status, resource),
        Err(err) => Outcome {
            result: failure(op, err),
            created_id: Err(()),
        },
    }
}

/// The outcome of an operation that succeeded with `status`.
fn created(op: &BulkOperation, status: u16, resource: Option<Value>) -> Outcome {
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
