//! The relying-party side of OpenID Connect and OAuth 2.0, towards an
//! upstream provider a tenant's users log in through: provider metadata
//! (OIDC Discovery 1.0 §3, with the issuer checked), the authorization
//! request of the code flow with `state`, `nonce` and PKCE S256 (OIDC Core
//! §3.1.2.1, RFC 7636), the token response (RFC 6749 §5.1, §5.2), ID token
//! validation (OIDC Core §3.1.3.7: signature against the provider's JWKS,
//! `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`; on the `openidconnect`
//! crate), UserInfo (OIDC Core §5.3.2, `sub` must match) and RP-Initiated
//! Logout (OIDC RP-Initiated Logout 1.0 §2).
//!
//! No HTTP here: the caller fetches and hands over the documents. Time is a
//! parameter.

use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    ClaimsVerificationError, ClientId, CsrfToken, IssuerUrl, Nonce, NonceVerifier,
    PkceCodeChallenge, SignatureVerificationError,
};
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

/// Most bytes read from any upstream document (metadata, JWKS, token
/// response, UserInfo).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// How far in the future an `iat` may be (clock skew between the two).
pub const IAT_SKEW_SECONDS: i64 = 300;

/// Why an upstream's document or answer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpError {
    #[error("the provider's {what} is not valid: {reason}")]
    /// A document or answer that is not what its specification says.
    Malformed {
        /// Which document.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    #[error("the provider's metadata names issuer {found:?}, not {expected:?}")]
    /// The metadata is about another issuer (OIDC Discovery §4.3).
    IssuerMismatch {
        /// The issuer configured.
        expected: String,
        /// The issuer the document names.
        found: String,
    },
    #[error("the provider answered with error {error:?}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    /// The provider answered with an OAuth error (RFC 6749 §5.2).
    Provider {
        /// The `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    #[error("the provider's answer has no ID token")]
    /// An OpenID Connect token response without `id_token`.
    NoIdToken,
    #[error("the UserInfo response is about subject {found:?}, not {expected:?}")]
    /// UserInfo about another subject than the ID token's (OIDC Core §5.3.4).
    SubjectMismatch {
        /// The ID token's `sub`.
        expected: String,
        /// UserInfo's `sub`.
        found: String,
    },
    #[error(transparent)]
    /// The ID token is refused.
    IdToken(#[from] IdTokenError),
}

fn malformed(what: &'static str, reason: impl ToString) -> RpError {
    RpError::Malformed {
        what,
        reason: reason.to_string(),
    }
}

/// Why an ID token is refused; each variant is one check of OIDC Core
/// §3.1.3.7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("the ID token is not a signed JWT: {0}")]
    /// Not a compact JWS with a JSON claims set.
    Malformed(String),
    #[error("no key of the provider's JWKS matches the ID token's key id")]
    /// Its `kid` is not in the JWKS (refresh the JWKS once).
    UnknownKey,
    #[error("the ID token's signature does not verify: {0}")]
    /// The signature does not verify with the key named.
    BadSignature(String),
    #[error("the ID token is signed with an algorithm not allowed: {0}")]
    /// `none`, an HMAC or an unknown algorithm.
    DisallowedAlgorithm(String),
    #[error("the ID token's issuer is not the provider: {0}")]
    /// `iss` is not the provider.
    WrongIssuer(String),
    #[error("the ID token is not for this client: {0}")]
    /// `aud` does not name this client, or names an untrusted other one.
    WrongAudience(String),
    #[error("the ID token's nonce is not the one sent")]
    /// `nonce` is missing or not the one sent.
    WrongNonce,
    #[error("the ID token has expired: {0}")]
    /// `exp` is past.
    Expired(String),
    #[error("the ID token was issued in the future: {0}")]
    /// `iat` is after now (beyond the allowed skew).
    IssuedInFuture(String),
    #[error("the ID token is refused: {0}")]
    /// Any other refusal of the verifier.
    Other(String),
}

/// The issuer a provider must name: one URL, or, for multi-tenant
/// providers (Entra ID's `common` and `organizations` endpoints), a
/// template whose `{tenantid}` is the token's `tid` claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerRule {
    template: String,
}

