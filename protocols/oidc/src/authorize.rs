//! The authorization request of the code flow (RFC 6749 §4.1.1, OIDC Core
//! §3.1.2.1, RFC 7636 §4.3), parsed in two steps so that errors go where
//! RFC 6749 §4.1.2.1 says:
//!
//! 1. [`AuthorizationRequest::identify`] reads only `client_id` and
//!    `redirect_uri`. The hub looks the client up.
//! 2. [`AuthorizationRequest::validate`] checks the redirect URI against the
//!    client's registration, then everything else.
//!
//! While the client or its redirect URI is in doubt the error is
//! [`AuthorizeError::Fatal`]: shown to the user, never redirected, or the
//! server would be an open redirector. Once the redirect URI is trusted,
//! errors are [`AuthorizeError::Redirect`]: sent back to the client.
//!
//! Only `response_type=code` is offered (RFC 9700 §2.1.2, OAuth 2.1), with
//! the `query` and `form_post` response modes and `S256` PKCE.

use serde_json::{Map, Value};

use crate::authorize_response::{AuthorizationResponse, ResponseMode};
use crate::error::{OAuthError, OAuthErrorCode};
use crate::params::{shorten, single_value, Params, ParamsError};
use crate::pkce::CodeChallenge;
use crate::redirect_uri;
use crate::scope::Scope;

/// The `response_type` values offered, for `response_types_supported`.
pub const RESPONSE_TYPES: [&str; 1] = ["code"];

/// The `prompt` values understood (OIDC Core §3.1.2.1), for
/// `prompt_values_supported`.
pub const PROMPT_VALUES: [&str; 4] = ["none", "login", "consent", "select_account"];

/// What step 1 reads: who the client claims to be, and where it wants the
/// answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAndRedirect {
    /// The `client_id`.
    pub client_id: String,
    /// The `redirect_uri`, if sent.
    pub redirect_uri: Option<String>,
}

/// What the hub knows of the client, filled from its registration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientPolicy {
    /// The registered redirect URIs, compared with
    /// [`redirect_uri::matches`].
    pub redirect_uris: Vec<String>,
    /// A public client (no secret: native or browser app) must use PKCE.
    pub is_public: bool,
    /// Every scope token the client may ask for, `openid` included for an
    /// OpenID Connect client.
    pub allowed_scopes: Vec<String>,
    /// Require PKCE from this confidential client too.
    pub require_pkce: bool,
}

/// A refused authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or the redirect URI cannot be trusted: show this to the
    /// user, never redirect (RFC 6749 §4.1.2.1, §10.15).
    Fatal {
        /// What went wrong, fit for an error page.
        description: String,
    },
    /// Send `error` to the client at `redirect_uri` (RFC 6749 §4.1.2.1).
    Redirect {
        /// The checked redirect URI.
        redirect_uri: String,
        /// How to deliver the error.
        response_mode: ResponseMode,
        /// The request's `state`, to send back.
        state: Option<String>,
        /// The error.
        error: OAuthError,
    },
}

impl AuthorizeError {
    /// The fatal error for a `client_id` the hub does not know.
    pub fn unknown_client() -> Self {
        fatal("client_id is not a known client")
    }

    /// The response to deliver for a [`AuthorizeError::Redirect`], or `None`
    /// for a [`AuthorizeError::Fatal`] one.
    pub fn to_response(&self, issuer: &str) -> Option<AuthorizationResponse> {
        match self {
            Self::Fatal { .. } => None,
            Self::Redirect {
                redirect_uri,
                response_mode,
                state,
                error,
            } => Some(AuthorizationResponse::error(
                redirect_uri,
                *response_mode,
                error,
                state.as_deref(),
                issuer,
            )),
        }
    }
}

/// The `prompt` parameter (OIDC Core §3.1.2.1) as a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prompt {
    /// `none`: no user interaction; never combined with another value.
    pub none: bool,
    /// `login`: authenticate again.
    pub login: bool,
    /// `consent`: ask for consent again.
    pub consent: bool,
    /// `select_account`: let the user pick an account.
    pub select_account: bool,
}

