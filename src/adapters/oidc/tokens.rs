//! The tokens the provider issues: access tokens as RFC 9068 JWTs (ES256,
//! `typ: at+jwt`) and ID tokens (OIDC Core §2, in the client's chosen
//! algorithm, RS256 by default). Each access token's `jti` starts with its
//! grant's id, so revoking the grant revokes the token wherever it is
//! checked.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use usso_oidc::claims::at_hash;

use crate::core::client::{Client, SigningAlg};
use crate::core::oauth_grant::access_token_lifetime;
use crate::core::signing_key::KeyAlgorithm;
use crate::core::tenant::Tenant;
use crate::core::GrantId;
use crate::service::signing_keys::jose_algorithm;
use crate::service::{Hub, ServiceError};

/// The `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("signing: {e}"))
}

pub fn key_algorithm(alg: SigningAlg) -> KeyAlgorithm {
    match alg {
        SigningAlg::RS256 => KeyAlgorithm::Rs256,
        SigningAlg::ES256 => KeyAlgorithm::Es256,
        SigningAlg::EdDSA => KeyAlgorithm::EdDsa,
    }
}

/// The grant an access token's `jti` belongs to.
pub fn grant_of_jti(jti: &str) -> Option<GrantId> {
    jti.split_once('.')
        .and_then(|(grant, _)| grant.parse().ok())
}

/// What an access token says, before signing.
#[derive(Debug, Clone)]
pub struct AccessToken<'a> {
    pub subject: &'a str,
    pub scope: &'a str,
    pub grant: GrantId,
    pub auth_time: Option<OffsetDateTime>,
}

/// The claims of an access token (RFC 9068 §2.2), serialized as they are:
/// no JSON map built per token on the hot path of every grant.
#[derive(Serialize)]
struct AccessTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: Audience<'a>,
    client_id: &'a str,
    scope: &'a str,
    jti: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
}

/// RFC 9068 §3: the resources the token is for; without any, the client.
#[derive(Serialize)]
#[serde(untagged)]
enum Audience<'a> {
    One(&'a str),
    Many(&'a [String]),
}

pub async fn access_token(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    at: &AccessToken<'_>,
) -> Result<String, ServiceError> {
    let now = hub.now();
    let client_id = client.client_id();
    let aud = match client.resources.as_slice() {
        [] => Audience::One(&client_id),
        [one] => Audience::One(one),
        many => Audience::Many(many),
    };
    let issuer = hub.issuer(tenant);
    let jti = format!("{}.{}", at.grant, unique_suffix());
    let claims = AccessTokenClaims {
        iss: &issuer,
        sub: at.subject,
        aud,
        client_id: &client_id,
        scope: at.scope,
        jti: &jti,
        iat: now.unix_timestamp(),
        exp: (now + access_token_lifetime(&tenant.settings, &client.token_lifetimes))
            .unix_timestamp(),
        auth_time: at.auth_time.map(OffsetDateTime::unix_timestamp),
    };
    let key = hub.signing_key(tenant, KeyAlgorithm::Es256).await?;
    key.sign(Some(ACCESS_TOKEN_TYP), &claims).map_err(internal)
}

/// What tells apart the access tokens of one grant in their `jti`: 96 bits
/// from the thread's CSPRNG (not a secret: one system call fewer per token
/// than the OS generator).
fn unique_suffix() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What an ID token says besides the user's released claims.
#[derive(Debug, Clone)]
pub struct IdToken<'a> {
    pub subject: &'a str,
    pub nonce: Option<&'a str>,
    pub auth_time: Option<OffsetDateTime>,
    pub session_id: Option<String>,
    /// The access token issued alongside, for `at_hash`.
    pub access_token: Option<&'a str>,
    pub user_claims: Map<String, Value>,
}

pub async fn id_token(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    it: IdToken<'_>,
) -> Result<String, ServiceError> {
    let now = hub.now();
    let alg = key_algorithm(client.id_token_signed_response_alg);
    let client_id = client.client_id();
    let mut claims = it.user_claims;
    claims.insert("iss".into(), json!(hub.issuer(tenant)));
    claims.insert("sub".into(), json!(it.subject));
    claims.insert("aud".into(), json!(client_id));
    claims.insert("azp".into(), json!(client_id));
    claims.insert("iat".into(), json!(now.unix_timestamp()));
    claims.insert(
        "exp".into(),
        json!(
            (now + access_token_lifetime(&tenant.settings, &client.token_lifetimes))
                .unix_timestamp()
        ),
    );
    if let Some(auth_time) = it.auth_time {
        claims.insert("auth_time".into(), json!(auth_time.unix_timestamp()));
        claims.insert("amr".into(), json!(["pwd"]));
        claims.insert("acr".into(), json!("0"));
    }
    if let Some(nonce) = it.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    if let Some(sid) = it.session_id {
        claims.insert("sid".into(), json!(sid));
    }
    if let Some(at) = it.access_token {
        claims.insert("at_hash".into(), json!(at_hash(at, jose_algorithm(alg))));
    }
    let key = hub.signing_key(tenant, alg).await?;
    key.sign(Some("JWT"), &Value::Object(claims))
        .map_err(internal)
}