const TENANT_PLACEHOLDER: &str = "{tenantid}";

impl IssuerRule {
    /// The rule for `issuer` (a `{tenantid}` inside makes it a template).
    pub fn new(issuer: &str) -> Self {
        Self {
            template: issuer.to_owned(),
        }
    }

    /// Whether the issuer varies per customer tenant.
    pub fn is_template(&self) -> bool {
        self.template.contains(TENANT_PLACEHOLDER)
    }

    /// Whether `iss` (with the token's `tid`) is this provider.
    pub fn accepts(&self, iss: &str, tid: Option<&str>) -> bool {
        if !self.is_template() {
            return iss == self.template;
        }
        match tid {
            Some(tid)
                if !tid.is_empty()
                    && tid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                iss == self.template.replace(TENANT_PLACEHOLDER, tid)
            }
            _ => false,
        }
    }

    /// The issuer (or template) as configured.
    pub fn as_str(&self) -> &str {
        &self.template
    }
}

/// What USSO needs of a provider's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer the document is about.
    pub issuer: String,
    /// Where the browser is sent to log in.
    pub authorization_endpoint: String,
    /// Where codes are exchanged.
    pub token_endpoint: String,
    #[serde(default)]
    /// Where claims are read with the access token.
    pub userinfo_endpoint: Option<String>,
    /// The provider's signing keys.
    pub jwks_uri: String,
    #[serde(default)]
    /// RP-Initiated Logout.
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    /// PKCE methods; USSO always sends S256.
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

fn check_url(what: &'static str, raw: &str) -> Result<(), RpError> {
    let url = Url::parse(raw).map_err(|e| malformed(what, e))?;
    match url.scheme() {
        "https" | "http" => Ok(()),
        other => Err(malformed(what, format!("scheme {other:?} is not http(s)"))),
    }
}

impl ProviderMetadata {
    /// Reads a discovery document and checks that it is about `issuer`
    /// (OIDC Discovery §4.3: the `issuer` must be the one asked for; a
    /// multi-tenant provider publishes its template verbatim).
    pub fn parse(json: &[u8], issuer: &IssuerRule) -> Result<Self, RpError> {
        if json.len() > MAX_DOCUMENT_BYTES {
            return Err(malformed("metadata", "too large"));
        }
        let meta: Self = serde_json::from_slice(json).map_err(|e| malformed("metadata", e))?;
        if meta.issuer != issuer.as_str() {
            return Err(RpError::IssuerMismatch {
                expected: issuer.as_str().to_owned(),
                found: meta.issuer,
            });
        }
        for (what, url) in [
            ("authorization_endpoint", Some(&meta.authorization_endpoint)),
            ("token_endpoint", Some(&meta.token_endpoint)),
            ("jwks_uri", Some(&meta.jwks_uri)),
            ("userinfo_endpoint", meta.userinfo_endpoint.as_ref()),
            ("end_session_endpoint", meta.end_session_endpoint.as_ref()),
        ] {
            if let Some(url) = url {
                check_url(what, url)?;
            }
        }
        Ok(meta)
    }
}

/// The discovery document's URL for `issuer` (OIDC Discovery §4.1).
pub fn discovery_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// A provider's signing keys.
#[derive(Debug, Clone)]
pub struct Jwks(CoreJsonWebKeySet);

impl Jwks {
    /// Reads a JWKS document (RFC 7517 §5).
    pub fn parse(json: &[u8]) -> Result<Self, RpError> {
        if json.len() > MAX_DOCUMENT_BYTES {
            return Err(malformed("JWKS", "too large"));
        }
        serde_json::from_slice(json)
            .map(Self)
            .map_err(|e| malformed("JWKS", e))
    }

