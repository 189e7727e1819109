//! Discovery resources (RFC 7644 §4; RFC 7643 §5, §6, §7): the
//! ServiceProviderConfig, with the `pagination` object of
//! draft-ietf-scim-cursor-pagination, and the Schema resources of the
//! resource types served. ResourceType resources come from
//! [`ResourceType::to_json`].

use serde_json::{json, Value};

use crate::message::BulkLimits;
use crate::resource_type::ResourceType;
use crate::schema;

/// What the service provider supports (RFC 7643 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// `documentationUri`: a page of help for client developers.
    pub documentation_uri: Option<String>,
    /// `bulk.maxOperations` and `bulk.maxPayloadSize`.
    pub bulk: BulkLimits,
    /// `filter.maxResults`: the most resources one query returns.
    pub max_filter_results: u64,
    /// `pagination.defaultPageSize`: the page size without `count`.
    pub default_page_size: u64,
    /// `pagination.maxPageSize`: the largest page served.
    pub max_page_size: u64,
    /// `pagination.cursorTimeout`: how long a cursor stays valid, in seconds.
    pub cursor_timeout_seconds: u64,
}

impl ServiceProviderConfig {
    /// The `ServiceProviderConfig` resource (RFC 7643 §5): PATCH, bulk,
    /// filter, sort and ETags supported, password change not; OAuth bearer
    /// tokens (RFC 6750) as the authentication scheme; index and cursor
    /// paging, index by default; `meta.location` = `base_url` +
    /// `/ServiceProviderConfig`.
    pub fn to_json(&self, base_url: &str) -> Value {
        let mut out = json!({
            "schemas": [schema::SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": true},
            "bulk": {
                "supported": true,
                "maxOperations": self.bulk.max_operations,
                "maxPayloadSize": self.bulk.max_payload_bytes,
            },
            "filter": {"supported": true, "maxResults": self.max_filter_results},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "pagination": {
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": self.default_page_size,
                "maxPageSize": self.max_page_size,
                "cursorTimeout": self.cursor_timeout_seconds,
            },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Send an OAuth 2.0 access token in the Authorization header (Bearer scheme).",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{}/ServiceProviderConfig", base_url.trim_end_matches('/')),
            },
        });
        if let Some(uri) = &self.documentation_uri {
            out["documentationUri"] = json!(uri);
        }
        out
    }
}

/// The Schema resources (RFC 7643 §7) of `types`: each distinct schema
/// (core, then extensions, type after type), with `meta.resourceType`
/// `Schema` and `meta.location` = `base_url` + `/Schemas/` + id. For
/// `[user(), group()]`: User, Enterprise User, Group.
pub fn schema_resources(types: &[ResourceType], base_url: &str) -> Vec<Value> {
    let base = base_url.trim_end_matches('/');
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    let schemas = types
        .iter()
        .flat_map(|t| std::iter::once(&t.core).chain(t.extensions.iter().map(|e| &e.schema)));
    for def in schemas {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(&def.id)) {
            continue;
        }
        seen.push(&def.id);
        let mut v = def.to_json();
        v["meta"] = json!({
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{}", def.id),
        });
        out.push(v);
    }
    out
}

#[cfg(test)]
mod tests;
