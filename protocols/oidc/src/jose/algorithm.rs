//! The JWS `alg` values this crate signs and verifies with: ES256 and RS256
//! (RFC 7518 §3.1) and EdDSA over Ed25519 (RFC 8037 §3.1). `none` and the
//! HMAC family are deliberately absent: parsing them gives an error.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::JoseError;

/// A JWS signature algorithm, as named in the `alg` header and JWK member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    /// ECDSA using P-256 and SHA-256 (RFC 7518 §3.4).
    #[serde(rename = "ES256")]
    Es256,
    /// RSASSA-PKCS1-v1_5 using SHA-256 (RFC 7518 §3.3).
    #[serde(rename = "RS256")]
    Rs256,
    /// EdDSA; this crate supports only the Ed25519 curve (RFC 8037 §3.1).
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, ES256 (the default) first.
    pub const ALL: [Self; 3] = [Self::Es256, Self::Rs256, Self::EdDsa];

    /// The `alg` value on the wire: `ES256`, `RS256` or `EdDSA`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The JWK `kty` of the keys this algorithm uses (RFC 7518 §6.1, RFC 8037 §2).
    pub(crate) const fn key_type(self) -> &'static str {
        match self {
            Self::Es256 => "EC",
            Self::Rs256 => "RSA",
            Self::EdDsa => "OKP",
        }
    }

    /// The JWK `crv` of the keys this algorithm uses, if the key type has curves.
    pub(crate) const fn curve(self) -> Option<&'static str> {
        match self {
            Self::Es256 => Some("P-256"),
            Self::Rs256 => None,
            Self::EdDsa => Some("Ed25519"),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = JoseError;

    /// Parses an `alg` value, case-sensitively (RFC 7515 §4.1.1). `none` and
    /// `HS*` get their own errors, so that logs tell an attack from a typo.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ES256" => Ok(Self::Es256),
            "RS256" => Ok(Self::Rs256),
            "EdDSA" => Ok(Self::EdDsa),
            _ if s.eq_ignore_ascii_case("none") => Err(JoseError::AlgorithmNone),
            _ if s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("HS")) => {
                Err(JoseError::SymmetricAlgorithm(s.to_owned()))
            }
            _ => Err(JoseError::UnsupportedAlgorithm(s.to_owned())),
        }
    }
}