    /// An empty set (an OAuth 2.0 provider without ID tokens).
    pub fn empty() -> Self {
        Self(CoreJsonWebKeySet::new(Vec::new()))
    }
}

/// An authorization request about to be sent, and the secrets the callback
/// needs to check its answer.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// Where the browser goes.
    pub url: String,
    /// The `state` sent: the callback must carry it back.
    pub state: String,
    /// The `nonce` sent: the ID token must carry it.
    pub nonce: String,
    /// The PKCE verifier of the `code_challenge` sent.
    pub pkce_verifier: String,
}

/// What the authorization request carries besides the generated values.
#[derive(Debug, Clone)]
pub struct RequestParams<'a> {
    /// The provider's authorization endpoint (may carry its own query).
    pub authorization_endpoint: &'a str,
    /// USSO's client id at the provider.
    pub client_id: &'a str,
    /// The callback registered at the provider.
    pub redirect_uri: &'a str,
    /// The scopes asked for.
    pub scopes: &'a [String],
    /// Whether to send a `nonce` (OpenID Connect; plain OAuth 2.0 has none).
    pub openid: bool,
    /// Further parameters (`prompt`, `login_hint`, `response_mode`…).
    pub extra: &'a [(String, String)],
}

/// Builds the code-flow authorization request with a fresh `state`,
/// `nonce` and PKCE S256 challenge (all 256-bit random).
pub fn authorization_request(params: &RequestParams<'_>) -> Result<AuthorizationRequest, RpError> {
    let mut url = Url::parse(params.authorization_endpoint)
        .map_err(|e| malformed("authorization_endpoint", e))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random_len(32).secret().clone();
    let nonce = Nonce::new_random_len(32).secret().clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", params.client_id)
            .append_pair("redirect_uri", params.redirect_uri)
            .append_pair("scope", &params.scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256");
        if params.openid {
            q.append_pair("nonce", &nonce);
        }
        for (k, v) in params.extra {
            q.append_pair(k, v);
        }
    }
    Ok(AuthorizationRequest {
        url: url.into(),
        state,
        nonce,
        pkce_verifier: verifier.secret().clone(),
    })
}

/// The token endpoint's answer (RFC 6749 §5.1), or its error (§5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The access token, for UserInfo and user APIs.
    pub access_token: String,
    /// Its type (`Bearer`).
    pub token_type: String,
    /// The ID token (OpenID Connect).
    pub id_token: Option<String>,
}

/// Reads a token endpoint's JSON body, success or error.
pub fn parse_token_response(body: &[u8]) -> Result<TokenResponse, RpError> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed("token response", "too large"));
    }
    let value: Map<String, Value> =
        serde_json::from_slice(body).map_err(|e| malformed("token response", e))?;
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(error) = text("error") {
        return Err(RpError::Provider {
            error,
            description: text("error_description"),
        });
    }
    Ok(TokenResponse {
        access_token: text("access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| malformed("token response", "no access_token"))?,
        token_type: text("token_type").unwrap_or_else(|| "Bearer".to_owned()),
        id_token: text("id_token").filter(|t| !t.is_empty()),
    })
}

/// What an ID token must be to be accepted.
#[derive(Debug, Clone)]
pub struct IdTokenExpectations<'a> {
    /// The issuer the token must come from.
    pub issuer: &'a IssuerRule,
    /// USSO's client id: the audience the token must name.
    pub client_id: &'a str,
    /// The nonce sent with the request.
    pub nonce: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// An ID token that passed every check: its subject, issuer, and all its
/// claims as signed.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedIdToken {
    /// `sub`.
    pub subject: String,
    /// `iss` as the token says it.
    pub issuer: String,
    /// Every claim as signed.
    pub claims: Map<String, Value>,
}

/// The signature algorithms accepted on ID tokens: asymmetric only (an
/// HMAC would be keyed with the client secret, which the provider is not
/// the only one to know once it leaks; `none` never).
const ALLOWED_ALGORITHMS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

