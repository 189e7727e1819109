//! Tests of the PATCH engine (RFC 7644 §3.5.2) against an in-memory schema
//! port holding the RFC 7643 User, Enterprise User and Group attributes the
//! cases touch.

mod props;
mod quirks;
mod request;
mod rfc;
mod semantics;

use serde_json::{json, Value};

use super::{unassign_refused, AttrKind, AttrRef, Mutability, PatchRequest, Schema};
use crate::error::{ScimError, ScimType};
use crate::schema::{ENTERPRISE_USER, GROUP, PATCH_OP, USER};

/// One attribute or sub-attribute definition.
struct Def {
    schema: &'static str,
    name: &'static str,
    sub: Option<&'static str>,
    kind: AttrKind,
    multi: bool,
    mutability: Mutability,
    required: bool,
}

const fn def(schema: &'static str, name: &'static str, kind: AttrKind) -> Def {
    Def {
        schema,
        name,
        sub: None,
        kind,
        multi: false,
        mutability: Mutability::ReadWrite,
        required: false,
    }
}

impl Def {
    const fn sub(mut self, sub: &'static str) -> Self {
        self.sub = Some(sub);
        self
    }
    const fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// An in-memory [`Schema`]: a resource type and its attribute table.
pub(super) struct TestSchema {
    core: &'static str,
    extensions: Vec<&'static str>,
    defs: Vec<Def>,
}

impl TestSchema {
    fn find(&self, a: &AttrRef<'_>) -> Option<&Def> {
        self.defs.iter().find(|d| {
            d.schema == a.schema
                && d.name.eq_ignore_ascii_case(a.name)
                && match (d.sub, a.sub_attr) {
                    (None, None) => true,
                    (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
                    _ => false,
                }
        })
    }

    /// RFC 7643 §4.1 User with the §4.3 Enterprise User extension.
    pub(super) fn user() -> Self {
        use AttrKind::{Boolean, Complex, DateTime, Reference, String};
        let mut defs = vec![
            def(USER, "id", String).read_only(),
            def(USER, "externalId", String),
            def(USER, "userName", String).required(),
            def(USER, "name", Complex),
            def(USER, "displayName", String),
            def(USER, "nickName", String),
            def(USER, "title", String),
            def(USER, "active", Boolean),
            def(USER, "password", String),
            def(USER, "groups", Complex).multi().read_only(),
            def(USER, "groups", String).sub("value").read_only(),
            def(USER, "groups", String).sub("display").read_only(),
            def(USER, "meta", Complex).read_only(),
            def(USER, "meta", String).sub("resourceType").read_only(),
            def(USER, "meta", DateTime).sub("created").read_only(),
            def(USER, "meta", DateTime).sub("lastModified").read_only(),
            def(USER, "meta", String).sub("version").read_only(),
        ];
        for sub in [
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ] {
            defs.push(def(USER, "name", String).sub(sub));
        }
        for attr in ["emails", "phoneNumbers", "addresses"] {
            defs.push(def(USER, attr, Complex).multi());
            defs.push(def(USER, attr, String).sub("type"));
            defs.push(def(USER, attr, Boolean).sub("primary"));
            defs.push(def(USER, attr, String).sub("display"));
        }
        defs.push(def(USER, "emails", String).sub("value"));
        defs.push(def(USER, "phoneNumbers", String).sub("value"));
        for sub in [
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
        ] {
            defs.push(def(USER, "addresses", String).sub(sub));
        }
        for name in [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
        ] {
            defs.push(def(ENTERPRISE_USER, name, String));
        }
        defs.push(def(ENTERPRISE_USER, "manager", Complex));
        defs.push(def(ENTERPRISE_USER, "manager", String).sub("value"));
        defs.push(def(ENTERPRISE_USER, "manager", Reference).sub("$ref"));
        defs.push(
            def(ENTERPRISE_USER, "manager", String)
                .sub("displayName")
                .read_only(),
        );
        Self {
            core: USER,
            extensions: vec![ENTERPRISE_USER],
            defs,
        }
    }

    /// RFC 7643 §4.2 Group (`members.value` is immutable, §8.7.1).
    pub(super) fn group() -> Self {
        use AttrKind::{Complex, Reference, String};
        Self {
            core: GROUP,
            extensions: Vec::new(),
            defs: vec![
                def(GROUP, "id", String).read_only(),
                def(GROUP, "externalId", String),
                def(GROUP, "displayName", String).required(),
                def(GROUP, "members", Complex).multi(),
                def(GROUP, "members", String).sub("value").immutable(),
                def(GROUP, "members", Reference).sub("$ref").immutable(),
                def(GROUP, "members", String).sub("type").immutable(),
                def(GROUP, "members", String).sub("display"),
                def(GROUP, "meta", Complex).read_only(),
            ],
        }
    }
}

impl Schema for TestSchema {
    fn core_schema(&self) -> &str {
        self.core
    }

    fn extension(&self, urn: &str) -> Option<&str> {
        self.extensions
            .iter()
            .copied()
            .find(|e| e.eq_ignore_ascii_case(urn))
    }

    fn is_known(&self, attr: &AttrRef<'_>) -> bool {
        self.find(attr).is_some()
    }

    fn is_multi_valued(&self, attr: &AttrRef<'_>) -> bool {
        self.find(attr).is_some_and(|d| d.multi)
    }

    fn mutability(&self, attr: &AttrRef<'_>) -> Mutability {
        self.find(attr)
            .map_or(Mutability::ReadWrite, |d| d.mutability)
    }

    fn kind(&self, attr: &AttrRef<'_>) -> AttrKind {
        self.find(attr).map_or(AttrKind::String, |d| d.kind)
    }

    fn check_unassign(&self, attr: &AttrRef<'_>) -> Result<(), ScimError> {
        match self.find(attr) {
            Some(d) if d.required => Err(unassign_refused(attr)),
            _ => Ok(()),
        }
    }
}

/// A PatchOp message of `operations`.
pub(super) fn message(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// Parses `operations` as a PatchOp message and applies it.
pub(super) fn patch(
    resource: &Value,
    schema: &TestSchema,
    operations: Value,
) -> Result<Value, ScimError> {
    PatchRequest::from_json(&message(operations))?.apply(resource, schema)
}

/// The `scimType` of a failed result, checking the status is 400.
pub(super) fn scim_type(result: Result<Value, ScimError>) -> ScimType {
    match result {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => {
            assert_eq!(e.status, 400, "{e}");
            e.scim_type.unwrap_or_else(|| panic!("no scimType in {e}"))
        }
    }
}

/// The User of RFC 7643 §8.2, reduced.
pub(super) fn bjensen() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE_USER],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen, III"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "primary": true},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood"}
        ],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "version": "W/\"3694e05e9dff591\""},
        ENTERPRISE_USER: {"employeeNumber": "701984", "department": "Tour Operations"}
    })
}

/// A Group with two members (RFC 7643 §8.4, RFC 7644 §3.5.2.2).
pub(super) fn tour_guides() -> Value {
    json!({
        "schemas": [GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
        ]
    })
}
