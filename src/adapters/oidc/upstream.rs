//! USSO as relying party of a tenant's upstream OpenID Connect providers
//! and OAuth 2.0 servers (OIDC Core §3.1, RFC 6749 §4.1, RFC 7636): the
//! authorization request that starts a login — `state`, `nonce` and PKCE
//! S256, kept server-side under a keyed hash of `state` and bound to the
//! browser by a cookie —, and the callback that ends it: the request taken
//! once, the code exchanged, the ID token validated by `usso_oidc::rp`
//! against the provider's JWKS (an unknown `kid` refreshes it once),
//! UserInfo read when configured, the claims mapped to an identity for
//! [`Hub::federated_login`]. The provider's tokens never leave this module
//! (the ID token is kept only as the `id_token_hint` of a later logout).

use std::sync::Arc;

use reqwest::header;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use time::Duration;
use usso_oidc::rp::{self, IdTokenError, IdTokenExpectations, IssuerRule, Jwks, ProviderMetadata};

use crate::core::tenant::Tenant;
use crate::core::upstream_idp::{UpstreamConfig, UpstreamIdentity, UpstreamIdp, UpstreamSession};
use crate::core::upstream_oidc::{ClientAuthMethod, OidcUpstream};
use crate::service::federation::{Arrival, FederatedLogin, FederationError};
use crate::service::login::LoginContext;
use crate::service::upstream_documents::{error_chain, read_capped, FETCH_TIMEOUT};
use crate::service::{Hub, ServiceError};
use crate::store::{federation, StoreError};

/// How long a user has at the provider before the request is forgotten.
pub const PENDING_LIFETIME: Duration = Duration::minutes(15);

/// Why a login through an upstream OIDC / OAuth 2.0 provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcLoginError {
    /// The provider cannot be reached, or publishes unusable documents:
    /// nothing was decided about the user (502).
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
    /// The browser's callback does not fit a login started here (unknown,
    /// replayed or foreign `state`): 400.
    #[error("the callback is refused: {0}")]
    BadCallback(String),
    /// The provider's answer cannot be trusted (token refused, ID token
    /// invalid, the provider reported an error): 403 (or 401).
    #[error("the provider's answer is refused: {0}")]
    Refused(String),
    /// The answer is good; the account rules refuse the login.
    #[error(transparent)]
    Account(#[from] FederationError),
    /// The provider's email belongs to an existing user: the link waits
    /// until that user signs in (in this browser, with `token`).
    #[error("an account with email {email} exists; the link waits for its owner to sign in")]
    LinkParked {
        token: String,
        email: String,
        return_to: Option<String>,
    },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for OidcLoginError {
    fn from(e: StoreError) -> Self {
        Self::Service(e.into())
    }
}

impl From<sqlx::Error> for OidcLoginError {
    fn from(e: sqlx::Error) -> Self {
        Self::Service(e.into())
    }
}

/// What USSO remembers of a login it started.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingLogin {
    return_to: Option<String>,
    nonce: String,
    pkce_verifier: String,
}

/// The OIDC / OAuth 2.0 part of a provider.
pub fn oidc_config(idp: &UpstreamIdp) -> Result<&OidcUpstream, OidcLoginError> {
    idp.oidc()
        .ok_or_else(|| OidcLoginError::BadCallback(format!("{} is not an OIDC provider", idp.name)))
}

fn is_oidc(idp: &UpstreamIdp) -> bool {
    matches!(idp.config, UpstreamConfig::Oidc(_))
}

/// A provider's endpoints: those set by hand, the rest from discovery.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub userinfo: Option<String>,
    pub jwks: Option<String>,
    pub end_session: Option<String>,
    pub emails: Option<String>,
}

