//! The `scope` parameter of RFC 6749 §3.3: space-delimited, case-sensitive
//! tokens, `scope = scope-token *( SP scope-token )` with
//! `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`. Order does not matter and
//! repeats carry no meaning, so a [`Scope`] keeps each token once, in the
//! order first seen, and compares as a set.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest `scope` string accepted, in bytes. The RFC sets no limit; this one
/// bounds the work a hostile request can cause and is far above real use.
pub const MAX_SCOPE_LEN: usize = 4096;

/// A parsed, non-empty, duplicate-free scope.
#[derive(Debug, Clone)]
pub struct Scope(Vec<String>);

/// Why a `scope` string is not valid under RFC 6749 §3.3.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// The string is empty: the grammar needs at least one token.
    #[error("scope is empty")]
    Empty,
    /// The string is longer than [`MAX_SCOPE_LEN`].
    #[error("scope is {len} bytes long, over the limit of {max}")]
    TooLong {
        /// Length of the input, in bytes.
        len: usize,
        /// The limit, [`MAX_SCOPE_LEN`].
        max: usize,
    },
    /// A leading, trailing or doubled space leaves an empty token.
    #[error("empty scope token at byte {at}: tokens are separated by exactly one space")]
    EmptyToken {
        /// Byte offset where the empty token starts.
        at: usize,
    },
    /// A character outside %x21 / %x23-5B / %x5D-7E (`"`, `\`, controls,
    /// non-ASCII, or a separator other than a space).
    #[error("character {ch:?} at byte {at} is not allowed in a scope token")]
    InvalidCharacter {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        at: usize,
    },
}

impl Scope {
    /// Parses a `scope` string (RFC 6749 §3.3).
    pub fn parse(input: &str) -> Result<Self, ScopeError> {
        if input.is_empty() {
            return Err(ScopeError::Empty);
        }
        if input.len() > MAX_SCOPE_LEN {
            return Err(ScopeError::TooLong {
                len: input.len(),
                max: MAX_SCOPE_LEN,
            });
        }
        let mut seen = HashSet::new();
        let mut tokens = Vec::new();
        let mut start = 0;
        for token in input.split(' ') {
            if token.is_empty() {
                return Err(ScopeError::EmptyToken { at: start });
            }
            if let Some((i, ch)) = token.char_indices().find(|&(_, c)| !is_token_char(c)) {
                return Err(ScopeError::InvalidCharacter { ch, at: start + i });
            }
            if seen.insert(token) {
                tokens.push(token.to_owned());
            }
            start += token.len() + 1;
        }
        Ok(Self(tokens))
    }

    /// The tokens, each once, in the order first seen.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether `token` is part of this scope (case-sensitive).
    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    /// Whether every token of `self` is in `other`, e.g. a refresh request
    /// that may only narrow the original grant (RFC 6749 §6).
    pub fn is_subset_of(&self, other: &Self) -> bool {
        self.iter().all(|t| other.contains(t))
    }

    /// The tokens of `self` that are also in `other`, in `self`'s order, or
    /// `None` when they share none.
    pub fn intersection(&self, other: &Self) -> Option<Self> {
        let common: Vec<String> = self
            .0
            .iter()
            .filter(|t| other.contains(t))
            .cloned()
            .collect();
        if common.is_empty() {
            None
        } else {
            Some(Self(common))
        }
    }
}

/// Set equality: order does not matter (RFC 6749 §3.3).
impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.is_subset_of(other)
    }
}

impl Eq for Scope {}

/// The wire form: tokens joined by single spaces, so it parses back.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// `%x21 / %x23-5B / %x5D-7E`.
const fn is_token_char(c: char) -> bool {
    matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

#[cfg(test)]
mod tests;
