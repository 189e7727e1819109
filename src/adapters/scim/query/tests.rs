//! The SCIM attribute map: every attribute, URN prefixes and case, value
//! types, unknown attributes, sortBy, and the RFC 7644 §3.4.2.2 examples.

use usso_scim::filter::{AttrPath, Filter};
use usso_scim::ScimType;

use super::*;
use crate::store::directory_query::{Cond, Op, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user(filter: &str) -> Result<UserCond, ScimError> {
    user_condition(&Filter::parse(filter).unwrap(), "okta")
}

fn group(filter: &str) -> Result<GroupCond, ScimError> {
    group_condition(&Filter::parse(filter).unwrap(), "okta")
}

fn field_of(cond: &UserCond) -> UserField {
    match cond {
        Cond::Compare { field, .. } | Cond::Present(field) => *field,
        other => panic!("not a field condition: {other:?}"),
    }
}

#[test]
fn every_single_valued_user_attribute_maps() {
    let cases = [
        ("id", UserField::Id),
        ("userName", UserField::UserName),
        ("USERNAME", UserField::UserName),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            UserField::UserName,
        ),
        ("displayName", UserField::DisplayName),
        ("name.givenName", UserField::GivenName),
        ("name.familyName", UserField::FamilyName),
        ("name.formatted", UserField::ProfileText("formatted_name")),
        ("name.middleName", UserField::ProfileText("middle_name")),
        (
            "name.honorificPrefix",
            UserField::ProfileText("honorific_prefix"),
        ),
        (
            "name.honorificSuffix",
            UserField::ProfileText("honorific_suffix"),
        ),
        ("nickName", UserField::ProfileText("nickname")),
        ("profileUrl", UserField::ProfileText("profile_url")),
        ("title", UserField::ProfileText("title")),
        ("userType", UserField::ProfileText("user_type")),
        (
            "preferredLanguage",
            UserField::ProfileText("preferred_language"),
        ),
        ("locale", UserField::Locale),
        ("timezone", UserField::ProfileText("timezone")),
        ("employeeNumber", UserField::Employment("employee_number")),
        (
            &format!("{ENT}:costCenter"),
            UserField::Employment("cost_center"),
        ),
        (
            &format!("{ENT}:organization"),
            UserField::Employment("organization"),
        ),
        (
            &format!("{ENT}:division"),
            UserField::Employment("division"),
        ),
        (
            &format!("{ENT}:department"),
            UserField::Employment("department"),
        ),
        (&format!("{ENT}:manager.value"), UserField::ManagerId),
    ];
    for (path, want) in cases {
        let cond = user(&format!(r#"{path} eq "x""#)).unwrap();
        assert_eq!(field_of(&cond), want, "{path}");
        assert_eq!(
            field_of(&user(&format!("{path} pr")).unwrap()),
            want,
            "{path}"
        );
    }
    let time = user(r#"meta.created gt "2011-05-13T04:42:34Z""#).unwrap();
    assert!(matches!(
        time,
        Cond::Compare {
            field: UserField::Created,
            op: Op::Gt,
            value: Value::Time(_)
        }
    ));
    assert!(matches!(
        user("meta.lastModified le \"2011-05-13T04:42:34+02:00\"").unwrap(),
        Cond::Compare {
            field: UserField::LastModified,
            op: Op::Le,
            ..
        }
    ));
    assert_eq!(
        user("active eq true").unwrap(),
        Cond::Compare {
            field: UserField::Active,
            op: Op::Eq,
            value: Value::Bool(true)
        }
    );
}

fn list_of(cond: &UserCond) -> (UserList, ItemCond) {
    match cond {
        Cond::Any { list, item } => (list.clone(), (**item).clone()),
        other => panic!("not a list condition: {other:?}"),
    }
}

#[test]
fn every_multi_valued_user_attribute_maps() {
    let eq = |item: ItemField| Cond::Compare {
        field: item,
        op: Op::Eq,
        value: Value::Text("x".into()),
    };
    let cases = [
        ("emails", UserList::Emails, ItemField::Value),
        ("emails.value", UserList::Emails, ItemField::Value),
        ("emails.type", UserList::Emails, ItemField::Key("type")),
        (
            "phoneNumbers",
            UserList::ProfileList("phone_numbers"),
            ItemField::Value,
        ),
        (
            "phoneNumbers.type",
            UserList::ProfileList("phone_numbers"),
            ItemField::Key("type"),
        ),
        ("ims.value", UserList::ProfileList("ims"), ItemField::Value),
        (
            "photos.display",
            UserList::ProfileList("photos"),
            ItemField::Key("display"),
        ),
        (
            "entitlements",
            UserList::ProfileList("entitlements"),
            ItemField::Value,
        ),
        (
            "roles.value",
            UserList::ProfileList("roles"),
            ItemField::Value,
        ),
        (
            "x509Certificates.value",
            UserList::ProfileList("x509_certificates"),
            ItemField::Value,
        ),
        (
            "addresses.locality",
            UserList::ProfileList("addresses"),
            ItemField::Key("locality"),
        ),
        (
            "addresses.region",
            UserList::ProfileList("addresses"),
            ItemField::Key("region"),
        ),
        (
            "addresses.postalCode",
            UserList::ProfileList("addresses"),
            ItemField::Key("postal_code"),
        ),
        (
            "addresses.country",
            UserList::ProfileList("addresses"),
            ItemField::Key("country"),
        ),
        (
            "addresses.streetAddress",
            UserList::ProfileList("addresses"),
            ItemField::Key("street_address"),
        ),
        (
            "addresses.formatted",
            UserList::ProfileList("addresses"),
            ItemField::Key("formatted"),
        ),
        (
            "addresses.type",
            UserList::ProfileList("addresses"),
            ItemField::Key("type"),
        ),
        ("groups", UserList::Groups, ItemField::Value),
        ("groups.value", UserList::Groups, ItemField::Value),
        (
            "externalId",
            UserList::ExternalIds {
                source: "okta".into(),
            },
            ItemField::Value,
        ),
    ];
    for (path, list, item) in cases {
        let cond = user(&format!(r#"{path} eq "x""#)).unwrap();
        assert_eq!(list_of(&cond), (list, eq(item)), "{path}");
    }
    let primary = user("phoneNumbers.primary eq true").unwrap();
    assert_eq!(
        list_of(&primary).1,
        Cond::Compare {
            field: ItemField::Primary,
            op: Op::Eq,
            value: Value::Bool(true)
        }
    );
    assert_eq!(
        list_of(&user("emails pr").unwrap()),
        (UserList::Emails, Cond::True)
    );
}

#[test]
fn group_attributes_map() {
    assert!(matches!(
        group(r#"displayName eq "x""#).unwrap(),
        Cond::Compare {
            field: GroupField::DisplayName,
            ..
        }
    ));
    assert!(matches!(
        group(r#"id eq "x""#).unwrap(),
        Cond::Compare {
            field: GroupField::Id,
            ..
        }
    ));
    assert!(matches!(
        group(
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:meta.created ge "2020-01-01T00:00:00Z""#
        )
        .unwrap(),
        Cond::Compare {
            field: GroupField::Created,
            ..
        }
    ));
    assert!(matches!(
        group(r#"meta.lastModified lt "2020-01-01T00:00:00Z""#).unwrap(),
        Cond::Compare {
            field: GroupField::LastModified,
            ..
        }
    ));
    for filter in [
        r#"members eq "x""#,
        r#"members.value eq "x""#,
        r#"members[value eq "x"]"#,
    ] {
        assert!(
            matches!(
                group(filter).unwrap(),
                Cond::Any {
                    list: GroupList::Members,
                    ..
                }
            ),
            "{filter}"
        );
    }
    assert!(matches!(
        group(r#"externalId eq "x""#).unwrap(),
        Cond::Any { list: GroupList::ExternalIds { ref source }, .. } if source == "okta"
    ));
    for bad in [
        r#"userName eq "x""#,
        r#"members.display eq "x""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:displayName eq "x""#,
    ] {
        assert_eq!(
            group(bad).unwrap_err().scim_type,
            Some(ScimType::InvalidFilter),
            "{bad}"
        );
    }
}

#[test]
fn unknown_attributes_and_wrong_values_are_invalid_filters() {
    for bad in [
        r#"nope eq "x""#,
        r#"name.nope eq "x""#,
        r#"emails.display eq "x""#,
        r#"emails[nope eq "x"]"#,
        r#"addresses eq "x""#,
        r#"userName[value eq "x"]"#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber eq "1""#,
        r#"urn:example:custom:User:userName eq "x""#,
        r#"active eq "x""#,
        r#"active gt true"#,
        r#"meta.created gt "garbage""#,
        r#"meta.created co "2011""#,
        r#"meta.created eq 12"#,
        r#"userName eq 12"#,
        r#"userName eq true"#,
        r#"userName gt null"#,
        "userName eq \"a\\u0000b\"",
    ] {
        let err = user(bad).unwrap_err();
        assert_eq!(
            (err.status, err.scim_type),
            (400, Some(ScimType::InvalidFilter)),
            "{bad}"
        );
        assert!(err.detail.is_some(), "{bad}");
    }
    let err = user(r#"nope eq "x""#).unwrap_err();
    assert!(err.detail.unwrap().contains("nope"));
}

#[test]
fn null_and_ne_follow_the_evaluator() {
    assert_eq!(
        user("title eq null").unwrap(),
        Cond::Not(Box::new(Cond::Present(UserField::ProfileText("title"))))
    );
    assert_eq!(
        user("title ne null").unwrap(),
        Cond::Present(UserField::ProfileText("title"))
    );
    let ne = user(r#"emails.value ne "x""#).unwrap();
    assert!(
        matches!(ne, Cond::Or(ref parts) if parts.len() == 2),
        "{ne:?}"
    );
}

#[test]
fn the_rfc_7644_examples_that_apply_map() {
    for filter in [
        r#"userName Eq "john""#,
        r#"Username eq "john""#,
        r#"userName eq "bjensen""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        "title pr",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    ] {
        let parsed = Filter::parse(filter).unwrap();
        let result = user_condition(&parsed, "okta");
        if filter.starts_with("schemas") {
            // `schemas` is not a filterable attribute here.
            assert_eq!(result.unwrap_err().scim_type, Some(ScimType::InvalidFilter));
        } else {
            assert!(result.is_ok(), "{filter}: {result:?}");
        }
    }
}

#[test]
fn sort_by_maps_supported_attributes_and_refuses_the_rest() {
    let path = |s: &str| match Filter::parse(&format!("{s} pr")).unwrap() {
        Filter::Present { path } => path,
        _ => unreachable!(),
    };
    for (s, want) in [
        ("id", UserSortField::Id),
        ("userName", UserSortField::UserName),
        ("DISPLAYNAME", UserSortField::DisplayName),
        ("name.givenName", UserSortField::GivenName),
        ("name.familyName", UserSortField::FamilyName),
        ("meta.created", UserSortField::Created),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:meta.lastModified",
            UserSortField::LastModified,
        ),
    ] {
        assert_eq!(user_sort(&path(s)).unwrap(), want, "{s}");
    }
    for s in ["emails", "externalId", "title", "name", "urn:x:y:userName"] {
        let err = user_sort(&path(s)).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{s}");
    }
    assert_eq!(
        group_sort(&AttrPath::new("displayName")).unwrap(),
        GroupSortField::DisplayName
    );
    assert_eq!(
        group_sort(&AttrPath::new("meta").with_sub("created")).unwrap(),
        GroupSortField::Created
    );
    assert!(group_sort(&AttrPath::new("members")).is_err());
}