/// The endpoints of `idp`, discovering what was not set (cached).
pub async fn endpoints(hub: &Hub, idp: &UpstreamIdp) -> Result<Endpoints, OidcLoginError> {
    let config = oidc_config(idp)?;
    let e = &config.endpoints;
    let discovered =
        if is_oidc(idp) && (e.authorization.is_none() || e.token.is_none() || e.jwks.is_none()) {
            let url = e
                .discovery
                .clone()
                .unwrap_or_else(|| rp::discovery_url(&config.issuer));
            let doc = hub
                .upstream_documents
                .get(&hub.http, &url, hub.now())
                .await
                .map_err(|e| OidcLoginError::Unavailable(e.to_string()))?;
            Some(
                ProviderMetadata::parse(&doc, &IssuerRule::new(&config.issuer))
                    .map_err(|e| OidcLoginError::Unavailable(e.to_string()))?,
            )
        } else {
            None
        };
    let pick =
        |set: &Option<String>, found: Option<&String>| set.clone().or_else(|| found.cloned());
    let d = discovered.as_ref();
    let missing = |what: &str| OidcLoginError::Unavailable(format!("{} has no {what}", idp.name));
    Ok(Endpoints {
        authorization: pick(&e.authorization, d.map(|d| &d.authorization_endpoint))
            .ok_or_else(|| missing("authorization endpoint"))?,
        token: pick(&e.token, d.map(|d| &d.token_endpoint))
            .ok_or_else(|| missing("token endpoint"))?,
        userinfo: pick(&e.userinfo, d.and_then(|d| d.userinfo_endpoint.as_ref())),
        jwks: pick(&e.jwks, d.map(|d| &d.jwks_uri)),
        end_session: pick(
            &e.end_session,
            d.and_then(|d| d.end_session_endpoint.as_ref()),
        ),
        emails: e.emails.clone(),
    })
}

/// Starts a login at `idp`: returns the URL to send the browser to and the
/// `state` to bind to it (the caller sets it as a cookie).
pub async fn start_login(
    hub: &Hub,
    tenant: &Tenant,
    idp: &UpstreamIdp,
    return_to: Option<String>,
) -> Result<(String, String), OidcLoginError> {
    let config = oidc_config(idp)?;
    let endpoints = endpoints(hub, idp).await?;
    let redirect_uri = hub.upstream_redirect_uri(tenant, &idp.name);
    let extra: Vec<(String, String)> = config
        .settings
        .extra_params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let request = rp::authorization_request(&rp::RequestParams {
        authorization_endpoint: &endpoints.authorization,
        client_id: &config.client_id,
        redirect_uri: &redirect_uri,
        scopes: &config.scopes,
        openid: is_oidc(idp),
        extra: &extra,
    })
    .map_err(|e| OidcLoginError::Unavailable(e.to_string()))?;
    let pending = PendingLogin {
        return_to,
        nonce: request.nonce,
        pkce_verifier: request.pkce_verifier,
    };
    let now = hub.now();
    let mut conn = hub.store.conn().await.map_err(ServiceError::from)?;
    federation::insert_request(
        &mut conn,
        tenant.id,
        &hub.secrets.hash(&request.state),
        idp.id,
        &serde_json::to_string(&pending)
            .map_err(|e| ServiceError::Internal(format!("pending login: {e}")))?,
        now,
        now + PENDING_LIFETIME,
    )
    .await?;
    Ok((request.url, request.state))
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the provider that answered, when it says.
    pub iss: Option<String>,
    /// Sign in with Apple's `user` (JSON, first login only, unsigned): the
    /// user's name, used only where the ID token has none.
    pub user: Option<String>,
}

