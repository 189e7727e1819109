//! Verifying a compact JWS (RFC 7515 §5.2, §7.1) against a JWK set, with the
//! defences of the JWT Best Current Practices (RFC 8725 §3.1–§3.2): a size
//! cap, strict base64url, an allow-list of algorithms, no `none`, no HMAC, no
//! `crit`, and a key whose type, `alg` and `use` fit. Only the signature is
//! checked here; `exp`, `aud`, `iss`, `typ` are the caller's (see
//! [`validate_time`](super::validate_time), [`validate_audience`](super::validate_audience)).

use serde_json::{Map, Value};

use super::verifying_key::VerifyingKey;
use super::{b64, json, key_select, Algorithm, Header, JoseError, JwkSet, Part};

/// The longest token accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A JWT whose signature verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The protected header.
    pub header: Header,
    /// The claims set: not yet checked for time, audience or issuer.
    pub claims: Map<String, Value>,
}

/// A JWS whose signature verified, with its payload as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedJws {
    /// The protected header.
    pub header: Header,
    /// The payload, as signed.
    pub payload: Vec<u8>,
}

/// Verifies a compact JWS whose payload is a JWT claims set (RFC 7519 §7.2).
pub fn verify(token: &str, keys: &JwkSet, accepted: &[Algorithm]) -> Result<Verified, JoseError> {
    let jws = verify_jws(token, keys, accepted)?;
    let claims = json::parse_object(&jws.payload, Part::Payload)?;
    Ok(Verified {
        header: jws.header,
        claims,
    })
}

/// Verifies a compact JWS with any payload: the token must be at most
/// [`MAX_TOKEN_BYTES`], its header must name an `alg` in `accepted` and a
/// key of `keys` that fits it, and the signature must verify.
pub fn verify_jws(
    token: &str,
    keys: &JwkSet,
    accepted: &[Algorithm],
) -> Result<VerifiedJws, JoseError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(JoseError::TooLarge {
            size: token.len(),
            max: MAX_TOKEN_BYTES,
        });
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
        return Err(JoseError::NotCompact);
    };
    let header = b64::decode(header_b64).ok_or(JoseError::Base64(Part::Header))?;
    let payload = b64::decode(payload_b64).ok_or(JoseError::Base64(Part::Payload))?;
    let signature = b64::decode(signature_b64).ok_or(JoseError::Base64(Part::Signature))?;

    let header = Header::from_object(&json::parse_object(&header, Part::Header)?)?;
    if !accepted.contains(&header.alg) {
        return Err(JoseError::AlgorithmNotAccepted(header.alg));
    }
    let jwk = key_select::select(keys, &header)?;
    let key = VerifyingKey::from_jwk(jwk, header.alg)?;
    // The signing input is the first two parts as they came, with their dot.
    let signing_input = token
        .as_bytes()
        .get(..header_b64.len() + 1 + payload_b64.len())
        .ok_or(JoseError::NotCompact)?;
    key.verify(signing_input, &signature)?;
    Ok(VerifiedJws { header, payload })
}
