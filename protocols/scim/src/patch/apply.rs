//! Applying PATCH operations to a resource held as a JSON object
//! (RFC 7644 §3.5.2, §3.5.2.1 add, §3.5.2.2 remove, §3.5.2.3 replace), with
//! the mutability rules of RFC 7643 §2.2 and the value types of §2.3.

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimType};
use crate::filter::{AttrPath, CompValue, CompareOp, Filter, PatchPath};

use super::json::{
    assigned, find_key, get_ci, has_urn, is_unassigned, remove_urn, same_opt, selects,
};
use super::port::{AttrKind, AttrRef, Mutability, Schema};
use super::request::{at_operation, PatchOp, PatchOperation, PatchRequest};

impl PatchRequest {
    /// Applies the operations in order to a copy of `resource` and returns
    /// the patched copy; on the first failing operation nothing is kept and
    /// its error is returned (RFC 7644 §3.5.2: "the entire request is
    /// applied atomically"), its detail prefixed with `Operations[i]`.
    ///
    /// `resource` is the stored representation: core attributes at the top
    /// level, extension attributes in an object keyed by the extension URN.
    /// The result is not checked as a whole (`required` attributes, unique
    /// values): that is the caller's, after this returns. A `resource` that
    /// is not a JSON object is the caller's fault: 500, without detail.
    pub fn apply<S: Schema + ?Sized>(
        &self,
        resource: &Value,
        schema: &S,
    ) -> Result<Value, ScimError> {
        let mut copy = resource.clone();
        let Value::Object(map) = &mut copy else {
            return Err(ScimError::internal());
        };
        let engine = Engine { schema };
        for (i, operation) in self.operations().iter().enumerate() {
            engine
                .operation(map, operation)
                .map_err(|e| at_operation(i, e))?;
        }
        Ok(copy)
    }
}

pub(super) fn fail(scim_type: ScimType, detail: String) -> ScimError {
    ScimError::typed(scim_type).with_detail(detail)
}

/// Where one operation lands, once its path is resolved against the schema.
struct Target<'a> {
    /// The attribute (no sub-attribute), its schema the canonical URN.
    attr: AttrRef<'a>,
    /// Whether the attribute lives in the extension object `attr.schema`.
    extension: bool,
    /// The value filter of a value path.
    filter: Option<&'a Filter>,
    /// The sub-attribute the path ends on.
    sub: Option<&'a str>,
}

pub(super) struct Engine<'s, S: ?Sized> {
    pub(super) schema: &'s S,
}

