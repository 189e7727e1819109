//! OAuth 2.0 error responses: the `error` codes of RFC 6749 §4.1.2.1 and
//! §5.2, OpenID Connect Core 1.0 §3.1.2.6 and RFC 6750 §3.1, and the JSON
//! error body of RFC 6749 §5.2 (`error`, `error_description`, `error_uri`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An OAuth 2.0 `error` code, as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    /// RFC 6749 §4.1.2.1, §5.2: the request is missing a parameter, repeats
    /// one, or is otherwise malformed.
    InvalidRequest,
    /// RFC 6749 §5.2: client authentication failed.
    InvalidClient,
    /// RFC 6749 §5.2: the grant (code, refresh token, credentials) is invalid,
    /// expired, revoked or was issued to another client or redirect URI.
    InvalidGrant,
    /// RFC 6749 §4.1.2.1, §5.2: the client may not use this grant or response type.
    UnauthorizedClient,
    /// RFC 6749 §5.2: the grant type is not supported.
    UnsupportedGrantType,
    /// RFC 6749 §4.1.2.1, §5.2: the requested scope is invalid, unknown or
    /// exceeds what was granted.
    InvalidScope,
    /// RFC 6749 §4.1.2.1: the resource owner or the server denied the request.
    AccessDenied,
    /// RFC 6749 §4.1.2.1: the response type is not supported.
    UnsupportedResponseType,
    /// RFC 6749 §4.1.2.1: the server met an unexpected condition.
    ServerError,
    /// RFC 6749 §4.1.2.1: the server is overloaded or under maintenance.
    TemporarilyUnavailable,
    /// OIDC Core §3.1.2.6: some user interaction is needed but `prompt=none`.
    InteractionRequired,
    /// OIDC Core §3.1.2.6: the user must authenticate but `prompt=none`.
    LoginRequired,
    /// OIDC Core §3.1.2.6: the user must pick a session but `prompt=none`.
    AccountSelectionRequired,
    /// OIDC Core §3.1.2.6: the user must consent but `prompt=none`.
    ConsentRequired,
    /// OIDC Core §3.1.2.6: the `request_uri` is unreachable or its content invalid.
    InvalidRequestUri,
    /// OIDC Core §3.1.2.6: the `request` object is invalid.
    InvalidRequestObject,
    /// OIDC Core §3.1.2.6: the `request` parameter is not supported.
    RequestNotSupported,
    /// OIDC Core §3.1.2.6: the `request_uri` parameter is not supported.
    RequestUriNotSupported,
    /// OIDC Core §3.1.2.6: the `registration` parameter is not supported.
    RegistrationNotSupported,
    /// RFC 6750 §3.1: the access token is expired, revoked, malformed or invalid.
    InvalidToken,
    /// RFC 6750 §3.1: the access token lacks the scope the resource requires.
    InsufficientScope,
}

impl OAuthErrorCode {
    /// Every code, in the order of the specifications that define them.
    pub const ALL: [Self; 21] = [
        Self::InvalidRequest,
        Self::InvalidClient,
        Self::InvalidGrant,
        Self::UnauthorizedClient,
        Self::UnsupportedGrantType,
        Self::InvalidScope,
        Self::AccessDenied,
        Self::UnsupportedResponseType,
        Self::ServerError,
        Self::TemporarilyUnavailable,
        Self::InteractionRequired,
        Self::LoginRequired,
        Self::AccountSelectionRequired,
        Self::ConsentRequired,
        Self::InvalidRequestUri,
        Self::InvalidRequestObject,
        Self::RequestNotSupported,
        Self::RequestUriNotSupported,
        Self::RegistrationNotSupported,
        Self::InvalidToken,
        Self::InsufficientScope,
    ];

