//! The JWT claim checks every consumer of a verified token runs: the time
//! claims `exp`, `nbf`, `iat` (RFC 7519 §4.1.4–§4.1.6; `exp` is required, as
//! OIDC Core §2 and RFC 9068 §2.2 require it of ID and access tokens) and the
//! audience `aud` (RFC 7519 §4.1.3, OIDC Core §3.1.3.7 step 3). Time is a
//! parameter, in seconds since the Unix epoch.

use serde_json::{Map, Value};

use super::JoseError;

/// Checks the time claims at `now_unix`, allowing `leeway_secs` of clock
/// skew (negative counts as zero): `exp` must be present and after now,
/// `nbf` (if present) not after now, `iat` (if present) not after now.
pub fn validate_time(
    claims: &Map<String, Value>,
    now_unix: i64,
    leeway_secs: i64,
) -> Result<(), JoseError> {
    let leeway = leeway_secs.max(0);
    let exp = numeric_date(claims, "exp")?.ok_or(JoseError::MissingClaim("exp"))?;
    if now_unix.saturating_sub(leeway) >= exp {
        return Err(JoseError::Expired);
    }
    if let Some(nbf) = numeric_date(claims, "nbf")? {
        if now_unix.saturating_add(leeway) < nbf {
            return Err(JoseError::NotYetValid);
        }
    }
    if let Some(iat) = numeric_date(claims, "iat")? {
        if now_unix.saturating_add(leeway) < iat {
            return Err(JoseError::IssuedInFuture);
        }
    }
    Ok(())
}

/// Checks that `aud` is `expected`, or is an array of strings containing it.
/// When there are several audiences, OIDC Core §3.1.3.7 step 4–5 (`azp`) is
/// the caller's.
pub fn validate_audience(claims: &Map<String, Value>, expected: &str) -> Result<(), JoseError> {
    let found = match claims.get("aud") {
        None => return Err(JoseError::MissingClaim("aud")),
        Some(Value::String(aud)) => aud == expected,
        Some(Value::Array(auds)) => {
            let mut found = false;
            for aud in auds {
                match aud {
                    Value::String(aud) => found |= aud == expected,
                    _ => return Err(JoseError::InvalidClaim("aud")),
                }
            }
            found
        }
        Some(_) => return Err(JoseError::InvalidClaim("aud")),
    };
    if found {
        Ok(())
    } else {
        Err(JoseError::AudienceMismatch)
    }
}

/// A NumericDate claim (RFC 7519 §2), whole seconds; fractions are dropped.
fn numeric_date(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, JoseError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(number)) => number
            .as_i64()
            // Floats beyond the i64 range saturate: a far-future date stays far.
            .or_else(|| number.as_f64().map(|f| f.floor() as i64))
            .map(Some)
            .ok_or(JoseError::InvalidClaim(name)),
        Some(_) => Err(JoseError::InvalidClaim(name)),
    }
}
