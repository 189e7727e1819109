//! Bulk operations (RFC 7644 §3.7): the BulkRequest message, its limits
//! (§3.7.4), `bulkId` references between operations (§3.7.2) and the
//! BulkResponse message (§3.7.3).
//!
//! A result's `status` is written as a JSON string (`"201"`), as in the
//! §3.7.3 examples and like the `status` of an error body (§3.12).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::{invalid_syntax, invalid_value, member, parse_object, require_schema, string_member};
use crate::error::ScimError;
use crate::schema;

/// The prefix of a reference to the resource another operation creates
/// (RFC 7644 §3.7.2).
const BULK_ID_PREFIX: &str = "bulkId:";

/// The HTTP method of a bulk operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkMethod {
    /// `POST`: create.
    Post,
    /// `PUT`: replace.
    Put,
    /// `PATCH`: modify.
    Patch,
    /// `DELETE`: delete.
    Delete,
}

impl BulkMethod {
    /// The method as written on the wire (upper case).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    /// The method for a name in any case.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Post, Self::Put, Self::Patch, Self::Delete]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }
}

/// One operation of a BulkRequest (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperation {
    /// `method`.
    pub method: BulkMethod,
    /// `bulkId`: the client's name for the resource a POST creates.
    pub bulk_id: Option<String>,
    /// `version`: the entity tag the resource must have (If-Match).
    pub version: Option<String>,
    /// `path`: the endpoint (`/Users`) or resource (`/Users/<id>`).
    pub path: String,
    /// `data`: the body of the operation; `None` for DELETE.
    pub data: Option<Value>,
}

/// A BulkRequest (RFC 7644 §3.7).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRequest {
    /// `failOnErrors`: how many errors stop the processing.
    pub fail_on_errors: Option<u32>,
    /// `Operations`, in the order given.
    pub operations: Vec<BulkOperation>,
}

/// The limits a service provider puts on bulk requests (RFC 7644 §3.7.4),
/// published in its configuration (RFC 7643 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BulkLimits {
    /// `maxOperations`.
    pub max_operations: usize,
    /// `maxPayloadSize`, in bytes.
    pub max_payload_bytes: usize,
}

impl BulkRequest {
    /// Parses a BulkRequest body.
    ///
    /// - over `limits.max_payload_bytes` bytes, or with more than
    ///   `limits.max_operations` operations: 413 with a detail naming the
    ///   limit (RFC 7644 §3.7.4);
    /// - malformed JSON, `schemas` without [`schema::BULK_REQUEST`], or no
    ///   `Operations` array: 400 `invalidSyntax`;
    /// - an unknown `method` (names in any case), a POST without `bulkId`, a
    ///   `bulkId` given twice, a missing `path`, a missing or non-object
    ///   `data` (except for DELETE), a `failOnErrors` that is not a
    ///   non-negative integer: 400 `invalidValue`.
    pub fn parse(body: &[u8], limits: &BulkLimits) -> Result<Self, ScimError> {
        if body.len() > limits.max_payload_bytes {
            return Err(ScimError::payload_too_large().with_detail(format!(
                "the bulk request is {} bytes: maxPayloadSize is {}",
                body.len(),
                limits.max_payload_bytes
            )));
        }
        let map = parse_object(body, "BulkRequest")?;
        require_schema(&map, schema::BULK_REQUEST)?;
        let fail_on_errors =
            match member(&map, "failOnErrors") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                    || invalid_value("'failOnErrors' must be a non-negative integer"),
                )?),
            };
        let Some(Value::Array(ops)) = member(&map, "Operations") else {
            return Err(invalid_syntax("a BulkRequest needs an 'Operations' array"));
        };
        if ops.len() > limits.max_operations {
            return Err(ScimError::payload_too_large().with_detail(format!(
                "the bulk request has {} operations: maxOperations is {}",
                ops.len(),
                limits.max_operations
            )));
        }
        let mut seen = HashSet::new();
        let mut operations = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            let op = parse_operation(op).map_err(|e| {
                let detail = e.detail.clone().unwrap_or_default();
                ScimError {
                    detail: Some(format!("operation {i}: {detail}")),
                    ..e
                }
            })?;
            if let Some(id) = &op.bulk_id {
                if !seen.insert(id.clone()) {
                    return Err(invalid_value(format!(
                        "operation {i}: bulkId '{id}' is used by an earlier operation"
                    )));
                }
            }
            operations.push(op);
        }
        Ok(Self {
            fail_on_errors,
            operations,
        })
    }
}

