//! OAuth 2.x / OpenID Connect clients (relying parties) of a tenant, and the
//! rules of their registration: redirect URIs (RFC 6749 §3.1.2, RFC 8252
//! §7.1 and §8.4, OAuth 2.1 §2.3), grant types and the public/confidential
//! split (RFC 6749 §2.1), token endpoint authentication methods (OIDC
//! Core §9), scope tokens (RFC 6749 §3.3), and the metadata of OIDC Dynamic
//! Client Registration §2 that the provider honours.
//!
//! A confidential client has a secret, made by the service and stored only
//! as a keyed hash; [`ClientSecret`] carries it to the caller once and never
//! prints itself.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use super::tenant::parse_display_name;
use super::{ClientId, CoreError, TenantId};

/// The prefix of client secrets, so that scanners and people can tell them.
pub const CLIENT_SECRET_PREFIX: &str = "usso_cs_";

/// The most redirect URIs (of each kind) a client may register.
pub const MAX_URIS: usize = 100;
/// The longest URI a client may register.
pub const MAX_URI_LEN: usize = 2000;
/// The most scopes a client may be allowed.
pub const MAX_SCOPES: usize = 200;
/// The longest scope token.
pub const MAX_SCOPE_LEN: usize = 128;
/// The largest registered JWK Set, serialized.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// The scopes a client is allowed when none are named.
pub const DEFAULT_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "phone",
    "address",
    "groups",
    "roles",
    "offline_access",
];

/// An OAuth grant a client may use at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// RFC 6749 §4.1 (with PKCE, RFC 7636).
    AuthorizationCode,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4; confidential clients only.
    ClientCredentials,
}

impl GrantType {
    pub const ALL: [GrantType; 3] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == raw)
            .ok_or_else(|| {
                CoreError::invalid(
                    "grant_types",
                    format!(
                        "unknown grant type {raw:?}; known: authorization_code, refresh_token, \
                         client_credentials"
                    ),
                )
            })
    }
}

/// How a client authenticates at the token endpoint (OIDC Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// The secret in HTTP Basic (RFC 6749 §2.3.1); the default of
    /// confidential clients.
    ClientSecretBasic,
    /// The secret in the form body.
    ClientSecretPost,
    /// A JWT signed with a key of the client's JWKS (RFC 7523 §2.2).
    PrivateKeyJwt,
    /// No authentication: public clients, and only they.
    None,
}

impl TokenEndpointAuthMethod {
    pub const ALL: [TokenEndpointAuthMethod; 4] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == raw)
            .ok_or_else(|| {
                CoreError::invalid(
                    "token_endpoint_auth_method",
                    format!(
                        "unknown method {raw:?}; known: client_secret_basic, client_secret_post, \
                         private_key_jwt, none"
                    ),
                )
            })
    }

    /// Whether the client proves itself with its secret.
    pub fn uses_secret(self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
    }
}

/// The algorithm of the ID tokens issued to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    /// The default, which every OIDC relying party supports (OIDC Core §15.1).
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [Self::RS256, Self::ES256, Self::EdDSA];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or_else(|| {
                CoreError::invalid(
                    "id_token_signed_response_alg",
                    format!("unknown algorithm {raw:?}; known: RS256, ES256, EdDSA"),
                )
            })
    }
}

/// How a client sees a user's `sub` (OIDC Core §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectType {
    /// The same `sub` for every client.
    Public,
    /// A `sub` of its own per client (sector), that clients cannot correlate.
    Pairwise,
}

impl SubjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Pairwise => "pairwise",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        match raw {
            "public" => Ok(Self::Public),
            "pairwise" => Ok(Self::Pairwise),
            _ => Err(CoreError::invalid(
                "subject_type",
                format!("unknown subject type {raw:?}; known: public, pairwise"),
            )),
        }
    }
}

/// Token lifetimes of one client, each overriding the tenant's setting of
/// the same name when present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenLifetimes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_idle_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_absolute_seconds: Option<i64>,
}

