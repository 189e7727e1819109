//! The JWS protected header members this crate reads and writes: `alg`,
//! `kid` and `typ` (RFC 7515 §4.1.1, §4.1.4, §4.1.9), and the refusal of
//! `crit` (RFC 7515 §4.1.11: no extension is understood here). Other members
//! (`jwk`, `jku`, `x5u`, `x5c`, `cty`…) are ignored, never followed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Algorithm, JoseError};

/// The protected header of a JWS, as signed or as verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The signature algorithm.
    pub alg: Algorithm,
    /// The key identifier, looked up in the verifier's JWK set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The media type of the whole token, e.g. `JWT`, `at+jwt` (RFC 9068),
    /// `logout+jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

impl Header {
    /// Whether `typ` is `expected`, compared as RFC 7515 §4.1.9 says: without
    /// regard to case, and with the `application/` prefix optional.
    pub fn typ_is(&self, expected: &str) -> bool {
        let strip = |t: &str| -> String {
            let lower = t.to_ascii_lowercase();
            match lower.strip_prefix("application/") {
                Some(rest) if !rest.contains('/') => rest.to_owned(),
                _ => lower,
            }
        };
        self.typ
            .as_deref()
            .is_some_and(|t| strip(t) == strip(expected))
    }

    /// Reads a parsed protected header: `alg` must be present and one of
    /// [`Algorithm`], `kid` / `typ` strings if present, and `crit` absent.
    pub(crate) fn from_object(header: &Map<String, Value>) -> Result<Self, JoseError> {
        let alg = match header.get("alg") {
            None => return Err(JoseError::MissingAlgorithm),
            Some(Value::String(alg)) => alg.parse::<Algorithm>()?,
            Some(_) => return Err(JoseError::InvalidHeader("alg")),
        };
        if header.contains_key("crit") {
            return Err(JoseError::CriticalHeader);
        }
        Ok(Self {
            alg,
            kid: optional_string(header, "kid")?,
            typ: optional_string(header, "typ")?,
        })
    }
}

fn optional_string(
    header: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<String>, JoseError> {
    match header.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(JoseError::InvalidHeader(name)),
    }
}
