//! Reading an `id_token_hint` (OIDC Core §3.1.2.1; RP-Initiated Logout §2):
//! an ID token this tenant issued earlier, possibly expired. Its signature
//! and issuer are checked (a token signed by anyone else, or with `alg:
//! none`, is refused); its lifetime is not.

use serde_json::Value;
use usso_oidc::jose::{self, Algorithm};

use crate::core::tenant::Tenant;
use crate::service::{Hub, ServiceError};

/// What a valid hint tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenHint {
    pub subject: String,
    /// The client it was issued to.
    pub audience: Vec<String>,
    pub session_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HintError {
    #[error("id_token_hint is not an ID token issued by this provider")]
    Invalid,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

pub async fn read(hub: &Hub, tenant: &Tenant, hint: &str) -> Result<IdTokenHint, HintError> {
    let jwks = hub.jwks(tenant).await?;
    let verified = jose::verify(hint, &jwks, &Algorithm::ALL).map_err(|_| HintError::Invalid)?;
    let claims = verified.claims;
    if claims.get("iss").and_then(Value::as_str) != Some(hub.issuer(tenant).as_str()) {
        return Err(HintError::Invalid);
    }
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(HintError::Invalid)?
        .to_owned();
    let audience = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => return Err(HintError::Invalid),
    };
    let session_id = claims.get("sid").and_then(Value::as_str).map(str::to_owned);
    Ok(IdTokenHint {
        subject,
        audience,
        session_id,
    })
}