fn parse_operation(op: &Value) -> Result<BulkOperation, ScimError> {
    let Value::Object(op) = op else {
        return Err(invalid_value("an operation must be an object"));
    };
    let method_name =
        string_member(op, "method")?.ok_or_else(|| invalid_value("'method' is required"))?;
    let method = BulkMethod::from_name(method_name)
        .ok_or_else(|| invalid_value("'method' must be POST, PUT, PATCH or DELETE"))?;
    let bulk_id = string_member(op, "bulkId")?.map(str::to_owned);
    if method == BulkMethod::Post && bulk_id.as_deref().is_none_or(str::is_empty) {
        return Err(invalid_value("'bulkId' is required for POST"));
    }
    let path = string_member(op, "path")?
        .filter(|p| !p.is_empty())
        .ok_or_else(|| invalid_value("'path' is required"))?
        .to_owned();
    let data = match member(op, "data") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => return Err(invalid_value("'data' must be an object")),
    };
    if data.is_none() && method != BulkMethod::Delete {
        return Err(invalid_value(format!(
            "'data' is required for {}",
            method.as_str()
        )));
    }
    Ok(BulkOperation {
        method,
        bulk_id,
        version: string_member(op, "version")?.map(str::to_owned),
        path,
        data,
    })
}

/// The outcome of one operation, for the BulkResponse (RFC 7644 §3.7.3).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperationResult {
    /// `method`, as in the request.
    pub method: BulkMethod,
    /// `bulkId`, as in the request.
    pub bulk_id: Option<String>,
    /// `version`: the entity tag of the resource after the operation.
    pub version: Option<String>,
    /// `location`: the URI of the resource (absent for a failed POST).
    pub location: Option<String>,
    /// `status`: the HTTP status of the operation.
    pub status: u16,
    /// `response`: the error body of a failed operation (or a body the
    /// server chooses to return).
    pub response: Option<Value>,
}

/// A BulkResponse (RFC 7644 §3.7.3).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BulkResponse {
    /// `Operations`: one result per operation processed.
    pub operations: Vec<BulkOperationResult>,
}

impl BulkResponse {
    /// The JSON body; each `status` is a string, e.g. `"201"`.
    pub fn to_json(&self) -> Value {
        let ops: Vec<Value> = self
            .operations
            .iter()
            .map(|op| {
                let mut out = Map::new();
                out.insert("method".into(), json!(op.method.as_str()));
                if let Some(id) = &op.bulk_id {
                    out.insert("bulkId".into(), json!(id));
                }
                if let Some(version) = &op.version {
                    out.insert("version".into(), json!(version));
                }
                if let Some(location) = &op.location {
                    out.insert("location".into(), json!(location));
                }
                out.insert("status".into(), json!(op.status.to_string()));
                if let Some(response) = &op.response {
                    out.insert("response".into(), response.clone());
                }
                Value::Object(out)
            })
            .collect();
        json!({"schemas": [schema::BULK_RESPONSE], "Operations": ops})
    }
}

/// Replaces every JSON string `"bulkId:<id>"` in `data` (RFC 7644 §3.7.2),
/// at any depth, with `resolved[<id>]` (the id of the resource the
/// operation with that `bulkId` created). Returns `Err(<id>)` for the
/// first `<id>` not in `resolved`, leaving `data` partly replaced.
pub fn resolve_bulk_ids(
    data: &mut Value,
    resolved: &HashMap<String, String>,
) -> Result<(), String> {
    match data {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix(BULK_ID_PREFIX) {
                match resolved.get(id) {
                    Some(real) => *s = real.clone(),
                    None => return Err(id.to_owned()),
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|v| resolve_bulk_ids(v, resolved)),
        Value::Object(members) => members
            .values_mut()
            .try_for_each(|v| resolve_bulk_ids(v, resolved)),
        _ => Ok(()),
    }
}

/// The `bulkId`s `data` refers to with `"bulkId:<id>"` strings, each once,
/// in the order met: what the operation waits for (to order operations
/// and detect cycles, RFC 7644 §3.7.1).
pub fn referenced_bulk_ids(data: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                if let Some(id) = s.strip_prefix(BULK_ID_PREFIX) {
                    if !out.iter().any(|o| o == id) {
                        out.push(id.to_owned());
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(members) => members.values().for_each(|m| walk(m, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(data, &mut out);
    out
}
