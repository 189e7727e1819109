//! A small in-memory evaluator of SCIM filters over a resource's JSON
//! (RFC 7644 §3.4.2.2, Table 3 and its rules), for tests and for the value
//! filters of PATCH paths (§3.5.2). It knows no schema, so it treats every
//! string as `caseExact` false (RFC 7643 §2.2, the default).
//!
//! - Attribute names and schema URIs are looked up ignoring ASCII case. A
//!   path with a schema URI looks in the member named by that URI (an
//!   extension); if there is none, a core schema URI
//!   (`urn:ietf:params:scim:schemas:core:…`) looks at the top level.
//! - A multi-valued attribute matches if any of its values matches.
//! - Strings compare ignoring case; `gt`/`ge`/`lt`/`le` on strings are
//!   lexicographic (on the lower-cased text), on numbers numeric; `co`,
//!   `sw`, `ew` apply to strings only. Booleans only compare with `eq`/`ne`.
//! - `pr` matches a value that is not null, not `""`, not `[]` and not an
//!   object without a non-null member.
//! - `eq null` matches an absent or null attribute, `ne null` a present one;
//!   `ne v` matches when the attribute is absent or some value differs.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::ast::{AttrPath, CompValue, CompareOp, Filter};

const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:";

impl Filter {
    /// Whether `resource` (a SCIM resource as JSON, or one value of a
    /// multi-valued attribute for a value filter) matches this filter.
    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Self::Compare { path, op, value } => compare(&resolve(resource, path), *op, value),
            Self::Present { path } => resolve(resource, path).into_iter().any(is_present),
            Self::And(l, r) => l.matches(resource) && r.matches(resource),
            Self::Or(l, r) => l.matches(resource) || r.matches(resource),
            Self::Not(inner) => !inner.matches(resource),
            Self::ValuePath { attr, filter } => resolve(resource, attr)
                .into_iter()
                .any(|v| filter.matches(v)),
        }
    }
}

/// The member `key` of `obj`, ignoring ASCII case (an exact match first).
fn member<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Pushes `v`, or each element of it if it is an array, skipping nulls.
fn push_flat<'v>(out: &mut Vec<&'v Value>, v: &'v Value) {
    match v {
        Value::Null => {}
        Value::Array(items) => out.extend(items.iter().filter(|i| !i.is_null())),
        v => out.push(v),
    }
}

/// The non-null values `path` names in `root`, multi-valued attributes
/// flattened.
fn resolve<'v>(root: &'v Value, path: &AttrPath) -> Vec<&'v Value> {
    let Value::Object(root) = root else {
        return Vec::new();
    };
    let base = match &path.urn {
        None => root,
        Some(urn) => match member(root, urn) {
            Some(Value::Object(ext)) => ext,
            Some(_) => return Vec::new(),
            None if urn
                .get(..CORE_SCHEMA_PREFIX.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(CORE_SCHEMA_PREFIX)) =>
            {
                root
            }
            None => return Vec::new(),
        },
    };
    let mut values = Vec::new();
    if let Some(v) = member(base, &path.name) {
        push_flat(&mut values, v);
    }
    let Some(sub) = &path.sub else {
        return values;
    };
    let mut subs = Vec::new();
    for v in values {
        if let Some(s) = v.as_object().and_then(|o| member(o, sub)) {
            push_flat(&mut subs, s);
        }
    }
    subs
}

fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare(values: &[&Value], op: CompareOp, want: &CompValue) -> bool {
    if let CompValue::Null = want {
        return match op {
            CompareOp::Eq => values.is_empty(),
            CompareOp::Ne => !values.is_empty(),
            _ => false,
        };
    }
    match op {
        CompareOp::Eq => values.iter().any(|v| equal(v, want)),
        CompareOp::Ne => values.is_empty() || values.iter().any(|v| !equal(v, want)),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let CompValue::String(w) = want else {
                return false;
            };
            let w = w.to_lowercase();
            values.iter().any(|v| {
                v.as_str().is_some_and(|s| {
                    let s = s.to_lowercase();
                    match op {
                        CompareOp::Co => s.contains(&w),
                        CompareOp::Sw => s.starts_with(&w),
                        _ => s.ends_with(&w),
                    }
                })
            })
        }
        CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le => {
            values.iter().any(|v| match order(v, want) {
                Some(o) => match op {
                    CompareOp::Gt => o == Ordering::Greater,
                    CompareOp::Lt => o == Ordering::Less,
                    CompareOp::Ge => o != Ordering::Less,
                    _ => o != Ordering::Greater,
                },
                None => false,
            })
        }
    }
}

fn equal(v: &Value, want: &CompValue) -> bool {
    match (v, want) {
        (Value::Bool(b), CompValue::True) => *b,
        (Value::Bool(b), CompValue::False) => !*b,
        (Value::String(_) | Value::Number(_), _) => order(v, want) == Some(Ordering::Equal),
        _ => false,
    }
}

/// How a string or number value orders against a value of the same type.
fn order(v: &Value, want: &CompValue) -> Option<Ordering> {
    match (v, want) {
        (Value::String(s), CompValue::String(w)) => Some(s.to_lowercase().cmp(&w.to_lowercase())),
        (Value::Number(n), CompValue::Number(w)) => number_order(n, w),
        _ => None,
    }
}

fn number_order(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}
