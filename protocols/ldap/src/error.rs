//! The crate's error type: one enum for configuration, connection, protocol
//! and sync failures. Operation failures carry the LDAP `resultCode`
//! (RFC 4511 §4.1.9); `e-syncRefreshRequired` (RFC 4533 §3.3.1, code 4096)
//! has a variant of its own so that the caller can fall back to a full sync.

use crate::result::ResultCode;

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while configuring, reaching or reading a directory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The source configuration is not usable; nothing was sent.
    #[error("invalid LDAP source configuration: {0}")]
    Config(String),
    /// A search filter is not valid RFC 4515 syntax; nothing was sent.
    #[error("invalid {which} filter {filter:?}: {reason}")]
    InvalidFilter {
        /// Which filter (`user`, `group`…).
        which: &'static str,
        /// The filter as given.
        filter: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The mapping (preset plus overrides) is not usable.
    #[error("invalid attribute mapping: {0}")]
    Mapping(String),
    /// The server could not be reached (refused, unresolvable, timed out
    /// while connecting).
    #[error("LDAP server {url} unreachable: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The underlying cause.
        reason: String,
    },
    /// The TLS handshake (ldaps:// or StartTLS) failed.
    #[error("TLS with {url} failed: {reason}")]
    Tls {
        /// The URL tried.
        url: String,
        /// The underlying cause.
        reason: String,
    },
    /// The service account's bind was refused (`invalidCredentials`, 49).
    #[error("the directory refused the bind DN or password (invalidCredentials)")]
    InvalidCredentials,
    /// An operation did not answer within the configured timeout.
    #[error("LDAP operation timed out")]
    Timeout,
    /// The server answered an operation with an error `resultCode`.
    #[error("LDAP {operation} failed: {} {message}", describe(*code))]
    Operation {
        /// What was attempted (`bind`, `search`…).
        operation: &'static str,
        /// The numeric `resultCode`.
        code: u32,
        /// The server's diagnostic message.
        message: String,
    },
    /// RFC 4533 `e-syncRefreshRequired` (4096), or a refresh the server
    /// answered with a present phase: the stored cookie cannot be used and a
    /// full sync must reconcile.
    #[error("the directory requires a full refresh: {0}")]
    SyncRefreshRequired(String),
    /// The stored [`crate::SyncState`] belongs to another strategy or server.
    #[error("stored sync state does not fit this source: {0}")]
    StateMismatch(String),
    /// The server sent something this crate could not decode.
    #[error("malformed response from the directory: {0}")]
    Malformed(&'static str),
    /// A username matched more than one entry.
    #[error("username matches {count} directory entries")]
    AmbiguousUser {
        /// How many entries matched.
        count: usize,
    },
    /// A cursor was finished before it was read to its end.
    #[error("the sync was not read to its end")]
    Incomplete,
    /// The connection failed in another way.
    #[error("LDAP connection error: {0}")]
    Connection(String),
}

impl Error {
    /// Whether the caller should run a full sync instead of an incremental
    /// one ([`Error::SyncRefreshRequired`] or [`Error::StateMismatch`]).
    pub fn requires_full_sync(&self) -> bool {
        matches!(self, Self::SyncRefreshRequired(_) | Self::StateMismatch(_))
    }

    /// The LDAP `resultCode`, when the server sent one.
    pub fn result_code(&self) -> Option<u32> {
        match self {
            Self::Operation { code, .. } => Some(*code),
            Self::InvalidCredentials => Some(ResultCode::InvalidCredentials.code()),
            _ => None,
        }
    }
}

fn describe(code: u32) -> String {
    ResultCode::from_code(code).map_or_else(|| format!("resultCode {code}"), |rc| rc.to_string())
}

/// Maps an ldap3 error on an established connection.
pub(crate) fn from_ldap3(err: ldap3::LdapError) -> Error {
    match err {
        ldap3::LdapError::Timeout { .. } => Error::Timeout,
        ldap3::LdapError::LdapResult { result } => {
            operation_error("operation", result.rc, result.text)
        }
        other => Error::Connection(other.to_string()),
    }
}

/// Maps a non-success `resultCode`.
pub(crate) fn operation_error(operation: &'static str, code: u32, message: String) -> Error {
    if code == ResultCode::ESyncRefreshRequired.code() {
        Error::SyncRefreshRequired(format!("e-syncRefreshRequired (4096) {message}"))
    } else {
        Error::Operation {
            operation,
            code,
            message,
        }
    }
}
