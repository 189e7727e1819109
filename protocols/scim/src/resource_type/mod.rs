//! Resource types and their schemas (RFC 7643 §3, §6, §7): the User and
//! Group definitions read from the schema files of `metadata/scim/schemas/`
//! (the RFC 7643 §8.7.1 and §8.7.2 attributes), the common attributes every resource
//! has (RFC 7643 §3.1), the `ResourceType` discovery resource (§6) and the
//! answers the PATCH engine asks for ([`crate::patch::Schema`]).
//!
//! ```
//! use usso_scim::resource_type::ResourceType;
//!
//! let users = ResourceType::user();
//! assert_eq!(users.endpoint, "/Users");
//! let user_name = users.core.attribute("USERNAME").map(|a| a.name.as_str());
//! assert_eq!(user_name, Some("userName"));
//! ```
//!
//! Where this follows §4.2 rather than §8.7.1: Group `displayName` is
//! `required` (§4.2 says REQUIRED; the §8.7.1 listing says false). User
//! `addresses` has a `primary` sub-attribute (§4.1.2 lists it; §8.7.1 omits
//! it), and Group `members` has `display` (§2.4).

mod def;
mod port;

use std::sync::LazyLock;

use serde_json::{json, Value};

pub(crate) use def::find_def;
pub use def::{kind_str, AttributeDef, Returned, SchemaDef, Uniqueness};

use crate::filter::AttrPath;
use crate::patch::{AttrKind, Mutability};
use crate::schema;

/// An extension schema of a resource type (RFC 7643 §6, `schemaExtensions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The extension schema.
    pub schema: SchemaDef,
    /// Whether every resource of the type must carry the extension.
    pub required: bool,
}

/// A resource type: its endpoint, core schema and extensions (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// The name, also its `id`, e.g. `User`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// What the resources are, for humans.
    pub description: String,
    /// The core schema.
    pub core: SchemaDef,
    /// The extension schemas.
    pub extensions: Vec<Extension>,
}

/// Where an attribute path leads in a resource type ([`ResourceType::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedPath<'a> {
    /// The canonical URN of the schema holding the attribute (the core
    /// schema for the common attributes).
    pub schema: &'a str,
    /// The attribute.
    pub attr: &'a AttributeDef,
    /// The sub-attribute, when the path names one.
    pub sub: Option<&'a AttributeDef>,
}

const USER_JSON: &str = include_str!("../../../../metadata/scim/schemas/User.json");
const ENTERPRISE_USER_JSON: &str =
    include_str!("../../../../metadata/scim/schemas/EnterpriseUser.json");
const GROUP_JSON: &str = include_str!("../../../../metadata/scim/schemas/Group.json");

/// The text of the embedded schema files, in publication order: User,
/// Enterprise User, Group.
pub const SCHEMA_FILES: [&str; 3] = [USER_JSON, ENTERPRISE_USER_JSON, GROUP_JSON];

#[allow(
    clippy::expect_used,
    reason = "the schema files are compile-time constants; the tests parse each one"
)]
fn embedded(text: &str) -> SchemaDef {
    let value: Value = serde_json::from_str(text).expect("embedded SCIM schema file is JSON");
    SchemaDef::from_json(&value).expect("embedded SCIM schema file is a valid Schema")
}

static USER: LazyLock<ResourceType> = LazyLock::new(|| ResourceType {
    name: "User".into(),
    endpoint: "/Users".into(),
    description: "User Account".into(),
    core: embedded(USER_JSON),
    extensions: vec![Extension {
        schema: embedded(ENTERPRISE_USER_JSON),
        required: false,
    }],
});

static GROUP: LazyLock<ResourceType> = LazyLock::new(|| ResourceType {
    name: "Group".into(),
    endpoint: "/Groups".into(),
    description: "Group".into(),
    core: embedded(GROUP_JSON),
    extensions: Vec::new(),
});

static COMMON: LazyLock<Vec<AttributeDef>> = LazyLock::new(build_common);

/// The attributes every resource has besides its schema's (RFC 7643 §3.1):
/// `id` (readOnly, returned always, caseExact), `externalId` (readWrite,
/// caseExact) and `meta` (readOnly complex). They belong to no schema file
/// and are matched as attributes of the core schema.
pub fn common_attributes() -> &'static [AttributeDef] {
    &COMMON
}

