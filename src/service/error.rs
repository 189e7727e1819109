//! Errors of the use cases, independent of how they reach the caller (the
//! HTTP layer maps them to problem+json, the CLI to one line and exit code 2).

use thiserror::Error;

use crate::core::CoreError;
use crate::secrets::password::PasswordError;
use crate::store::StoreError;

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field} is already taken")]
    Conflict { field: String },
    #[error("the record was changed by someone else; read it again")]
    VersionMismatch,
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("authentication required")]
    Unauthorized,
    #[error("too many failed attempts; try again later")]
    Throttled { retry_after_seconds: u64 },
    /// Something broke inside; the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Maps a store `NotFound` to "`what` not found", anything else as usual.
    pub fn not_found(what: &'static str) -> impl Fn(StoreError) -> ServiceError {
        move |e| match e {
            StoreError::NotFound => ServiceError::NotFound(what),
            other => other.into(),
        }
    }
}

impl From<CoreError> for ServiceError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid { field, message } => Self::Invalid {
                field: field.to_owned(),
                message,
            },
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Conflict { field } => Self::Conflict {
                field: field.to_owned(),
            },
            StoreError::VersionMismatch => Self::VersionMismatch,
            StoreError::MissingReference(what) => {
                Self::invalid("reference", format!("{what} does not exist"))
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<PasswordError> for ServiceError {
    fn from(e: PasswordError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::from(e).into()
    }
}
