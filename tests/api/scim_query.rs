//! SCIM queries over HTTP (RFC 7644 §3.4.2 and §3.4.3): filters
//! (§3.4.2.2, with the RFC's own examples), sorting (§3.4.2.3), index
//! paging (§3.4.2.4), cursor paging (draft-ietf-scim-cursor-pagination),
//! `POST /.search` and the root search, the filter limits, and tenant
//! isolation. The central filter test and the cursor walk also run on
//! PostgreSQL when `USSO_TEST_POSTGRES_URL` is set.

use std::collections::BTreeSet;

use reqwest::{Method, Response};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::admin_support::tick;
use crate::harness::TestApp;
use crate::scim_support::{
    expect_scim_error, id_of, scim_json, scim_tenant, user_body, ScimClient, ENTERPRISE_SCHEMA,
    LIST_SCHEMA, SEARCH_SCHEMA, USER_SCHEMA,
};

/// `GET {endpoint}` with the query parameters `params`, URL-encoded.
async fn get_query(c: &ScimClient, endpoint: &str, params: &[(&str, &str)]) -> Response {
    c.request(Method::GET, endpoint)
        .query(params)
        .send()
        .await
        .unwrap()
}

/// A 200 ListResponse of `GET {endpoint}?params`.
async fn page(c: &ScimClient, endpoint: &str, params: &[(&str, &str)]) -> Value {
    let body = scim_json(get_query(c, endpoint, params).await, 200).await;
    assert_eq!(body["schemas"], json!([LIST_SCHEMA]), "{body}");
    body
}

fn resources(page: &Value) -> &Vec<Value> {
    page["Resources"].as_array().unwrap()
}

/// The values of `attr` of the page's resources, in order.
fn column(page: &Value, attr: &str) -> Vec<String> {
    resources(page)
        .iter()
        .map(|r| r[attr].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The userNames `filter` selects on `/Users`.
async fn users_where(c: &ScimClient, filter: &str) -> BTreeSet<String> {
    let body = page(c, "/Users", &[("filter", filter)]).await;
    let names: BTreeSet<String> = column(&body, "userName").into_iter().collect();
    assert_eq!(body["totalResults"], names.len(), "{filter}: {body}");
    names
}

/// The displayNames `filter` selects on `/Groups`.
async fn groups_where(c: &ScimClient, filter: &str) -> BTreeSet<String> {
    let body = page(c, "/Groups", &[("filter", filter)]).await;
    column(&body, "displayName").into_iter().collect()
}

async fn invalid_filter(c: &ScimClient, endpoint: &str, filter: &str) {
    let body = expect_scim_error(
        get_query(c, endpoint, &[("filter", filter)]).await,
        400,
        Some("invalidFilter"),
    )
    .await;
    assert!(body["detail"].is_string(), "{filter}: {body}");
}

fn time_of(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().unwrap(), &Rfc3339).unwrap()
}

/// The directory the filter tests query: four users (one with a mixed-case
/// userName, one with almost nothing) and two groups.
struct Directory {
    c: ScimClient,
    bjensen: Value,
    jsmith: Value,
    alice: Value,
    tour_guides: Value,
}

async fn directory(app: &TestApp, slug: &str) -> Directory {
    let c = scim_tenant(app, slug).await;
    let mut created = Vec::new();
    for body in [
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": "bjensen",
            "externalId": "BJ-1",
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
            "title": "Tour Guide",
            "userType": "Employee",
            "active": true,
            "emails": [{ "value": "bjensen@example.com", "type": "work", "primary": true }],
            ENTERPRISE_SCHEMA: { "department": "Tours" },
        }),
        json!({
            "schemas": [USER_SCHEMA],
            "userName": "JSmith",
            "externalId": "js-2",
            "name": { "familyName": "O'Malley" },
            "title": "Intern Coder",
            "userType": "Intern",
            "active": false,
            "emails": [{ "value": "js@example.org", "type": "home" }],
        }),
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": "alice",
            "name": { "familyName": "Zimmer" },
            "userType": "Employee",
            "emails": [
                { "value": "alice@example.com", "type": "home" },
                { "value": "alice@work.net", "type": "work" },
            ],
            "ims": [{ "value": "alice@foo.com", "type": "xmpp" }],
            ENTERPRISE_SCHEMA: { "department": "Sales" },
        }),
        user_body("zed"),
    ] {
        tick(app);
        created.push(scim_json(c.post("/Users", body).await, 201).await);
    }
    tick(app);
    let tour_guides = c
        .create_group("Tour Guides", &[&id_of(&created[0]), &id_of(&created[2])])
        .await;
    tick(app);
    c.create_group("Admins", &[&id_of(&created[1])]).await;
    let mut created = created.into_iter();
    Directory {
        bjensen: created.next().unwrap(),
        jsmith: created.next().unwrap(),
        alice: created.next().unwrap(),
        tour_guides,
        c,
    }
}

