//! Tests of the query, list and bulk messages against the RFC 7644 §3.4
//! and §3.7 examples.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::*;
use crate::error::{ScimError, ScimType};
use crate::filter::{AttrPath, Filter};
use crate::schema;

fn scim_type<T: std::fmt::Debug>(r: Result<T, ScimError>) -> (u16, Option<ScimType>) {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (e.status, e.scim_type),
    }
}

const INVALID_VALUE: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidValue));
const INVALID_SYNTAX: (u16, Option<ScimType>) = (400, Some(ScimType::InvalidSyntax));

#[test]
fn query_pairs() {
    let q = ListQuery::from_query_pairs([
        ("FILTER", r#"userName eq "bjensen""#),
        ("sortBy", "name.familyName"),
        ("sortorder", "Descending"),
        ("startIndex", "0"),
        ("count", "-5"),
        ("attributes", "userName,emails.value"),
        ("excludedAttributes", "groups"),
        ("unknown", "whatever"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(q.filter, Filter::parse(r#"userName eq "bjensen""#).ok());
    assert_eq!(
        q.sort_by,
        Some(AttrPath::new("name").with_sub("familyName"))
    );
    assert_eq!(q.sort_order, SortOrder::Descending);
    assert_eq!(q.start_index, 1);
    assert_eq!(q.count, Some(0));
    assert_eq!(q.cursor, None);
    assert_eq!(
        q.attributes,
        [
            AttrPath::new("userName"),
            AttrPath::new("emails").with_sub("value")
        ]
    );
    assert_eq!(q.excluded_attributes, [AttrPath::new("groups")]);

    let q = ListQuery::from_query_pairs([
        ("startIndex", "11"),
        ("count", "99999999999999999999999"),
        ("cursor", ""),
    ]);
    let q = q.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (q.start_index, q.count, q.cursor.as_deref()),
        (11, Some(u64::MAX), Some(""))
    );
    assert_eq!(
        ListQuery::from_query_pairs([]).ok(),
        Some(ListQuery::default())
    );
    assert_eq!(ListQuery::default().sort_order, SortOrder::Ascending);
}

#[test]
fn bad_query_pairs() {
    assert_eq!(
        scim_type(ListQuery::from_query_pairs([("sortOrder", "up")])),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_query_pairs([("count", "ten")])),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_query_pairs([("startIndex", "1.5")])),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_query_pairs([("attributes", "a b")])),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_query_pairs([("filter", "userName zz 1")])),
        (400, Some(ScimType::InvalidFilter))
    );
}

#[test]
fn search_request_rfc_example() {
    let body = br#"{
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "attributes": ["displayName", "userName"],
        "filter": "displayName sw \"smith\"",
        "startIndex": 1,
        "count": 10
    }"#;
    let q = ListQuery::from_search_request(body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        q.attributes,
        [AttrPath::new("displayName"), AttrPath::new("userName")]
    );
    assert_eq!(q.filter, Filter::parse(r#"displayName sw "smith""#).ok());
    assert_eq!((q.start_index, q.count), (1, Some(10)));
    assert!(q.excluded_attributes.is_empty());
}

#[test]
fn bad_search_requests() {
    assert_eq!(
        scim_type(ListQuery::from_search_request(b"{")),
        INVALID_SYNTAX
    );
    assert_eq!(
        scim_type(ListQuery::from_search_request(b"[]")),
        INVALID_SYNTAX
    );
    assert_eq!(
        scim_type(ListQuery::from_search_request(br#"{"count": 1}"#)),
        INVALID_SYNTAX
    );
    let with = |extra: &str| {
        format!(r#"{{"schemas": ["{}"], {extra}}}"#, schema::SEARCH_REQUEST).into_bytes()
    };
    assert_eq!(
        scim_type(ListQuery::from_search_request(&with(
            r#""sortOrder": "sideways""#
        ))),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_search_request(&with(r#""count": "x""#))),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_search_request(&with(r#""count": 1.5"#))),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_search_request(&with(
            r#""attributes": [1]"#
        ))),
        INVALID_VALUE
    );
    assert_eq!(
        scim_type(ListQuery::from_search_request(&with(r#""filter": 3"#))),
        INVALID_VALUE
    );
    let q = ListQuery::from_search_request(&with(
        r#""Count": -1, "startIndex": "5", "excludedAttributes": "emails, groups", "cursor": "abc""#,
    ));
    let q = q.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (q.count, q.start_index, q.cursor.as_deref()),
        (Some(0), 5, Some("abc"))
    );
    assert_eq!(q.excluded_attributes.len(), 2);
}

#[test]
fn list_response_shape() {
    let page = ListResponse {
        total_results: Some(2),
        start_index: Some(1),
        items_per_page: 2,
        resources: vec![json!({"id": "a"}), json!({"id": "b"})],
        next_cursor: None,
        previous_cursor: None,
    };
    assert_eq!(
        page.to_json(),
        json!({
            "schemas": [schema::LIST_RESPONSE],
            "totalResults": 2,
            "startIndex": 1,
            "itemsPerPage": 2,
            "Resources": [{"id": "a"}, {"id": "b"}]
        })
    );
    let cursor_page = ListResponse {
        next_cursor: Some("n".into()),
        previous_cursor: Some("p".into()),
        ..ListResponse::default()
    };
    assert_eq!(
        cursor_page.to_json(),
        json!({"schemas": [schema::LIST_RESPONSE], "itemsPerPage": 0, "Resources": [], "nextCursor": "n", "previousCursor": "p"})
    );
}

const LIMITS: BulkLimits = BulkLimits {
    max_operations: 10,
    max_payload_bytes: 4096,
};

/// The first example of RFC 7644 §3.7.2: a group whose member is a user
/// created in the same request.
fn rfc_3_7_2() -> Value {
    json!({
        "schemas": [schema::BULK_REQUEST],
        "Operations": [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "qwerty",
                "data": {"schemas": [schema::USER], "userName": "Alice"}
            },
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "ytrewq",
                "data": {
                    "schemas": [schema::GROUP],
                    "displayName": "Tour Guides",
                    "members": [{"type": "User", "value": "bulkId:qwerty"}]
                }
            }
        ]
    })
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

#[test]
fn bulk_rfc_example_parses_and_resolves() {
    let req = BulkRequest::parse(&bytes(&rfc_3_7_2()), &LIMITS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.fail_on_errors, None);
    assert_eq!(req.operations.len(), 2);
    let group = &req.operations[1];
    assert_eq!(
        (group.method, group.bulk_id.as_deref(), group.path.as_str()),
        (BulkMethod::Post, Some("ytrewq"), "/Groups")
    );
    let mut data = group.data.clone().unwrap_or_default();
    assert_eq!(referenced_bulk_ids(&data), ["qwerty"]);
    assert_eq!(
        resolve_bulk_ids(&mut data.clone(), &HashMap::new()),
        Err("qwerty".to_owned())
    );
    let resolved = HashMap::from([(
        "qwerty".to_owned(),
        "92b725cd-9465-4e7d-8c16-01f8e146b87a".to_owned(),
    )]);
    assert_eq!(resolve_bulk_ids(&mut data, &resolved), Ok(()));
    assert_eq!(
        data["members"],
        json!([{"type": "User", "value": "92b725cd-9465-4e7d-8c16-01f8e146b87a"}])
    );
    assert!(referenced_bulk_ids(&data).is_empty());
}

#[test]
fn bulk_methods_and_fields() {
    let body = json!({
        "schemas": [schema::BULK_REQUEST],
        "failOnErrors": 1,
        "Operations": [
            {"method": "put", "path": "/Users/b7c14771", "version": "W/\"3694e05e9dff591\"", "data": {"schemas": [schema::USER], "userName": "Bob"}},
            {"METHOD": "Patch", "PATH": "/Users/5d8d29d3", "DATA": {"schemas": [schema::PATCH_OP], "Operations": []}},
            {"method": "DELETE", "path": "/Users/e9025315", "version": "W/\"0ee8add0a938e1a\""}
        ]
    });
    let req = BulkRequest::parse(&bytes(&body), &LIMITS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.fail_on_errors, Some(1));
    let methods: Vec<BulkMethod> = req.operations.iter().map(|o| o.method).collect();
    assert_eq!(
        methods,
        [BulkMethod::Put, BulkMethod::Patch, BulkMethod::Delete]
    );
    assert_eq!(
        req.operations[0].version.as_deref(),
        Some("W/\"3694e05e9dff591\"")
    );
    assert_eq!(req.operations[2].data, None);
}

#[test]
fn bad_bulk_requests() {
    let op = |o: Value| bytes(&json!({"schemas": [schema::BULK_REQUEST], "Operations": [o]}));
    let bad_ops = [
        json!({"method": "POST", "path": "/Users", "data": {}}),
        json!({"method": "GET", "path": "/Users"}),
        json!({"method": "PUT", "data": {}}),
        json!({"method": "PUT", "path": "/Users/1"}),
        json!({"method": "PUT", "path": "/Users/1", "data": "x"}),
        json!("POST /Users"),
    ];
    for o in bad_ops {
        assert_eq!(
            scim_type(BulkRequest::parse(&op(o.clone()), &LIMITS)),
            INVALID_VALUE,
            "{o}"
        );
    }
    assert_eq!(scim_type(BulkRequest::parse(b"{", &LIMITS)), INVALID_SYNTAX);
    assert_eq!(
        scim_type(BulkRequest::parse(br#"{"Operations": []}"#, &LIMITS)),
        INVALID_SYNTAX
    );
    let no_ops = bytes(&json!({"schemas": [schema::BULK_REQUEST]}));
    assert_eq!(
        scim_type(BulkRequest::parse(&no_ops, &LIMITS)),
        INVALID_SYNTAX
    );
    let negative =
        bytes(&json!({"schemas": [schema::BULK_REQUEST], "failOnErrors": -1, "Operations": []}));
    assert_eq!(
        scim_type(BulkRequest::parse(&negative, &LIMITS)),
        INVALID_VALUE
    );
    let mut twice = rfc_3_7_2();
    twice["Operations"][1]["bulkId"] = json!("qwerty");
    assert_eq!(
        scim_type(BulkRequest::parse(&bytes(&twice), &LIMITS)),
        INVALID_VALUE
    );
}

#[test]
fn bulk_limits_are_413() {
    let body = bytes(&rfc_3_7_2());
    let small = BulkLimits {
        max_operations: 10,
        max_payload_bytes: body.len() - 1,
    };
    let err = BulkRequest::parse(&body, &small).err();
    assert_eq!(
        err.as_ref().map(|e| (e.status, e.scim_type)),
        Some((413, None))
    );
    assert!(err
        .and_then(|e| e.detail)
        .is_some_and(|d| d.contains("maxPayloadSize")));
    let few = BulkLimits {
        max_operations: 1,
        max_payload_bytes: 1 << 20,
    };
    let err = BulkRequest::parse(&body, &few).err();
    assert_eq!(err.as_ref().map(|e| e.status), Some(413));
    assert!(err
        .and_then(|e| e.detail)
        .is_some_and(|d| d.contains("maxOperations")));
}

#[test]
fn bulk_cycle_is_visible() {
    // RFC 7644 §3.7.2: two groups that are each other's member.
    let a =
        json!({"displayName": "Group A", "members": [{"type": "Group", "value": "bulkId:ytrewq"}]});
    let b = json!({"displayName": "Group B", "members": [{"type": "Group", "value": "bulkId:qwerty"}, {"value": "bulkId:qwerty"}]});
    assert_eq!(referenced_bulk_ids(&a), ["ytrewq"]);
    assert_eq!(referenced_bulk_ids(&b), ["qwerty"]);
}

#[test]
fn bulk_response_shape() {
    let resp = BulkResponse {
        operations: vec![
            BulkOperationResult {
                method: BulkMethod::Post,
                bulk_id: Some("qwerty".into()),
                version: Some("W/\"4weymrEsh5O6cAEK\"".into()),
                location: Some("https://example.com/v2/Users/92b725cd".into()),
                status: 201,
                response: None,
            },
            BulkOperationResult {
                method: BulkMethod::Delete,
                bulk_id: None,
                version: None,
                location: None,
                status: 404,
                response: Some(json!({"schemas": [schema::ERROR], "status": "404"})),
            },
        ],
    };
    assert_eq!(
        resp.to_json(),
        json!({
            "schemas": [schema::BULK_RESPONSE],
            "Operations": [
                {"method": "POST", "bulkId": "qwerty", "version": "W/\"4weymrEsh5O6cAEK\"", "location": "https://example.com/v2/Users/92b725cd", "status": "201"},
                {"method": "DELETE", "status": "404", "response": {"schemas": [schema::ERROR], "status": "404"}}
            ]
        })
    );
}