struct ExactNonce<'a>(&'a str);

impl NonceVerifier for ExactNonce<'_> {
    fn verify(self, nonce: Option<&Nonce>) -> Result<(), String> {
        use subtle::ConstantTimeEq;
        match nonce {
            Some(n) if bool::from(n.secret().as_bytes().ct_eq(self.0.as_bytes())) => Ok(()),
            Some(_) => Err("nonce does not match".to_owned()),
            None => Err("nonce is missing".to_owned()),
        }
    }
}

fn to_chrono(unix_seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(unix_seconds, 0).unwrap_or_default()
}

/// The claims of a compact JWS, decoded but not verified: only for a token
/// that already passed [`verify_id_token`]'s signature check.
fn payload_claims(raw: &str) -> Result<Map<String, Value>, IdTokenError> {
    let payload = raw
        .split('.')
        .nth(1)
        .ok_or_else(|| IdTokenError::Malformed("not three parts".into()))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| IdTokenError::Malformed(e.to_string()))
}

fn map_claims_error(e: ClaimsVerificationError) -> IdTokenError {
    match e {
        // The `iat` check's refusal comes back labelled as expiry.
        ClaimsVerificationError::Expired(m) if m.starts_with("iat ") => {
            IdTokenError::IssuedInFuture(m)
        }
        ClaimsVerificationError::Expired(m) => IdTokenError::Expired(m),
        ClaimsVerificationError::InvalidAudience(m) => IdTokenError::WrongAudience(m),
        ClaimsVerificationError::InvalidIssuer(m) => IdTokenError::WrongIssuer(m),
        ClaimsVerificationError::InvalidNonce(_) => IdTokenError::WrongNonce,
        ClaimsVerificationError::SignatureVerification(s) => match s {
            SignatureVerificationError::NoMatchingKey => IdTokenError::UnknownKey,
            SignatureVerificationError::DisallowedAlg(m)
            | SignatureVerificationError::UnsupportedAlg(m) => IdTokenError::DisallowedAlgorithm(m),
            SignatureVerificationError::NoSignature => {
                IdTokenError::DisallowedAlgorithm("none".into())
            }
            other => IdTokenError::BadSignature(other.to_string()),
        },
        other => IdTokenError::Other(other.to_string()),
    }
}

/// Validates an ID token as OIDC Core §3.1.3.7 says: an asymmetric
/// signature by a key of `jwks`; `iss` the provider's (for a multi-tenant
/// issuer, the template filled with the token's `tid`); `aud` naming this
/// client and no untrusted other audience, `azp` this client when present
/// with several audiences; not expired at `now`; `iat` not in the future;
/// the `nonce` sent. [`IdTokenError::UnknownKey`] tells the caller to
/// refresh the JWKS once and try again.
pub fn verify_id_token(
    raw: &str,
    jwks: &Jwks,
    expect: &IdTokenExpectations<'_>,
) -> Result<VerifiedIdToken, IdTokenError> {
    let token = CoreIdToken::from_str(raw).map_err(|e| IdTokenError::Malformed(e.to_string()))?;
    let issuer = IssuerUrl::new(expect.issuer.as_str().to_owned())
        .map_err(|e| IdTokenError::Other(format!("configured issuer: {e}")))?;
    let now = to_chrono(expect.now);
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new(expect.client_id.to_owned()),
        issuer,
        jwks.0.clone(),
    )
    .set_allowed_algs(ALLOWED_ALGORITHMS)
    .require_issuer_match(!expect.issuer.is_template())
    .set_time_fn(move || now)
    .set_issue_time_verifier_fn(move |iat| {
        if iat > now + chrono::Duration::seconds(IAT_SKEW_SECONDS) {
            Err(format!("iat {iat} is after {now}"))
        } else {
            Ok(())
        }
    });
    let checked = token
        .claims(&verifier, ExactNonce(expect.nonce))
        .map_err(map_claims_error)?;
    let subject = checked.subject().as_str().to_owned();
    let iss = checked.issuer().as_str().to_owned();
    let claims = payload_claims(raw)?;
    if expect.issuer.is_template() {
        let tid = claims.get("tid").and_then(Value::as_str);
        if !expect.issuer.accepts(&iss, tid) {
            return Err(IdTokenError::WrongIssuer(format!(
                "{iss} is not {} for tid {tid:?}",
                expect.issuer.as_str()
            )));
        }
    }
    if subject.is_empty() {
        return Err(IdTokenError::Other("empty sub".into()));
    }
    Ok(VerifiedIdToken {
        subject,
        issuer: iss,
        claims,
    })
}

