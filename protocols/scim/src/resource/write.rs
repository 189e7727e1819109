//! [`ResourceType::check_write`]: the checks and canonical form of a
//! resource a client writes (RFC 7643 §2, §3; RFC 7644 §3.3 POST, §3.5.1
//! PUT): schema URNs, attribute names, data types, mutability, required
//! attributes and the single `primary` value.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::values::{check_scalar, kind_noun};
use super::{cut, get_ci, invalid_value, is_unassigned, same, WriteMode};
use crate::error::{ScimError, ScimType};
use crate::patch::{AttrKind, Mutability};
use crate::resource_type::{common_attributes, find_def, AttributeDef, ResourceType};

/// The attributes of one schema being built: its definitions and the
/// canonical members accepted so far.
struct Part<'t> {
    urn: &'t str,
    /// Definitions searched in order (common attributes, then the schema's).
    defs: Vec<&'t [AttributeDef]>,
    /// The prefix of attribute names in messages: empty for the core schema,
    /// the URN and `:` for an extension.
    label: String,
    out: Map<String, Value>,
}

impl<'t> Part<'t> {
    fn def(&self, name: &str) -> Option<&'t AttributeDef> {
        self.defs.iter().find_map(|defs| find_def(defs, name))
    }

    fn all_defs(&self) -> impl Iterator<Item = &'t AttributeDef> + '_ {
        self.defs.iter().flat_map(|defs| defs.iter())
    }

    /// Checks member `key` (an attribute name) and keeps its canonical value.
    fn put(&mut self, key: &str, value: Value) -> Result<(), ScimError> {
        let Some(def) = self.def(key) else {
            if value.is_null() {
                return Ok(());
            }
            return Err(invalid_value(format!(
                "unknown attribute '{}{}'",
                self.label,
                cut(key)
            )));
        };
        if def.mutability == Mutability::ReadOnly {
            return Ok(());
        }
        let label = format!("{}{}", self.label, def.name);
        let Some(value) = check_value(def, value, &label)? else {
            return Ok(());
        };
        if self.out.insert(def.name.clone(), value).is_some() {
            return Err(invalid_value(format!(
                "attribute '{label}' is given more than once"
            )));
        }
        Ok(())
    }
}

