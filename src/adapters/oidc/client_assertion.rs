//! `private_key_jwt` client authentication (OIDC Core §9, RFC 7523 §3):
//! the client signs a short-lived JWT with its own key; we check it against
//! the JWKS the client registered (inline, or fetched from its `jwks_uri`),
//! with `iss` = `sub` = the client, our token endpoint or issuer as `aud`,
//! an `exp` no more than an hour away, and a `jti` never seen before.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use usso_oidc::jose::{self, Algorithm, JwkSet};

use crate::core::client::{Client, TokenEndpointAuthMethod};
use crate::core::tenant::Tenant;
use crate::service::{Hub, ServiceError};
use crate::store::client_assertions;

/// The longest an assertion may claim to live.
const MAX_LIFETIME_SECONDS: i64 = 3600;
/// Clock skew tolerated on `exp`/`nbf`/`iat`.
const LEEWAY_SECONDS: i64 = 30;
/// The largest JWKS fetched from a client's `jwks_uri`.
const MAX_JWKS_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AssertionError {
    /// Answered as `invalid_client`; the text is for the log and the
    /// `error_description`.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

fn invalid(why: impl Into<String>) -> AssertionError {
    AssertionError::Invalid(why.into())
}

/// The `iss` an assertion claims, read before its signature is checked
/// (only to find whose keys to check it with).
fn claimed_issuer(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

async fn fetch_jwks(http: &reqwest::Client, uri: &str) -> Result<JwkSet, AssertionError> {
    let mut response = http
        .get(uri)
        .send()
        .await
        .map_err(|e| invalid(format!("the client's jwks_uri cannot be fetched: {e}")))?;
    if !response.status().is_success() {
        return Err(invalid(format!(
            "the client's jwks_uri answered {}",
            response.status()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| invalid(format!("the client's jwks_uri failed: {e}")))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_JWKS_BYTES {
            return Err(invalid("the client's JWKS is too large"));
        }
    }
    serde_json::from_slice(&body).map_err(|_| invalid("the client's jwks_uri is not a JWK Set"))
}

async fn client_keys(client: &Client, http: &reqwest::Client) -> Result<JwkSet, AssertionError> {
    match (&client.jwks, &client.jwks_uri) {
        (Some(inline), _) => serde_json::from_value(inline.clone())
            .map_err(|_| invalid("the client's registered JWKS is unreadable")),
        (None, Some(uri)) => fetch_jwks(http, uri).await,
        (None, None) => Err(invalid("the client registered no keys")),
    }
}

fn audience_ok(claims: &serde_json::Map<String, Value>, accepted: &[&str]) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => accepted.contains(&a.as_str()),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| accepted.contains(&a)),
        _ => false,
    }
}

/// The client a `client_assertion` authenticates, or why not.
pub async fn authenticate(
    hub: &Hub,
    tenant: &Tenant,
    client_id: Option<&str>,
    assertion: &str,
    token_endpoint: &str,
    http: &reqwest::Client,
) -> Result<Client, AssertionError> {
    let issuer = claimed_issuer(assertion)
        .ok_or_else(|| invalid("client_assertion is not a JWT with an iss"))?;
    if client_id.is_some_and(|id| id != issuer) {
        return Err(invalid("client_id and the assertion's iss differ"));
    }
    let client = match hub.find_client(tenant, &issuer).await {
        Ok(c) => c,
        Err(ServiceError::NotFound(_)) => return Err(invalid("unknown client")),
        Err(e) => return Err(e.into()),
    };
    if client.token_endpoint_auth_method != TokenEndpointAuthMethod::PrivateKeyJwt {
        return Err(invalid(format!(
            "this client authenticates with {}",
            client.token_endpoint_auth_method.as_str()
        )));
    }
    let keys = client_keys(&client, http).await?;
    let verified = jose::verify(assertion, &keys, &Algorithm::ALL)
        .map_err(|e| invalid(format!("client_assertion signature: {e}")))?;
    let claims = verified.claims;
    let client_id = client.client_id();
    let str_claim = |name: &str| claims.get(name).and_then(Value::as_str);
    if str_claim("iss") != Some(client_id.as_str()) || str_claim("sub") != Some(client_id.as_str())
    {
        return Err(invalid("the assertion's iss and sub must be the client_id"));
    }
    let issuer_url = hub.issuer(tenant);
    if !audience_ok(&claims, &[token_endpoint, issuer_url.as_str()]) {
        return Err(invalid(
            "the assertion's aud must be the token endpoint or the issuer",
        ));
    }
    let now = hub.now();
    jose::validate_time(&claims, now.unix_timestamp(), LEEWAY_SECONDS)
        .map_err(|e| invalid(format!("client_assertion: {e}")))?;
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if exp - now.unix_timestamp() > MAX_LIFETIME_SECONDS {
        return Err(invalid("the assertion lives too long (at most an hour)"));
    }
    let jti = str_claim("jti")
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or_else(|| invalid("the assertion needs a jti"))?;
    let expires_at = time::OffsetDateTime::from_unix_timestamp(exp + LEEWAY_SECONDS).unwrap_or(now);
    let fresh = {
        let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
        client_assertions::remember(&mut conn, tenant.id, client.id, jti, expires_at)
            .await
            .map_err(ServiceError::from)?
    };
    if !fresh {
        return Err(invalid("the assertion was already used"));
    }
    Ok(client)
}
