//! Distinguished names (RFC 4514): the types, how they compare, and how to
//! move in the tree. Parsing lives in `dn/parse.rs`, writing in
//! `dn/display.rs`.
//!
//! A [`Dn`] keeps its RDNs in string order, the entry's own RDN first
//! (`uid=jo,ou=people,dc=example,dc=com`). Attribute types compare without
//! regard to ASCII case; values compare octet for octet, since the right
//! matching rule (caseIgnoreMatch for `cn`, …) depends on a schema this module
//! does not have. An RDN is a set: `cn=a+sn=b` equals `sn=b+cn=a`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod display;
mod parse;

/// Longest DN string accepted, in bytes. RFC 4514 sets no limit; this one
/// bounds the work a hostile peer can cause and is far above real DNs.
pub const MAX_DN_LEN: usize = 16 * 1024;

/// A distinguished name: a sequence of RDNs, the entry's own first. The empty
/// DN names the root DSE.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Dn(Vec<Rdn>);

/// A relative distinguished name: one or more attribute-value pairs joined
/// by `+`, kept in written order.
#[derive(Debug, Clone)]
pub struct Rdn(Vec<AttributeTypeAndValue>);

/// One `type=value` pair of an RDN.
#[derive(Debug, Clone)]
pub struct AttributeTypeAndValue {
    attr_type: String,
    value: AttributeValue,
}

/// An attribute value as RFC 4514 §2.4 writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttributeValue {
    /// The value's string form (UTF-8), escapes already resolved.
    Text(String),
    /// The value's BER encoding, written `#` and hex pairs. It is kept as
    /// opaque bytes: decoding needs the attribute's syntax.
    Ber(Vec<u8>),
}

/// Why a DN string or part is not valid under RFC 4514.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnError {
    /// The input is longer than [`MAX_DN_LEN`].
    #[error("DN is {len} bytes long, over the limit of {max}")]
    TooLong {
        /// Length of the input, in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An RDN (or one of its `+` parts) is missing, as in `cn=a,,dc=b`.
    #[error("expected `type=value` at byte {at}")]
    ExpectedAttribute {
        /// Byte offset.
        at: usize,
    },
    /// Nothing before the `=`.
    #[error("empty attribute type at byte {at}")]
    EmptyAttributeType {
        /// Byte offset.
        at: usize,
    },
    /// The attribute type is neither a descriptor nor a numeric OID
    /// (RFC 4512 §1.4).
    #[error("invalid attribute type at byte {at}")]
    InvalidAttributeType {
        /// Byte offset.
        at: usize,
    },
    /// The attribute type is not followed by `=`.
    #[error("expected `=` at byte {at}")]
    ExpectedEquals {
        /// Byte offset.
        at: usize,
    },
    /// A `\` at the end of the input, or followed by a single hex digit.
    #[error("unterminated escape at byte {at}")]
    UnterminatedEscape {
        /// Byte offset of the `\`.
        at: usize,
    },
    /// A `\` followed by something that is neither a special character nor
    /// two hex digits.
    #[error("invalid escape at byte {at}")]
    InvalidEscape {
        /// Byte offset of the `\`.
        at: usize,
    },
    /// A character that must be escaped in a value appears bare.
    #[error("character {ch:?} at byte {at} must be escaped")]
    UnescapedCharacter {
        /// The character.
        ch: char,
        /// Byte offset.
        at: usize,
    },
    /// A `#` value without an even, non-zero number of hex digits, or
    /// followed by something else.
    #[error("invalid hex string value at byte {at}")]
    InvalidHexString {
        /// Byte offset of the `#`.
        at: usize,
    },
    /// The escaped octets of a string value are not valid UTF-8.
    #[error("value at byte {at} is not valid UTF-8 once unescaped")]
    InvalidUtf8 {
        /// Byte offset of the value.
        at: usize,
    },
}

impl Dn {
    /// The empty DN (the root DSE).
    pub const fn root() -> Self {
        Self(Vec::new())
    }

    /// A DN from its RDNs, the entry's own first.
    pub const fn new(rdns: Vec<Rdn>) -> Self {
        Self(rdns)
    }

    /// Parses an RFC 4514 string. As §3 allows, spaces around `,`, `+` and
    /// `=` are accepted and ignored; spaces that belong to a value must be
    /// escaped at its start or end.
    pub fn parse(input: &str) -> Result<Self, DnError> {
        parse::parse_dn(input)
    }

    /// The RDNs, the entry's own first.
    pub fn rdns(&self) -> &[Rdn] {
        &self.0
    }

    /// The entry's own RDN; `None` for the root.
    pub fn rdn(&self) -> Option<&Rdn> {
        self.0.first()
    }

