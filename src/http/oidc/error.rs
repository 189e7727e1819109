//! OAuth errors on the wire: the JSON body of RFC 6749 §5.2 with the status
//! its code calls for, `Cache-Control: no-store`, and for a failed client
//! authentication through the `Authorization` header the `WWW-Authenticate`
//! challenge (RFC 6749 §5.2, RFC 6750 §3). Internal failures are logged with
//! their detail and answered with a bare `server_error`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use usso_oidc::{OAuthError, OAuthErrorCode};

use crate::service::ServiceError;

#[derive(Debug)]
pub struct OAuthResponseError {
    pub error: OAuthError,
    pub www_authenticate: Option<String>,
}

impl OAuthResponseError {
    pub fn new(code: OAuthErrorCode, description: &str) -> Self {
        Self {
            error: OAuthError::new(code).with_description(description),
            www_authenticate: None,
        }
    }

    /// Logs `detail` and answers `server_error` without it.
    pub fn internal(detail: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "oauth endpoint failed");
        Self {
            error: OAuthError::new(OAuthErrorCode::ServerError),
            www_authenticate: None,
        }
    }

    pub fn challenge(mut self, value: String) -> Self {
        self.www_authenticate = Some(value);
        self
    }
}

impl From<OAuthError> for OAuthResponseError {
    fn from(error: OAuthError) -> Self {
        Self {
            error,
            www_authenticate: None,
        }
    }
}

impl From<ServiceError> for OAuthResponseError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(what) => {
                Self::new(OAuthErrorCode::InvalidRequest, &format!("unknown {what}"))
            }
            ServiceError::Invalid { field, message } => Self::new(
                OAuthErrorCode::InvalidRequest,
                &format!("{field}: {message}"),
            ),
            ServiceError::Throttled { .. } => {
                Self::new(OAuthErrorCode::TemporarilyUnavailable, "too many requests")
            }
            other => Self::internal(&other),
        }
    }
}

impl IntoResponse for OAuthResponseError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.code().http_status())
            .unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, Json(&self.error)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(value) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