impl TokenLifetimes {
    /// Each present value must be what the tenant setting allows: access
    /// tokens 1 s to a day, refresh idle at most refresh absolute.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self
            .access_token_seconds
            .is_some_and(|s| !(1..=24 * 3600).contains(&s))
        {
            return Err(CoreError::invalid(
                "access_token_seconds",
                "must be between 1 and 86400",
            ));
        }
        for (field, value) in [
            (
                "refresh_token_idle_seconds",
                self.refresh_token_idle_seconds,
            ),
            (
                "refresh_token_absolute_seconds",
                self.refresh_token_absolute_seconds,
            ),
        ] {
            if value.is_some_and(|s| s <= 0) {
                return Err(CoreError::invalid(field, "must be positive"));
            }
        }
        if let (Some(idle), Some(absolute)) = (
            self.refresh_token_idle_seconds,
            self.refresh_token_absolute_seconds,
        ) {
            if idle > absolute {
                return Err(CoreError::invalid(
                    "refresh_token_idle_seconds",
                    "cannot exceed refresh_token_absolute_seconds",
                ));
            }
        }
        Ok(())
    }
}

/// A registered client. Its secret, if any, is not part of it: the store
/// keeps only the keyed hash, beside the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: ClientId,
    pub tenant_id: TenantId,
    /// Unique per tenant, without regard to case; shown on the consent screen.
    pub name: String,
    /// A public client (a SPA, a native app) cannot keep a secret.
    pub public: bool,
    /// Matched exactly (loopback ports aside) at the authorization endpoint.
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Vec<GrantType>,
    /// The scopes the client may ask for.
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub jwks_uri: Option<String>,
    /// A JWK Set (`{"keys": [...]}`) registered by value.
    pub jwks: Option<serde_json::Value>,
    /// A first-party client: no consent screen.
    pub skip_consent: bool,
    pub id_token_signed_response_alg: SigningAlg,
    pub subject_type: SubjectType,
    pub token_lifetimes: TokenLifetimes,
    /// The audiences of its access tokens (RFC 9068 `aud`); empty: the client.
    pub resources: Vec<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Bumped on every change (optimistic concurrency).
    pub version: i64,
}