impl Prompt {
    /// Parses a space-delimited `prompt` value. Unknown values, and `none`
    /// with any other, are an `invalid_request`.
    pub fn parse(value: &str) -> Result<Self, OAuthError> {
        let mut prompt = Self::default();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            match token {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                "select_account" => prompt.select_account = true,
                other => {
                    return Err(invalid_request(&format!(
                        "prompt value {} is not supported",
                        shorten(other)
                    )))
                }
            }
        }
        if prompt.none && (prompt.login || prompt.consent || prompt.select_account) {
            return Err(invalid_request(
                "prompt none cannot be combined with another value",
            ));
        }
        Ok(prompt)
    }

    /// Whether no value was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The `display` parameter (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayMode {
    /// A full user-agent page.
    Page,
    /// A popup window.
    Popup,
    /// A touch interface.
    Touch,
    /// A feature phone.
    Wap,
}

impl DisplayMode {
    /// Every value, for `display_values_supported`.
    pub const ALL: [Self; 4] = [Self::Page, Self::Popup, Self::Touch, Self::Wap];

    /// The value as sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::Popup => "popup",
            Self::Touch => "touch",
            Self::Wap => "wap",
        }
    }

    /// The mode named `value`.
    pub fn from_name(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == value)
    }
}

/// The `claims` parameter (OIDC Core §5.5): individual claims asked for in
/// the UserInfo response and in the ID token. Each maps a claim name to
/// `null` or to an object with `essential`, `value` or `values`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimsRequest {
    /// Claims for the UserInfo response.
    pub userinfo: Map<String, Value>,
    /// Claims for the ID token.
    pub id_token: Map<String, Value>,
}

impl ClaimsRequest {
    /// Parses the JSON of a `claims` parameter: an object whose only members
    /// are `userinfo` and `id_token`, each an object of claim requests.
    pub fn parse(json: &str) -> Result<Self, OAuthError> {
        let value: Value =
            serde_json::from_str(json).map_err(|_| invalid_request("claims is not valid JSON"))?;
        let Value::Object(top) = value else {
            return Err(invalid_request("claims must be a JSON object"));
        };
        let mut request = Self::default();
        for (member, requests) in top {
            let target = match member.as_str() {
                "userinfo" => &mut request.userinfo,
                "id_token" => &mut request.id_token,
                _ => {
                    return Err(invalid_request(
                        "claims may only have userinfo and id_token members",
                    ))
                }
            };
            let Value::Object(requests) = requests else {
                return Err(invalid_request("claims members must be JSON objects"));
            };
            for (name, request) in &requests {
                check_claim_request(name, request)?;
            }
            *target = requests;
        }
        Ok(request)
    }
}

/// A validated authorization request (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The `client_id`.
    pub client_id: String,
    /// The redirect URI to answer at: the one sent, or the client's only
    /// registered one.
    pub redirect_uri: String,
    /// Whether `redirect_uri` was sent: if so, the token request must send
    /// the same value (RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    /// How to deliver the response.
    pub response_mode: ResponseMode,
    /// The requested scope, all allowed for the client; `None` if none was
    /// asked for (then this is no OpenID Connect request).
    pub scope: Option<Scope>,
    /// The opaque `state`, to send back.
    pub state: Option<String>,
    /// The `nonce`, to put in the ID token.
    pub nonce: Option<String>,
    /// The PKCE challenge, to bind to the code.
    pub code_challenge: Option<CodeChallenge>,
    /// The `prompt` set.
    pub prompt: Prompt,
    /// `max_age`, in seconds.
    pub max_age: Option<u64>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// `id_token_hint`, unchecked: the hub verifies it.
    pub id_token_hint: Option<String>,
    /// `acr_values`, in order of preference.
    pub acr_values: Vec<String>,
    /// `ui_locales`, in order of preference.
    pub ui_locales: Vec<String>,
    /// `display`.
    pub display: Option<DisplayMode>,
    /// `claims`.
    pub claims: Option<ClaimsRequest>,
}

impl AuthorizationRequest {
    /// Step 1: the `client_id` (required) and `redirect_uri` (optional).
    /// A missing, repeated or oversized one is fatal.
    pub fn identify(pairs: &[(String, String)]) -> Result<ClientAndRedirect, AuthorizeError> {
        let client_id = single_value(pairs, "client_id")
            .map_err(fatal_params)?
            .ok_or_else(|| fatal("client_id is missing"))?;
        let redirect_uri = single_value(pairs, "redirect_uri").map_err(fatal_params)?;
        Ok(ClientAndRedirect {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.map(str::to_owned),
        })
    }

