//! Attribute and schema definitions (RFC 7643 §2.2 characteristics, §7
//! schema representation): the Rust form of a `Schema` resource, read from
//! and written back to its JSON.

use serde_json::{json, Map, Value};

use crate::error::{ScimError, ScimType};
use crate::patch::{AttrKind, Mutability};
use crate::schema;

/// The `returned` characteristic (RFC 7643 §2.2, §7): when the attribute
/// appears in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    /// In every response, even when `attributes` leaves it out (e.g. `id`).
    Always,
    /// Never (e.g. `password`).
    Never,
    /// Unless `attributes` or `excludedAttributes` leaves it out.
    Default,
    /// Only when `attributes` names it.
    Request,
}

/// The `uniqueness` characteristic (RFC 7643 §2.2, §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    /// Values need not be unique.
    None,
    /// Unique among the service provider's resources of that type (for USSO:
    /// within a tenant).
    Server,
    /// Globally unique.
    Global,
}

/// One attribute or sub-attribute of a schema (RFC 7643 §7, `attributes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    /// The name, e.g. `userName`; its spelling is the canonical one.
    pub name: String,
    /// The data type (`type`).
    pub kind: AttrKind,
    /// Whether it holds an array of values (`multiValued`).
    pub multi_valued: bool,
    /// What it holds, for humans (`description`).
    pub description: String,
    /// Whether a resource must have a value (`required`).
    pub required: bool,
    /// Whether string values compare case-sensitively (`caseExact`).
    pub case_exact: bool,
    /// Who may change it (`mutability`).
    pub mutability: Mutability,
    /// When it is returned (`returned`).
    pub returned: Returned,
    /// How unique its values are (`uniqueness`).
    pub uniqueness: Uniqueness,
    /// The sub-attributes of a complex attribute (`subAttributes`).
    pub sub_attributes: Vec<AttributeDef>,
    /// Suggested values (`canonicalValues`); not enforced.
    pub canonical_values: Vec<String>,
    /// The resource types a reference may point to (`referenceTypes`).
    pub reference_types: Vec<String>,
}

/// A schema: the core schema of a resource type or an extension of it
/// (RFC 7643 §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDef {
    /// The schema URN, e.g. [`schema::USER`].
    pub id: String,
    /// A short name, e.g. `User`.
    pub name: String,
    /// What the schema describes, for humans.
    pub description: String,
    /// The attributes, in the order they are published.
    pub attributes: Vec<AttributeDef>,
}

impl AttributeDef {
    /// A single-valued, optional, read-write attribute of `kind` with the
    /// RFC 7643 §7 defaults for the other characteristics.
    pub fn new(name: impl Into<String>, kind: AttrKind) -> Self {
        Self {
            name: name.into(),
            kind,
            multi_valued: false,
            description: String::new(),
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            sub_attributes: Vec::new(),
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
        }
    }

    /// The sub-attribute `name` (ASCII case-insensitive).
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        find_def(&self.sub_attributes, name)
    }

    /// Reads one entry of a schema's `attributes` (or `subAttributes`).
    /// Absent characteristics take the RFC 7643 §7 defaults; `name` and
    /// `type` are required.
    pub fn from_json(v: &Value) -> Result<Self, ScimError> {
        let obj = v
            .as_object()
            .ok_or_else(|| bad("an attribute definition must be an object"))?;
        let name = str_member(obj, "name")?.ok_or_else(|| bad("attribute without 'name'"))?;
        let kind_text = str_member(obj, "type")?
            .ok_or_else(|| bad(format!("attribute '{name}' without 'type'")))?;
        let kind = kind_from_str(kind_text)
            .ok_or_else(|| bad(format!("attribute '{name}': unknown type '{kind_text}'")))?;
        let mut def = Self::new(name, kind);
        def.multi_valued = bool_member(obj, "multiValued")?.unwrap_or(false);
        def.description = str_member(obj, "description")?
            .unwrap_or_default()
            .to_owned();
        def.required = bool_member(obj, "required")?.unwrap_or(false);
        def.case_exact = bool_member(obj, "caseExact")?.unwrap_or(false);
        if let Some(m) = str_member(obj, "mutability")? {
            def.mutability = mutability_from_str(m)
                .ok_or_else(|| bad(format!("attribute '{name}': unknown mutability '{m}'")))?;
        }
        if let Some(r) = str_member(obj, "returned")? {
            def.returned = returned_from_str(r)
                .ok_or_else(|| bad(format!("attribute '{name}': unknown returned '{r}'")))?;
        }
        if let Some(u) = str_member(obj, "uniqueness")? {
            def.uniqueness = uniqueness_from_str(u)
                .ok_or_else(|| bad(format!("attribute '{name}': unknown uniqueness '{u}'")))?;
        }
        if let Some(subs) = obj.get("subAttributes") {
            let subs = subs.as_array().ok_or_else(|| {
                bad(format!(
                    "attribute '{name}': 'subAttributes' must be an array"
                ))
            })?;
            def.sub_attributes = subs.iter().map(Self::from_json).collect::<Result<_, _>>()?;
            if def
                .sub_attributes
                .iter()
                .any(|s| !s.sub_attributes.is_empty())
            {
                return Err(bad(format!(
                    "attribute '{name}': a sub-attribute cannot have sub-attributes"
                )));
            }
        }
        def.canonical_values = strings_member(obj, "canonicalValues")?;
        def.reference_types = strings_member(obj, "referenceTypes")?;
        Ok(def)
    }

    /// The RFC 7643 §7 representation: every characteristic spelled out,
    /// `subAttributes` for complex attributes, `canonicalValues` for the
    /// others, `referenceTypes` for references.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), json!(self.name));
        obj.insert("type".into(), json!(kind_str(self.kind)));
        obj.insert("multiValued".into(), json!(self.multi_valued));
        obj.insert("description".into(), json!(self.description));
        obj.insert("required".into(), json!(self.required));
        obj.insert("caseExact".into(), json!(self.case_exact));
        obj.insert("mutability".into(), json!(mutability_str(self.mutability)));
        obj.insert("returned".into(), json!(returned_str(self.returned)));
        obj.insert("uniqueness".into(), json!(uniqueness_str(self.uniqueness)));
        if self.kind == AttrKind::Complex {
            let subs: Vec<Value> = self.sub_attributes.iter().map(Self::to_json).collect();
            obj.insert("subAttributes".into(), Value::Array(subs));
        } else {
            obj.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if self.kind == AttrKind::Reference {
            obj.insert("referenceTypes".into(), json!(self.reference_types));
        }
        Value::Object(obj)
    }
}

