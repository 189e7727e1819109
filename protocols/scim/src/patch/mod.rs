//! SCIM PATCH (RFC 7644 §3.5.2): the PatchOp message, and the engine that
//! applies its `add`, `remove` and `replace` operations, in order and all or
//! nothing, to a resource held as a JSON object.
//!
//! ```
//! use serde_json::json;
//! use usso_scim::patch::{AttrKind, AttrRef, Mutability, PatchRequest, Schema};
//!
//! /// A Group schema reduced to what this example touches.
//! struct Group;
//! impl Schema for Group {
//!     fn core_schema(&self) -> &str { usso_scim::schema::GROUP }
//!     fn extension(&self, _: &str) -> Option<&str> { None }
//!     fn is_known(&self, a: &AttrRef<'_>) -> bool {
//!         match a.sub_attr {
//!             None => ["id", "displayName", "members"].iter().any(|n| n.eq_ignore_ascii_case(a.name)),
//!             Some(s) => a.name.eq_ignore_ascii_case("members") && s.eq_ignore_ascii_case("value"),
//!         }
//!     }
//!     fn is_multi_valued(&self, a: &AttrRef<'_>) -> bool {
//!         a.sub_attr.is_none() && a.name.eq_ignore_ascii_case("members")
//!     }
//!     fn mutability(&self, a: &AttrRef<'_>) -> Mutability {
//!         if a.name.eq_ignore_ascii_case("id") { Mutability::ReadOnly } else { Mutability::ReadWrite }
//!     }
//!     fn kind(&self, a: &AttrRef<'_>) -> AttrKind {
//!         if self.is_multi_valued(a) { AttrKind::Complex } else { AttrKind::String }
//!     }
//! }
//!
//! let request = PatchRequest::parse(br#"{
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "Add", "path": "members", "value": [{"value": "2819c223"}]}]
//! }"#)?;
//! let group = json!({"id": "e9e30dba", "displayName": "Tour Guides"});
//! let patched = request.apply(&group, &Group)?;
//! assert_eq!(patched["members"], json!([{"value": "2819c223"}]));
//! # Ok::<(), usso_scim::ScimError>(())
//! ```
//!
//! Choices where RFC 7644 leaves room, or where the big provisioning clients
//! stray from it:
//!
//! - attribute names match ignoring ASCII case and keep their stored
//!   spelling; a new attribute takes the client's spelling;
//! - `add` to a multi-valued attribute skips values equal to one held; a
//!   value whose `primary` becomes true clears `primary` on the others
//!   (§3.5.2);
//! - `replace` of a single-valued complex attribute, and `add` to it, merge
//!   sub-attributes (§3.5.2.1, §3.5.2.3); a `null` value, or an empty array,
//!   given to `add` or `replace` unassigns (RFC 7643 §2.5);
//! - a value filter that selects nothing fails `replace` with `noTarget`
//!   (§3.5.2.3) but is a no-op for `remove` (removing what is absent changes
//!   nothing); for `add`, a filter made of `sub eq literal` terms creates the
//!   value it describes (Entra ID adds `emails[type eq "work"].value` to
//!   users without a work email), any other filter fails with `noTarget`;
//! - `remove` of a multi-valued attribute with a `value` removes only the
//!   listed values (Entra ID: `{"op":"Remove","path":"members","value":[{"value":"…"}]}`);
//! - without a path, a member name of `value` may be a path (Entra ID:
//!   `{"name.givenName":"Barbara"}`), URN-prefixed or not, or a schema URN
//!   whose object holds that schema's attributes;
//! - the strings `"True"`/`"False"` (any case) are booleans for a boolean
//!   attribute; a bare value for a single-valued complex attribute with a
//!   `value` sub-attribute (Entra ID's `manager`) becomes `{"value": …}`;
//! - writing back a `readOnly` or `immutable` attribute's own value is
//!   allowed (Okta repeats `id` in a `replace`); changing it is `mutability`;
//! - an extension object is created with its first attribute, its URN added
//!   to `schemas`, and both go when its last attribute does;
//! - more than [`MAX_OPERATIONS`] operations fail with `invalidValue`: RFC
//!   7644 Table 9 scopes `tooMany` to query results and lists `invalidValue`
//!   for PATCH.

mod apply;
mod coerce;
pub(crate) mod json;
mod port;
mod request;

pub use port::{unassign_refused, AttrKind, AttrRef, Mutability, Schema};
pub use request::{PatchOp, PatchOperation, PatchRequest, MAX_OPERATIONS};

#[cfg(test)]
mod tests;
