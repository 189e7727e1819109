//! Proof Key for Code Exchange (RFC 7636): the `code_challenge` and
//! `code_challenge_method` of the authorization request (§4.3), the
//! `code_verifier` of the token request (§4.5) and their check (§4.6).
//!
//! Only `S256` is accepted: `plain` offers no protection once the request
//! leaks, and OAuth 2.1 (and RFC 9700 §2.1.1) leaves it behind. Since RFC
//! 7636 §4.3 makes `plain` the default, a challenge sent without a method is
//! refused too.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{OAuthError, OAuthErrorCode};

/// Length of an `S256` challenge: 32 bytes in base64url without padding.
const S256_CHALLENGE_LEN: usize = 43;

/// Shortest `code_verifier` (RFC 7636 §4.1).
pub const MIN_VERIFIER_LEN: usize = 43;

/// Longest `code_verifier` (RFC 7636 §4.1).
pub const MAX_VERIFIER_LEN: usize = 128;

/// A `code_challenge_method` this server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeChallengeMethod {
    /// `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2).
    S256,
}

impl CodeChallengeMethod {
    /// Every method accepted, for `code_challenge_methods_supported`.
    pub const ALL: [Self; 1] = [Self::S256];

    /// The method as sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
        }
    }

    /// Parses a `code_challenge_method`; `None` (absent) means `plain`
    /// (RFC 7636 §4.3) and is refused like it.
    pub fn parse(method: Option<&str>) -> Result<Self, OAuthError> {
        match method {
            Some("S256") => Ok(Self::S256),
            Some("plain") => Err(invalid_request(
                "code_challenge_method plain is not supported",
            )),
            None => Err(invalid_request(
                "code_challenge_method is required: the default, plain, is not supported",
            )),
            Some(_) => Err(invalid_request(
                "code_challenge_method is not supported: use S256",
            )),
        }
    }
}

impl fmt::Display for CodeChallengeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked `code_challenge` with its method, to be stored with the
/// authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    value: String,
    method: CodeChallengeMethod,
}

impl CodeChallenge {
    /// Checks `code_challenge` and `code_challenge_method` from an
    /// authorization request. An `S256` challenge is the base64url encoding,
    /// without padding, of 32 bytes: exactly 43 characters.
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<Self, OAuthError> {
        let method = CodeChallengeMethod::parse(method)?;
        match method {
            CodeChallengeMethod::S256 => {
                let decoded = URL_SAFE_NO_PAD.decode(challenge);
                let well_formed = challenge.len() == S256_CHALLENGE_LEN
                    && decoded.is_ok_and(|bytes| bytes.len() == 32);
                if !well_formed {
                    return Err(invalid_request(
                        "code_challenge must be 43 base64url characters for S256",
                    ));
                }
            }
        }
        Ok(Self {
            value: challenge.to_owned(),
            method,
        })
    }

    /// Rebuilds a challenge stored by the hub (same checks as [`Self::parse`]).
    pub fn from_stored(challenge: &str, method: &str) -> Result<Self, OAuthError> {
        Self::parse(challenge, Some(method))
    }

    /// The `code_challenge` value.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The `code_challenge_method`.
    pub const fn method(&self) -> CodeChallengeMethod {
        self.method
    }

    /// Whether `verifier` answers this challenge (RFC 7636 §4.6), compared in
    /// constant time.
    pub fn is_answered_by(&self, verifier: &CodeVerifier) -> bool {
        match self.method {
            CodeChallengeMethod::S256 => verify(verifier.as_str(), &self.value),
        }
    }
}

/// A `code_verifier` whose grammar was checked (RFC 7636 §4.1):
/// 43 to 128 characters of `ALPHA / DIGIT / "-" / "." / "_" / "~"`.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Checks the grammar; a bad verifier is an `invalid_request`.
    pub fn parse(verifier: &str) -> Result<Self, OAuthError> {
        if is_valid_verifier(verifier) {
            Ok(Self(verifier.to_owned()))
        } else {
            Err(invalid_request(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ))
        }
    }

    /// The verifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The verifier is a secret: it is never printed.
impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier(<redacted>)")
    }
}

/// Whether `verifier` matches the `S256` `challenge`:
/// `BASE64URL(SHA256(verifier)) == challenge` (RFC 7636 §4.6), compared in
/// constant time. A verifier outside the grammar never matches.
pub fn verify(verifier: &str, challenge: &str) -> bool {
    if !is_valid_verifier(verifier) {
        return false;
    }
    let computed = s256_challenge(verifier);
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// `BASE64URL(SHA256(ASCII(verifier)))`, the `S256` challenge of a verifier
/// (RFC 7636 §4.2). Useful for clients and tests.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn is_valid_verifier(verifier: &str) -> bool {
    (MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest).with_description(description)
}

#[cfg(test)]
mod tests;