    /// Step 2, once the hub found the client: checks the redirect URI
    /// (fatal when missing or unregistered), then the rest (redirected).
    ///
    /// `redirect_uri` may be left out only when the client has exactly one
    /// registered and the request is not an OpenID Connect one (OIDC Core
    /// §3.1.2.1 requires it whenever `scope` has `openid`).
    ///
    /// A scope token outside the client's allowed set is an `invalid_scope`
    /// rather than silently dropped: the client learns of its mistake, and
    /// what it gets is what it asked for.
    pub fn validate(
        pairs: &[(String, String)],
        policy: &ClientPolicy,
    ) -> Result<Self, AuthorizeError> {
        let ids = Self::identify(pairs)?;
        let (redirect_uri, redirect_uri_sent) = resolve_redirect_uri(pairs, &ids, policy)?;
        let state = single_value(pairs, "state")
            .ok()
            .flatten()
            .map(str::to_owned);
        let response_mode = match single_value(pairs, "response_mode") {
            Ok(Some(v)) => ResponseMode::from_name(v),
            Ok(None) => Some(ResponseMode::Query),
            Err(_) => None,
        };
        let checked = Params::parse(pairs)
            .map_err(OAuthError::from)
            .and_then(|params| {
                let mode = response_mode
                    .ok_or_else(|| invalid_request("response_mode must be query or form_post"))?;
                let mut request = check_params(&params, policy)?;
                request.response_mode = mode;
                Ok(request)
            });
        match checked {
            Ok(request) => Ok(Self {
                client_id: ids.client_id,
                redirect_uri,
                redirect_uri_sent,
                state,
                ..request
            }),
            Err(error) => Err(AuthorizeError::Redirect {
                redirect_uri,
                response_mode: response_mode.unwrap_or_default(),
                state,
                error,
            }),
        }
    }

    /// Whether this is an OpenID Connect request (`scope` has `openid`).
    pub fn is_openid(&self) -> bool {
        self.scope.as_ref().is_some_and(|s| s.contains("openid"))
    }

    /// The success response carrying `code` (RFC 6749 §4.1.2, RFC 9207).
    pub fn success_response(&self, code: &str, issuer: &str) -> AuthorizationResponse {
        AuthorizationResponse::success(
            &self.redirect_uri,
            self.response_mode,
            code,
            self.state.as_deref(),
            issuer,
        )
    }

    /// An error response to this request, e.g. `access_denied` or
    /// `login_required` decided by the hub (OIDC Core §3.1.2.6).
    pub fn error_response(&self, error: &OAuthError, issuer: &str) -> AuthorizationResponse {
        AuthorizationResponse::error(
            &self.redirect_uri,
            self.response_mode,
            error,
            self.state.as_deref(),
            issuer,
        )
    }
}

/// The redirect URI to use and whether it was sent, or a fatal error.
fn resolve_redirect_uri(
    pairs: &[(String, String)],
    ids: &ClientAndRedirect,
    policy: &ClientPolicy,
) -> Result<(String, bool), AuthorizeError> {
    if let Some(uri) = &ids.redirect_uri {
        if redirect_uri::matches(&policy.redirect_uris, uri) {
            return Ok((uri.clone(), true));
        }
        return Err(fatal("redirect_uri is not registered for this client"));
    }
    let asks_openid = pairs
        .iter()
        .any(|(n, v)| n == "scope" && v.split(' ').any(|t| t == "openid"));
    if asks_openid {
        return Err(fatal(
            "redirect_uri is required in an OpenID Connect request",
        ));
    }
    match policy.redirect_uris.as_slice() {
        [only] => Ok((only.clone(), false)),
        [] => Err(fatal("the client has no registered redirect_uri")),
        _ => Err(fatal(
            "redirect_uri is required: the client has several registered",
        )),
    }
}