impl<S: Schema + ?Sized> Engine<'_, S> {
    fn operation(
        &self,
        res: &mut Map<String, Value>,
        op: &PatchOperation,
    ) -> Result<(), ScimError> {
        let null = Value::Null;
        match &op.path {
            Some(path) => {
                if let Some(urn) = self.whole_extension(path) {
                    return self.extension_object(res, op, urn);
                }
                let target = self.resolve(path, None)?;
                self.at_target(res, op.op, &target, op.value.as_ref())
            }
            None if op.op == PatchOp::Remove => Err(fail(
                ScimType::NoTarget,
                "'remove' needs a 'path'".to_owned(),
            )),
            None => match op.value.as_ref().unwrap_or(&null) {
                Value::Object(attrs) => self.resource_level(res, op.op, attrs),
                _ => Err(fail(
                    ScimType::InvalidValue,
                    format!("'{}' without a 'path' needs an object 'value'", op.op),
                )),
            },
        }
    }

    /// The canonical URN of the extension a path names as a whole (e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, which
    /// the path grammar reads as attribute `User` of schema `…:2.0`).
    fn whole_extension(&self, path: &PatchPath) -> Option<&str> {
        let attr = path.attr();
        if path.filter().is_some() || path.sub_attr().is_some() || attr.sub.is_some() {
            return None;
        }
        let urn = attr.urn.as_deref()?;
        self.schema.extension(&format!("{urn}:{}", attr.name))
    }

    /// An operation on a whole extension object: `add` merges the value's
    /// attributes into it, `replace` makes them its only ones, `remove`
    /// drops it (RFC 7644 §3.5.2.1 to §3.5.2.3 applied to the object).
    fn extension_object(
        &self,
        res: &mut Map<String, Value>,
        op: &PatchOperation,
        urn: &str,
    ) -> Result<(), ScimError> {
        if op.op == PatchOp::Remove || op.op == PatchOp::Replace {
            let existing: Vec<String> = res
                .keys()
                .filter(|k| k.eq_ignore_ascii_case(urn))
                .cloned()
                .collect();
            for key in existing {
                res.remove(&key);
            }
            if op.op == PatchOp::Remove {
                return Ok(());
            }
        }
        let Some(Value::Object(attrs)) = op.value.as_ref() else {
            return Err(fail(
                ScimType::InvalidValue,
                format!("the value of '{urn}' must be an object of its attributes"),
            ));
        };
        // Some clients serialize the extension as a resource of its own, with
        // a `schemas` member naming it: that is not an attribute.
        let attrs: Map<String, Value> = attrs
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut wrapped = Map::new();
        wrapped.insert(urn.to_owned(), Value::Object(attrs));
        self.resource_level(res, PatchOp::Add, &wrapped)
    }

    /// `add` or `replace` without a path: each member of the value is an
    /// attribute of the resource. A member name may be a path itself (Entra
    /// ID sends `{"name.givenName": "Barbara"}` and URN-prefixed names), or
    /// the URN of the core schema or of an extension, whose value then holds
    /// that schema's attributes.
    fn resource_level(
        &self,
        res: &mut Map<String, Value>,
        op: PatchOp,
        attrs: &Map<String, Value>,
    ) -> Result<(), ScimError> {
        let core = self.schema.core_schema();
        for (name, value) in attrs {
            let urn = if name.eq_ignore_ascii_case(core) {
                Some(core)
            } else {
                self.schema.extension(name)
            };
            if let Some(urn) = urn {
                let Value::Object(inner) = value else {
                    return Err(fail(
                        ScimType::InvalidValue,
                        format!("the value of '{name}' must be an object of its attributes"),
                    ));
                };
                for (inner_name, inner_value) in inner {
                    let path = PatchPath::parse(inner_name)?;
                    let target = self.resolve(&path, Some(urn))?;
                    self.at_target(res, op, &target, Some(inner_value))?;
                }
            } else {
                let path = PatchPath::parse(name)?;
                let target = self.resolve(&path, None)?;
                self.at_target(res, op, &target, Some(value))?;
            }
        }
        Ok(())
    }

    /// Resolves `path` against the schema; `within` is the schema whose
    /// object the path was found in (then the path may carry no URN).
    fn resolve<'a>(
        &'a self,
        path: &'a PatchPath,
        within: Option<&'a str>,
    ) -> Result<Target<'a>, ScimError> {
        let attr_path: &AttrPath = path.attr();
        let core = self.schema.core_schema();
        let (urn, extension) = match (&attr_path.urn, within) {
            (Some(_), Some(w)) => {
                return Err(fail(
                    ScimType::InvalidPath,
                    format!("'{path}' inside '{w}' must not carry a schema URN"),
                ))
            }
            (None, None) => (core, false),
            (None, Some(w)) => (w, !w.eq_ignore_ascii_case(core)),
            (Some(u), None) if u.eq_ignore_ascii_case(core) => (core, false),
            (Some(u), None) => match self.schema.extension(u) {
                Some(ext) => (ext, true),
                None => {
                    return Err(fail(
                        ScimType::InvalidPath,
                        format!("'{u}' is not a schema of this resource"),
                    ))
                }
            },
        };
        let attr = AttrRef::new(urn, &attr_path.name);
        if !self.schema.is_known(&attr) {
            return Err(fail(
                ScimType::InvalidPath,
                format!("'{attr}' is not a known attribute"),
            ));
        }
        let sub = path.sub_attr();
        if let Some(sub) = sub {
            if !self.schema.is_known(&attr.sub(sub)) {
                return Err(fail(
                    ScimType::InvalidPath,
                    format!("'{}' is not a known attribute", attr.sub(sub)),
                ));
            }
        }
        let filter = path.filter();
        if let Some(filter) = filter {
            if !self.schema.is_multi_valued(&attr) {
                return Err(fail(
                    ScimType::InvalidPath,
                    format!("'{attr}' is single-valued: a value filter cannot select in it"),
                ));
            }
            if self.schema.kind(&attr) == AttrKind::Complex {
                self.check_filter(attr, filter)?;
            }
        }
        Ok(Target {
            attr,
            extension,
            filter,
            sub,
        })
    }

    /// Every attribute a value filter names must be a sub-attribute of the
    /// filtered one, or the filter would silently select nothing.
    fn check_filter(&self, attr: AttrRef<'_>, filter: &Filter) -> Result<(), ScimError> {
        match filter {
            Filter::Compare { path, .. } | Filter::Present { path } => {
                let sub = attr.sub(&path.name);
                if path.urn.is_some() || path.sub.is_some() || !self.schema.is_known(&sub) {
                    return Err(fail(
                        ScimType::InvalidPath,
                        format!(
                            "the filter on '{attr}' names '{path}', not one of its sub-attributes"
                        ),
                    ));
                }
                Ok(())
            }
            Filter::And(a, b) | Filter::Or(a, b) => {
                self.check_filter(attr, a)?;
                self.check_filter(attr, b)
            }
            Filter::Not(f) => self.check_filter(attr, f),
            Filter::ValuePath { .. } => Err(fail(
                ScimType::InvalidPath,
                format!("value filters do not nest (in the filter on '{attr}')"),
            )),
        }
    }

    /// Applies one operation at a resolved target: in the resource itself,
    /// or in the extension object, created when a value lands in it and
    /// dropped (with its URN from `schemas`) when its last attribute goes.
    fn at_target(
        &self,
        res: &mut Map<String, Value>,
        op: PatchOp,
        target: &Target<'_>,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        if !target.extension {
            return self.on_attribute(res, op, target, value);
        }
        let urn = target.attr.schema;
        let key = find_key(res, urn).unwrap_or_else(|| urn.to_owned());
        let mut ext = match res.remove(&key) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(ext)) => ext,
            Some(other) => {
                res.insert(key, other);
                return Err(fail(
                    ScimType::InvalidValue,
                    format!("the stored '{urn}' is not an object"),
                ));
            }
        };
        let outcome = self.on_attribute(&mut ext, op, target, value);
        let present = !ext.is_empty();
        if present {
            res.insert(key, Value::Object(ext));
        }
        let schemas_key = find_key(res, "schemas").unwrap_or_else(|| "schemas".to_owned());
        if let Some(Value::Array(schemas)) = res.get_mut(&schemas_key) {
            if present && !has_urn(schemas, urn) {
                schemas.push(Value::String(urn.to_owned()));
            } else if !present {
                remove_urn(schemas, urn);
            }
        }
        outcome
    }

    /// Applies one operation to one attribute of `map` (the resource or an
    /// extension object), then checks the attribute's mutability and, if it
    /// lost its value, the caller's [`Schema::check_unassign`].
    fn on_attribute(
        &self,
        map: &mut Map<String, Value>,
        op: PatchOp,
        target: &Target<'_>,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let attr = target.attr;
        let key = find_key(map, attr.name).unwrap_or_else(|| attr.name.to_owned());
        let mut slot = assigned(map.remove(&key));
        let mutability = self.schema.mutability(&attr);
        let guarded = matches!(mutability, Mutability::ReadOnly | Mutability::Immutable);
        let before = if guarded { slot.clone() } else { None };
        let had_value = slot.is_some();

        let null = Value::Null;
        let value = value.unwrap_or(&null);
        if self.schema.is_multi_valued(&attr) {
            self.multi_valued(&mut slot, op, target, value)?;
        } else {
            self.single_valued(&mut slot, op, target, value)?;
        }
        let slot = assigned(slot);

        if guarded {
            check_mutability(&attr, mutability, before.as_ref(), slot.as_ref())?;
        }
        if had_value && slot.is_none() {
            self.schema.check_unassign(&attr)?;
        }
        if let Some(v) = slot {
            map.insert(key, v);
        }
        Ok(())
    }

    fn single_valued(
        &self,
        slot: &mut Option<Value>,
        op: PatchOp,
        target: &Target<'_>,
        value: &Value,
    ) -> Result<(), ScimError> {
        let attr = target.attr;
        let Some(sub) = target.sub else {
            if op == PatchOp::Remove {
                *slot = None;
                return Ok(());
            }
            let value = self.coerce(attr, value)?;
            match (self.schema.kind(&attr), value) {
                // §3.5.2.1, §3.5.2.3: sub-attributes not given are kept.
                (AttrKind::Complex, Value::Object(patch)) => {
                    let mut current = self.take_object(slot, attr)?;
                    self.merge(attr, &mut current, patch)?;
                    *slot = Some(Value::Object(current));
                }
                (_, value) => *slot = Some(value),
            }
            return Ok(());
        };
        if op == PatchOp::Remove && slot.is_none() {
            return Ok(());
        }
        let mut current = self.take_object(slot, attr)?;
        self.set_sub(attr.sub(sub), &mut current, op, value)?;
        *slot = Some(Value::Object(current));
        Ok(())
    }

    fn multi_valued(
        &self,
        slot: &mut Option<Value>,
        op: PatchOp,
        target: &Target<'_>,
        value: &Value,
    ) -> Result<(), ScimError> {
        let attr = target.attr;
        let mut items = match slot.take() {
            None => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(one) => vec![one],
        };
        if target.filter.is_none() && target.sub.is_none() {
            match op {
                PatchOp::Add => {
                    let start = items.len();
                    for item in self.coerce_items(attr, value)? {
                        // A value already there changes nothing (§3.5.2.1):
                        // `{"value": id}` names the member `{"value": id,
                        // "$ref": …, "type": "User"}` the resource lists.
                        if !items.iter().any(|have| selects(&item, have)) {
                            items.push(item);
                        }
                    }
                    let added: Vec<usize> = (start..items.len()).collect();
                    demote_other_primaries(&mut items, &added);
                }
                // Okta replaces the whole member list this way.
                PatchOp::Replace => items = self.coerce_items(attr, value)?,
                // Entra ID lists the values to remove in `value`.
                PatchOp::Remove if !value.is_null() => {
                    let probes = self.coerce_items(attr, value)?;
                    items.retain(|item| !probes.iter().any(|p| selects(p, item)));
                }
                PatchOp::Remove => items.clear(),
            }
            *slot = Some(Value::Array(items));
            return Ok(());
        }

        // A value path, or `attr.sub` addressing the sub-attribute of every
        // value.
        let mut selected: Vec<usize> = (0..items.len())
            .filter(|&i| target.filter.is_none_or(|f| f.matches(&items[i])))
            .collect();
        if selected.is_empty() {
            match op {
                PatchOp::Remove => {
                    *slot = Some(Value::Array(items));
                    return Ok(());
                }
                PatchOp::Add => match target.filter.and_then(equality_seed) {
                    // Entra ID adds `emails[type eq "work"].value` to a user
                    // with no work email: the value it means is created.
                    Some(seed) => {
                        let Value::Object(seed) = self.coerce(attr, &Value::Object(seed))? else {
                            return Err(ScimError::internal());
                        };
                        items.push(Value::Object(seed));
                        selected.push(items.len() - 1);
                    }
                    None => return Err(no_match(target)),
                },
                PatchOp::Replace => return Err(no_match(target)),
            }
        }

        match (op, target.sub) {
            (PatchOp::Remove, None) => {
                let mut gone = vec![false; items.len()];
                for &i in &selected {
                    gone[i] = true;
                }
                let mut flags = gone.into_iter();
                items.retain(|_| !flags.next().unwrap_or(false));
            }
            (_, Some(sub)) => {
                for &i in &selected {
                    let mut current = self.take_element(&mut items[i], attr)?;
                    self.set_sub(attr.sub(sub), &mut current, op, value)?;
                    items[i] = Value::Object(current);
                }
                items.retain(|item| !is_unassigned(item));
            }
            (PatchOp::Add, None) => {
                let Value::Object(patch) = self.coerce(attr, value)? else {
                    return Err(fail(
                        ScimType::InvalidValue,
                        format!("'add' to selected values of '{attr}' needs an object"),
                    ));
                };
                for &i in &selected {
                    let mut current = self.take_element(&mut items[i], attr)?;
                    self.merge(attr, &mut current, patch.clone())?;
                    items[i] = Value::Object(current);
                }
            }
            // §3.5.2.3: "all matching record values SHALL be replaced".
            (PatchOp::Replace, None) => {
                let Value::Object(mut replacement) = self.coerce(attr, value)? else {
                    return Err(fail(
                        ScimType::InvalidValue,
                        format!("a selected value of '{attr}' must be replaced by an object"),
                    ));
                };
                replacement.retain(|_, v| !is_unassigned(v));
                let replacement = Value::Object(replacement);
                for &i in &selected {
                    self.check_subs(attr, &items[i], &replacement)?;
                    items[i] = replacement.clone();
                }
            }
        }
        if op != PatchOp::Remove {
            demote_other_primaries(&mut items, &selected);
        }
        *slot = Some(Value::Array(items));
        Ok(())
    }

    /// The object held by a single-valued complex attribute (empty if none).
    fn take_object(
        &self,
        slot: &mut Option<Value>,
        attr: AttrRef<'_>,
    ) -> Result<Map<String, Value>, ScimError> {
        match slot.take() {
            None => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map),
            Some(other) => {
                *slot = Some(other);
                Err(not_complex(attr))
            }
        }
    }

    /// The object of one value of a multi-valued complex attribute.
    fn take_element(
        &self,
        item: &mut Value,
        attr: AttrRef<'_>,
    ) -> Result<Map<String, Value>, ScimError> {
        match item.take() {
            Value::Object(map) => Ok(map),
            other => {
                *item = other;
                Err(not_complex(attr))
            }
        }
    }

    /// Sets (`add`, `replace`) or removes one sub-attribute of a complex
    /// value, with its own mutability and unassignment checks.
    fn set_sub(
        &self,
        sub: AttrRef<'_>,
        object: &mut Map<String, Value>,
        op: PatchOp,
        value: &Value,
    ) -> Result<(), ScimError> {
        let name = sub.sub_attr.unwrap_or(sub.name);
        let key = find_key(object, name).unwrap_or_else(|| name.to_owned());
        let new = match op {
            PatchOp::Remove => None,
            PatchOp::Add | PatchOp::Replace => assigned(Some(self.coerce_sub(sub, value)?)),
        };
        let old = assigned(object.remove(&key));
        self.check_sub_change(sub, old.as_ref(), new.as_ref())?;
        if let Some(new) = new {
            object.insert(key, new);
        }
        Ok(())
    }

    /// Merges the (coerced) sub-attributes of `patch` into `object`: a given
    /// sub-attribute replaces the held one, a `null` one removes it, the
    /// others stay.
    fn merge(
        &self,
        attr: AttrRef<'_>,
        object: &mut Map<String, Value>,
        patch: Map<String, Value>,
    ) -> Result<(), ScimError> {
        for (name, value) in patch {
            let key = find_key(object, &name).unwrap_or_else(|| name.clone());
            let old = assigned(object.remove(&key));
            let new = assigned(Some(value));
            self.check_sub_change(attr.sub(&name), old.as_ref(), new.as_ref())?;
            if let Some(new) = new {
                object.insert(key, new);
            }
        }
        Ok(())
    }

    /// The sub-attribute checks of a whole complex value replaced by another.
    fn check_subs(&self, attr: AttrRef<'_>, old: &Value, new: &Value) -> Result<(), ScimError> {
        let (Value::Object(old), Value::Object(new)) = (old, new) else {
            return Ok(());
        };
        for name in old.keys().chain(new.keys()) {
            let sub = attr.sub(name);
            if self.schema.is_known(&sub) {
                self.check_sub_change(sub, get_ci(old, name), get_ci(new, name))?;
            }
        }
        Ok(())
    }

    fn check_sub_change(
        &self,
        sub: AttrRef<'_>,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<(), ScimError> {
        let old = old.filter(|v| !is_unassigned(v));
        let new = new.filter(|v| !is_unassigned(v));
        check_mutability(&sub, self.schema.mutability(&sub), old, new)?;
        if old.is_some() && new.is_none() {
            self.schema.check_unassign(&sub)?;
        }
        Ok(())
    }
}