impl ResourceType {
    /// Checks and canonicalizes a resource a client sends: a POST or PUT
    /// body, or the result of a PATCH. Returns its canonical JSON: attribute
    /// names in the schema's spelling, `schemas` listing the core URN then
    /// each extension that has attributes, read-only and unassigned
    /// attributes left out.
    ///
    /// - `schemas` must list the core schema and may list only this type's
    ///   extensions (URNs matched ignoring ASCII case); an extension object
    ///   whose URN `schemas` lacks is accepted if the extension is
    ///   registered. Otherwise 400 `invalidValue`.
    /// - Attribute names match ignoring ASCII case (RFC 7643 §2.1); an
    ///   unknown one is 400 `invalidValue`, unless its value is `null`. A
    ///   URN-qualified name (`<urn>:<name>`) is accepted at the top level.
    /// - Values must fit their data type (RFC 7643 §2.3) and
    ///   multi-valuedness (an array); the strings `"True"` / `"False"` (any
    ///   case) are booleans; a bare value for a single-valued complex
    ///   attribute with a `value` sub-attribute becomes `{"value": …}`.
    ///   Otherwise 400 `invalidValue`.
    /// - `readOnly` attributes and sub-attributes (`id`, `meta`, `groups`…)
    ///   are dropped without error (RFC 7644 §3.3, §3.5.1).
    /// - `required` attributes (not read-only) must have a value, and so
    ///   must required extensions: 400 `invalidValue`.
    /// - With [`WriteMode::Replace`] and `prior`, an `immutable` attribute
    ///   (or sub-attribute of a single-valued complex one) that has a value
    ///   keeps it: a different value is 400 `mutability` (RFC 7644 §3.5.1),
    ///   an absent one is carried over from `prior`. Immutable
    ///   sub-attributes of multi-valued attributes (Group `members.value`)
    ///   are not compared: the values themselves are what a write adds or
    ///   removes.
    /// - At most one value of a multi-valued attribute has `primary: true`
    ///   (RFC 7643 §2.4): 400 `invalidValue`.
    /// - `canonicalValues` are not enforced.
    pub fn check_write(
        &self,
        body: Value,
        mode: WriteMode,
        prior: Option<&Value>,
    ) -> Result<Value, ScimError> {
        let Value::Object(body) = body else {
            return Err(ScimError::typed(ScimType::InvalidSyntax)
                .with_detail("a resource must be a JSON object"));
        };
        self.check_schemas(get_ci(&body, "schemas"))?;
        let mut core = Part {
            urn: &self.core.id,
            defs: vec![common_attributes(), &self.core.attributes],
            label: String::new(),
            out: Map::new(),
        };
        let mut exts: Vec<Part<'_>> = self
            .extensions
            .iter()
            .map(|e| Part {
                urn: &e.schema.id,
                defs: vec![&e.schema.attributes],
                label: format!("{}:", e.schema.id),
                out: Map::new(),
            })
            .collect();
        let mut ext_seen: HashSet<usize> = HashSet::new();
        for (key, value) in body {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(i) = exts.iter().position(|p| p.urn.eq_ignore_ascii_case(&key)) {
                if !ext_seen.insert(i) {
                    return Err(invalid_value(format!(
                        "extension '{}' is given more than once",
                        exts[i].urn
                    )));
                }
                match value {
                    Value::Null => {}
                    Value::Object(members) => {
                        for (k, v) in members {
                            exts[i].put(&k, v)?;
                        }
                    }
                    _ => {
                        return Err(invalid_value(format!(
                            "extension '{}' must be an object",
                            exts[i].urn
                        )))
                    }
                }
                continue;
            }
            if !key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
                core.put(&key, value)?;
                continue;
            }
            // `<urn>:<name>`: an attribute named with its schema.
            let target = key.rsplit_once(':').and_then(|(urn, name)| {
                if urn.eq_ignore_ascii_case(core.urn) {
                    Some((None, name))
                } else {
                    let i = exts.iter().position(|p| p.urn.eq_ignore_ascii_case(urn))?;
                    Some((Some(i), name))
                }
            });
            match target {
                Some((None, name)) => core.put(name, value)?,
                Some((Some(i), name)) => exts[i].put(name, value)?,
                None => {
                    return Err(invalid_value(format!("unknown schema '{}'", cut(&key))));
                }
            }
        }
        if let (WriteMode::Replace, Some(Value::Object(prior))) = (mode, prior) {
            keep_immutable(&mut core, Some(prior))?;
            for ext in &mut exts {
                let prior_ext = get_ci(prior, ext.urn).and_then(Value::as_object);
                keep_immutable(ext, prior_ext)?;
            }
        }
        check_required(&core)?;
        let mut schemas = vec![Value::String(self.core.id.clone())];
        for (ext, def) in exts.iter().zip(&self.extensions) {
            if ext.out.is_empty() {
                if def.required {
                    return Err(invalid_value(format!(
                        "extension '{}' is required",
                        ext.urn
                    )));
                }
                continue;
            }
            check_required(ext)?;
            schemas.push(Value::String(ext.urn.to_owned()));
        }
        let mut out = core.out;
        out.insert("schemas".into(), Value::Array(schemas));
        for ext in exts {
            if !ext.out.is_empty() {
                out.insert(ext.urn.to_owned(), Value::Object(ext.out));
            }
        }
        Ok(Value::Object(out))
    }

    /// `schemas` must be an array of strings naming the core schema and
    /// only this type's schemas.
    fn check_schemas(&self, schemas: Option<&Value>) -> Result<(), ScimError> {
        let Some(Value::Array(items)) = schemas else {
            return Err(invalid_value(
                "attribute 'schemas' is required: an array of schema URNs",
            ));
        };
        let mut has_core = false;
        for item in items {
            let Some(urn) = item.as_str() else {
                return Err(invalid_value("'schemas' must hold strings"));
            };
            if urn.eq_ignore_ascii_case(&self.core.id) {
                has_core = true;
            } else if self.extension(urn).is_none() {
                return Err(invalid_value(format!("unknown schema '{}'", cut(urn))));
            }
        }
        if !has_core {
            return Err(invalid_value(format!(
                "'schemas' must contain '{}'",
                self.core.id
            )));
        }
        Ok(())
    }
}

/// Checks a value against its definition; `None` when unassigned.
fn check_value(def: &AttributeDef, value: Value, label: &str) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !def.multi_valued {
        return check_single(def, value, label, false);
    }
    let Value::Array(items) = value else {
        return Err(invalid_value(format!(
            "attribute '{label}' is multi-valued: expected an array"
        )));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = check_single(def, item, label, true)? {
            out.push(v);
        }
    }
    let primaries = out
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(invalid_value(format!(
            "attribute '{label}' has more than one primary value"
        )));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// Checks one value (an element, for a multi-valued attribute).
