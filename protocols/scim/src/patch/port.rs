//! The schema port of the PATCH engine: what it asks the caller about the
//! resource type's attributes (RFC 7643 §2.2 characteristics, §2.3 data
//! types, §3.3 extensions; RFC 7644 §3.5.2 mutability rules).

use crate::error::{ScimError, ScimType};

/// One attribute or sub-attribute the engine asks about.
///
/// `schema` is the canonical URN of the schema it belongs to: the resource
/// type's core schema ([`Schema::core_schema`]) or one of its extensions (as
/// returned by [`Schema::extension`]). `name` and `sub_attr` are spelled as
/// the client wrote them: compare them ignoring ASCII case (RFC 7643 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrRef<'a> {
    /// The canonical schema URN.
    pub schema: &'a str,
    /// The attribute name, e.g. `emails`.
    pub name: &'a str,
    /// The sub-attribute name, e.g. `value` in `emails.value`.
    pub sub_attr: Option<&'a str>,
}

impl<'a> AttrRef<'a> {
    /// A top-level attribute of `schema`.
    pub const fn new(schema: &'a str, name: &'a str) -> Self {
        Self {
            schema,
            name,
            sub_attr: None,
        }
    }

    /// The sub-attribute `sub` of this attribute.
    #[must_use]
    pub const fn sub(self, sub: &'a str) -> Self {
        Self {
            sub_attr: Some(sub),
            ..self
        }
    }

    /// The attribute itself, without a sub-attribute.
    #[must_use]
    pub const fn parent(self) -> Self {
        Self {
            sub_attr: None,
            ..self
        }
    }
}

impl std::fmt::Display for AttrRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)?;
        if let Some(sub) = self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// The `mutability` characteristic (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// The client may not change it (e.g. `id`, `meta`).
    ReadOnly,
    /// The client may change it.
    ReadWrite,
    /// The client may set it once, when it has no value (RFC 7644 §3.5.2).
    Immutable,
    /// The client may set it; it is never returned (e.g. `password`).
    WriteOnly,
}

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrKind {
    /// A JSON string (§2.3.1).
    String,
    /// A JSON `true` or `false` (§2.3.2).
    Boolean,
    /// A JSON number (§2.3.3).
    Decimal,
    /// A JSON number without fraction or exponent (§2.3.4).
    Integer,
    /// An `xsd:dateTime` string (§2.3.5).
    DateTime,
    /// A base64 string (§2.3.6).
    Binary,
    /// A URI string (§2.3.7).
    Reference,
    /// A JSON object of sub-attributes (§2.3.8).
    Complex,
}

/// What the PATCH engine asks the caller about one resource type (the port
/// the SCIM adapter implements over its schema definitions).
///
/// Every method that takes an [`AttrRef`] is only called for attributes
/// [`Schema::is_known`] accepted.
pub trait Schema {
    /// The URN of the resource type's core schema, e.g.
    /// [`crate::schema::USER`]. Its attributes live at the top level of the
    /// resource, with or without the URN prefix in a path.
    fn core_schema(&self) -> &str;

    /// The canonical spelling of the extension schema `urn` (matched ignoring
    /// ASCII case) if the resource type has it, e.g.
    /// [`crate::schema::ENTERPRISE_USER`] for Users. Its attributes live in
    /// the resource under that URN as key (RFC 7643 §3.3).
    fn extension(&self, urn: &str) -> Option<&str>;

    /// Whether the attribute (or sub-attribute) exists in the schema; an
    /// unknown one fails the operation with `invalidPath`.
    fn is_known(&self, attr: &AttrRef<'_>) -> bool;

    /// Whether the attribute holds an array of values (`multiValued`).
    fn is_multi_valued(&self, attr: &AttrRef<'_>) -> bool;

    /// The attribute's `mutability`: changing a `readOnly` one, or an
    /// `immutable` one that has a value, fails with `mutability`.
    fn mutability(&self, attr: &AttrRef<'_>) -> Mutability;

    /// The attribute's data type: values are checked against it (a wrong type
    /// fails with `invalidValue`), and the strings `"True"` / `"False"` (any
    /// case) become booleans for [`AttrKind::Boolean`] attributes.
    fn kind(&self, attr: &AttrRef<'_>) -> AttrKind;

    /// Called before a PATCH leaves an attribute that had a value unassigned
    /// (`remove`, a `null` or empty value, the last value of a multi-valued
    /// attribute removed). Refuse here what must keep a value, e.g. a
    /// `required` attribute; RFC 7644 §3.5.2 asks for `mutability`
    /// ([`unassign_refused`] builds that error). Allows by default.
    fn check_unassign(&self, attr: &AttrRef<'_>) -> Result<(), ScimError> {
        let _ = attr;
        Ok(())
    }
}

/// The error RFC 7644 §3.5.2 asks for when a PATCH would leave a required
/// attribute unassigned: 400 `mutability`.
pub fn unassign_refused(attr: &AttrRef<'_>) -> ScimError {
    ScimError::typed(ScimType::Mutability).with_detail(format!(
        "attribute '{attr}' is required and cannot be removed"
    ))
}
