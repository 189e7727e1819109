//! Tests of writing and reading resources, against the RFC 7643 §8
//! examples.

mod project;
mod props;
mod write;

use serde_json::{json, Value};

use super::{parse_attribute_list, WriteMode};
use crate::error::{ScimError, ScimType};
use crate::resource_type::ResourceType;
use crate::schema::{ENTERPRISE_USER, USER};

/// The full User of RFC 7643 §8.2 (certificate shortened), with the
/// Enterprise User attributes of §8.3.
fn full_user() -> Value {
    json!({
        "schemas": [USER, ENTERPRISE_USER],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III"
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {
                "type": "work",
                "streetAddress": "100 Universal City Plaza",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "USA",
                "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
                "primary": true
            },
            {
                "type": "home",
                "streetAddress": "456 Hollywood Blvd",
                "locality": "Hollywood",
                "region": "CA",
                "postalCode": "91608",
                "country": "USA",
                "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"
            }
        ],
        "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-555-4444", "type": "mobile"}
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "photos": [
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
            {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}
        ],
        "userType": "Employee",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "password": "t1meMa$heen",
        "groups": [
            {
                "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
                "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
                "display": "Tour Guides"
            }
        ],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        ENTERPRISE_USER: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {
                "value": "26118915-6090-4610-87e4-49d8ca9f808d",
                "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
                "displayName": "John Smith"
            }
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"a330bc54f0671c9\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
        }
    })
}

/// Checks `body` as a new User.
fn create_user(body: Value) -> Result<Value, ScimError> {
    ResourceType::user().check_write(body, WriteMode::Create, None)
}

/// The error of a failed result, checking its status.
fn fails(result: Result<Value, ScimError>, status: u16, scim_type: ScimType) -> String {
    match result {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => {
            assert_eq!((e.status, e.scim_type), (status, Some(scim_type)), "{e}");
            e.detail.unwrap_or_default()
        }
    }
}

#[test]
fn attribute_lists() {
    let list = parse_attribute_list(" userName, name.givenName ,,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
    let list = list.unwrap_or_else(|e| panic!("{e}"));
    let shown: Vec<String> = list
        .iter()
        .map(|p| format!("{:?}|{}|{:?}", p.urn, p.name, p.sub))
        .collect();
    assert_eq!(
        shown,
        [
            "None|userName|None",
            "None|name|Some(\"givenName\")",
            "Some(\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\")|manager|Some(\"value\")",
        ]
    );
    assert_eq!(parse_attribute_list("").map(|l| l.len()), Ok(0));
    for bad in [
        "user name",
        "emails[type eq \"work\"]",
        "a.b.c",
        "1abc",
        "(x)",
        "name.",
    ] {
        let err = parse_attribute_list(bad).err();
        assert_eq!(
            err.and_then(|e| e.scim_type),
            Some(ScimType::InvalidValue),
            "{bad}"
        );
    }
}
