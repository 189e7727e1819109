//! Checking PATCH values against the schema's data types (RFC 7643 §2.3):
//! multi-valued attributes take an array or one value, sub-attributes and
//! simple attributes their declared type, and the strings "True"/"False"
//! become booleans (Entra ID sends them).

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimType};

use super::apply::{fail, Engine};
use super::json::is_unassigned;
use super::port::{AttrKind, AttrRef, Schema};

impl<S: Schema + ?Sized> Engine<'_, S> {
    /// The values a multi-valued attribute is given: an array, or one value.
    pub(super) fn coerce_items(
        &self,
        attr: AttrRef<'_>,
        value: &Value,
    ) -> Result<Vec<Value>, ScimError> {
        let items = match value {
            Value::Null => return Ok(Vec::new()),
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match self.coerce(attr, item)? {
                Value::Object(mut object) => {
                    object.retain(|_, v| !is_unassigned(v));
                    if !object.is_empty() {
                        out.push(Value::Object(object));
                    }
                }
                item if is_unassigned(&item) => {}
                item => out.push(item),
            }
        }
        Ok(out)
    }

    /// The value of a sub-attribute, which may itself be multi-valued.
    pub(super) fn coerce_sub(&self, sub: AttrRef<'_>, value: &Value) -> Result<Value, ScimError> {
        if self.schema.is_multi_valued(&sub) {
            Ok(Value::Array(self.coerce_items(sub, value)?))
        } else {
            self.coerce(sub, value)
        }
    }

    /// Checks one value (of a single-valued attribute, or one value of a
    /// multi-valued one) against the attribute's type (RFC 7643 §2.3), with
    /// two coercions for Entra ID: the strings `"True"` / `"False"` (any
    /// case) for a boolean, and a bare value for a single-valued complex
    /// attribute with a `value` sub-attribute (`manager`), which becomes
    /// `{"value": …}`.
    pub(super) fn coerce(&self, attr: AttrRef<'_>, value: &Value) -> Result<Value, ScimError> {
        let kind = self.schema.kind(&attr);
        let ok = match (kind, value) {
            (_, Value::Null) => true,
            (AttrKind::Boolean, Value::Bool(_)) => true,
            (AttrKind::Boolean, Value::String(s)) => {
                if s.eq_ignore_ascii_case("true") {
                    return Ok(Value::Bool(true));
                }
                if s.eq_ignore_ascii_case("false") {
                    return Ok(Value::Bool(false));
                }
                false
            }
            (AttrKind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (AttrKind::Decimal, Value::Number(_)) => true,
            (
                AttrKind::String | AttrKind::DateTime | AttrKind::Binary | AttrKind::Reference,
                Value::String(_),
            ) => true,
            (AttrKind::Complex, Value::Object(object)) if attr.sub_attr.is_none() => {
                let mut out = Map::new();
                for (name, sub_value) in object {
                    let sub = attr.sub(name);
                    if !self.schema.is_known(&sub) {
                        return Err(fail(
                            ScimType::InvalidPath,
                            format!("'{sub}' is not a known attribute"),
                        ));
                    }
                    out.insert(name.clone(), self.coerce_sub(sub, sub_value)?);
                }
                return Ok(Value::Object(out));
            }
            (AttrKind::Complex, Value::String(_) | Value::Number(_) | Value::Bool(_))
                if attr.sub_attr.is_none()
                    && !self.schema.is_multi_valued(&attr)
                    && self.schema.is_known(&attr.sub("value")) =>
            {
                let mut out = Map::new();
                out.insert("value".to_owned(), self.coerce(attr.sub("value"), value)?);
                return Ok(Value::Object(out));
            }
            _ => false,
        };
        if ok {
            Ok(value.clone())
        } else {
            Err(fail(
                ScimType::InvalidValue,
                format!("'{attr}' expects {}", kind_name(kind)),
            ))
        }
    }
}

const fn kind_name(kind: AttrKind) -> &'static str {
    match kind {
        AttrKind::String => "a string",
        AttrKind::Boolean => "a boolean",
        AttrKind::Decimal => "a number",
        AttrKind::Integer => "an integer",
        AttrKind::DateTime => "a dateTime string",
        AttrKind::Binary => "a base64 string",
        AttrKind::Reference => "a reference string",
        AttrKind::Complex => "an object of sub-attributes",
    }
}
