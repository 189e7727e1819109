//! The SCIM 2.0 adapter (RFC 7643, RFC 7644): maps SCIM Users and Groups to
//! core users and groups, SCIM filters to store queries, and runs the
//! provisioning operations (create, replace, patch, delete, list, bulk) on
//! behalf of one provisioning client.

pub mod bulk;
pub mod context;
pub mod group_map;
pub mod groups;
pub mod query;
pub mod search;
pub mod user_map;
pub mod users;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use context::Reader;
use usso_scim::{ScimError, ScimType};

use crate::service::ServiceError;

/// The resource types this server serves (RFC 7643 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Users,
    Groups,
}

impl Kind {
    pub fn resource_type(self) -> &'static usso_scim::resource_type::ResourceType {
        match self {
            Self::Users => users::user_type(),
            Self::Groups => groups::group_type(),
        }
    }
}

/// The wire form of a hub error (RFC 7644 §3.12): rule violations are
/// `invalidValue`, taken names `uniqueness`, stale versions 412; internal
/// detail is logged, never sent.
pub fn scim_error(err: ServiceError) -> ScimError {
    match err {
        ServiceError::Invalid { field, message } => {
            ScimError::typed(ScimType::InvalidValue).with_detail(format!("{field}: {message}"))
        }
        ServiceError::NotFound(what) => {
            ScimError::not_found().with_detail(format!("{what} not found"))
        }
        ServiceError::Conflict { field } => {
            ScimError::typed(ScimType::Uniqueness).with_detail(format!("{field} is already taken"))
        }
        ServiceError::VersionMismatch => ScimError::precondition_failed()
            .with_detail("the resource was changed since that version; read it again"),
        ServiceError::Forbidden(why) => ScimError::forbidden().with_detail(why),
        ServiceError::Unauthorized => ScimError::unauthorized(),
        ServiceError::Throttled { .. } => {
            ScimError::new(429).with_detail("too many requests; try again later")
        }
        ServiceError::Internal(detail) => {
            tracing::error!(%detail, "SCIM request failed");
            ScimError::internal()
        }
    }
}

/// A resource id from a URL: anything that is not one of ours names no
/// resource (404, RFC 7644 §3.4.1).
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ScimError> {
    raw.parse()
        .map_err(|_| ScimError::not_found().with_detail(format!("no resource with id {raw:?}")))
}

/// The `If-Match` condition of a write (RFC 7644 §3.14, RFC 9110 §13.1.1).
#[derive(Debug, Clone, Default)]
pub struct Precondition {
    pub if_match: Option<String>,
}

impl Precondition {
    /// 412 when `If-Match` was sent and does not name `version`.
    pub fn check(&self, version: i64) -> Result<(), ScimError> {
        match &self.if_match {
            Some(tags) if !etag_matches(tags, version) => Err(ScimError::precondition_failed()
                .with_detail(format!(
                    "If-Match does not match the current version {}",
                    etag(version)
                ))),
            _ => Ok(()),
        }
    }
}

/// A resource's `meta` (RFC 7643 §3.1): its type, times, URL and version.
pub(crate) fn meta(
    reader: Reader<'_>,
    resource_type: &str,
    endpoint: &str,
    id: &str,
    created: OffsetDateTime,
    modified: OffsetDateTime,
    version: i64,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": rfc3339(created),
        "lastModified": rfc3339(modified),
        "location": reader.location(endpoint, id),
        "version": etag(version),
    })
}

/// The entity tag of a resource version (RFC 7644 §3.14; weak, RFC 9110
/// §8.8.3), as `meta.version` and the `ETag` header carry it.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Whether an `If-Match`/`If-None-Match` value names `version`: `*` or a
/// list of tags, compared weakly (RFC 9110 §13.1.1).
pub fn etag_matches(header: &str, version: i64) -> bool {
    let want = version.to_string();
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == want)
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