impl Client {
    /// A new client, at version 1, with validated settings.
    pub fn new(
        id: ClientId,
        tenant_id: TenantId,
        settings: ClientSettings,
        now: OffsetDateTime,
    ) -> Self {
        let mut client = Self {
            id,
            tenant_id,
            name: String::new(),
            public: settings.public,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            backchannel_logout_uri: None,
            grant_types: Vec::new(),
            scopes: Vec::new(),
            token_endpoint_auth_method: TokenEndpointAuthMethod::None,
            jwks_uri: None,
            jwks: None,
            skip_consent: false,
            id_token_signed_response_alg: SigningAlg::RS256,
            subject_type: SubjectType::Public,
            token_lifetimes: TokenLifetimes::default(),
            resources: Vec::new(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        client.apply(settings);
        client
    }

    /// Replaces every setting (`public` included; the service decides
    /// whether it may change).
    pub fn apply(&mut self, s: ClientSettings) {
        self.name = s.name;
        self.public = s.public;
        self.redirect_uris = s.redirect_uris;
        self.post_logout_redirect_uris = s.post_logout_redirect_uris;
        self.backchannel_logout_uri = s.backchannel_logout_uri;
        self.grant_types = s.grant_types;
        self.scopes = s.scopes;
        self.token_endpoint_auth_method = s.token_endpoint_auth_method;
        self.jwks_uri = s.jwks_uri;
        self.jwks = s.jwks;
        self.skip_consent = s.skip_consent;
        self.id_token_signed_response_alg = s.id_token_signed_response_alg;
        self.subject_type = s.subject_type;
        self.token_lifetimes = s.token_lifetimes;
        self.resources = s.resources;
    }

    /// The public identifier the client presents (`client_id`).
    pub fn client_id(&self) -> String {
        self.id.to_string()
    }

    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Whether the client has (and so must prove) a secret.
    pub fn is_confidential(&self) -> bool {
        !self.public
    }
}

/// A client secret, shown to the caller once. Its `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, to hand to the operator.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

/// A client's settings as a caller gives them: raw strings, optional values
/// that take their defaults. [`ClientFields::validate`] checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFields {
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// `None`: `authorization_code` and `refresh_token`.
    pub grant_types: Option<Vec<String>>,
    /// `None`: [`DEFAULT_SCOPES`]. A value may hold several space-separated scopes.
    pub scopes: Option<Vec<String>>,
    /// `None`: `none` for a public client, `client_secret_basic` otherwise.
    pub token_endpoint_auth_method: Option<String>,
    pub jwks_uri: Option<String>,
    pub jwks: Option<serde_json::Value>,
    pub skip_consent: bool,
    /// `None`: RS256.
    pub id_token_signed_response_alg: Option<String>,
    /// `None`: public.
    pub subject_type: Option<String>,
    /// Absent values: the tenant's.
    pub token_lifetimes: TokenLifetimes,
    /// Absolute URIs of the APIs its access tokens are for.
    pub resources: Vec<String>,
}

impl From<&Client> for ClientFields {
    /// The fields that give `client` back; a start for a partial change.
    fn from(c: &Client) -> Self {
        Self {
            name: c.name.clone(),
            public: c.public,
            redirect_uris: c.redirect_uris.clone(),
            post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: c.backchannel_logout_uri.clone(),
            grant_types: Some(c.grant_types.iter().map(|g| g.as_str().into()).collect()),
            scopes: Some(c.scopes.clone()),
            token_endpoint_auth_method: Some(c.token_endpoint_auth_method.as_str().into()),
            jwks_uri: c.jwks_uri.clone(),
            jwks: c.jwks.clone(),
            skip_consent: c.skip_consent,
            id_token_signed_response_alg: Some(c.id_token_signed_response_alg.as_str().into()),
            subject_type: Some(c.subject_type.as_str().into()),
            token_lifetimes: c.token_lifetimes,
            resources: c.resources.clone(),
        }
    }
}

/// Checked settings, with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    pub jwks_uri: Option<String>,
    pub jwks: Option<serde_json::Value>,
    pub skip_consent: bool,
    pub id_token_signed_response_alg: SigningAlg,
    pub subject_type: SubjectType,
    pub token_lifetimes: TokenLifetimes,
    pub resources: Vec<String>,
}

