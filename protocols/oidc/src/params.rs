//! Request parameters of the authorization and token endpoints, as decoded
//! `(name, value)` pairs, made into a map under the rules of RFC 6749 §3.1
//! and §3.2: a parameter sent without a value is treated as omitted, and no
//! parameter may appear more than once. Sizes are capped so that a hostile
//! request costs little.
//!
//! The HTTP layer decodes the query string or the
//! `application/x-www-form-urlencoded` body (refusing bytes that are not
//! UTF-8) and hands the pairs over unchanged, in order.

use crate::error::{OAuthError, OAuthErrorCode};

/// Longest value accepted for most parameters, in bytes (`state`, `claims`,
/// `nonce`, `redirect_uri`…).
pub const MAX_VALUE_LEN: usize = 4096;

/// Longest value accepted for the parameters that carry a whole JWT
/// (`id_token_hint`, `client_assertion`), in bytes: signed tokens with
/// certificate chains or many claims can exceed [`MAX_VALUE_LEN`].
pub const MAX_JWT_VALUE_LEN: usize = 8192;

/// Largest request accepted: the sum of every name and value, in bytes.
pub const MAX_REQUEST_LEN: usize = 16 * 1024;

/// Most `(name, value)` pairs accepted in one request.
pub const MAX_PAIRS: usize = 100;

/// Parameters that may lawfully repeat: `resource` (RFC 8707 §2).
const MULTI_VALUED: &[&str] = &["resource"];

/// Parameters that carry a JWT and get [`MAX_JWT_VALUE_LEN`].
const JWT_VALUED: &[&str] = &["id_token_hint", "client_assertion"];

/// Longest parameter name or value quoted back in an error description.
const MAX_QUOTED: usize = 64;

/// Why a set of request parameters is refused. Every case is an
/// `invalid_request` (RFC 6749 §4.1.2.1, §5.2); see the `From` impl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// A parameter appears more than once (RFC 6749 §3.1, §3.2).
    #[error("parameter {name} is included more than once")]
    Repeated {
        /// The parameter name, shortened for display.
        name: String,
    },
    /// A value is longer than its limit.
    #[error("parameter {name} is longer than {max} bytes")]
    ValueTooLong {
        /// The parameter name, shortened for display.
        name: String,
        /// The limit for this parameter.
        max: usize,
    },
    /// The names and values add up to more than [`MAX_REQUEST_LEN`].
    #[error("request parameters exceed {max} bytes")]
    RequestTooLarge {
        /// The limit, [`MAX_REQUEST_LEN`].
        max: usize,
    },
    /// More than [`MAX_PAIRS`] pairs.
    #[error("request has more than {max} parameters")]
    TooManyPairs {
        /// The limit, [`MAX_PAIRS`].
        max: usize,
    },
}

impl From<ParamsError> for OAuthError {
    fn from(e: ParamsError) -> Self {
        OAuthError::new(OAuthErrorCode::InvalidRequest).with_description(&e.to_string())
    }
}

/// Request parameters with empty values dropped and repeats refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    entries: Vec<(String, String)>,
}

impl Params {
    /// Builds the map from decoded pairs, in request order.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ParamsError> {
        check_request_size(pairs)?;
        let mut entries: Vec<(String, String)> = Vec::new();
        for (name, value) in pairs {
            if name.is_empty() || value.is_empty() {
                continue;
            }
            check_value_len(name, value)?;
            let multi = MULTI_VALUED.contains(&name.as_str());
            if !multi && entries.iter().any(|(n, _)| n == name) {
                return Err(ParamsError::Repeated {
                    name: shorten(name),
                });
            }
            entries.push((name.clone(), value.clone()));
        }
        Ok(Self { entries })
    }

    /// The value of `name`, or `None` when absent (or sent empty). For a
    /// multi-valued parameter, its first value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in request order: several only for the
    /// parameters that may repeat (`resource`, RFC 8707 §2).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` was sent with a non-empty value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every `(name, value)`, in request order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// The one value of `name` among raw `pairs`, with the rules of
/// [`Params::parse`] applied to that parameter alone: empty values are
/// absent, a repeat or an oversized value is an error. Lets a caller read a
/// few parameters before deciding how to report errors in the others.
pub fn single_value<'a>(
    pairs: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, ParamsError> {
    let mut found: Option<&str> = None;
    for (n, v) in pairs {
        if n != name || v.is_empty() {
            continue;
        }
        if found.is_some() {
            return Err(ParamsError::Repeated {
                name: shorten(name),
            });
        }
        check_value_len(name, v)?;
        found = Some(v);
    }
    Ok(found)
}

/// The limit for the value of `name`.
pub fn max_value_len(name: &str) -> usize {
    if JWT_VALUED.contains(&name) {
        MAX_JWT_VALUE_LEN
    } else {
        MAX_VALUE_LEN
    }
}

fn check_request_size(pairs: &[(String, String)]) -> Result<(), ParamsError> {
    if pairs.len() > MAX_PAIRS {
        return Err(ParamsError::TooManyPairs { max: MAX_PAIRS });
    }
    let total = pairs
        .iter()
        .fold(0usize, |acc, (n, v)| acc.saturating_add(n.len() + v.len()));
    if total > MAX_REQUEST_LEN {
        return Err(ParamsError::RequestTooLarge {
            max: MAX_REQUEST_LEN,
        });
    }
    Ok(())
}

fn check_value_len(name: &str, value: &str) -> Result<(), ParamsError> {
    let max = max_value_len(name);
    if value.len() > max {
        return Err(ParamsError::ValueTooLong {
            name: shorten(name),
            max,
        });
    }
    Ok(())
}

/// `text` cut to [`MAX_QUOTED`] characters, for error descriptions
/// that quote what the client sent.
pub(crate) fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests;
