//! [`ResourceType::project`]: the attributes of a resource a response
//! carries (RFC 7643 §2.2 `returned`; RFC 7644 §3.4.2.5 `attributes` and
//! `excludedAttributes`, §3.9).

use serde_json::{Map, Value};

use super::get_ci;
use crate::filter::AttrPath;
use crate::resource_type::{common_attributes, find_def, AttributeDef, ResourceType, Returned};

/// What a request asks of one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ask {
    /// Nothing named it.
    Unnamed,
    /// It is named whole (or its extension is).
    Whole,
    /// Only these sub-attributes are named (canonical names).
    Subs(Vec<String>),
}

/// Which sub-attributes of a kept complex value to keep.
enum SubRule<'p> {
    /// `always` and `default` ones, minus these (canonical names).
    Default(&'p [String]),
    /// `always` ones and these (canonical names).
    Only(&'p [String]),
}

impl ResourceType {
    /// The resource as returned to the client (RFC 7644 §3.4.2.5, §3.9).
    ///
    /// - `returned: never` attributes (`password`) are always left out, and
    ///   `always` ones (`id`) always kept, as is `schemas`;
    /// - with `attributes` non-empty, only the attributes it names are
    ///   returned, besides the `always` ones: `name.givenName` or
    ///   `emails.value` keeps that sub-attribute only, a URN-qualified path
    ///   names an extension attribute, and the bare URN of an extension
    ///   names all of it; `request` attributes need to be named;
    /// - otherwise the `default` ones are returned, minus those
    ///   `excluded` names (an `always` one cannot be excluded);
    /// - names match ignoring ASCII case, paths that name nothing are
    ///   ignored, and members the schemas do not define are left out;
    /// - an extension object left empty is removed, and its URN with it
    ///   from `schemas`.
    pub fn project(
        &self,
        resource: &Value,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
    ) -> Value {
        let Value::Object(resource) = resource else {
            return resource.clone();
        };
        let mut out = Map::new();
        for (key, value) in resource {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(ext) = self.extension(key) {
                let Value::Object(members) = value else {
                    continue;
                };
                let urn = ext.schema.id.as_str();
                let mut kept = Map::new();
                for (k, v) in members {
                    if let Some(def) = ext.schema.attribute(k) {
                        self.keep(urn, def, v, attributes, excluded, &mut kept);
                    }
                }
                if !kept.is_empty() {
                    out.insert(urn.to_owned(), Value::Object(kept));
                }
                continue;
            }
            let def = find_def(common_attributes(), key).or_else(|| self.core.attribute(key));
            if let Some(def) = def {
                self.keep(&self.core.id, def, value, attributes, excluded, &mut out);
            }
        }
        if let Some(Value::Array(schemas)) = get_ci(resource, "schemas") {
            let schemas: Vec<Value> = schemas
                .iter()
                .filter(|s| {
                    let Some(urn) = s.as_str() else {
                        return false;
                    };
                    match self.extension(urn) {
                        Some(ext) => out.contains_key(&ext.schema.id),
                        None => true,
                    }
                })
                .cloned()
                .collect();
            out.insert("schemas".into(), Value::Array(schemas));
        }
        Value::Object(out)
    }

    /// Puts `value` of attribute `def` of schema `urn` into `out` as the
    /// request shapes it, if it is kept at all.
    fn keep(
        &self,
        urn: &str,
        def: &AttributeDef,
        value: &Value,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
        out: &mut Map<String, Value>,
    ) {
        let shaped = match def.returned {
            Returned::Never => None,
            Returned::Always => shape(def, value, &SubRule::Default(&[])),
            _ if !attributes.is_empty() => match self.ask(urn, def, attributes) {
                Ask::Unnamed => None,
                Ask::Whole => shape(def, value, &SubRule::Default(&[])),
                Ask::Subs(subs) => shape(def, value, &SubRule::Only(&subs)),
            },
            Returned::Request => None,
            Returned::Default => match self.ask(urn, def, excluded) {
                Ask::Whole => None,
                Ask::Unnamed => shape(def, value, &SubRule::Default(&[])),
                Ask::Subs(subs) => shape(def, value, &SubRule::Default(&subs)),
            },
        };
        if let Some(v) = shaped {
            out.insert(def.name.clone(), v);
        }
    }

    /// How `paths` name attribute `def` of schema `urn`.
    fn ask(&self, urn: &str, def: &AttributeDef, paths: &[AttrPath]) -> Ask {
        let mut subs = Vec::new();
        for path in paths {
            if path.sub.is_none() && self.names_extension(path, urn) {
                return Ask::Whole;
            }
            let Some(hit) = self.resolve(path) else {
                continue;
            };
            if hit.schema != urn || hit.attr.name != def.name {
                continue;
            }
            match hit.sub {
                None => return Ask::Whole,
                Some(sub) => subs.push(sub.name.clone()),
            }
        }
        if subs.is_empty() {
            Ask::Unnamed
        } else {
            Ask::Subs(subs)
        }
    }

    /// Whether `path` is the bare URN of extension `urn` (the grammar reads
    /// its last segment as an attribute name).
    fn names_extension(&self, path: &AttrPath, urn: &str) -> bool {
        let Some(prefix) = &path.urn else {
            return false;
        };
        urn != self.core.id
            && urn.len() == prefix.len() + 1 + path.name.len()
            && urn
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            && urn
                .get(prefix.len() + 1..)
                .is_some_and(|n| n.eq_ignore_ascii_case(&path.name))
    }
}

/// The value with its sub-attributes kept per `rule`; `None` if nothing is
/// left.
fn shape(def: &AttributeDef, value: &Value, rule: &SubRule<'_>) -> Option<Value> {
    if def.sub_attributes.is_empty() {
        return (!value.is_null()).then(|| value.clone());
    }
    match value {
        Value::Object(members) => shape_object(def, members, rule).map(Value::Object),
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|item| match item {
                    Value::Object(members) => shape_object(def, members, rule).map(Value::Object),
                    Value::Null => None,
                    other => Some(other.clone()),
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Null => None,
        other => Some(other.clone()),
    }
}

fn shape_object(
    def: &AttributeDef,
    members: &Map<String, Value>,
    rule: &SubRule<'_>,
) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (key, v) in members {
        let Some(sub) = def.sub_attribute(key) else {
            continue;
        };
        let named = |names: &[String]| names.contains(&sub.name);
        let keep = match (sub.returned, rule) {
            (Returned::Never, _) => false,
            (Returned::Always, _) => true,
            (_, SubRule::Only(names)) => named(names),
            (Returned::Request, SubRule::Default(_)) => false,
            (Returned::Default, SubRule::Default(excluded)) => !named(excluded),
        };
        if keep && !v.is_null() {
            out.insert(sub.name.clone(), v.clone());
        }
    }
    (!out.is_empty()).then_some(out)
}
