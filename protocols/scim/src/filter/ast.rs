//! The SCIM filter and PATCH path syntax tree (RFC 7644 §3.4.2.2 Figure 1,
//! §3.5.2 Figure 7): attribute paths, comparison operators, comparison values
//! and the filter expressions built from them.

use std::hash::{Hash, Hasher};

/// An attribute path: `[URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.4.2.2).
///
/// The spelling is kept as written, so that [`Display`](std::fmt::Display)
/// gives it back, but equality and hashing ignore ASCII case: "Attribute
/// names and attribute operators used in filters are case insensitive"
/// (§3.4.2.2), and schema URIs are compared the same way.
#[derive(Debug, Clone)]
pub struct AttrPath {
    /// The schema URI prefix, without the `:` that joins it to the name,
    /// e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub urn: Option<String>,
    /// The attribute name, e.g. `emails`.
    pub name: String,
    /// The sub-attribute name after `.`, e.g. `value` in `emails.value`.
    pub sub: Option<String>,
}

impl AttrPath {
    /// A path naming a top-level attribute of the resource's core schema.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }

    /// Sets the schema URI prefix.
    #[must_use]
    pub fn with_urn(mut self, urn: impl Into<String>) -> Self {
        self.urn = Some(urn.into());
        self
    }

    /// Sets the sub-attribute.
    #[must_use]
    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }
}

fn eq_opt(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Hashes a name as [`eq_opt`] compares it: ASCII case folded.
fn hash_folded<H: Hasher>(s: Option<&str>, state: &mut H) {
    match s {
        None => state.write_u8(0),
        Some(s) => {
            state.write_u8(1);
            for b in s.bytes() {
                state.write_u8(b.to_ascii_lowercase());
            }
            state.write_u8(0xff);
        }
    }
}

impl PartialEq for AttrPath {
    fn eq(&self, other: &Self) -> bool {
        self.name.eq_ignore_ascii_case(&other.name)
            && eq_opt(self.urn.as_deref(), other.urn.as_deref())
            && eq_opt(self.sub.as_deref(), other.sub.as_deref())
    }
}

impl Eq for AttrPath {}

impl Hash for AttrPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_folded(self.urn.as_deref(), state);
        hash_folded(Some(&self.name), state);
        hash_folded(self.sub.as_deref(), state);
    }
}

/// A comparison operator of an `attrExp` (RFC 7644 §3.4.2.2, Table 3).
/// `pr` has no value and is [`Filter::Present`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (strings).
    Co,
    /// `sw`: starts with (strings).
    Sw,
    /// `ew`: ends with (strings).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in Table 3 order.
    pub const ALL: [Self; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Lt,
        Self::Ge,
        Self::Le,
    ];

    /// The operator as written in canonical (lower-case) form.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Ge => "ge",
            Self::Le => "le",
        }
    }

    /// The operator for a keyword, in any case (§3.4.2.2).
    pub fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(keyword))
    }
}

/// A comparison value: `false / null / true / number / string`, each with
/// the rules of JSON (RFC 7644 §3.4.2.2, RFC 7159).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompValue {
    /// `false`.
    False,
    /// `null`.
    Null,
    /// `true`.
    True,
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, escapes resolved.
    String(String),
}

impl CompValue {
    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::False => serde_json::Value::Bool(false),
            Self::Null => serde_json::Value::Null,
            Self::True => serde_json::Value::Bool(true),
            Self::Number(n) => serde_json::Value::Number(n.clone()),
            Self::String(s) => serde_json::Value::String(s.clone()),
        }
    }
}

/// A SCIM filter expression (RFC 7644 §3.4.2.2, Figure 1).
///
/// Grouping parentheses leave no node: `(a eq 1)` is the `Compare` it holds.
/// `and` and `or` are binary and left-associative, so `a and b and c` is
/// `And(And(a, b), c)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `attrPath SP compareOp SP compValue`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The value compared with.
        value: CompValue,
    },
    /// `attrPath SP "pr"`: the attribute has a non-empty value.
    Present {
        /// The attribute tested.
        path: AttrPath,
    },
    /// `FILTER SP "and" SP FILTER`.
    And(Box<Filter>, Box<Filter>),
    /// `FILTER SP "or" SP FILTER`.
    Or(Box<Filter>, Box<Filter>),
    /// `"not" "(" FILTER ")"`.
    Not(Box<Filter>),
    /// `attrPath "[" valFilter "]"`: some value of the multi-valued (or
    /// complex) attribute `attr` matches `filter`, whose paths are
    /// sub-attribute names of `attr`.
    ValuePath {
        /// The complex attribute; it has no sub-attribute.
        attr: AttrPath,
        /// The filter on its values.
        filter: Box<Filter>,
    },
}

/// A PATCH operation's `path`: `attrPath / valuePath [subAttr]`
/// (RFC 7644 §3.5.2, Figure 7).
///
/// Equality and hashing ignore the ASCII case of every name, as for
/// [`AttrPath`].
#[derive(Debug, Clone)]
pub enum PatchPath {
    /// `attrPath`, e.g. `name.familyName` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`.
    Attr(AttrPath),
    /// `valuePath [subAttr]`, e.g. `emails[type eq "work"].value`.
    Value {
        /// The multi-valued attribute; it has no sub-attribute.
        attr: AttrPath,
        /// The filter selecting its values.
        filter: Box<Filter>,
        /// The sub-attribute of the selected values, if any.
        sub: Option<String>,
    },
}

impl PatchPath {
    /// The attribute the path starts from.
    pub fn attr(&self) -> &AttrPath {
        match self {
            Self::Attr(attr) | Self::Value { attr, .. } => attr,
        }
    }

    /// The value filter, for a value path.
    pub fn filter(&self) -> Option<&Filter> {
        match self {
            Self::Attr(_) => None,
            Self::Value { filter, .. } => Some(filter),
        }
    }

    /// The sub-attribute the path ends on: the one after `.` in an
    /// `attrPath`, or the one after `]` in a value path.
    pub fn sub_attr(&self) -> Option<&str> {
        match self {
            Self::Attr(attr) => attr.sub.as_deref(),
            Self::Value { sub, .. } => sub.as_deref(),
        }
    }
}

impl PartialEq for PatchPath {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Attr(a), Self::Attr(b)) => a == b,
            (
                Self::Value {
                    attr: a,
                    filter: fa,
                    sub: sa,
                },
                Self::Value {
                    attr: b,
                    filter: fb,
                    sub: sb,
                },
            ) => a == b && fa == fb && eq_opt(sa.as_deref(), sb.as_deref()),
            _ => false,
        }
    }
}

impl Eq for PatchPath {}

impl Hash for PatchPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Self::Attr(attr) => {
                state.write_u8(0);
                attr.hash(state);
            }
            Self::Value { attr, filter, sub } => {
                state.write_u8(1);
                attr.hash(state);
                filter.hash(state);
                hash_folded(sub.as_deref(), state);
            }
        }
    }
}