/// RFC 7644 §3.5.2: a client "MUST NOT modify an attribute that has
/// mutability readOnly or immutable", but "MAY add a value to an immutable
/// attribute if the attribute had no previous value". Writing back the value
/// already held (Okta repeats `id` in a `replace`) changes nothing and
/// passes.
fn check_mutability(
    attr: &AttrRef<'_>,
    mutability: Mutability,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), ScimError> {
    let allowed = match mutability {
        Mutability::ReadWrite | Mutability::WriteOnly => true,
        Mutability::ReadOnly => same_opt(before, after),
        Mutability::Immutable => before.is_none() || same_opt(before, after),
    };
    if allowed {
        Ok(())
    } else {
        let what = match mutability {
            Mutability::ReadOnly => "read-only",
            _ => "immutable",
        };
        Err(fail(
            ScimType::Mutability,
            format!("'{attr}' is {what} and cannot be changed"),
        ))
    }
}

/// RFC 7644 §3.5.2: setting a value's `primary` to true sets it to false on
/// the attribute's other values.
fn demote_other_primaries(items: &mut [Value], touched: &[usize]) {
    let is_primary = |item: &Value| {
        item.as_object()
            .and_then(|o| get_ci(o, "primary"))
            .is_some_and(|p| p == &Value::Bool(true))
    };
    if !touched
        .iter()
        .any(|&i| items.get(i).is_some_and(is_primary))
    {
        return;
    }
    for (i, item) in items.iter_mut().enumerate() {
        if touched.contains(&i) || !is_primary(item) {
            continue;
        }
        if let Value::Object(o) = item {
            if let Some(key) = find_key(o, "primary") {
                o.insert(key, Value::Bool(false));
            }
        }
    }
}

/// The value a filter made only of `sub eq literal` joined by `and`
/// describes, e.g. `{"type": "work"}` for `type eq "work"`.
fn equality_seed(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub.is_none() && *value != CompValue::Null => {
            let mut seed = Map::new();
            seed.insert(path.name.clone(), value.to_json());
            Some(seed)
        }
        Filter::And(a, b) => {
            let mut seed = equality_seed(a)?;
            for (k, v) in equality_seed(b)? {
                match find_key(&seed, &k) {
                    Some(have) if seed.get(&have) != Some(&v) => return None,
                    Some(_) => {}
                    None => {
                        seed.insert(k, v);
                    }
                }
            }
            Some(seed)
        }
        _ => None,
    }
}

fn no_match(target: &Target<'_>) -> ScimError {
    let what = match target.filter {
        Some(filter) => format!("'{}[{filter}]'", target.attr),
        None => format!("'{}'", target.attr),
    };
    fail(
        ScimType::NoTarget,
        format!("{what} selects no value to operate on"),
    )
}

fn not_complex(attr: AttrRef<'_>) -> ScimError {
    fail(
        ScimType::NoTarget,
        format!("'{attr}' holds no sub-attributes"),
    )
}