/// Reads a UserInfo response (JSON; a signed UserInfo JWT is not
/// supported) and, when `expected_subject` is given, checks it is about
/// the ID token's subject (OIDC Core §5.3.4).
pub fn parse_userinfo(
    body: &[u8],
    expected_subject: Option<&str>,
) -> Result<Map<String, Value>, RpError> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed("UserInfo", "too large"));
    }
    let claims: Map<String, Value> =
        serde_json::from_slice(body).map_err(|e| malformed("UserInfo", e))?;
    if let Some(expected) = expected_subject {
        let found = claims.get("sub").and_then(Value::as_str).unwrap_or("");
        if found != expected {
            return Err(RpError::SubjectMismatch {
                expected: expected.to_owned(),
                found: found.to_owned(),
            });
        }
    }
    Ok(claims)
}

/// What a self-made client secret says (Sign in with Apple: an ES256 JWT
/// the client signs with the key the provider issued it).
#[derive(Debug, Clone)]
pub struct SignedSecret<'a> {
    /// The key the provider issued, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub pkcs8_pem: &'a str,
    /// Its id at the provider (the JWT's `kid`).
    pub key_id: &'a str,
    /// The account that owns the client (`iss`; Apple's Team ID).
    pub issuer: &'a str,
    /// The client id (`sub`).
    pub client_id: &'a str,
    /// The provider (`aud`).
    pub audience: &'a str,
    /// Unix seconds.
    pub now: i64,
}

/// How long a self-made client secret is valid: one token request.
pub const SIGNED_SECRET_LIFETIME_SECONDS: i64 = 300;

/// Makes the client secret of one token request: an ES256 JWT with `iss`,
/// `sub`, `aud`, `iat` and a short `exp` (RFC 7523 §2.2 shape, as Apple
/// asks).
pub fn signed_client_secret(s: &SignedSecret<'_>) -> Result<String, RpError> {
    let body: String = s
        .pkcs8_pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| malformed("client secret key", e))?;
    let key = crate::jose::SigningKey::from_pkcs8_der(
        crate::jose::Algorithm::Es256,
        s.key_id.to_owned(),
        &der,
    )
    .map_err(|e| malformed("client secret key", e))?;
    let claims = serde_json::json!({
        "iss": s.issuer,
        "sub": s.client_id,
        "aud": s.audience,
        "iat": s.now,
        "exp": s.now + SIGNED_SECRET_LIFETIME_SECONDS,
    });
    key.sign(None, &claims)
        .map_err(|e| malformed("client secret key", e))
}

/// The RP-Initiated Logout request (OIDC RP-Initiated Logout 1.0 §2).
pub fn end_session_url(
    end_session_endpoint: &str,
    id_token_hint: Option<&str>,
    client_id: &str,
    post_logout_redirect_uri: &str,
    state: &str,
) -> Result<String, RpError> {
    let mut url =
        Url::parse(end_session_endpoint).map_err(|e| malformed("end_session_endpoint", e))?;
    {
        let mut q = url.query_pairs_mut();
        if let Some(hint) = id_token_hint {
            q.append_pair("id_token_hint", hint);
        }
        q.append_pair("client_id", client_id)
            .append_pair("post_logout_redirect_uri", post_logout_redirect_uri)
            .append_pair("state", state);
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests;
