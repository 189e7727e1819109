//! Tests of the discovery resources (RFC 7643 §5, §7).

use serde_json::json;

use super::*;
use crate::resource_type::SCHEMA_FILES;

fn config() -> ServiceProviderConfig {
    ServiceProviderConfig {
        documentation_uri: Some("https://example.com/help/scim".into()),
        bulk: BulkLimits {
            max_operations: 1000,
            max_payload_bytes: 1_048_576,
        },
        max_filter_results: 200,
        default_page_size: 100,
        max_page_size: 500,
        cursor_timeout_seconds: 3600,
    }
}

#[test]
fn service_provider_config() {
    let v = config().to_json("https://example.com/scim/v2/");
    assert_eq!(v["schemas"], json!([schema::SERVICE_PROVIDER_CONFIG]));
    assert_eq!(v["documentationUri"], "https://example.com/help/scim");
    assert_eq!(v["patch"], json!({"supported": true}));
    assert_eq!(
        v["bulk"],
        json!({"supported": true, "maxOperations": 1000, "maxPayloadSize": 1_048_576})
    );
    assert_eq!(v["filter"], json!({"supported": true, "maxResults": 200}));
    assert_eq!(v["changePassword"], json!({"supported": false}));
    assert_eq!(v["sort"], json!({"supported": true}));
    assert_eq!(v["etag"], json!({"supported": true}));
    assert_eq!(
        v["pagination"],
        json!({"cursor": true, "index": true, "defaultPaginationMethod": "index", "defaultPageSize": 100, "maxPageSize": 500, "cursorTimeout": 3600})
    );
    assert_eq!(v["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(v["authenticationSchemes"][0]["primary"], true);
    assert_eq!(
        v["authenticationSchemes"][0]["specUri"],
        "https://www.rfc-editor.org/info/rfc6750"
    );
    assert_eq!(
        v["meta"],
        json!({"resourceType": "ServiceProviderConfig", "location": "https://example.com/scim/v2/ServiceProviderConfig"})
    );
    let no_doc = ServiceProviderConfig {
        documentation_uri: None,
        ..config()
    };
    assert!(no_doc
        .to_json("https://x")
        .get("documentationUri")
        .is_none());
}

#[test]
fn schemas_in_order_with_meta() {
    let types = [
        ResourceType::user(),
        ResourceType::group(),
        ResourceType::user(),
    ];
    let all = schema_resources(&types, "https://example.com/v2");
    let ids: Vec<&str> = all.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, [schema::USER, schema::ENTERPRISE_USER, schema::GROUP]);
    for (resource, text) in all.iter().zip(SCHEMA_FILES) {
        let mut file: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        file["meta"] = json!({
            "resourceType": "Schema",
            "location": format!("https://example.com/v2/Schemas/{}", file["id"].as_str().unwrap_or_default()),
        });
        assert_eq!(resource, &file);
    }
}