fn build_common() -> Vec<AttributeDef> {
    let read_only = |name: &str, kind: AttrKind, case_exact: bool, description: &str| {
        let mut d = AttributeDef::new(name, kind);
        d.mutability = Mutability::ReadOnly;
        d.case_exact = case_exact;
        d.description = description.into();
        d
    };
    let mut id = read_only(
        "id",
        AttrKind::String,
        true,
        "The service provider's stable identifier of the resource.",
    );
    id.returned = Returned::Always;
    id.uniqueness = Uniqueness::Server;
    let mut external_id = AttributeDef::new("externalId", AttrKind::String);
    external_id.case_exact = true;
    external_id.description = "The client's own identifier of the resource.".into();
    let mut location = read_only(
        "location",
        AttrKind::Reference,
        true,
        "The URI of the resource.",
    );
    location.reference_types = vec!["uri".into()];
    let mut meta = read_only("meta", AttrKind::Complex, false, "Resource metadata.");
    meta.sub_attributes = vec![
        read_only(
            "resourceType",
            AttrKind::String,
            true,
            "The name of the resource type.",
        ),
        read_only(
            "created",
            AttrKind::DateTime,
            false,
            "When the resource was created.",
        ),
        read_only(
            "lastModified",
            AttrKind::DateTime,
            false,
            "When the resource last changed.",
        ),
        location,
        read_only(
            "version",
            AttrKind::String,
            true,
            "The entity tag of the resource's current version.",
        ),
    ];
    vec![id, external_id, meta]
}

impl ResourceType {
    /// The User resource type (RFC 7643 §4.1) with the Enterprise User
    /// extension (§4.3, not required), served at `/Users`.
    pub fn user() -> Self {
        USER.clone()
    }

    /// The Group resource type (RFC 7643 §4.2), served at `/Groups`.
    pub fn group() -> Self {
        GROUP.clone()
    }

    /// The extension `urn` (ASCII case-insensitive), if the type has it.
    pub fn extension(&self, urn: &str) -> Option<&Extension> {
        self.extensions
            .iter()
            .find(|e| e.schema.id.eq_ignore_ascii_case(urn))
    }

    /// A top-level attribute of the core schema or a common attribute
    /// (ASCII case-insensitive).
    pub fn core_attribute(&self, name: &str) -> Option<&AttributeDef> {
        find_def(common_attributes(), name).or_else(|| self.core.attribute(name))
    }

    /// The definitions a path names: with a URN, in that schema (the core
    /// one or an extension); without, in the core schema, else in the first
    /// extension that has an attribute of that name. `None` for a path that
    /// names nothing, or a sub-attribute of a non-complex attribute.
    pub fn resolve(&self, path: &AttrPath) -> Option<ResolvedPath<'_>> {
        let (schema, attr) = match &path.urn {
            Some(urn) if urn.eq_ignore_ascii_case(&self.core.id) => {
                (self.core.id.as_str(), self.core_attribute(&path.name)?)
            }
            Some(urn) => {
                let ext = self.extension(urn)?;
                (ext.schema.id.as_str(), ext.schema.attribute(&path.name)?)
            }
            None => match self.core_attribute(&path.name) {
                Some(attr) => (self.core.id.as_str(), attr),
                None => self.extensions.iter().find_map(|e| {
                    e.schema
                        .attribute(&path.name)
                        .map(|a| (e.schema.id.as_str(), a))
                })?,
            },
        };
        let sub = match &path.sub {
            None => None,
            Some(sub) => Some(attr.sub_attribute(sub)?),
        };
        Some(ResolvedPath { schema, attr, sub })
    }

    /// The `ResourceType` resource (RFC 7643 §6), with
    /// `meta.location` = `base_url` + `/ResourceTypes/` + name.
    /// `schemaExtensions` is left out when there are none (RFC 7643 §8.6).
    pub fn to_json(&self, base_url: &str) -> Value {
        let mut out = json!({
            "schemas": [schema::RESOURCE_TYPE],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.core.id,
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{}/ResourceTypes/{}", base_url.trim_end_matches('/'), self.name),
            },
        });
        if !self.extensions.is_empty() {
            let exts: Vec<Value> = self
                .extensions
                .iter()
                .map(|e| json!({"schema": e.schema.id, "required": e.required}))
                .collect();
            out["schemaExtensions"] = Value::Array(exts);
        }
        out
    }
}

#[cfg(test)]
mod tests;