    /// Number of RDNs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether this is the root DSE (no RDN).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The DN one level up; the root's child has the root as parent, the
    /// root has none.
    pub fn parent(&self) -> Option<Self> {
        self.0.split_first().map(|(_, rest)| Self(rest.to_vec()))
    }

    /// The DN of `rdn` placed under this one.
    #[must_use]
    pub fn child(&self, rdn: Rdn) -> Self {
        let mut rdns = Vec::with_capacity(self.0.len() + 1);
        rdns.push(rdn);
        rdns.extend_from_slice(&self.0);
        Self(rdns)
    }

    /// Whether this entry sits strictly below `ancestor` (never itself).
    pub fn is_descendant_of(&self, ancestor: &Self) -> bool {
        self.0.len() > ancestor.0.len() && self.0.ends_with(&ancestor.0)
    }

    /// Whether this entry is `base` or below it: the entries a search of
    /// scope `wholeSubtree` from `base` may return.
    pub fn is_in_subtree_of(&self, base: &Self) -> bool {
        self.0.ends_with(&base.0)
    }
}

impl Rdn {
    /// An RDN of one or more pairs; `None` if `avas` is empty.
    pub fn new(avas: Vec<AttributeTypeAndValue>) -> Option<Self> {
        if avas.is_empty() {
            None
        } else {
            Some(Self(avas))
        }
    }

    /// A single-valued RDN.
    pub fn single(ava: AttributeTypeAndValue) -> Self {
        Self(vec![ava])
    }

    /// The pairs, in written order.
    pub fn avas(&self) -> &[AttributeTypeAndValue] {
        &self.0
    }

    /// The value of the first pair whose type is `attr_type` (ASCII case
    /// ignored), e.g. `rdn.get("cn")`.
    pub fn get(&self, attr_type: &str) -> Option<&AttributeValue> {
        self.0
            .iter()
            .find(|a| a.has_type(attr_type))
            .map(AttributeTypeAndValue::value)
    }

    /// Whether the RDN has more than one pair.
    pub fn is_multi_valued(&self) -> bool {
        self.0.len() > 1
    }

    /// The pairs as an order-free key: lowercased type, then value.
    fn set_key(&self) -> Vec<(String, &AttributeValue)> {
        let mut key: Vec<_> = self
            .0
            .iter()
            .map(|a| (a.attr_type.to_ascii_lowercase(), &a.value))
            .collect();
        key.sort();
        key
    }
}

impl PartialEq for Rdn {
    fn eq(&self, other: &Self) -> bool {
        match (self.0.as_slice(), other.0.as_slice()) {
            ([a], [b]) => a == b,
            (a, b) => a.len() == b.len() && self.set_key() == other.set_key(),
        }
    }
}

impl Eq for Rdn {}

impl Hash for Rdn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.set_key().hash(state);
    }
}

impl AttributeTypeAndValue {
    /// A pair, checking that `attr_type` is a descriptor or numeric OID
    /// (RFC 4512 §1.4) and that a BER value is not empty (it could not be
    /// written as `#` hex pairs).
    pub fn new(attr_type: &str, value: AttributeValue) -> Result<Self, DnError> {
        parse::check_attribute_type(attr_type)?;
        if matches!(&value, AttributeValue::Ber(b) if b.is_empty()) {
            return Err(DnError::InvalidHexString { at: 0 });
        }
        Ok(Self {
            attr_type: attr_type.to_owned(),
            value,
        })
    }

    /// A pair with a string value.
    pub fn text(attr_type: &str, value: &str) -> Result<Self, DnError> {
        Self::new(attr_type, AttributeValue::Text(value.to_owned()))
    }

    /// The attribute type, as written.
    pub fn attr_type(&self) -> &str {
        &self.attr_type
    }

    /// Whether the type is `name`, ignoring ASCII case.
    pub fn has_type(&self, name: &str) -> bool {
        self.attr_type.eq_ignore_ascii_case(name)
    }

    /// The value.
    pub const fn value(&self) -> &AttributeValue {
        &self.value
    }
}

impl PartialEq for AttributeTypeAndValue {
    fn eq(&self, other: &Self) -> bool {
        self.has_type(&other.attr_type) && self.value == other.value
    }
}

impl Eq for AttributeTypeAndValue {}

impl Hash for AttributeTypeAndValue {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.attr_type.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(b'=');
        self.value.hash(state);
    }
}

impl AttributeValue {
    /// The string value, if it is in string form.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            Self::Ber(_) => None,
        }
    }
}

impl FromStr for Dn {
    type Err = DnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display::write_dn(self, f)
    }
}

impl fmt::Display for Rdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display::write_rdn(self, f)
    }
}

impl fmt::Display for AttributeTypeAndValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display::write_ava(self, f)
    }
}

/// A DN travels as its RFC 4514 string (configuration, JSON).
impl Serialize for Dn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Dn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
