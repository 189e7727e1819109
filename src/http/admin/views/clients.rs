//! The JSON representations of OAuth / OpenID Connect clients (admin API
//! and `usso client --json`), secrets shown once.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::timestamp;
use crate::core::client::{Client, GrantType, SigningAlg, SubjectType, TokenEndpointAuthMethod};

/// An OAuth grant a client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantTypeView {
    AuthorizationCode,
    RefreshToken,
    /// Confidential clients only.
    ClientCredentials,
}

impl From<GrantType> for GrantTypeView {
    fn from(g: GrantType) -> Self {
        match g {
            GrantType::AuthorizationCode => Self::AuthorizationCode,
            GrantType::RefreshToken => Self::RefreshToken,
            GrantType::ClientCredentials => Self::ClientCredentials,
        }
    }
}

/// How a client authenticates at the token endpoint; `none` for public
/// clients and only for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethodView {
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
    None,
}

impl From<TokenEndpointAuthMethod> for TokenEndpointAuthMethodView {
    fn from(m: TokenEndpointAuthMethod) -> Self {
        match m {
            TokenEndpointAuthMethod::ClientSecretBasic => Self::ClientSecretBasic,
            TokenEndpointAuthMethod::ClientSecretPost => Self::ClientSecretPost,
            TokenEndpointAuthMethod::PrivateKeyJwt => Self::PrivateKeyJwt,
            TokenEndpointAuthMethod::None => Self::None,
        }
    }
}

/// The algorithm of a client's ID tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum SigningAlgView {
    RS256,
    ES256,
    EdDSA,
}

impl From<SigningAlg> for SigningAlgView {
    fn from(a: SigningAlg) -> Self {
        match a {
            SigningAlg::RS256 => Self::RS256,
            SigningAlg::ES256 => Self::ES256,
            SigningAlg::EdDSA => Self::EdDSA,
        }
    }
}

/// How a client sees a user's `sub`: the same for every client (`public`)
/// or one of its own (`pairwise`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SubjectTypeView {
    Public,
    Pairwise,
}

impl From<SubjectType> for SubjectTypeView {
    fn from(s: SubjectType) -> Self {
        match s {
            SubjectType::Public => Self::Public,
            SubjectType::Pairwise => Self::Pairwise,
        }
    }
}

/// An OAuth / OpenID Connect client (relying party), without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientView {
    pub id: Uuid,
    /// The public identifier the client presents (the id's string form).
    pub client_id: String,
    #[schema(example = "Billing portal")]
    pub name: String,
    /// A public client (a SPA, a native app) has no secret.
    pub public: bool,
    #[schema(example = json!(["https://app.example.com/callback"]))]
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub grant_types: Vec<GrantTypeView>,
    /// The scopes the client may ask for.
    #[schema(example = json!(["openid", "profile", "email"]))]
    pub scopes: Vec<String>,
    pub token_endpoint_auth_method: TokenEndpointAuthMethodView,
    pub jwks_uri: Option<String>,
    /// A JWK Set registered by value.
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// A first-party client: no consent screen.
    pub skip_consent: bool,
    pub id_token_signed_response_alg: SigningAlgView,
    pub subject_type: SubjectTypeView,
    /// `null`: the tenant's setting.
    pub access_token_seconds: Option<i64>,
    /// `null`: the tenant's setting.
    pub refresh_token_idle_seconds: Option<i64>,
    /// `null`: the tenant's setting.
    pub refresh_token_absolute_seconds: Option<i64>,
    /// The audiences of its access tokens; empty: the client itself.
    pub resources: Vec<String>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// Bumped on every change; sent as the `ETag` and expected in `If-Match`.
    pub version: i64,
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        Self {
            id: c.id.as_uuid(),
            client_id: c.client_id(),
            name: c.name.clone(),
            public: c.public,
            redirect_uris: c.redirect_uris.clone(),
            post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: c.backchannel_logout_uri.clone(),
            grant_types: c.grant_types.iter().copied().map(Into::into).collect(),
            scopes: c.scopes.clone(),
            token_endpoint_auth_method: c.token_endpoint_auth_method.into(),
            jwks_uri: c.jwks_uri.clone(),
            jwks: c.jwks.clone(),
            skip_consent: c.skip_consent,
            id_token_signed_response_alg: c.id_token_signed_response_alg.into(),
            subject_type: c.subject_type.into(),
            access_token_seconds: c.token_lifetimes.access_token_seconds,
            refresh_token_idle_seconds: c.token_lifetimes.refresh_token_idle_seconds,
            refresh_token_absolute_seconds: c.token_lifetimes.refresh_token_absolute_seconds,
            resources: c.resources.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

/// A newly registered client with, when it is confidential, its secret. The
/// secret is shown this once and never stored: keep it now.
#[derive(Clone, Serialize, ToSchema)]
pub struct CreatedClientView {
    #[serde(flatten)]
    pub client: ClientView,
    /// Present for confidential clients only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "usso_cs_…")]
    pub client_secret: Option<String>,
}

impl CreatedClientView {
    pub fn new(client: &Client, secret: Option<&crate::core::client::ClientSecret>) -> Self {
        Self {
            client: ClientView::from(client),
            client_secret: secret.map(|s| s.expose().to_owned()),
        }
    }
}

impl std::fmt::Debug for CreatedClientView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedClientView")
            .field("client", &self.client)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A client's new secret. It is shown this once and never stored; the
/// previous secret no longer works.
#[derive(Clone, Serialize, ToSchema)]
pub struct ClientSecretView {
    pub client_id: String,
    #[schema(example = "usso_cs_…")]
    pub client_secret: String,
}

impl ClientSecretView {
    pub fn new(client: &Client, secret: &crate::core::client::ClientSecret) -> Self {
        Self {
            client_id: client.client_id(),
            client_secret: secret.expose().to_owned(),
        }
    }
}

impl std::fmt::Debug for ClientSecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecretView")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}
