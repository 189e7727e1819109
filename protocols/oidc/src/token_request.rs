//! The token endpoint's request and success response: the authorization
//! code grant (RFC 6749 §4.1.3, RFC 7636 §4.5), the refresh token grant
//! (§6) and the client credentials grant (§4.4), answered with the JSON of
//! §5.1 (and the `id_token` of OIDC Core §3.1.3.3).
//!
//! Client authentication parameters (`client_id`, `client_secret`,
//! `client_assertion…`) are read by [`crate::client_auth`], not here.
//! The `password` and implicit grants are not offered (RFC 9700 §2.4).

use std::fmt;

use serde::Serialize;

use crate::error::{OAuthError, OAuthErrorCode};
use crate::params::Params;
use crate::pkce::CodeVerifier;
use crate::scope::Scope;

/// A `grant_type` this server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    /// `authorization_code` (RFC 6749 §4.1.3).
    AuthorizationCode,
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken,
    /// `client_credentials` (RFC 6749 §4.4).
    ClientCredentials,
}

impl GrantType {
    /// Every grant offered, for `grant_types_supported`.
    pub const ALL: [Self; 3] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
    ];

    /// The `grant_type` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
        }
    }

    /// The grant named `value`, if offered.
    pub fn from_name(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == value)
    }
}

/// A parsed token request. Codes, refresh tokens and verifiers are
/// credentials: `Debug` does not print them.
#[derive(Clone, PartialEq, Eq)]
pub enum TokenRequest {
    /// Exchange an authorization code.
    AuthorizationCode {
        /// The `code`.
        code: String,
        /// The `redirect_uri`: required, and equal to the one sent, when the
        /// authorization request sent one (RFC 6749 §4.1.3).
        redirect_uri: Option<String>,
        /// The PKCE `code_verifier`, grammar checked; required when the code
        /// is bound to a challenge.
        code_verifier: Option<CodeVerifier>,
    },
    /// Use a refresh token.
    RefreshToken {
        /// The `refresh_token`.
        refresh_token: String,
        /// A narrower scope, which must be within the original grant.
        scope: Option<Scope>,
    },
    /// A client acting on its own behalf.
    ClientCredentials {
        /// The requested scope.
        scope: Option<Scope>,
    },
}

impl TokenRequest {
    /// Parses the form parameters of a token request.
    ///
    /// Missing `grant_type`, `code` or `refresh_token`, a repeated
    /// parameter, or a `code_verifier` outside the RFC 7636 §4.1 grammar →
    /// `invalid_request`; any other grant type → `unsupported_grant_type`;
    /// a malformed `scope` → `invalid_scope`.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, OAuthError> {
        let params = Params::parse(pairs)?;
        let grant = params
            .get("grant_type")
            .ok_or_else(|| invalid_request("grant_type is required"))?;
        let grant = GrantType::from_name(grant).ok_or_else(|| {
            OAuthError::new(OAuthErrorCode::UnsupportedGrantType)
                .with_description("grant_type is not supported")
        })?;
        Ok(match grant {
            GrantType::AuthorizationCode => Self::AuthorizationCode {
                code: required(&params, "code")?,
                redirect_uri: params.get("redirect_uri").map(str::to_owned),
                code_verifier: params
                    .get("code_verifier")
                    .map(CodeVerifier::parse)
                    .transpose()?,
            },
            GrantType::RefreshToken => Self::RefreshToken {
                refresh_token: required(&params, "refresh_token")?,
                scope: scope(&params)?,
            },
            GrantType::ClientCredentials => Self::ClientCredentials {
                scope: scope(&params)?,
            },
        })
    }

    /// The grant type.
    pub const fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
        }
    }
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct(self.grant_type().as_str());
        match self {
            Self::AuthorizationCode {
                redirect_uri,
                code_verifier,
                ..
            } => {
                s.field("redirect_uri", redirect_uri)
                    .field("code_verifier", &code_verifier.is_some());
            }
            Self::RefreshToken { scope, .. } | Self::ClientCredentials { scope } => {
                s.field("scope", &scope.as_ref().map(ToString::to_string));
            }
        }
        s.finish_non_exhaustive()
    }
}

/// The `token_type` of an issued access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum TokenType {
    /// A bearer token (RFC 6750).
    #[default]
    Bearer,
}

/// A successful token response (RFC 6749 §5.1), serializing to
/// `{"access_token","token_type":"Bearer","expires_in","refresh_token"?,"id_token"?,"scope"?}`.
/// Send it with `Cache-Control: no-store`. `Debug` hides the tokens.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: TokenType,
    /// Lifetime of the access token, in seconds.
    pub expires_in: u64,
    /// A refresh token, when one is issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token, for an OpenID Connect code or refresh grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The granted scope; RFC 6749 §5.1 requires it when it differs from
    /// the requested one, sending it always is simplest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
}

impl TokenResponse {
    /// A bearer token response with only the access token and its lifetime.
    pub fn bearer(access_token: String, expires_in: u64) -> Self {
        Self {
            access_token,
            token_type: TokenType::Bearer,
            expires_in,
            refresh_token: None,
            id_token: None,
            scope: None,
        }
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.is_some())
            .field("id_token", &self.id_token.is_some())
            .field("scope", &self.scope.as_ref().map(ToString::to_string))
            .finish_non_exhaustive()
    }
}

fn required(params: &Params, name: &str) -> Result<String, OAuthError> {
    params
        .get(name)
        .map(str::to_owned)
        .ok_or_else(|| invalid_request(&format!("{name} is required")))
}

fn scope(params: &Params) -> Result<Option<Scope>, OAuthError> {
    params
        .get("scope")
        .map(|raw| {
            Scope::parse(raw).map_err(|e| {
                OAuthError::new(OAuthErrorCode::InvalidScope).with_description(&e.to_string())
            })
        })
        .transpose()
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::new(OAuthErrorCode::InvalidRequest).with_description(description)
}

#[cfg(test)]
mod tests;