/// Every check after the redirect URI; fills all fields but the four the
/// caller sets (`client_id`, `redirect_uri`, `redirect_uri_sent`, `state`)
/// and the response mode.
fn check_params(
    params: &Params,
    policy: &ClientPolicy,
) -> Result<AuthorizationRequest, OAuthError> {
    if params.contains("request") {
        return Err(OAuthError::new(OAuthErrorCode::RequestNotSupported)
            .with_description("the request parameter is not supported"));
    }
    if params.contains("request_uri") {
        return Err(OAuthError::new(OAuthErrorCode::RequestUriNotSupported)
            .with_description("the request_uri parameter is not supported"));
    }
    if params.contains("registration") {
        return Err(OAuthError::new(OAuthErrorCode::RegistrationNotSupported)
            .with_description("the registration parameter is not supported"));
    }
    match params.get("response_type") {
        None => return Err(invalid_request("response_type is required")),
        Some(t) if RESPONSE_TYPES.contains(&t) => {}
        Some(_) => {
            return Err(OAuthError::new(OAuthErrorCode::UnsupportedResponseType)
                .with_description("only response_type code is supported"))
        }
    }
    let scope = params.get("scope").map(parse_scope).transpose()?;
    if let Some(scope) = &scope {
        check_scope_allowed(scope, policy)?;
    }
    let code_challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (Some(challenge), method) => Some(CodeChallenge::parse(challenge, method)?),
        (None, Some(_)) => {
            return Err(invalid_request(
                "code_challenge_method sent without code_challenge",
            ))
        }
        (None, None) if policy.is_public || policy.require_pkce => {
            return Err(invalid_request("code_challenge required"))
        }
        (None, None) => None,
    };
    let prompt = params
        .get("prompt")
        .map(Prompt::parse)
        .transpose()?
        .unwrap_or_default();
    let max_age = params.get("max_age").map(parse_max_age).transpose()?;
    let display = params
        .get("display")
        .map(|d| {
            DisplayMode::from_name(d)
                .ok_or_else(|| invalid_request("display must be page, popup, touch or wap"))
        })
        .transpose()?;
    let claims = params.get("claims").map(ClaimsRequest::parse).transpose()?;
    Ok(AuthorizationRequest {
        client_id: String::new(),
        redirect_uri: String::new(),
        redirect_uri_sent: false,
        response_mode: ResponseMode::Query,
        scope,
        state: None,
        nonce: owned(params, "nonce"),
        code_challenge,
        prompt,
        max_age,
        login_hint: owned(params, "login_hint"),
        id_token_hint: owned(params, "id_token_hint"),
        acr_values: list(params, "acr_values"),
        ui_locales: list(params, "ui_locales"),
        display,
        claims,
    })
}

fn parse_scope(raw: &str) -> Result<Scope, OAuthError> {
    Scope::parse(raw)
        .map_err(|e| OAuthError::new(OAuthErrorCode::InvalidScope).with_description(&e.to_string()))
}

fn check_scope_allowed(scope: &Scope, policy: &ClientPolicy) -> Result<(), OAuthError> {
    match scope
        .iter()
        .find(|t| !policy.allowed_scopes.iter().any(|a| a == t))
    {
        Some(token) => Err(
            OAuthError::new(OAuthErrorCode::InvalidScope).with_description(&format!(
                "scope {} is not allowed for this client",
                shorten(token)
            )),
        ),
        None => Ok(()),
    }
}

/// `max_age`: a non-negative integer of seconds, digits only.
fn parse_max_age(raw: &str) -> Result<u64, OAuthError> {
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid_request("max_age must be a non-negative integer"));
    }
    raw.parse()
        .map_err(|_| invalid_request("max_age is too large"))
}

/// One entry of a `claims` member: `null`, or an object whose `essential`
/// is a boolean and whose `values` is an array (OIDC Core §5.5.1).
fn check_claim_request(name: &str, request: &Value) -> Result<(), OAuthError> {
    let bad = || {
        invalid_request(&format!(
            "claims request for {} must be null or an object",
            shorten(name)
        ))
    };
    match request {
        Value::Null => Ok(()),
        Value::Object(members) => {
            let essential_ok = members.get("essential").is_none_or(Value::is_boolean);
            let values_ok = members.get("values").is_none_or(Value::is_array);
            if essential_ok && values_ok {
                Ok(())
            } else {
                Err(bad())
            }
        }
        _ => Err(bad()),
    }
}

fn owned(params: &Params, name: &str) -> Option<String> {
    params.get(name).map(str::to_owned)
}

/// A space-delimited list parameter (`acr_values`, `ui_locales`).
fn list(params: &Params, name: &str) -> Vec<String> {
    params
        .get(name)
        .map(|v| {
            v.split(' ')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn fatal(description: &str) -> AuthorizeError {
    AuthorizeError::Fatal {
        description: description.to_owned(),
    }
}

fn fatal_params(e: ParamsError) -> AuthorizeError {
    AuthorizeError::Fatal {
        description: e.to_string(),
    }
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest).with_description(description)
}

#[cfg(test)]
mod tests;
