//! Writing and reading resources (RFC 7644 §3.3, §3.5.1, §3.4.2.5, §3.9):
//! [`ResourceType::check_write`] checks and canonicalizes what a client sends
//! (POST or PUT body, or a PATCH result), [`ResourceType::project`] shapes
//! what goes back (`returned`, `attributes`, `excludedAttributes`), and
//! [`parse_attribute_list`] reads the `attributes` / `excludedAttributes`
//! query parameters.
//!
//! [`ResourceType::check_write`]: crate::resource_type::ResourceType::check_write
//! [`ResourceType::project`]: crate::resource_type::ResourceType::project

mod project;
mod values;
mod write;

use crate::error::{ScimError, ScimType};
use crate::filter::{AttrPath, Filter};
// The attribute-name and "no value" rules (RFC 7643 §2.1, §2.5) are the
// PATCH engine's: one definition for both.
use crate::patch::json::{get_ci, is_unassigned, same};

pub use values::is_date_time;

/// What a write does: create a resource (POST) or replace one (PUT, or the
/// result of a PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteMode {
    /// A new resource (RFC 7644 §3.3).
    Create,
    /// A new version of an existing resource (RFC 7644 §3.5.1).
    Replace,
}

/// Parses a comma-separated attribute list, the value of the
/// `attributes` or `excludedAttributes` query parameter (RFC 7644
/// §3.4.2.5), already percent-decoded: each item an attribute path
/// (`[URN ":"] name ["." sub]`), spaces around items ignored, empty items
/// skipped. A malformed item gives 400 `invalidValue` (RFC 7644 names no
/// keyword for this).
pub fn parse_attribute_list(raw: &str) -> Result<Vec<AttrPath>, ScimError> {
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(parse_attribute_path)
        .collect()
}

/// Parses one attribute path (`[URN ":"] name ["." sub]`), e.g. a `sortBy`
/// value or an item of an attribute list; 400 `invalidValue` if malformed.
pub fn parse_attribute_path(item: &str) -> Result<AttrPath, ScimError> {
    let invalid = || {
        ScimError::typed(ScimType::InvalidValue)
            .with_detail(format!("invalid attribute path '{}'", cut(item)))
    };
    if item.is_empty()
        || item
            .chars()
            .any(|c| c.is_whitespace() || "[]()\"".contains(c))
    {
        return Err(invalid());
    }
    // The filter grammar's `attrPath` is the one attribute lists use; a
    // presence test is the smallest filter holding one.
    match Filter::parse(&format!("{item} pr")) {
        Ok(Filter::Present { path }) => Ok(path),
        _ => Err(invalid()),
    }
}

/// A piece of client input for a message, cut to 60 characters.
fn cut(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_owned()
    } else {
        let head: String = s.chars().take(60).collect();
        format!("{head}…")
    }
}

/// 400 `invalidValue` with `detail`.
fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::typed(ScimType::InvalidValue).with_detail(detail)
}

#[cfg(test)]
mod tests;
