//! SCIM error responses (RFC 7644 §3.12): the `scimType` detail keywords of
//! Table 9 and the error body
//! `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"…"}`,
//! whose `status` is the HTTP status code written as a JSON string.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::schema;

/// A `scimType` detail keyword (RFC 7644 §3.12, Table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax is invalid, or the attribute and comparison
    /// combination is not supported.
    InvalidFilter,
    /// The filter yields more results than the server will process.
    TooMany,
    /// An attribute value is already in use or reserved.
    Uniqueness,
    /// The change would modify an immutable or read-only attribute.
    Mutability,
    /// The request body is not parsable or violates the schema.
    InvalidSyntax,
    /// The PATCH `path` is invalid or not supported.
    InvalidPath,
    /// The PATCH `path` matched no attribute or sub-attribute.
    NoTarget,
    /// A required value is missing or a value is not compatible.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// The request carries sensitive (e.g. personal) data in its URI.
    Sensitive,
}

impl ScimType {
    /// Every keyword, in Table 9 order.
    pub const ALL: [Self; 10] = [
        Self::InvalidFilter,
        Self::TooMany,
        Self::Uniqueness,
        Self::Mutability,
        Self::InvalidSyntax,
        Self::InvalidPath,
        Self::NoTarget,
        Self::InvalidValue,
        Self::InvalidVers,
        Self::Sensitive,
    ];

    /// The keyword as sent in `scimType`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }

    /// The keyword for a `scimType` value received from a peer (case-sensitive).
    pub fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == keyword)
    }

    /// The HTTP status that goes with this keyword: 409 for `uniqueness`
    /// (RFC 7644 §3.3, §3.12), 403 for `sensitive` (the server refuses a
    /// request that puts personal data in its URI, §7.5.2), 400 for the
    /// others (§3.12).
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Uniqueness => 409,
            Self::Sensitive => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SCIM error response body (RFC 7644 §3.12).
///
/// `detail` goes to the client as is: put there what the client may read,
/// never internal detail (that is logged with the request id instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    /// The HTTP status code (a 4xx or 5xx); written as a string on the wire.
    pub status: u16,
    /// The detail keyword, for the errors Table 9 describes.
    pub scim_type: Option<ScimType>,
    /// A human-readable message for the client.
    pub detail: Option<String>,
}

impl ScimError {
    /// An error with only a status.
    pub const fn new(status: u16) -> Self {
        Self {
            status,
            scim_type: None,
            detail: None,
        }
    }

    /// An error with a `scimType` and the status that goes with it
    /// ([`ScimType::http_status`]).
    pub const fn typed(scim_type: ScimType) -> Self {
        Self {
            status: scim_type.http_status(),
            scim_type: Some(scim_type),
            detail: None,
        }
    }

    /// 400: a malformed request that no `scimType` describes.
    pub const fn bad_request() -> Self {
        Self::new(400)
    }

    /// 401: missing or invalid authorization (RFC 7644 §3.12, Table 8).
    pub const fn unauthorized() -> Self {
        Self::new(401)
    }

    /// 403: the caller may not perform this operation.
    pub const fn forbidden() -> Self {
        Self::new(403)
    }

    /// 404: the resource or endpoint does not exist.
    pub const fn not_found() -> Self {
        Self::new(404)
    }

    /// 412: the `If-Match` version does not match (RFC 7644 §3.14).
    pub const fn precondition_failed() -> Self {
        Self::new(412)
    }

    /// 413: a bulk request over `maxOperations` or `maxPayloadSize`
    /// (RFC 7644 §3.7.4).
    pub const fn payload_too_large() -> Self {
        Self::new(413)
    }

    /// 500: an internal failure; give no detail, log it instead.
    pub const fn internal() -> Self {
        Self::new(500)
    }

    /// 501: the operation is not supported (e.g. bulk or sorting when
    /// `ServiceProviderConfig` says so, RFC 7644 §3.4.2.3, §3.7).
    pub const fn not_implemented() -> Self {
        Self::new(501)
    }

    /// Sets `detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// The wire shape; `status` is a string per RFC 7644 §3.12.
#[derive(Serialize)]
struct Wire<'a> {
    schemas: [&'static str; 1],
    status: String,
    #[serde(rename = "scimType", skip_serializing_if = "Option::is_none")]
    scim_type: Option<ScimType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

impl Serialize for ScimError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            schemas: [schema::ERROR],
            status: self.status.to_string(),
            scim_type: self.scim_type,
            detail: self.detail.as_deref(),
        }
        .serialize(serializer)
    }
}

impl From<ScimType> for ScimError {
    fn from(scim_type: ScimType) -> Self {
        Self::typed(scim_type)
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(t) = self.scim_type {
            write!(f, " {t}")?;
        }
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScimError {}

#[cfg(test)]
mod tests;