/// The central filter test, on whichever database `app` runs.
async fn filters_select_what_rfc_7644_says(app: &TestApp) {
    let d = directory(app, "acme").await;
    let c = &d.c;
    let all = set(&["bjensen", "JSmith", "alice", "zed"]);

    // Every operator on userName, which is case-insensitive (RFC 7643 §4.1.1).
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "bjensen""#, &["bjensen"]),
        (r#"userName eq "BJensen""#, &["bjensen"]),
        (r#"userName eq "jsmith""#, &["JSmith"]),
        (r#"userName ne "bjensen""#, &["JSmith", "alice", "zed"]),
        (r#"userName co "SMI""#, &["JSmith"]),
        (r#"userName sw "B""#, &["bjensen"]),
        (r#"userName ew "ED""#, &["zed"]),
        (r#"userName gt "bjensen""#, &["JSmith", "zed"]),
        (r#"userName ge "BJENSEN""#, &["bjensen", "JSmith", "zed"]),
        (r#"userName lt "bjensen""#, &["alice"]),
        (r#"userName le "bjensen""#, &["alice", "bjensen"]),
        (r#"USERNAME EQ "alice""#, &["alice"]),
        // emails are case-insensitive too.
        (r#"emails.value eq "ALICE@work.net""#, &["alice"]),
        (r#"emails eq "bjensen@EXAMPLE.com""#, &["bjensen"]),
        (r#"emails.value ew "@EXAMPLE.ORG""#, &["JSmith"]),
        // externalId (RFC 7643 §3.1) is case-exact.
        (r#"externalId eq "BJ-1""#, &["bjensen"]),
        (r#"externalId eq "bj-1""#, &[]),
        (r#"externalId sw "js""#, &["JSmith"]),
        (r#"externalId sw "JS""#, &[]),
        (r#"externalId co "J-""#, &["bjensen"]),
        (r#"externalId co "j-""#, &[]),
        (r#"externalId pr"#, &["bjensen", "JSmith"]),
        // Precedence: "and" binds tighter than "or"; parentheses regroup.
        (
            r#"userName eq "alice" or userName eq "JSmith" and active eq true"#,
            &["alice"],
        ),
        (
            r#"(userName eq "alice" or userName eq "JSmith") and active eq false"#,
            &["JSmith"],
        ),
        (
            r#"not (userName eq "alice" or userName eq "zed")"#,
            &["bjensen", "JSmith"],
        ),
        (r#"not (name.familyName pr)"#, &["zed"]),
        (r#"not (externalId pr) and not (userName eq "zed")"#, &["alice"]),
        // A complex attribute filter: one email must be both.
        (
            r#"emails[type eq "work" and value co "@example.com"]"#,
            &["bjensen"],
        ),
        (r#"emails[type eq "home"]"#, &["JSmith", "alice"]),
        (r#"emails[primary eq true]"#, &["bjensen"]),
        (r#"emails pr"#, &["bjensen", "JSmith", "alice"]),
        (r#"name.familyName eq "jensen""#, &["bjensen"]),
        (r#"name.givenName sw "bar""#, &["bjensen"]),
        (r#"active eq false"#, &["JSmith"]),
        (r#"active eq true"#, &["bjensen", "alice", "zed"]),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tours""#,
            &["bjensen"],
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#,
            &["alice"],
        ),
        (
            &format!(r#"id eq "{}""#, id_of(&d.alice)),
            &["alice"],
        ),
        (
            &format!(r#"groups.value eq "{}""#, id_of(&d.tour_guides)),
            &["bjensen", "alice"],
        ),
        (
            &format!(r#"groups eq "{}""#, id_of(&d.tour_guides)),
            &["bjensen", "alice"],
        ),
        (r#"groups pr"#, &["bjensen", "JSmith", "alice"]),
        // RFC 7644 §3.4.2.2, the example filters that name attributes this
        // service provider stores, each as the RFC prints it:
        //   filter=userName eq "bjensen"
        //   filter=name.familyName co "O'Malley"
        //   filter=userName sw "J"
        //   filter=urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"
        //   filter=title pr
        //   filter=meta.lastModified gt "2011-05-13T04:42:34Z"   (and ge, lt, le)
        //   filter=title pr and userType eq "Employee"
        //   filter=title pr or userType eq "Intern"
        //   filter=userType eq "Employee" and (emails co "example.com" or
        //     emails.value co "example.org")
        //   filter=userType ne "Employee" and not (emails co "example.com" or
        //     emails.value co "example.org")
        //   filter=userType eq "Employee" and (emails.type eq "work")
        //   filter=userType eq "Employee" and emails[type eq "work" and
        //     value co "@example.com"]
        //   filter=emails[type eq "work" and value co "@example.com"] or
        //     ims[type eq "xmpp" and value co "@foo.com"]
        // (`schemas eq "urn:…:enterprise:2.0:User"` is refused: see below.)
        (r#"userName eq "bjensen""#, &["bjensen"]),
        (r#"name.familyName co "O'Malley""#, &["JSmith"]),
        (r#"userName sw "J""#, &["JSmith"]),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            &["JSmith"],
        ),
        (r#"title pr"#, &["bjensen", "JSmith"]),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, &["bjensen", "JSmith", "alice", "zed"]),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, &["bjensen", "JSmith", "alice", "zed"]),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, &[]),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, &[]),
        (r#"title pr and userType eq "Employee""#, &["bjensen"]),
        (r#"title pr or userType eq "Intern""#, &["bjensen", "JSmith"]),
        (
            "userType eq \"Employee\" and (emails co \"example.com\" or\n  emails.value co \"example.org\")",
            &["bjensen", "alice"],
        ),
        (
            "userType ne \"Employee\" and not (emails co \"example.com\" or\n  emails.value co \"example.org\")",
            &["zed"],
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            &["bjensen", "alice"],
        ),
        (
            "userType eq \"Employee\" and emails[type eq \"work\" and\n  value co \"@example.com\"]",
            &["bjensen"],
        ),
        (
            "emails[type eq \"work\" and value co \"@example.com\"] or\n  ims[type eq \"xmpp\" and value co \"@foo.com\"]",
            &["bjensen", "alice"],
        ),
    ];
    for (filter, want) in cases {
        assert_eq!(users_where(c, filter).await, set(want), "filter {filter}");
    }
    assert_eq!(users_where(c, "userName pr").await, all);

    // id is case-exact: the same id in another case names nothing.
    let id = id_of(&d.jsmith);
    let flipped: String = id
        .chars()
        .map(|ch| {
            if ch.is_ascii_uppercase() {
                ch.to_ascii_lowercase()
            } else {
                ch.to_ascii_uppercase()
            }
        })
        .collect();
    assert_eq!(
        users_where(c, &format!(r#"id eq "{id}""#)).await,
        set(&["JSmith"])
    );
    if flipped != id {
        assert!(users_where(c, &format!(r#"id eq "{flipped}""#))
            .await
            .is_empty());
    }

    // meta.lastModified and meta.created against the resources' own times
    // (the test clock moved between writes).
    let everyone = page(c, "/Users", &[]).await;
    let times: Vec<(String, OffsetDateTime, OffsetDateTime)> = resources(&everyone)
        .iter()
        .map(|u| {
            (
                u["userName"].as_str().unwrap().to_owned(),
                time_of(&u["meta"]["lastModified"]),
                time_of(&u["meta"]["created"]),
            )
        })
        .collect();
    let pivot = d.bjensen["meta"]["lastModified"].as_str().unwrap();
    let pivot_time = time_of(&d.bjensen["meta"]["lastModified"]);
    let later: BTreeSet<String> = times
        .iter()
        .filter(|(_, m, _)| *m > pivot_time)
        .map(|(n, _, _)| n.clone())
        .collect();
    assert!(!later.is_empty() && later.len() < 4, "{times:?}");
    assert_eq!(
        users_where(c, &format!(r#"meta.lastModified gt "{pivot}""#)).await,
        later
    );
    let mut from = later.clone();
    from.insert("bjensen".into());
    assert_eq!(
        users_where(c, &format!(r#"meta.lastModified ge "{pivot}""#)).await,
        from
    );
    assert_eq!(
        users_where(c, &format!(r#"meta.lastModified le "{pivot}""#)).await,
        &all - &later
    );
    let alice_created = d.alice["meta"]["created"].as_str().unwrap();
    assert_eq!(
        users_where(c, &format!(r#"meta.created lt "{alice_created}""#)).await,
        set(&["bjensen", "JSmith"])
    );

    // Groups: displayName (case-insensitive) and members.value.
    assert_eq!(
        groups_where(c, r#"displayName eq "tour guides""#).await,
        set(&["Tour Guides"])
    );
    assert_eq!(
        groups_where(c, r#"displayName sw "ADM""#).await,
        set(&["Admins"])
    );
    assert_eq!(
        groups_where(c, &format!(r#"members.value eq "{}""#, id_of(&d.alice))).await,
        set(&["Tour Guides"])
    );
    assert_eq!(
        groups_where(c, &format!(r#"members.value eq "{}""#, id_of(&d.jsmith))).await,
        set(&["Admins"])
    );
    assert_eq!(
        groups_where(c, r#"members pr and not (displayName eq "Admins")"#).await,
        set(&["Tour Guides"])
    );
}

#[tokio::test]
async fn filters_select_what_rfc_7644_says_on_sqlite() {
    let app = TestApp::spawn().await;
    filters_select_what_rfc_7644_says(&app).await;
}

#[tokio::test]
async fn filters_select_what_rfc_7644_says_on_postgres() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    filters_select_what_rfc_7644_says(&app).await;
}

#[tokio::test]
async fn unknown_attributes_bad_syntax_and_wrong_types_are_invalid_filters() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    c.create_user("bjensen").await;
    for filter in [
        // Unknown attributes and sub-attributes.
        r#"nosuch eq "x""#,
        r#"name.nosuch eq "x""#,
        r#"emails[nosuch eq "x"]"#,
        r#"emails.display eq "x""#,
        r#"urn:example:nosuch:userName eq "x""#,
        // RFC 7644 §3.4.2.2's `schemas eq "urn:ietf:params:scim:schemas:
        // extension:enterprise:2.0:User"` names an attribute this service
        // provider does not filter on: refused (Table 9 allows it).
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        // Malformed.
        "userName eq",
        r#"(userName eq "a""#,
        "garbage",
        r#"userName xx "a""#,
        r#"userName eq "unterminated"#,
        r#"userName eq "a" and"#,
        r#"emails[type eq "work""#,
        r#"userName eq "a")"#,
        // Values of the wrong type, and operators that do not apply.
        r#"active eq "yes""#,
        "active gt true",
        "userName eq true",
        r#"meta.created gt "garbage""#,
        r#"meta.lastModified co "2011""#,
        r#"userName gt null"#,
    ] {
        invalid_filter(&c, "/Users", filter).await;
    }
    // Attributes of Users are unknown to Groups.
    invalid_filter(&c, "/Groups", r#"userName eq "bjensen""#).await;
    invalid_filter(&c, "/Groups", r#"members.display eq "x""#).await;
}

#[tokio::test]
async fn filters_over_the_limits_are_refused_and_the_server_stays_up() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    c.create_user("bjensen").await;

    // Over 4096 bytes.
    let long = format!(r#"userName eq "{}""#, "a".repeat(4100));
    invalid_filter(&c, "/Users", &long).await;
    // 40 levels of parentheses, of `not (`, of both; the limit is 32.
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(40), ")".repeat(40));
    invalid_filter(&c, "/Users", &deep).await;
    let nots = format!("{}userName eq \"a\"{}", "not (".repeat(40), ")".repeat(40));
    invalid_filter(&c, "/Users", &nots).await;
    // 101 comparisons; the limit is 100.
    let wide = vec![r#"userName eq "a""#; 101].join(" or ");
    assert!(wide.len() < 4096);
    invalid_filter(&c, "/Users", &wide).await;
    // In a SearchRequest body too.
    expect_scim_error(
        c.search(
            "/Users/.search",
            json!({ "schemas": [SEARCH_SCHEMA], "filter": deep }),
        )
        .await,
        400,
        Some("invalidFilter"),
    )
    .await;

    // Just inside the limits is fine.
    let deep_ok = format!(
        "{}userName eq \"bjensen\"{}",
        "(".repeat(31),
        ")".repeat(31)
    );
    assert_eq!(users_where(&c, &deep_ok).await, set(&["bjensen"]));
    let wide_ok = vec![r#"userName eq "bjensen""#; 100].join(" or ");
    assert_eq!(users_where(&c, &wide_ok).await, set(&["bjensen"]));
    // And the server still answers.
    assert_eq!(users_where(&c, "userName pr").await, set(&["bjensen"]));
}

#[tokio::test]
async fn sorting_orders_by_the_attribute_with_missing_values_last_ascending() {
    let app = TestApp::spawn().await;
    let d = directory(&app, "acme").await;
    let c = &d.c;
    let sorted = |params: Vec<(&'static str, &'static str)>| {
        let c = c.clone();
        async move { column(&page(&c, "/Users", &params).await, "userName") }
    };

    assert_eq!(
        sorted(vec![("sortBy", "userName")]).await,
        ["alice", "bjensen", "JSmith", "zed"]
    );
    assert_eq!(
        sorted(vec![("sortBy", "userName"), ("sortOrder", "ascending")]).await,
        ["alice", "bjensen", "JSmith", "zed"]
    );
    assert_eq!(
        sorted(vec![("sortBy", "username"), ("sortOrder", "DESCENDING")]).await,
        ["zed", "JSmith", "bjensen", "alice"]
    );
    // Created in this order, the clock moving on between them.
    assert_eq!(
        sorted(vec![("sortBy", "meta.created")]).await,
        ["bjensen", "JSmith", "alice", "zed"]
    );
    assert_eq!(
        sorted(vec![
            ("sortBy", "meta.created"),
            ("sortOrder", "descending")
        ])
        .await,
        ["zed", "alice", "JSmith", "bjensen"]
    );
    // RFC 7644 §3.4.2.3: "if there is no data for the specified "sortBy"
    // value, they are sorted via the "sortOrder" parameter, i.e., they are
    // ordered last if ascending and first if descending." zed has no name.
    assert_eq!(
        sorted(vec![("sortBy", "name.familyName")]).await,
        ["bjensen", "JSmith", "alice", "zed"]
    );
    assert_eq!(
        sorted(vec![
            ("sortBy", "name.familyName"),
            ("sortOrder", "descending")
        ])
        .await,
        ["zed", "alice", "JSmith", "bjensen"]
    );
    // The same sort through POST .search, with a filter.
    let body = scim_json(
        c.search(
            "/Users/.search",
            json!({
                "schemas": [SEARCH_SCHEMA],
                "filter": "userType eq \"Employee\"",
                "sortBy": "name.familyName",
                "sortOrder": "descending",
            }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(column(&body, "userName"), ["alice", "bjensen"]);

    // Groups sort by displayName.
    let groups = page(c, "/Groups", &[("sortBy", "displayName")]).await;
    assert_eq!(column(&groups, "displayName"), ["Admins", "Tour Guides"]);

    // What this server does with a sortBy it cannot sort by: 400
    // invalidValue (§3.4.2.3 names no error), for an unknown attribute, an
    // attribute it does not sort on, and a User attribute on /Groups.
    for (endpoint, by) in [
        ("/Users", "nosuch"),
        ("/Users", "emails"),
        ("/Users", "title"),
        ("/Groups", "userName"),
    ] {
        expect_scim_error(
            get_query(c, endpoint, &[("sortBy", by)]).await,
            400,
            Some("invalidValue"),
        )
        .await;
    }
    // A sortOrder that is neither ascending nor descending: 400 invalidValue.
    expect_scim_error(
        get_query(c, "/Users", &[("sortBy", "userName"), ("sortOrder", "up")]).await,
        400,
        Some("invalidValue"),
    )
    .await;
}

/// Creates `n` users `u00`, `u01`, … in `c`'s tenant; returns their ids.
async fn many_users(app: &TestApp, c: &ScimClient, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        tick(app);
        ids.push(id_of(&c.create_user(&format!("u{i:02}")).await));
    }
    ids
}

#[tokio::test]
async fn index_paging_covers_every_user_once_with_the_rfc_members() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    let ids = many_users(&app, &c, 25).await;

    let mut seen = Vec::new();
    for (start, want) in [(1, 10), (11, 10), (21, 5)] {
        let start_text = start.to_string();
        let body = page(
            &c,
            "/Users",
            &[("startIndex", start_text.as_str()), ("count", "10")],
        )
        .await;
        assert_eq!(body["totalResults"], 25, "{body}");
        assert_eq!(body["itemsPerPage"], want, "{body}");
        assert_eq!(body["startIndex"], start, "{body}");
        assert_eq!(resources(&body).len(), want);
        assert!(body.get("nextCursor").is_none(), "{body}");
        seen.extend(column(&body, "id"));
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 25);
    assert_eq!(unique, ids.iter().collect::<BTreeSet<_>>());

    // Sorted pages join into the sorted list.
    let mut names = Vec::new();
    for start in ["1", "8", "15", "22"] {
        let body = page(
            &c,
            "/Users",
            &[
                ("sortBy", "userName"),
                ("startIndex", start),
                ("count", "7"),
            ],
        )
        .await;
        names.extend(column(&body, "userName"));
    }
    let want: Vec<String> = (0..25).map(|i| format!("u{i:02}")).collect();
    assert_eq!(names, want);

    // Past the end: an empty page that still counts.
    let body = page(&c, "/Users", &[("startIndex", "26"), ("count", "10")]).await;
    assert_eq!(body["totalResults"], 25);
    assert_eq!(body["itemsPerPage"], 0);
    assert_eq!(body["Resources"], json!([]));

    // count=0: only totalResults (RFC 7644 §3.4.2.4).
    let body = page(&c, "/Users", &[("count", "0")]).await;
    assert_eq!(body["totalResults"], 25);
    assert_eq!(body["itemsPerPage"], 0);
    assert_eq!(body["Resources"], json!([]));
    // "A negative value SHALL be interpreted as "0"" (count).
    let body = page(&c, "/Users", &[("count", "-3")]).await;
    assert_eq!(body["totalResults"], 25);
    assert_eq!(body["itemsPerPage"], 0);

    // "A value less than 1 SHALL be interpreted as 1" (startIndex).
    let first = page(&c, "/Users", &[("count", "3")]).await;
    for start in ["0", "-5"] {
        let body = page(&c, "/Users", &[("startIndex", start), ("count", "3")]).await;
        assert_eq!(body["startIndex"], 1, "{body}");
        assert_eq!(column(&body, "id"), column(&first, "id"));
    }

    // No count: the default page (100) holds all 25; a count over the
    // maximum (1000) is capped, not refused.
    for params in [vec![], vec![("count", "5000")], vec![("count", "1000")]] {
        let body = page(&c, "/Users", &params).await;
        assert_eq!(body["totalResults"], 25, "{params:?}");
        assert_eq!(body["itemsPerPage"], 25, "{params:?}");
        assert!(body["itemsPerPage"].as_u64().unwrap() <= 1000);
    }
    // Not an integer: 400 invalidValue.
    for (name, value) in [("count", "ten"), ("startIndex", "1.5")] {
        expect_scim_error(
            get_query(&c, "/Users", &[(name, value)]).await,
            400,
            Some("invalidValue"),
        )
        .await;
    }

    // Paging applies to the filtered set.
    let body = page(
        &c,
        "/Users",
        &[
            ("filter", r#"userName sw "u1""#),
            ("startIndex", "9"),
            ("count", "5"),
        ],
    )
    .await;
    assert_eq!(body["totalResults"], 10);
    assert_eq!(body["itemsPerPage"], 2);
}

/// Walks `/Users` with cursor paging `count` at a time; returns the
/// userNames in order and the number of pages.
async fn cursor_walk(c: &ScimClient, count: &str, extra: &[(&str, &str)]) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let mut params: Vec<(&str, &str)> = vec![("cursor", cursor.as_str()), ("count", count)];
        params.extend_from_slice(extra);
        let body = page(c, "/Users", &params).await;
        pages += 1;
        // Cursor pages carry no totalResults and no startIndex.
        assert!(body.get("totalResults").is_none(), "{body}");
        assert!(body.get("startIndex").is_none(), "{body}");
        assert_eq!(body["itemsPerPage"], resources(&body).len(), "{body}");
        assert!(resources(&body).len() <= count.parse::<usize>().unwrap());
        names.extend(column(&body, "userName"));
        match body.get("nextCursor").and_then(Value::as_str) {
            Some(next) => {
                assert!(!next.is_empty());
                cursor = next.to_owned();
            }
            None => break,
        }
        assert!(pages < 100, "cursor paging does not end");
    }
    (names, pages)
}

async fn cursor_paging_walks_every_user_once(app: &TestApp) {
    let c = scim_tenant(app, "acme").await;
    many_users(app, &c, 25).await;
    let ascending: Vec<String> = (0..25).map(|i| format!("u{i:02}")).collect();
    let descending: Vec<String> = ascending.iter().rev().cloned().collect();

    // Default order (by id, which follows creation): 7 + 7 + 7 + 4.
    let (names, pages) = cursor_walk(&c, "7", &[]).await;
    assert_eq!(pages, 4);
    assert_eq!(names, ascending);
    // A count that divides 25: the last full page has no nextCursor.
    let (names, pages) = cursor_walk(&c, "5", &[]).await;
    assert_eq!((names.len(), pages), (25, 5));
    let (names, pages) = cursor_walk(&c, "7", &[("sortBy", "userName")]).await;
    assert_eq!((names, pages), (ascending.clone(), 4));
    let (names, pages) = cursor_walk(
        &c,
        "7",
        &[("sortBy", "userName"), ("sortOrder", "descending")],
    )
    .await;
    assert_eq!((names, pages), (descending.clone(), 4));
    let (names, _) = cursor_walk(
        &c,
        "7",
        &[("sortBy", "meta.created"), ("sortOrder", "descending")],
    )
    .await;
    assert_eq!(names, descending);
    // With a filter.
    let (names, pages) = cursor_walk(&c, "3", &[("filter", r#"userName sw "u1""#)]).await;
    assert_eq!(names, ascending[10..20]);
    assert_eq!(pages, 4);
    // One page holds everything: no nextCursor at all.
    let (names, pages) = cursor_walk(&c, "100", &[]).await;
    assert_eq!((names.len(), pages), (25, 1));
}

#[tokio::test]
async fn cursor_paging_walks_every_user_once_on_sqlite() {
    let app = TestApp::spawn().await;
    cursor_paging_walks_every_user_once(&app).await;
}

#[tokio::test]
async fn cursor_paging_walks_every_user_once_on_postgres() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    cursor_paging_walks_every_user_once(&app).await;
}

#[tokio::test]
async fn tampered_and_foreign_cursors_are_invalid_values() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    many_users(&app, &c, 5).await;
    let first = page(
        &c,
        "/Users",
        &[("cursor", ""), ("count", "2"), ("sortBy", "userName")],
    )
    .await;
    let next = first["nextCursor"].as_str().unwrap().to_owned();
    // The cursor works where it was made.
    let second = page(
        &c,
        "/Users",
        &[
            ("cursor", next.as_str()),
            ("count", "2"),
            ("sortBy", "userName"),
        ],
    )
    .await;
    assert_eq!(column(&second, "userName"), ["u02", "u03"]);

    let half = &next[..next.len() / 2];
    for (cursor, sort_order) in [
        ("garbage!!", "ascending"),
        ("eyJrIjoianVuayJ9", "ascending"), // base64url of {"k":"junk"}
        (half, "ascending"),
        // A cursor of an ascending walk in a descending one.
        (next.as_str(), "descending"),
    ] {
        expect_scim_error(
            get_query(
                &c,
                "/Users",
                &[
                    ("cursor", cursor),
                    ("count", "2"),
                    ("sortBy", "userName"),
                    ("sortOrder", sort_order),
                ],
            )
            .await,
            400,
            Some("invalidValue"),
        )
        .await;
    }
    // A cursor of a userName walk in a walk by creation time.
    expect_scim_error(
        get_query(
            &c,
            "/Users",
            &[("cursor", next.as_str()), ("sortBy", "meta.created")],
        )
        .await,
        400,
        Some("invalidValue"),
    )
    .await;
    // Cursor paging on the root /.search: refused, per resource type only.
    expect_scim_error(
        c.search(
            "/.search",
            json!({ "schemas": [SEARCH_SCHEMA], "cursor": "" }),
        )
        .await,
        400,
        Some("invalidValue"),
    )
    .await;
}

#[tokio::test]
async fn post_search_answers_as_the_same_get() {
    let app = TestApp::spawn().await;
    let d = directory(&app, "acme").await;
    let c = &d.c;
    let filter = r#"userType eq "Employee" or active eq false"#;
    let get = page(
        c,
        "/Users",
        &[
            ("filter", filter),
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
            ("startIndex", "2"),
            ("count", "2"),
            ("attributes", "userName,emails"),
        ],
    )
    .await;
    assert_eq!(get["totalResults"], 3);
    assert_eq!(column(&get, "userName"), ["bjensen", "alice"]);
    // `attributes`: the asked ones, plus those always returned.
    let first = &resources(&get)[0];
    assert!(first.get("emails").is_some() && first.get("id").is_some());
    assert!(first.get("name").is_none() && first.get("title").is_none());

    let post = scim_json(
        c.search(
            "/Users/.search",
            json!({
                "schemas": [SEARCH_SCHEMA],
                "filter": filter,
                "sortBy": "userName",
                "sortOrder": "descending",
                "startIndex": 2,
                "count": 2,
                "attributes": ["userName", "emails"],
            }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(post, get);

    let get = page(
        c,
        "/Groups",
        &[
            ("filter", r#"displayName pr"#),
            ("excludedAttributes", "members"),
        ],
    )
    .await;
    let post = scim_json(
        c.search(
            "/Groups/.search",
            json!({
                "schemas": [SEARCH_SCHEMA],
                "filter": "displayName pr",
                "excludedAttributes": ["members"],
            }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(post, get);
    assert_eq!(get["totalResults"], 2);
    assert!(resources(&get).iter().all(|g| g.get("members").is_none()));

    // A SearchRequest without its schema: 400 invalidSyntax.
    expect_scim_error(
        c.search("/Users/.search", json!({ "filter": filter }))
            .await,
        400,
        Some("invalidSyntax"),
    )
    .await;
    // GET on .search is not a search.
    let r = c.get("/Users/.search").await;
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn the_root_search_lists_users_then_groups_across_pages() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    many_users(&app, &c, 3).await;
    tick(&app);
    c.create_group("g0", &[]).await;
    tick(&app);
    c.create_group("g1", &[]).await;

    let search = |start: u64, count: u64| {
        let c = c.clone();
        async move {
            scim_json(
                c.search(
                    "/.search",
                    json!({ "schemas": [SEARCH_SCHEMA], "startIndex": start, "count": count }),
                )
                .await,
                200,
            )
            .await
        }
    };
    let label = |r: &Value| {
        r["userName"]
            .as_str()
            .or_else(|| r["displayName"].as_str())
            .unwrap()
            .to_owned()
    };
    let all = search(1, 100).await;
    assert_eq!(all["totalResults"], 5);
    assert_eq!(all["itemsPerPage"], 5);
    let labels: Vec<String> = resources(&all).iter().map(label).collect();
    assert_eq!(labels, ["u00", "u01", "u02", "g0", "g1"]);
    let types: Vec<&str> = resources(&all)
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["User", "User", "User", "Group", "Group"]);

    for (start, want) in [
        (1, &["u00", "u01"][..]),
        (3, &["u02", "g0"][..]),
        (4, &["g0", "g1"][..]),
        (5, &["g1"][..]),
        (6, &[][..]),
    ] {
        let body = search(start, 2).await;
        assert_eq!(body["totalResults"], 5, "{body}");
        assert_eq!(body["startIndex"], start, "{body}");
        let labels: Vec<String> = resources(&body).iter().map(label).collect();
        assert_eq!(labels, want, "startIndex {start}");
        assert_eq!(body["itemsPerPage"], want.len());
    }
    // count=0 counts both types.
    let body = search(1, 0).await;
    assert_eq!(body["totalResults"], 5);
    assert_eq!(body["Resources"], json!([]));

    // A filter on a User attribute: groups have no userName, so `pr` and
    // `eq` are false for them (RFC 7644 §3.4.2.1).
    let body = scim_json(
        c.search(
            "/.search",
            json!({ "schemas": [SEARCH_SCHEMA], "filter": "userName pr" }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["totalResults"], 3);
    let body = scim_json(
        c.search(
            "/.search",
            json!({ "schemas": [SEARCH_SCHEMA], "filter": "displayName sw \"g\"" }),
        )
        .await,
        200,
    )
    .await;
    // No user has a displayName here.
    assert_eq!(body["totalResults"], 2);
    // An attribute neither type has: 400 invalidFilter.
    expect_scim_error(
        c.search(
            "/.search",
            json!({ "schemas": [SEARCH_SCHEMA], "filter": "nosuch pr" }),
        )
        .await,
        400,
        Some("invalidFilter"),
    )
    .await;
}

#[tokio::test]
async fn the_root_search_treats_an_attribute_of_one_type_as_absent_on_the_other() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    many_users(&app, &c, 2).await;
    c.create_group("g0", &[]).await;
    for filter in [r#"not (userName eq "u00")"#, r#"userName ne "u00""#] {
        let body = scim_json(
            c.search(
                "/.search",
                json!({ "schemas": [SEARCH_SCHEMA], "filter": filter }),
            )
            .await,
            200,
        )
        .await;
        // u01 and g0.
        assert_eq!(body["totalResults"], 2, "{filter}: {body}");
    }
}

#[tokio::test]
async fn the_root_search_sorted_by_a_user_attribute_keeps_the_groups() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    many_users(&app, &c, 2).await;
    c.create_group("g0", &[]).await;
    let body = scim_json(
        c.search(
            "/.search",
            json!({ "schemas": [SEARCH_SCHEMA], "sortBy": "userName" }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["totalResults"], 3, "{body}");
    assert_eq!(resources(&body)[2]["displayName"], "g0", "{body}");
}

#[tokio::test]
async fn a_tenant_never_finds_another_tenants_resources() {
    let app = TestApp::spawn().await;
    let a = directory(&app, "alpha").await;
    let b = scim_tenant(&app, "beta").await;
    let bob = b.create_user("bob").await;
    b.create_group("Beta Team", &[&id_of(&bob)]).await;

    assert_eq!(users_where(&b, "userName pr").await, set(&["bob"]));
    assert!(users_where(&b, r#"userName eq "bjensen""#).await.is_empty());
    assert!(users_where(&b, &format!(r#"id eq "{}""#, id_of(&a.alice)))
        .await
        .is_empty());
    assert!(users_where(
        &b,
        &format!(r#"groups.value eq "{}""#, id_of(&a.tour_guides))
    )
    .await
    .is_empty());
    assert!(users_where(&b, r#"externalId pr"#).await.is_empty());
    assert!(users_where(&b, r#"emails co "example""#).await.is_empty());
    assert_eq!(
        groups_where(&b, "displayName pr").await,
        set(&["Beta Team"])
    );
    assert!(
        groups_where(&b, &format!(r#"members.value eq "{}""#, id_of(&a.bjensen)))
            .await
            .is_empty()
    );
    let listed = page(&b, "/Users", &[]).await;
    assert_eq!(listed["totalResults"], 1);
    let (names, _) = cursor_walk(&b, "1", &[]).await;
    assert_eq!(names, ["bob"]);
    let root = scim_json(
        b.search("/.search", json!({ "schemas": [SEARCH_SCHEMA] }))
            .await,
        200,
    )
    .await;
    assert_eq!(root["totalResults"], 2);
    // A's cursor means nothing useful in B: its page is B's own rows.
    let a_first = page(&a.c, "/Users", &[("cursor", ""), ("count", "1")]).await;
    let a_next = a_first["nextCursor"].as_str().unwrap();
    let r = get_query(&b, "/Users", &[("cursor", a_next), ("count", "10")]).await;
    if r.status() == 200 {
        let body = scim_json(r, 200).await;
        for name in column(&body, "userName") {
            assert_eq!(name, "bob");
        }
    } else {
        expect_scim_error(r, 400, Some("invalidValue")).await;
    }
    // And A's key cannot read B.
    let r = b
        .http
        .get(b.url("/Users"))
        .bearer_auth(&a.c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn cursor_paging_by_a_sometimes_missing_attribute_matches_the_index_order() {
    let app = TestApp::spawn().await;
    let c = scim_tenant(&app, "acme").await;
    for i in 0..11 {
        tick(&app);
        let mut body = user_body(&format!("m{i:02}"));
        // Every third user has no family name; two share one.
        if i % 3 != 0 {
            body["name"] = json!({ "familyName": format!("F{}", (i * 7) % 5) });
        }
        scim_json(c.post("/Users", body).await, 201).await;
    }
    for order in ["ascending", "descending"] {
        let sort = [("sortBy", "name.familyName"), ("sortOrder", order)];
        let whole = column(&page(&c, "/Users", &sort).await, "userName");
        assert_eq!(whole.len(), 11);
        let (walked, pages) = cursor_walk(&c, "2", &sort).await;
        assert_eq!(walked, whole, "{order}");
        assert_eq!(pages, 6);
        // The missing ones: last ascending, first descending.
        let missing = ["m00", "m03", "m06", "m09"];
        let ends = if order == "ascending" {
            &whole[7..]
        } else {
            &whole[..4]
        };
        let mut ends = ends.to_vec();
        ends.sort();
        assert_eq!(ends, missing, "{order}: {whole:?}");
    }
    // Groups walk by displayName.
    for i in 0..5 {
        c.create_group(&format!("group {}", 4 - i), &[]).await;
    }
    let mut names = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = page(
            &c,
            "/Groups",
            &[
                ("cursor", cursor.as_str()),
                ("count", "2"),
                ("sortBy", "displayName"),
            ],
        )
        .await;
        names.extend(column(&body, "displayName"));
        match body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        names,
        ["group 0", "group 1", "group 2", "group 3", "group 4"]
    );
}
