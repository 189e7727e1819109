//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): the
//! syntax tree, the parser of the Figure 1 and Figure 7 grammars, a canonical
//! printer, and a small in-memory evaluator over a resource's JSON.
//!
//! ```
//! use usso_scim::filter::{Filter, PatchPath};
//!
//! let f = Filter::parse(r#"emails[type eq "work" and value co "@example.com"]"#)?;
//! let user = serde_json::json!({
//!     "userName": "bjensen",
//!     "emails": [{"type": "work", "value": "bjensen@example.com"}],
//! });
//! assert!(f.matches(&user));
//! assert_eq!(f.to_string(), r#"emails[type eq "work" and value co "@example.com"]"#);
//!
//! let p = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
//! assert_eq!(p.sub_attr(), Some("value"));
//! # Ok::<(), usso_scim::ScimError>(())
//! ```
//!
//! Grammar choices, where RFC 7644 leaves room:
//!
//! - attribute names, schema URIs, comparison operators, `pr`, `and`, `or`
//!   and `not` are case-insensitive (§3.4.2.2; ABNF quoted strings, RFC 5234
//!   §2.3); the JSON literals `true`, `false`, `null` are lower-case only, as
//!   in JSON (RFC 7159 §3);
//! - any run of spaces, tabs, CR or LF stands for the grammar's `SP`, and
//!   may surround parentheses and brackets;
//! - inside `[ ]` an attribute is a bare sub-attribute name (no schema URI,
//!   no `.`), and brackets do not nest (RFC 7643 §2.3.8: sub-attributes have
//!   no sub-attributes);
//! - `$ref` is accepted as an attribute name (RFC 7643 §2.3.7);
//! - a PATCH path has no whitespace outside its brackets.
//!
//! Limits, each refused as `invalidFilter` (or `invalidPath` for the length
//! of a PATCH path): [`MAX_FILTER_LEN`] bytes of input, [`MAX_DEPTH`] levels
//! of nesting, [`MAX_COMPARISONS`] comparisons. The parser recurses only on
//! nesting, so it cannot overflow the stack.

mod ast;
mod display;
mod eval;
mod lexer;
mod parser;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};

use crate::{ScimError, ScimType};

/// The longest filter or PATCH path accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// The deepest nesting accepted: each `(`, `not (` and `[` opens one level.
pub const MAX_DEPTH: usize = 32;
/// The most comparisons (`attrExp`, including `pr` and those inside value
/// paths) one filter or PATCH path may hold.
pub const MAX_COMPARISONS: usize = 100;

/// A syntax error: where (0-based byte offset into the input) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ParseError {
    pos: usize,
    msg: String,
}

impl ParseError {
    fn new(pos: usize, msg: impl Into<String>) -> Self {
        Self {
            pos,
            msg: msg.into(),
        }
    }

    fn into_scim(self, scim_type: ScimType, what: &str) -> ScimError {
        ScimError::typed(scim_type)
            .with_detail(format!("invalid {what} at byte {}: {}", self.pos, self.msg))
    }
}

impl Filter {
    /// Parses a filter (RFC 7644 §3.4.2.2, Figure 1), e.g. the `filter`
    /// query parameter once URL-decoded.
    ///
    /// A syntax error or an input over the limits gives a 400 `invalidFilter`
    /// whose detail names the 0-based byte offset of the fault, e.g.
    /// `invalid filter at byte 9: unknown operator 'xx': expected eq, ne, …`.
    pub fn parse(src: &str) -> Result<Self, ScimError> {
        parser::parse_filter(src).map_err(|e| e.into_scim(ScimType::InvalidFilter, "filter"))
    }
}

impl PatchPath {
    /// Parses a PATCH operation's `path` (RFC 7644 §3.5.2, Figure 7):
    /// `attrPath / valuePath [subAttr]`.
    ///
    /// A malformed path gives a 400 `invalidPath`; a malformed filter inside
    /// the brackets gives a 400 `invalidFilter`, which RFC 7644 §3.12
    /// (Table 9) lists for "PATCH (Path filter)". The detail names the
    /// 0-based byte offset of the fault.
    pub fn parse(src: &str) -> Result<Self, ScimError> {
        parser::parse_patch_path(src).map_err(|(t, e)| match t {
            ScimType::InvalidFilter => e.into_scim(t, "filter in path"),
            _ => e.into_scim(t, "path"),
        })
    }
}

/// Parses a PATCH `path`; the same as [`PatchPath::parse`].
pub fn parse_path(src: &str) -> Result<PatchPath, ScimError> {
    PatchPath::parse(src)
}

#[cfg(test)]
mod tests;
