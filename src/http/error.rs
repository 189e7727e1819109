//! The one place that turns errors into HTTP answers: RFC 9457
//! `application/problem+json` for the admin API. Internal detail is logged
//! (with the request id of the span) and never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::service::ServiceError;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request field at fault, for validation errors and conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: errors travel in `Result`s, which stay small this way.
    pub problem: Box<Problem>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: Option<String>) -> Self {
        Self {
            status,
            problem: Box::new(Problem {
                kind: format!("https://usso.dev/problems/{kind}"),
                title: title.to_owned(),
                status: status.as_u16(),
                detail,
                field: None,
            }),
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.problem.field = Some(field.to_owned());
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Invalid request",
            Some(detail.into()),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            Some("send an API key as `Authorization: Bearer <token>`".into()),
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Forbidden",
            Some(detail.into()),
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            Some(detail.into()),
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { field, message } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid value",
                Some(format!("{field}: {message}")),
            )
            .with_field(&field),
            ServiceError::NotFound(what) => Self::not_found(format!("{what} not found")),
            ServiceError::Conflict { field } => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "Already exists",
                Some(format!("{field} is already taken")),
            )
            .with_field(&field),
            ServiceError::VersionMismatch => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "version-mismatch",
                "Changed by someone else",
                Some("the record changed since it was read; read it again".into()),
            ),
            ServiceError::Forbidden(detail) => Self::forbidden(detail),
            ServiceError::Unauthorized => Self::unauthorized(),
            ServiceError::Throttled {
                retry_after_seconds,
            } => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "throttled",
                    "Too many requests",
                    None,
                );
                e.retry_after = Some(retry_after_seconds);
                e
            }
            ServiceError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    None,
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem).unwrap_or_default();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = secs.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// The answer for any URL no route knows.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}