/// Ends a login: `callback` as received, `bound_state` the browser's state
/// cookie. Returns the login and where the user goes next.
pub async fn finish_login(
    hub: &Hub,
    tenant: &Tenant,
    idp: &UpstreamIdp,
    callback: &Callback,
    bound_state: Option<&str>,
    ctx: &LoginContext,
) -> Result<(FederatedLogin, Option<String>), OidcLoginError> {
    let config = oidc_config(idp)?;
    let state = callback
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 512)
        .ok_or_else(|| OidcLoginError::BadCallback("no state".into()))?;
    let bound = bound_state.unwrap_or_default();
    if !bool::from(state.as_bytes().ct_eq(bound.as_bytes())) {
        return Err(OidcLoginError::BadCallback(
            "the state is not the one this browser was sent with".into(),
        ));
    }
    // Taken before anything else: an answer is used once, even if what
    // follows fails.
    let now = hub.now();
    let pending = {
        let mut tx = hub.store.begin().await.map_err(ServiceError::from)?;
        let taken =
            federation::take_request(&mut tx, tenant.id, &hub.secrets.hash(state), idp.id, now)
                .await;
        tx.commit().await?;
        match taken {
            Ok(json) => serde_json::from_str::<PendingLogin>(&json)
                .map_err(|e| ServiceError::Internal(format!("pending login: {e}")))?,
            Err(StoreError::NotFound) => return Err(OidcLoginError::BadCallback(
                "no login waits for this answer (already used, expired, or for another provider)"
                    .into(),
            )),
            Err(e) => return Err(e.into()),
        }
    };
    if let Some(error) = &callback.error {
        return Err(OidcLoginError::Refused(format!(
            "{} answered {error}{}",
            idp.name,
            callback
                .error_description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        )));
    }
    if let Some(iss) = &callback.iss {
        // A multi-tenant issuer is checked on the ID token, with its `tid`.
        let fixed = !IssuerRule::new(&config.issuer).is_template();
        if is_oidc(idp) && fixed && *iss != config.issuer {
            return Err(OidcLoginError::Refused(format!(
                "the answer comes from {iss}, not {}",
                config.issuer
            )));
        }
    }
    let code = callback
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| OidcLoginError::BadCallback("no code".into()))?;

    let endpoints = endpoints(hub, idp).await?;
    let mut secret = hub.upstream_client_secret(tenant, idp).await?;
    if let (Some(signed), Some(key)) = (&config.settings.signed_client_secret, &secret) {
        let jwt = rp::signed_client_secret(&rp::SignedSecret {
            pkcs8_pem: key,
            key_id: &signed.key_id,
            issuer: &signed.team_id,
            client_id: &config.client_id,
            audience: &config.issuer,
            now: hub.now().unix_timestamp(),
        })
        .map_err(|e| OidcLoginError::Unavailable(format!("{}: {e}", idp.name)))?;
        secret = Some(zeroize::Zeroizing::new(jwt));
    }
    let tokens = exchange_code(
        hub,
        tenant,
        idp,
        config,
        &endpoints,
        code,
        &pending.pkce_verifier,
        secret.as_deref().map(String::as_str),
    )
    .await?;

    let (subject, mut claims, id_token) = if is_oidc(idp) {
        let raw = tokens
            .id_token
            .clone()
            .ok_or_else(|| OidcLoginError::Refused(rp::RpError::NoIdToken.to_string()))?;
        let verified = verify_id_token(hub, idp, config, &endpoints, &raw, &pending.nonce).await?;
        (Some(verified.subject), verified.claims, Some(raw))
    } else {
        (None, Map::new(), None)
    };
    if config.settings.userinfo || !is_oidc(idp) {
        if let Some(url) = &endpoints.userinfo {
            let info = get_json(hub, url, &tokens.access_token).await?;
            let info = rp::parse_userinfo(&info, subject.as_deref())
                .map_err(|e| OidcLoginError::Refused(e.to_string()))?;
            for (k, v) in info {
                claims.insert(k, v);
            }
        } else if !is_oidc(idp) {
            return Err(OidcLoginError::Unavailable(format!(
                "{} has no user endpoint",
                idp.name
            )));
        }
    }
    if let Some(user) = &callback.user {
        names_from_form(user, &mut claims);
    }
    if !email_verified(&claims) {
        if let Some(url) = &endpoints.emails {
            if let Some(email) = verified_primary_email(hub, url, &tokens.access_token).await? {
                claims.insert("email".into(), Value::String(email));
                claims.insert("email_verified".into(), Value::Bool(true));
            }
        }
    }
    let subject = match subject {
        Some(s) if config.settings.subject_claim == "sub" => s,
        _ => claim_text(&claims, &config.settings.subject_claim).ok_or_else(|| {
            OidcLoginError::Refused(format!(
                "the answer of {} has no {:?} to identify the user",
                idp.name, config.settings.subject_claim
            ))
        })?,
    };
    let identity = identity_from_claims(config, subject.clone(), &claims);
    let upstream_session = id_token.map(|raw| UpstreamSession {
        idp_id: idp.id,
        subject,
        session_index: None,
        name_id: raw,
    });
    let parked_identity = identity.clone();
    let done = hub
        .federated_login(Arrival {
            tenant,
            idp,
            identity,
            upstream_session,
            ctx,
        })
        .await;
    match done {
        Ok(done) => Ok((done, pending.return_to)),
        Err(FederationError::EmailTaken) => {
            let parked = hub
                .park_link(tenant, idp, &parked_identity, pending.return_to.clone())
                .await?;
            match (parked, parked_identity.email) {
                (Some(token), Some(email)) => Err(OidcLoginError::LinkParked {
                    token,
                    email,
                    return_to: pending.return_to,
                }),
                _ => Err(FederationError::EmailTaken.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The token endpoint's answer to the code (RFC 6749 §4.1.3).
#[allow(clippy::too_many_arguments)]
async fn exchange_code(
    hub: &Hub,
    tenant: &Tenant,
    idp: &UpstreamIdp,
    config: &OidcUpstream,
    endpoints: &Endpoints,
    code: &str,
    pkce_verifier: &str,
    secret: Option<&str>,
) -> Result<rp::TokenResponse, OidcLoginError> {
    let redirect_uri = hub.upstream_redirect_uri(tenant, &idp.name);
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &redirect_uri),
        ("code_verifier", pkce_verifier),
    ];
    let mut request = hub
        .http
        .post(&endpoints.token)
        .timeout(FETCH_TIMEOUT)
        .header(header::ACCEPT, "application/json");
    match (config.settings.client_auth, secret) {
        (ClientAuthMethod::ClientSecretBasic, Some(s)) => {
            // RFC 6749 §2.3.1: both form-urlencoded before Basic encoding.
            let enc =
                |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
            request = request.basic_auth(enc(&config.client_id), Some(enc(s)));
        }
        (ClientAuthMethod::ClientSecretPost, Some(s)) => {
            form.push(("client_id", &config.client_id));
            form.push(("client_secret", s));
        }
        (_, None) => form.push(("client_id", &config.client_id)),
    }
    let mut response =
        request.form(&form).send().await.map_err(|e| {
            OidcLoginError::Unavailable(format!("token endpoint: {}", error_chain(&e)))
        })?;
    let status = response.status();
    let body = read_capped(&mut response)
        .await
        .map_err(|e| OidcLoginError::Unavailable(format!("token endpoint: {e}")))?;
    if status.is_server_error() {
        return Err(OidcLoginError::Unavailable(format!(
            "token endpoint answered {status}"
        )));
    }
    rp::parse_token_response(&body).map_err(|e| OidcLoginError::Refused(e.to_string()))
}

/// Validates the ID token; a `kid` the cached JWKS lacks refreshes it once.
async fn verify_id_token(
    hub: &Hub,
    idp: &UpstreamIdp,
    config: &OidcUpstream,
    endpoints: &Endpoints,
    raw: &str,
    nonce: &str,
) -> Result<rp::VerifiedIdToken, OidcLoginError> {
    let jwks_url = endpoints
        .jwks
        .as_deref()
        .ok_or_else(|| OidcLoginError::Unavailable(format!("{} has no JWKS", idp.name)))?;
    let rule = IssuerRule::new(&config.issuer);
    let expect = IdTokenExpectations {
        issuer: &rule,
        client_id: &config.client_id,
        nonce,
        now: hub.now().unix_timestamp(),
    };
    let jwks = |doc: Arc<Vec<u8>>| {
        Jwks::parse(&doc).map_err(|e| OidcLoginError::Unavailable(e.to_string()))
    };
    let unavailable = |e: crate::service::upstream_documents::FetchError| {
        OidcLoginError::Unavailable(e.to_string())
    };
    let docs = &hub.upstream_documents;
    let keys = jwks(
        docs.get(&hub.http, jwks_url, hub.now())
            .await
            .map_err(unavailable)?,
    )?;
    let first = rp::verify_id_token(raw, &keys, &expect);
    let result = match first {
        Err(IdTokenError::UnknownKey) => {
            let keys = jwks(
                docs.refresh(&hub.http, jwks_url, hub.now())
                    .await
                    .map_err(unavailable)?,
            )?;
            rp::verify_id_token(raw, &keys, &expect)
        }
        other => other,
    };
    result.map_err(|e| OidcLoginError::Refused(e.to_string()))
}

/// A GET of a user API with the access token.
async fn get_json(hub: &Hub, url: &str, access_token: &str) -> Result<Vec<u8>, OidcLoginError> {
    let mut response = hub
        .http
        .get(url)
        .timeout(FETCH_TIMEOUT)
        .bearer_auth(access_token)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| OidcLoginError::Unavailable(format!("{url}: {}", error_chain(&e))))?;
    let status = response.status();
    if status.is_server_error() {
        return Err(OidcLoginError::Unavailable(format!(
            "{url} answered {status}"
        )));
    }
    if !status.is_success() {
        return Err(OidcLoginError::Refused(format!("{url} answered {status}")));
    }
    read_capped(&mut response)
        .await
        .map_err(|e| OidcLoginError::Unavailable(format!("{url}: {e}")))
}

/// GitHub-style `[{email, primary, verified}]`: the primary verified one.
async fn verified_primary_email(
    hub: &Hub,
    url: &str,
    access_token: &str,
) -> Result<Option<String>, OidcLoginError> {
    #[derive(Deserialize)]
    struct Listed {
        email: String,
        #[serde(default)]
        primary: bool,
        #[serde(default)]
        verified: bool,
    }
    let body = get_json(hub, url, access_token).await?;
    let listed: Vec<Listed> = serde_json::from_slice(&body).unwrap_or_default();
    Ok(listed
        .into_iter()
        .find(|e| e.primary && e.verified)
        .map(|e| e.email))
}

/// Apple's first-login `user` form field, `{"name":{"firstName","lastName"}}`:
/// the names fill `given_name` / `family_name` when the token has none.
/// It is not signed, so nothing else of it is read (never the email).
fn names_from_form(raw: &str, claims: &mut Map<String, Value>) {
    if raw.len() > 4096 {
        return;
    }
    let Ok(user) = serde_json::from_str::<Value>(raw) else {
        return;
    };
    for (field, claim) in [("firstName", "given_name"), ("lastName", "family_name")] {
        if let Some(v) = user["name"][field]
            .as_str()
            .filter(|v| !v.trim().is_empty())
        {
            claims
                .entry(claim)
                .or_insert_with(|| Value::String(v.trim().to_owned()));
        }
    }
}

/// A claim as text: a string, or a number (GitHub's numeric `id`).
fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `email_verified` is `true` (or the string "true", as some providers send).
fn email_verified(claims: &Map<String, Value>) -> bool {
    match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Maps claims to an identity through the provider's mapping.
pub fn identity_from_claims(
    config: &OidcUpstream,
    subject: String,
    claims: &Map<String, Value>,
) -> UpstreamIdentity {
    let attributes: Vec<(Vec<String>, Vec<String>)> = claims
        .iter()
        .filter_map(|(name, value)| {
            let values: Vec<String> = match value {
                Value::String(s) => vec![s.clone()],
                Value::Number(n) => vec![n.to_string()],
                Value::Bool(b) => vec![b.to_string()],
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => return None,
            };
            Some((vec![name.clone()], values))
        })
        .collect();
    let mut identity = config.settings.mapping.identity(subject, &attributes);
    identity.email_verified = identity.email.is_some() && email_verified(claims);
    identity
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::upstream_oidc::OidcUpstreamSettings;
    use serde_json::json;

    fn config() -> OidcUpstream {
        OidcUpstream {
            issuer: "https://idp.example".into(),
            preset: None,
            client_id: "c".into(),
            scopes: vec!["openid".into()],
            endpoints: Default::default(),
            settings: OidcUpstreamSettings::default(),
        }
    }

    #[test]
    fn claims_map_to_an_identity_and_email_verified_is_strict() {
        let claims = json!({
            "sub": "u1", "email": "jo@example.com", "email_verified": "true",
            "preferred_username": "jo", "given_name": "Jo", "groups": ["eng", 7],
        });
        let id = identity_from_claims(&config(), "u1".into(), claims.as_object().unwrap());
        assert_eq!(id.email.as_deref(), Some("jo@example.com"));
        assert!(id.email_verified);
        assert_eq!(id.username.as_deref(), Some("jo"));
        assert_eq!(id.groups, vec!["eng", "7"]);
        for unverified in [json!(false), json!("yes"), json!(1), Value::Null] {
            let mut c = claims.as_object().unwrap().clone();
            c.insert("email_verified".into(), unverified.clone());
            assert!(
                !identity_from_claims(&config(), "u1".into(), &c).email_verified,
                "{unverified}"
            );
        }
    }

    #[test]
    fn apples_user_field_fills_missing_names_only() {
        let mut claims = json!({"given_name": "Signed"}).as_object().unwrap().clone();
        names_from_form(
            r#"{"name":{"firstName":"Form","lastName":"Last"},"email":"evil@x.example"}"#,
            &mut claims,
        );
        assert_eq!(claims["given_name"], "Signed", "the token wins");
        assert_eq!(claims["family_name"], "Last");
        assert!(!claims.contains_key("email"), "never the unsigned email");
        names_from_form("not json", &mut claims);
    }

    #[test]
    fn numeric_subjects_read_as_text() {
        let claims = json!({"id": 1234567, "login": "octo"});
        assert_eq!(
            claim_text(claims.as_object().unwrap(), "id").as_deref(),
            Some("1234567")
        );
        assert_eq!(claim_text(claims.as_object().unwrap(), "missing"), None);
    }
}