    /// The code as sent in the `error` parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InteractionRequired => "interaction_required",
            Self::LoginRequired => "login_required",
            Self::AccountSelectionRequired => "account_selection_required",
            Self::ConsentRequired => "consent_required",
            Self::InvalidRequestUri => "invalid_request_uri",
            Self::InvalidRequestObject => "invalid_request_object",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }

    /// The code for an `error` value received from a peer, if it is one of ours.
    /// Codes are case-sensitive.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The HTTP status of a JSON error response carrying this code: at the
    /// token endpoint (RFC 6749 §5.2: 400, or 401 for `invalid_client`) and at
    /// a protected resource (RFC 6750 §3.1: 401 for `invalid_token`, 403 for
    /// `insufficient_scope`). `server_error` and `temporarily_unavailable`
    /// map to the 500 and 503 their names stand for.
    ///
    /// Authorization-endpoint errors carry no status of their own: they travel
    /// as query or fragment parameters of a redirect (RFC 6749 §4.1.2.1).
    pub const fn http_status(self) -> u16 {
        match self {
            Self::InvalidClient | Self::InvalidToken => 401,
            Self::InsufficientScope => 403,
            Self::ServerError => 500,
            Self::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth 2.0 error body (RFC 6749 §5.2). It serializes to
/// `{"error":"…","error_description":"…","error_uri":"…"}`, leaving out the
/// optional members that are absent.
///
/// The fields are private so that the RFC's character rules always hold:
/// [`OAuthError::with_description`] sanitises, [`OAuthError::with_uri`] checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthError {
    #[serde(rename = "error")]
    code: OAuthErrorCode,
    #[serde(rename = "error_description", skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(rename = "error_uri", skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
}

/// An `error_uri` that RFC 6749 §5.2 does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidErrorUri {
    /// The URI is empty.
    #[error("error_uri is empty")]
    Empty,
    /// The URI holds a character outside %x21 / %x23-5B / %x5D-7E.
    #[error("error_uri has a character outside %x21 / %x23-5B / %x5D-7E at byte {at}")]
    Character {
        /// Byte offset of the offending character.
        at: usize,
    },
}

impl OAuthError {
    /// An error with only its code.
    pub const fn new(code: OAuthErrorCode) -> Self {
        Self {
            code,
            description: None,
            uri: None,
        }
    }

    /// Sets `error_description`, sanitised by [`sanitize_description`]; a text
    /// that sanitises to nothing leaves the description absent.
    #[must_use]
    pub fn with_description(mut self, description: &str) -> Self {
        self.description = sanitize_description(description);
        self
    }

    /// Sets `error_uri`. Only the character set of RFC 6749 §5.2 is checked,
    /// not the full URI-reference syntax: the value is server configuration.
    pub fn with_uri(mut self, uri: &str) -> Result<Self, InvalidErrorUri> {
        if uri.is_empty() {
            return Err(InvalidErrorUri::Empty);
        }
        if let Some((at, _)) = uri.char_indices().find(|&(_, c)| !is_uri_char(c)) {
            return Err(InvalidErrorUri::Character { at });
        }
        self.uri = Some(uri.to_owned());
        Ok(self)
    }

    /// The `error` code.
    pub const fn code(&self) -> OAuthErrorCode {
        self.code
    }

    /// The `error_description`, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The `error_uri`, if any.
    pub fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }

    /// The HTTP status to send this body with; see [`OAuthErrorCode::http_status`].
    pub const fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl From<OAuthErrorCode> for OAuthError {
    fn from(code: OAuthErrorCode) -> Self {
        Self::new(code)
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.description {
            Some(d) => write!(f, "{}: {d}", self.code),
            None => write!(f, "{}", self.code),
        }
    }
}

impl std::error::Error for OAuthError {}

/// Makes `raw` a valid `error_description` (RFC 6749 §5.2: only %x20-21 /
/// %x23-5B / %x5D-7E) by replacing every other character — `"`, `\`,
/// controls, anything outside ASCII — with one space. Returns `None` when
/// nothing but spaces is left, since the grammar needs at least one character
/// and a blank description tells the client nothing.
pub fn sanitize_description(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .map(|c| if is_text_char(c) { c } else { ' ' })
        .collect();
    if clean.trim_matches(' ').is_empty() {
        None
    } else {
        Some(clean)
    }
}

/// `%x20-21 / %x23-5B / %x5D-7E`: the `error_description` characters.
const fn is_text_char(c: char) -> bool {
    matches!(c, '\x20'..='\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E')
}

/// `%x21 / %x23-5B / %x5D-7E`: the `error_uri` characters.
const fn is_uri_char(c: char) -> bool {
    c != ' ' && is_text_char(c)
}

#[cfg(test)]
mod tests;
