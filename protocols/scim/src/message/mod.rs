//! SCIM protocol messages: queries and list responses (RFC 7644 §3.4.2,
//! §3.4.3, with cursor paging from draft-ietf-scim-cursor-pagination) and
//! bulk requests and responses (RFC 7644 §3.7).

mod bulk;
mod list;

pub use bulk::{
    referenced_bulk_ids, resolve_bulk_ids, BulkLimits, BulkMethod, BulkOperation,
    BulkOperationResult, BulkRequest, BulkResponse,
};
pub use list::{ListQuery, ListResponse, SortOrder};

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimType};

/// 400 `invalidSyntax` with `detail`.
fn invalid_syntax(detail: impl Into<String>) -> ScimError {
    ScimError::typed(ScimType::InvalidSyntax).with_detail(detail)
}

/// 400 `invalidValue` with `detail`.
fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::typed(ScimType::InvalidValue).with_detail(detail)
}

/// Parses a message body: a JSON object, else 400 `invalidSyntax`.
fn parse_object(body: &[u8], what: &str) -> Result<Map<String, Value>, ScimError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_syntax(format!("a {what} must be a JSON object"))),
        Err(e) => Err(invalid_syntax(format!("malformed JSON in {what}: {e}"))),
    }
}

/// The member `name` of `map`, the name matched ignoring ASCII case.
fn member<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// `schemas` of a message must list `urn`: else 400 `invalidSyntax`.
fn require_schema(map: &Map<String, Value>, urn: &str) -> Result<(), ScimError> {
    let listed = member(map, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
        });
    if listed {
        Ok(())
    } else {
        Err(invalid_syntax(format!("'schemas' must contain '{urn}'")))
    }
}

/// A string member, or `None`; another type is 400 `invalidValue`.
fn string_member<'m>(
    map: &'m Map<String, Value>,
    name: &str,
) -> Result<Option<&'m str>, ScimError> {
    match member(map, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_value(format!("'{name}' must be a string"))),
    }
}

#[cfg(test)]
mod tests;
