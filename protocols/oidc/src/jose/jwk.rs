//! Public JSON Web Keys and key sets (RFC 7517 §4, §5) for the three key
//! types this crate uses — `EC` P-256 (RFC 7518 §6.2), `RSA` (RFC 7518
//! §6.3), `OKP` Ed25519 (RFC 8037 §2) — and their SHA-256 thumbprints
//! (RFC 7638). Unknown members are ignored; private members are never read
//! nor written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{b64, Algorithm, JoseError};

/// One public JWK. Every member is optional so that a foreign JWK set with
/// key types or algorithms this crate does not use still parses; the
/// verifier checks what it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type: `EC`, `RSA`, `OKP` (RFC 7517 §4.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kty: Option<String>,
    /// Key identifier (RFC 7517 §4.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended use, `sig` or `enc` (RFC 7517 §4.2).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    /// The algorithm the key is for (RFC 7517 §4.4); any string, so that
    /// keys for other algorithms parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Curve: `P-256`, `Ed25519` (RFC 7518 §6.2.1.1, RFC 8037 §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x coordinate, or the Ed25519 public key (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus (base64url, big-endian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent (base64url, big-endian).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// A JWK set, the document served at `jwks_uri` (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwk {
    /// The RFC 7638 SHA-256 thumbprint, base64url: a stable key identifier
    /// computed over the required public members only.
    pub fn thumbprint(&self) -> Result<String, JoseError> {
        let required: &[(&str, &Option<String>)] = match self.kty.as_deref() {
            Some("EC") => &[("crv", &self.crv), ("x", &self.x), ("y", &self.y)],
            Some("RSA") => &[("e", &self.e), ("n", &self.n)],
            Some("OKP") => &[("crv", &self.crv), ("x", &self.x)],
            _ => return Err(JoseError::InvalidKey("kty")),
        };
        // A BTreeMap serializes its members in lexicographic order, without
        // whitespace: the canonical form of RFC 7638 §3.3.
        let mut members = BTreeMap::new();
        members.insert("kty", self.kty.as_deref().unwrap_or_default());
        for (name, value) in required {
            let value = value.as_deref().ok_or(JoseError::InvalidKey(name))?;
            members.insert(name, value);
        }
        let canonical =
            serde_json::to_vec(&members).map_err(|_| JoseError::InvalidKey("member"))?;
        Ok(b64::encode(Sha256::digest(canonical)))
    }

    /// Whether this key's type and curve belong to `alg`.
    pub(crate) fn has_type_of(&self, alg: Algorithm) -> bool {
        self.kty.as_deref() == Some(alg.key_type()) && self.crv.as_deref() == alg.curve()
    }

    /// Whether this key may verify `alg`: its type fits, its own `alg` (if
    /// any) is `alg`, and its `use` (if any) is `sig`.
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        self.has_type_of(alg)
            && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
            && self.key_use.as_deref().is_none_or(|u| u == "sig")
    }

    /// `kty`, with `crv` when present, for error messages.
    pub(crate) fn type_label(&self) -> String {
        match (self.kty.as_deref(), self.crv.as_deref()) {
            (Some(kty), Some(crv)) => format!("{kty}/{crv}"),
            (Some(kty), None) => kty.to_owned(),
            (None, _) => "untyped".to_owned(),
        }
    }
}