impl ClientFields {
    /// Checks every field and the rules between them; the first broken
    /// rule is returned with its field.
    pub fn validate(self) -> Result<ClientSettings, CoreError> {
        let name = parse_display_name(&self.name, "name")?;
        let redirect_uris = parse_redirect_uris(&self.redirect_uris, "redirect_uris")?;
        let post_logout_redirect_uris =
            parse_redirect_uris(&self.post_logout_redirect_uris, "post_logout_redirect_uris")?;
        let backchannel_logout_uri = self
            .backchannel_logout_uri
            .as_deref()
            .map(|raw| parse_web_uri(raw, "backchannel_logout_uri"))
            .transpose()?;
        let grant_types = match &self.grant_types {
            None => vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            Some(raw) => parse_grant_types(raw)?,
        };
        let scopes = match &self.scopes {
            None => DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            Some(raw) => parse_scopes(raw)?,
        };
        let token_endpoint_auth_method = match self.token_endpoint_auth_method.as_deref() {
            None if self.public => TokenEndpointAuthMethod::None,
            None => TokenEndpointAuthMethod::ClientSecretBasic,
            Some(raw) => TokenEndpointAuthMethod::parse(raw)?,
        };
        let jwks_uri = self
            .jwks_uri
            .as_deref()
            .map(|raw| parse_web_uri(raw, "jwks_uri"))
            .transpose()?;
        let jwks = self.jwks.map(parse_jwks).transpose()?;
        let id_token_signed_response_alg = self
            .id_token_signed_response_alg
            .as_deref()
            .map_or(Ok(SigningAlg::RS256), SigningAlg::parse)?;
        let subject_type = self
            .subject_type
            .as_deref()
            .map_or(Ok(SubjectType::Public), SubjectType::parse)?;

        self.token_lifetimes.validate()?;
        let resources = parse_resources(&self.resources)?;
        if self.public && grant_types.contains(&GrantType::ClientCredentials) {
            return Err(CoreError::invalid(
                "grant_types",
                "a public client cannot use client_credentials (RFC 6749 §4.4)",
            ));
        }
        if grant_types.contains(&GrantType::RefreshToken)
            && !grant_types.contains(&GrantType::AuthorizationCode)
        {
            return Err(CoreError::invalid(
                "grant_types",
                "refresh_token needs authorization_code (client_credentials issues no refresh \
                 tokens, RFC 6749 §4.4.3)",
            ));
        }
        if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
            return Err(CoreError::invalid(
                "redirect_uris",
                "a client using authorization_code needs at least one redirect URI",
            ));
        }
        let no_credentials = token_endpoint_auth_method == TokenEndpointAuthMethod::None;
        if self.public && !no_credentials {
            return Err(CoreError::invalid(
                "token_endpoint_auth_method",
                "a public client has no credentials: its method is none",
            ));
        }
        if !self.public && no_credentials {
            return Err(CoreError::invalid(
                "token_endpoint_auth_method",
                "none is for public clients; a confidential client uses client_secret_basic, \
                 client_secret_post or private_key_jwt",
            ));
        }
        if jwks_uri.is_some() && jwks.is_some() {
            return Err(CoreError::invalid(
                "jwks",
                "give jwks_uri or jwks, not both (OIDC Registration §2)",
            ));
        }
        if token_endpoint_auth_method == TokenEndpointAuthMethod::PrivateKeyJwt
            && jwks_uri.is_none()
            && jwks.is_none()
        {
            return Err(CoreError::invalid(
                "jwks_uri",
                "private_key_jwt needs the client's keys: a jwks_uri or a jwks",
            ));
        }
        Ok(ClientSettings {
            name,
            public: self.public,
            redirect_uris,
            post_logout_redirect_uris,
            backchannel_logout_uri,
            grant_types,
            scopes,
            token_endpoint_auth_method,
            jwks_uri,
            jwks,
            skip_consent: self.skip_consent,
            id_token_signed_response_alg,
            subject_type,
            token_lifetimes: self.token_lifetimes,
            resources,
        })
    }
}

/// Resource indicators (RFC 8707 §2): absolute URIs without a fragment,
/// deduplicated, at most 20.
fn parse_resources(raw: &[String]) -> Result<Vec<String>, CoreError> {
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let parsed = url::Url::parse(r).map_err(|_| {
            CoreError::invalid("resources", format!("{r:?} is not an absolute URI"))
        })?;
        if parsed.fragment().is_some() || r.len() > 2048 {
            return Err(CoreError::invalid(
                "resources",
                format!("{r:?}: no fragment, at most 2048 characters"),
            ));
        }
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    if out.len() > 20 {
        return Err(CoreError::invalid("resources", "at most 20 resources"));
    }
    Ok(out)
}