impl SchemaDef {
    /// Reads a `Schema` resource (RFC 7643 §7). `meta`, if any, is ignored.
    pub fn from_json(v: &Value) -> Result<Self, ScimError> {
        let obj = v
            .as_object()
            .ok_or_else(|| bad("a schema must be an object"))?;
        let id = str_member(obj, "id")?.ok_or_else(|| bad("schema without 'id'"))?;
        let attributes = obj
            .get("attributes")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("schema '{id}' without an 'attributes' array")))?
            .iter()
            .map(AttributeDef::from_json)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            id: id.to_owned(),
            name: str_member(obj, "name")?.unwrap_or_default().to_owned(),
            description: str_member(obj, "description")?
                .unwrap_or_default()
                .to_owned(),
            attributes,
        })
    }

    /// The RFC 7643 §7 representation, without `meta` (the server adds it,
    /// see [`crate::discovery::schema_resources`]).
    pub fn to_json(&self) -> Value {
        let attributes: Vec<Value> = self.attributes.iter().map(AttributeDef::to_json).collect();
        json!({
            "schemas": [schema::SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": attributes,
        })
    }

    /// The attribute `name` (ASCII case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        find_def(&self.attributes, name)
    }
}

/// The definition named `name` in `defs`, ignoring ASCII case.
pub(crate) fn find_def<'d>(defs: &'d [AttributeDef], name: &str) -> Option<&'d AttributeDef> {
    defs.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

fn bad(detail: impl Into<String>) -> ScimError {
    ScimError::typed(ScimType::InvalidValue).with_detail(detail)
}

fn str_member<'v>(obj: &'v Map<String, Value>, key: &str) -> Result<Option<&'v str>, ScimError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("'{key}' must be a string"))),
    }
}

fn bool_member(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, ScimError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("'{key}' must be a boolean"))),
    }
}

fn strings_member(obj: &Map<String, Value>, key: &str) -> Result<Vec<String>, ScimError> {
    match obj.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("'{key}' must hold strings")))
            })
            .collect(),
        Some(_) => Err(bad(format!("'{key}' must be an array"))),
    }
}

const KINDS: [(AttrKind, &str); 8] = [
    (AttrKind::String, "string"),
    (AttrKind::Boolean, "boolean"),
    (AttrKind::Decimal, "decimal"),
    (AttrKind::Integer, "integer"),
    (AttrKind::DateTime, "dateTime"),
    (AttrKind::Binary, "binary"),
    (AttrKind::Reference, "reference"),
    (AttrKind::Complex, "complex"),
];

/// The RFC 7643 §7 `type` keyword of a data type.
pub fn kind_str(kind: AttrKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("string", |(_, s)| s)
}

fn kind_from_str(s: &str) -> Option<AttrKind> {
    KINDS
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(s))
        .map(|(k, _)| *k)
}

const MUTABILITIES: [(Mutability, &str); 4] = [
    (Mutability::ReadOnly, "readOnly"),
    (Mutability::ReadWrite, "readWrite"),
    (Mutability::Immutable, "immutable"),
    (Mutability::WriteOnly, "writeOnly"),
];

fn mutability_str(m: Mutability) -> &'static str {
    MUTABILITIES
        .iter()
        .find(|(k, _)| *k == m)
        .map_or("readWrite", |(_, s)| s)
}

fn mutability_from_str(s: &str) -> Option<Mutability> {
    MUTABILITIES
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(s))
        .map(|(m, _)| *m)
}

const RETURNED: [(Returned, &str); 4] = [
    (Returned::Always, "always"),
    (Returned::Never, "never"),
    (Returned::Default, "default"),
    (Returned::Request, "request"),
];

fn returned_str(r: Returned) -> &'static str {
    RETURNED
        .iter()
        .find(|(k, _)| *k == r)
        .map_or("default", |(_, s)| s)
}

fn returned_from_str(s: &str) -> Option<Returned> {
    RETURNED
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(s))
        .map(|(r, _)| *r)
}

const UNIQUENESS: [(Uniqueness, &str); 3] = [
    (Uniqueness::None, "none"),
    (Uniqueness::Server, "server"),
    (Uniqueness::Global, "global"),
];

fn uniqueness_str(u: Uniqueness) -> &'static str {
    UNIQUENESS
        .iter()
        .find(|(k, _)| *k == u)
        .map_or("none", |(_, s)| s)
}

fn uniqueness_from_str(s: &str) -> Option<Uniqueness> {
    UNIQUENESS
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(s))
        .map(|(u, _)| *u)
}
