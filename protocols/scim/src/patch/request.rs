//! The PATCH request message (RFC 7644 §3.5.2): `schemas` naming
//! `urn:ietf:params:scim:api:messages:2.0:PatchOp` and an `Operations` array
//! of `{op, path, value}`.

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimType};
use crate::filter::PatchPath;
use crate::schema;

use super::json::get_ci;

/// The most operations one PATCH request may carry; more fail with 400
/// `invalidValue`.
pub const MAX_OPERATIONS: usize = 1000;

/// The kind of a PATCH operation (RFC 7644 §3.5.2.1 to §3.5.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOp {
    /// `add` (§3.5.2.1).
    Add,
    /// `remove` (§3.5.2.2).
    Remove,
    /// `replace` (§3.5.2.3).
    Replace,
}

impl PatchOp {
    /// The keyword in canonical (lower-case) form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
        }
    }

    /// The operation for a keyword in any case: Entra ID sends `Add`,
    /// `Replace`, `Remove`.
    pub fn from_keyword(keyword: &str) -> Option<Self> {
        [Self::Add, Self::Remove, Self::Replace]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(keyword))
    }
}

impl std::fmt::Display for PatchOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOp,
    /// Where; `None` means the resource itself.
    pub path: Option<PatchPath>,
    /// The value; always present for `add` and `replace` (it may be JSON
    /// `null`), optional for `remove`.
    pub value: Option<Value>,
}

/// A parsed PATCH request: one to [`MAX_OPERATIONS`] operations, applied in
/// order with [`PatchRequest::apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request of the given operations, checked as a parsed one is: one to
    /// [`MAX_OPERATIONS`] of them, a `value` for each `add` and `replace`.
    pub fn new(operations: Vec<PatchOperation>) -> Result<Self, ScimError> {
        check_count(operations.len())?;
        for (i, op) in operations.iter().enumerate() {
            check_value(op.op, op.value.as_ref()).map_err(|e| at_operation(i, e))?;
        }
        Ok(Self { operations })
    }

    /// The operations, in request order.
    pub fn operations(&self) -> &[PatchOperation] {
        &self.operations
    }

    /// Parses a request body.
    ///
    /// Invalid JSON or a message that is not a PatchOp gives 400
    /// `invalidSyntax`; a malformed `path` gives `invalidPath` (or
    /// `invalidFilter` for the filter inside it); a missing `value` of `add`
    /// or `replace`, or more than [`MAX_OPERATIONS`] operations, gives
    /// `invalidValue`.
    pub fn parse(body: &[u8]) -> Result<Self, ScimError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|_| syntax("the body is not a JSON object".to_owned()))?;
        Self::from_json(&value)
    }

    /// Reads a request from its JSON; see [`PatchRequest::parse`].
    ///
    /// Member names (`schemas`, `Operations`, `op`, `path`, `value`) are
    /// matched ignoring case; the `schemas` value must be exactly
    /// `["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`.
    pub fn from_json(message: &Value) -> Result<Self, ScimError> {
        let message = message
            .as_object()
            .ok_or_else(|| syntax("the body is not a JSON object".to_owned()))?;
        match get_ci(message, "schemas") {
            Some(Value::Array(s)) if s.len() == 1 && s[0].as_str() == Some(schema::PATCH_OP) => {}
            _ => {
                return Err(syntax(format!(
                    "'schemas' must be [\"{}\"]",
                    schema::PATCH_OP
                )))
            }
        }
        let ops = match get_ci(message, "Operations") {
            Some(Value::Array(ops)) if !ops.is_empty() => ops,
            _ => {
                return Err(syntax(
                    "'Operations' must be an array of one or more operations".to_owned(),
                ))
            }
        };
        check_count(ops.len())?;
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| operation(op).map_err(|e| at_operation(i, e)))
            .collect::<Result<_, _>>()?;
        Ok(Self { operations })
    }
}

fn check_count(n: usize) -> Result<(), ScimError> {
    if n == 0 {
        return Err(syntax(
            "'Operations' must be an array of one or more operations".to_owned(),
        ));
    }
    if n > MAX_OPERATIONS {
        return Err(
            ScimError::typed(ScimType::InvalidValue).with_detail(format!(
                "{n} operations: at most {MAX_OPERATIONS} are accepted in one request"
            )),
        );
    }
    Ok(())
}

fn operation(op: &Value) -> Result<PatchOperation, ScimError> {
    let op: &Map<String, Value> = op
        .as_object()
        .ok_or_else(|| syntax("an operation must be a JSON object".to_owned()))?;
    let kind = match get_ci(op, "op") {
        Some(Value::String(s)) => PatchOp::from_keyword(s)
            .ok_or_else(|| syntax("'op' must be \"add\", \"remove\" or \"replace\"".to_owned()))?,
        _ => return Err(syntax("'op' is missing or not a string".to_owned())),
    };
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(PatchPath::parse(s)?),
        Some(_) => return Err(syntax("'path' must be a string".to_owned())),
    };
    let value = get_ci(op, "value").cloned();
    check_value(kind, value.as_ref())?;
    Ok(PatchOperation {
        op: kind,
        path,
        value,
    })
}

fn check_value(op: PatchOp, value: Option<&Value>) -> Result<(), ScimError> {
    if value.is_none() && op != PatchOp::Remove {
        return Err(
            ScimError::typed(ScimType::InvalidValue).with_detail(format!("'{op}' needs a 'value'"))
        );
    }
    Ok(())
}

fn syntax(detail: String) -> ScimError {
    ScimError::typed(ScimType::InvalidSyntax).with_detail(detail)
}

/// Prefixes the error's detail with the operation it is about.
pub(crate) fn at_operation(index: usize, mut error: ScimError) -> ScimError {
    let detail = match error.detail.take() {
        Some(d) => format!("Operations[{index}]: {d}"),
        None => format!("Operations[{index}]"),
    };
    error.detail = Some(detail);
    error
}