/// Grant types: at least one, each known; duplicates folded, in a fixed order.
pub fn parse_grant_types<S: AsRef<str>>(raw: &[S]) -> Result<Vec<GrantType>, CoreError> {
    let mut grants = raw
        .iter()
        .map(|g| GrantType::parse(g.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    grants.sort();
    grants.dedup();
    if grants.is_empty() {
        return Err(CoreError::invalid(
            "grant_types",
            "at least one grant type is required",
        ));
    }
    Ok(grants)
}

/// Scope tokens (RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`); a value
/// may hold several separated by spaces. At least one; duplicates folded,
/// first occurrence kept.
pub fn parse_scopes<S: AsRef<str>>(raw: &[S]) -> Result<Vec<String>, CoreError> {
    let mut scopes: Vec<String> = Vec::new();
    for token in raw.iter().flat_map(|s| s.as_ref().split(' ')) {
        if token.is_empty() {
            continue;
        }
        let ok = token.len() <= MAX_SCOPE_LEN
            && token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
        if !ok {
            return Err(CoreError::invalid(
                "scopes",
                format!(
                    "{token:?} is not a scope token (1 to {MAX_SCOPE_LEN} printable ASCII \
                     characters, without '\"' or '\\\\', RFC 6749 §3.3)"
                ),
            ));
        }
        if !scopes.iter().any(|s| s == token) {
            scopes.push(token.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(CoreError::invalid(
            "scopes",
            "at least one scope is required",
        ));
    }
    if scopes.len() > MAX_SCOPES {
        return Err(CoreError::invalid(
            "scopes",
            format!("at most {MAX_SCOPES} scopes"),
        ));
    }
    Ok(scopes)
}

/// Redirect URIs (and post-logout redirect URIs), kept exactly as given for
/// exact matching; duplicates folded. Each is absolute, without fragment
/// (RFC 6749 §3.1.2) or userinfo, with the scheme `https`, `http`, or a
/// private-use scheme in reverse-domain form (RFC 8252 §7.1: it contains a
/// `.`).
pub fn parse_redirect_uris<S: AsRef<str>>(
    raw: &[S],
    field: &'static str,
) -> Result<Vec<String>, CoreError> {
    let mut uris: Vec<String> = Vec::new();
    for uri in raw {
        let uri = uri.as_ref();
        let url = parse_absolute(uri, field)?;
        let scheme = url.scheme();
        if !(scheme == "https" || scheme == "http" || scheme.contains('.')) {
            return Err(CoreError::invalid(
                field,
                format!(
                    "{uri:?}: the scheme must be https, http, or a private-use scheme in \
                     reverse-domain form such as com.example.app (RFC 8252 §7.1)"
                ),
            ));
        }
        if !uris.iter().any(|u| u == uri) {
            uris.push(uri.to_owned());
        }
    }
    if uris.len() > MAX_URIS {
        return Err(CoreError::invalid(
            field,
            format!("at most {MAX_URIS} URIs"),
        ));
    }
    Ok(uris)
}

/// An `https` or `http` URL the provider calls or fetches (back-channel
/// logout, a JWKS): absolute, without fragment or userinfo.
pub fn parse_web_uri(raw: &str, field: &'static str) -> Result<String, CoreError> {
    let url = parse_absolute(raw, field)?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err(CoreError::invalid(
            field,
            format!("{raw:?}: must be an https (or http) URL with a host"),
        ));
    }
    Ok(raw.to_owned())
}

/// An absolute URI without fragment or userinfo, free of whitespace and
/// control characters (which URL parsers silently drop, and which would make
/// the stored value differ from what is matched).
fn parse_absolute(raw: &str, field: &'static str) -> Result<Url, CoreError> {
    if raw.is_empty() || raw.len() > MAX_URI_LEN {
        return Err(CoreError::invalid(
            field,
            format!("a URI must be 1 to {MAX_URI_LEN} characters"),
        ));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CoreError::invalid(
            field,
            format!("{raw:?}: must not contain spaces or control characters"),
        ));
    }
    let url = Url::parse(raw)
        .map_err(|e| CoreError::invalid(field, format!("{raw:?} is not an absolute URI: {e}")))?;
    if url.fragment().is_some() {
        return Err(CoreError::invalid(
            field,
            format!("{raw:?}: must not contain a fragment (RFC 6749 §3.1.2)"),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CoreError::invalid(
            field,
            format!("{raw:?}: must not contain a user name or password"),
        ));
    }
    Ok(url)
}

/// A JWK Set by value: an object with a `keys` array of objects (RFC 7517
/// §5), of bounded size. The keys themselves are checked where they are used.
fn parse_jwks(jwks: serde_json::Value) -> Result<serde_json::Value, CoreError> {
    let keys_ok = jwks
        .get("keys")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|keys| !keys.is_empty() && keys.iter().all(serde_json::Value::is_object));
    if !jwks.is_object() || !keys_ok {
        return Err(CoreError::invalid(
            "jwks",
            "must be a JWK Set: {\"keys\": [<JWK object>, ...]} with at least one key",
        ));
    }
    if jwks.to_string().len() > MAX_JWKS_BYTES {
        return Err(CoreError::invalid(
            "jwks",
            format!("at most {MAX_JWKS_BYTES} bytes"),
        ));
    }
    Ok(jwks)
}

#[cfg(test)]
mod tests;
