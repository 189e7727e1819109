//! The URNs that name SCIM schemas (RFC 7643 §3, §4, §5, §6, §7) and SCIM
//! protocol messages (RFC 7644 §3.4.2, §3.4.3, §3.5.2, §3.7, §3.12). They go
//! in the `schemas` array of every resource and message.

/// Core User resource (RFC 7643 §4.1).
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group resource (RFC 7643 §4.2).
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Service provider configuration (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// Resource type description (RFC 7643 §6).
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema description (RFC 7643 §7).
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// List/query response (RFC 7644 §3.4.2).
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Query by POST to `/.search` (RFC 7644 §3.4.3).
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// PATCH request body (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Bulk request (RFC 7644 §3.7).
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// Bulk response (RFC 7644 §3.7).
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
/// Error response (RFC 7644 §3.12).
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The resource and extension schemas above (RFC 7643).
pub const RESOURCE_SCHEMAS: [&str; 6] = [
    USER,
    GROUP,
    ENTERPRISE_USER,
    SERVICE_PROVIDER_CONFIG,
    RESOURCE_TYPE,
    SCHEMA,
];

/// The protocol message schemas above (RFC 7644).
pub const MESSAGE_SCHEMAS: [&str; 6] = [
    LIST_RESPONSE,
    SEARCH_REQUEST,
    PATCH_OP,
    BULK_REQUEST,
    BULK_RESPONSE,
    ERROR,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_schemas_are_under_schemas_namespace() {
        for urn in RESOURCE_SCHEMAS {
            assert!(urn.starts_with("urn:ietf:params:scim:schemas:"), "{urn}");
            assert!(urn.contains(":2.0:"), "{urn}");
        }
    }

    #[test]
    fn message_schemas_are_under_api_messages_namespace() {
        for urn in MESSAGE_SCHEMAS {
            assert!(
                urn.starts_with("urn:ietf:params:scim:api:messages:2.0:"),
                "{urn}"
            );
        }
    }

    #[test]
    fn all_distinct_and_without_whitespace() {
        let all: Vec<&str> = RESOURCE_SCHEMAS
            .iter()
            .chain(&MESSAGE_SCHEMAS)
            .copied()
            .collect();
        for (i, a) in all.iter().enumerate() {
            assert!(!a.contains(char::is_whitespace), "{a}");
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn exact_values_of_the_most_used() {
        assert_eq!(USER, "urn:ietf:params:scim:schemas:core:2.0:User");
        assert_eq!(
            ENTERPRISE_USER,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        );
        assert_eq!(ERROR, "urn:ietf:params:scim:api:messages:2.0:Error");
        assert_eq!(PATCH_OP, "urn:ietf:params:scim:api:messages:2.0:PatchOp");
    }
}