fn check_single(
    def: &AttributeDef,
    value: Value,
    label: &str,
    element: bool,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if def.kind != AttrKind::Complex {
        if matches!(value, Value::Array(_) | Value::Object(_)) && is_unassigned(&value) {
            return Ok(None);
        }
        return check_scalar(def.kind, value).map(Some).ok_or_else(|| {
            invalid_value(format!(
                "attribute '{label}' must be {}",
                kind_noun(def.kind)
            ))
        });
    }
    let members = match value {
        Value::Object(members) => members,
        bare @ (Value::String(_) | Value::Number(_) | Value::Bool(_))
            if !element && def.sub_attribute("value").is_some() =>
        {
            Map::from_iter([("value".to_owned(), bare)])
        }
        _ => {
            return Err(invalid_value(format!(
                "attribute '{label}' must be {}",
                kind_noun(AttrKind::Complex)
            )))
        }
    };
    let mut out = Map::new();
    for (key, v) in members {
        let Some(sub) = def.sub_attribute(&key) else {
            if v.is_null() {
                continue;
            }
            return Err(invalid_value(format!(
                "unknown attribute '{label}.{}'",
                cut(&key)
            )));
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_label = format!("{label}.{}", sub.name);
        // Sub-attributes have no sub-attributes (RFC 7643 §2.3.8).
        if sub.kind == AttrKind::Complex {
            return Err(invalid_value(format!(
                "attribute '{sub_label}' cannot be written"
            )));
        }
        if let Some(v) = check_value(sub, v, &sub_label)? {
            if out.insert(sub.name.clone(), v).is_some() {
                return Err(invalid_value(format!(
                    "attribute '{sub_label}' is given more than once"
                )));
            }
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    for sub in &def.sub_attributes {
        if sub.required && sub.mutability != Mutability::ReadOnly && !out.contains_key(&sub.name) {
            return Err(invalid_value(format!(
                "attribute '{label}.{}' is required",
                sub.name
            )));
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Every required, writable attribute of `part` has a value.
fn check_required(part: &Part<'_>) -> Result<(), ScimError> {
    for def in part.all_defs() {
        if def.required
            && def.mutability != Mutability::ReadOnly
            && !part.out.contains_key(&def.name)
        {
            return Err(invalid_value(format!(
                "attribute '{}{}' is required",
                part.label, def.name
            )));
        }
    }
    Ok(())
}

/// RFC 7644 §3.5.1: an immutable attribute that has a value keeps it.
fn keep_immutable(
    part: &mut Part<'_>,
    prior: Option<&Map<String, Value>>,
) -> Result<(), ScimError> {
    let Some(prior) = prior else {
        return Ok(());
    };
    let defs: Vec<&AttributeDef> = part.all_defs().collect();
    for def in defs {
        let Some(old) = get_ci(prior, &def.name).filter(|v| !is_unassigned(v)) else {
            continue;
        };
        let label = format!("{}{}", part.label, def.name);
        if def.mutability == Mutability::Immutable {
            match part.out.get(&def.name) {
                Some(new) if !same(new, old) => return Err(immutable(&label)),
                Some(_) => {}
                None => {
                    part.out.insert(def.name.clone(), old.clone());
                }
            }
            continue;
        }
        if def.kind != AttrKind::Complex || def.multi_valued {
            continue;
        }
        let Some(old) = old.as_object() else {
            continue;
        };
        for sub in def
            .sub_attributes
            .iter()
            .filter(|s| s.mutability == Mutability::Immutable)
        {
            let Some(old_sub) = get_ci(old, &sub.name).filter(|v| !is_unassigned(v)) else {
                continue;
            };
            let entry = part
                .out
                .entry(def.name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(new) = entry.as_object_mut() else {
                continue;
            };
            match new.get(&sub.name) {
                Some(v) if !same(v, old_sub) => {
                    return Err(immutable(&format!("{label}.{}", sub.name)))
                }
                Some(_) => {}
                None => {
                    new.insert(sub.name.clone(), old_sub.clone());
                }
            }
        }
    }
    Ok(())
}

fn immutable(label: &str) -> ScimError {
    ScimError::typed(ScimType::Mutability)
        .with_detail(format!("attribute '{label}' is immutable and has a value"))
}
