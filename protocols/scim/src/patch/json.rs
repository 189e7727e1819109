//! JSON helpers of the PATCH engine: attribute names matched ignoring ASCII
//! case with the stored spelling kept (RFC 7643 §2.1), equality of values
//! under that rule, and the "unassigned" state (RFC 7643 §2.5).

use serde_json::{Map, Value};

/// The key of `map` naming attribute `name`: the exact spelling if present,
/// else the first one equal ignoring ASCII case.
pub(crate) fn find_key(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_owned());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// The value of attribute `name` in `map`, its name matched ignoring case.
pub(crate) fn get_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Null, an empty array and an empty object all mean "no value"
/// (RFC 7643 §2.5).
pub(crate) fn is_unassigned(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// `None` for an unassigned value.
pub(crate) fn assigned(value: Option<Value>) -> Option<Value> {
    value.filter(|v| !is_unassigned(v))
}

/// Equality of two values where object keys (attribute names) are compared
/// ignoring ASCII case and unassigned members count as absent.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => contains(a, b) && contains(b, a),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

/// Equality of two optional values, unassigned ones counting as absent.
pub(crate) fn same_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (
        a.filter(|v| !is_unassigned(v)),
        b.filter(|v| !is_unassigned(v)),
    ) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

/// Whether every assigned member of `probe` is in `map` with the same value
/// (names ignoring case).
pub(crate) fn contains(map: &Map<String, Value>, probe: &Map<String, Value>) -> bool {
    probe
        .iter()
        .filter(|(_, v)| !is_unassigned(v))
        .all(|(k, v)| get_ci(map, k).is_some_and(|mine| same(mine, v)))
}

/// Whether `element` of a multi-valued attribute is selected by `probe`, a
/// value listed in a `remove` operation: equal to it, or, for complex
/// values, holding every sub-attribute `probe` gives with the same value.
pub(crate) fn selects(probe: &Value, element: &Value) -> bool {
    match (probe, element) {
        (Value::Object(p), Value::Object(e)) => !p.is_empty() && contains(e, p),
        _ => same(probe, element),
    }
}

/// Removes the entry of `array` (a `schemas` list) equal to `urn` ignoring
/// case.
pub(crate) fn remove_urn(array: &mut Vec<Value>, urn: &str) {
    array.retain(|v| !v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
}

/// Whether `array` (a `schemas` list) holds `urn`, ignoring case.
pub(crate) fn has_urn(array: &[Value], urn: &str) -> bool {
    array
        .iter()
        .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
}
