//! `/api/v1/tenants/{tenant}/users`: CRUD, ETags, status, passwords,
//! conflicts, validation, filters and pagination.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};
use usso::service::login::LoginContext;

use crate::admin_support::{call, expect, expect_problem, tick, user, walk};
use crate::harness::TestApp;

const USERS: &str = "/api/v1/tenants/default/users";

fn alice() -> Value {
    json!({
        "username": "alice",
        "emails": [
            { "value": "alice@example.com", "verified": true, "type": "work" },
            { "value": "alice@home.example" }
        ],
        "phone": "+33 1 23 45 67 89",
        "given_name": "Alice",
        "family_name": "Liddell",
        "display_name": "Alice L.",
        "locale": "en-GB",
        "external_ids": [{ "source": "hr", "id": "E-1" }],
        "password": "correct horse battery"
    })
}

#[tokio::test]
async fn a_user_is_created_read_replaced_and_deleted() {
    let app = TestApp::spawn().await;

    let r = call(&app, Method::POST, USERS, Some(alice())).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = expect(r, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{USERS}/{id}"));
    assert_eq!(created["username"], "alice");
    assert_eq!(created["status"], "active");
    assert_eq!(created["version"], 1);
    assert_eq!(
        created["emails"],
        json!([
            { "value": "alice@example.com", "verified": true, "primary": true, "type": "work" },
            { "value": "alice@home.example", "verified": false, "primary": false, "type": null }
        ])
    );
    assert_eq!(
        created["external_ids"],
        json!([{ "source": "hr", "id": "E-1" }])
    );
    assert_eq!(created["locale"], "en-GB");
    assert!(created.get("password").is_none(), "{created}");
    for field in ["created_at", "updated_at"] {
        let at = created[field].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
            "{at}"
        );
    }

    // By id, by username, by email: the same user.
    for key in [id.as_str(), "alice", "ALICE", "alice@example.com"] {
        let r = call(&app, Method::GET, &format!("{USERS}/{key}"), None).await;
        assert_eq!(r.headers()["etag"], "\"1\"");
        assert_eq!(expect(r, 200).await["id"], id.as_str(), "{key}");
    }

    // The password given at creation works.
    let tenant = app.hub.tenant("default").await.unwrap();
    let ctx = LoginContext::default();
    assert!(app
        .hub
        .password_login(&tenant, "alice", "correct horse battery", &ctx)
        .await
        .is_ok());

    // PUT replaces: absent fields are cleared.
    let r = app
        .admin(Method::PUT, &format!("{USERS}/{id}"))
        .header("if-match", "\"1\"")
        .json(&json!({ "username": "alice2", "emails": [{ "value": "a2@example.com" }], "given_name": "Al" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"], "\"2\"");
    let replaced = expect(r, 200).await;
    assert_eq!(replaced["username"], "alice2");
    assert_eq!(replaced["given_name"], "Al");
    assert!(replaced["family_name"].is_null());
    assert_eq!(replaced["external_ids"], json!([]));
    assert_eq!(replaced["emails"][0]["primary"], true);
    assert_eq!(replaced["version"], 2);
    assert_eq!(replaced["created_at"], created["created_at"]);

    expect(
        call(&app, Method::DELETE, &format!("{USERS}/{id}"), None).await,
        204,
    )
    .await;
    expect_problem(
        call(&app, Method::GET, &format!("{USERS}/{id}"), None).await,
        404,
    )
    .await;
    expect_problem(
        call(&app, Method::DELETE, &format!("{USERS}/{id}"), None).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_stale_if_match_is_refused_with_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = user(&app, "default", "bob").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("{USERS}/{id}");

    // Someone else changes bob first (no If-Match: last writer wins).
    expect(
        call(
            &app,
            Method::PUT,
            &path,
            Some(json!({ "username": "bobby" })),
        )
        .await,
        200,
    )
    .await;

    let r = app
        .admin(Method::PUT, &path)
        .header("if-match", "\"1\"")
        .json(&json!({ "username": "robert" }))
        .send()
        .await
        .unwrap();
    let p = expect_problem(r, 412).await;
    assert!(
        p["detail"].as_str().unwrap().contains("read it again"),
        "{p}"
    );
    assert_eq!(
        expect(call(&app, Method::GET, &path, None).await, 200).await["username"],
        "bobby"
    );

    // The current ETag works; so does `*`.
    for tag in ["\"2\"", "*"] {
        let r = app
            .admin(Method::PUT, &path)
            .header("if-match", tag)
            .json(&json!({ "username": "robert" }))
            .send()
            .await
            .unwrap();
        expect(r, 200).await;
    }
    let r = app
        .admin(Method::PUT, &path)
        .header("if-match", "yesterday")
        .json(&json!({ "username": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(expect_problem(r, 400).await["field"], "If-Match");
}

#[tokio::test]
async fn disabling_and_enabling_a_user_shows_in_its_status() {
    let app = TestApp::spawn().await;
    let id = user(&app, "default", "carol").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = call(&app, Method::POST, &format!("{USERS}/{id}/disable"), None).await;
    assert_eq!(r.headers()["etag"], "\"2\"");
    assert_eq!(expect(r, 200).await["status"], "disabled");
    let (disabled, _) = walk(&app, &format!("{USERS}?filter=status%20eq%20disabled"), 10)
        .await
        .clone_items();
    assert_eq!(disabled, ["carol"]);

    let enabled = expect(
        call(&app, Method::POST, &format!("{USERS}/carol/enable"), None).await,
        200,
    )
    .await;
    assert_eq!(enabled["status"], "active");
    assert_eq!(enabled["version"], 3);
}

/// Usernames of a walked listing.
trait Usernames {
    fn clone_items(self) -> (Vec<String>, usize);
}

impl Usernames for (Vec<Value>, usize) {
    fn clone_items(self) -> (Vec<String>, usize) {
        (
            self.0
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect(),
            self.1,
        )
    }
}

#[tokio::test]
async fn a_new_password_replaces_the_old_one() {
    let app = TestApp::spawn().await;
    let id = user(&app, "default", "dave").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("{USERS}/{id}/password");

    let p = expect_problem(
        call(
            &app,
            Method::PUT,
            &path,
            Some(json!({ "password": "short" })),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "password");

    expect(
        call(
            &app,
            Method::PUT,
            &path,
            Some(json!({ "password": "a much longer one" })),
        )
        .await,
        204,
    )
    .await;
    let tenant = app.hub.tenant("default").await.unwrap();
    let ctx = LoginContext::default();
    assert!(app
        .hub
        .password_login(&tenant, "dave", "a much longer one", &ctx)
        .await
        .is_ok());

    expect_problem(
        call(
            &app,
            Method::PUT,
            &format!("{USERS}/nobody/password"),
            Some(json!({ "password": "a much longer one" })),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_taken_username_or_email_is_a_conflict_naming_the_field() {
    let app = TestApp::spawn().await;
    let body = json!({ "username": "erin", "emails": [{ "value": "erin@example.com" }] });
    expect(call(&app, Method::POST, USERS, Some(body)).await, 201).await;

    let p = expect_problem(
        call(
            &app,
            Method::POST,
            USERS,
            Some(json!({ "username": "ERIN" })),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["field"], "username");

    let body = json!({ "username": "erin2", "emails": [{ "value": "Erin@Example.com" }] });
    let p = expect_problem(call(&app, Method::POST, USERS, Some(body)).await, 409).await;
    assert_eq!(p["field"], "email");

    // The same through PUT.
    let frank = user(&app, "default", "frank").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = expect_problem(
        call(
            &app,
            Method::PUT,
            &format!("{USERS}/{frank}"),
            Some(json!({ "username": "erin" })),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["field"], "username");
}

#[tokio::test]
async fn invalid_values_are_unprocessable_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "username": "gina", "emails": [{ "value": "not-an-email" }] }),
            "email",
        ),
        (json!({ "username": "   " }), "username"),
        (json!({ "username": "gina", "locale": "en GB" }), "locale"),
        (
            json!({ "username": "gina", "password": "short" }),
            "password",
        ),
    ];
    for (body, field) in cases {
        let p = expect_problem(
            call(&app, Method::POST, USERS, Some(body.clone())).await,
            422,
        )
        .await;
        assert_eq!(p["field"], field, "{body}");
    }
    let list = expect(call(&app, Method::GET, USERS, None).await, 200).await;
    assert_eq!(list["items"], json!([]), "nothing was created");
}

#[tokio::test]
async fn every_page_is_walked_once_without_repeats() {
    let app = TestApp::spawn().await;
    for i in 0..23 {
        tick(&app);
        user(&app, "default", &format!("user{i:02}")).await;
    }
    let (items, pages) = walk(&app, USERS, 5).await;
    assert_eq!(pages, 5);
    let ids: HashSet<_> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 23, "no repeats, none missing");
    let names: Vec<_> = items
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let expected: Vec<_> = (0..23).map(|i| format!("user{i:02}")).collect();
    assert_eq!(names, expected, "oldest first");

    // An exact multiple of the page size ends without an empty page.
    let (items, pages) = walk(&app, USERS, 23).await;
    assert_eq!((items.len(), pages), (23, 1));

    // The default page holds up to 100.
    let page = expect(call(&app, Method::GET, USERS, None).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 23);
    assert!(page["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_paging_parameters_are_bad_requests() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("limit=0", Some("limit")),
        ("limit=1001", Some("limit")),
        ("limit=ten", None),
        ("cursor=abc", Some("cursor")),
        ("colour=red", None),
    ] {
        let p = expect_problem(
            call(&app, Method::GET, &format!("{USERS}?{query}"), None).await,
            400,
        )
        .await;
        if let Some(field) = field {
            assert_eq!(p["field"], field, "{query}");
        }
    }
    expect(
        call(&app, Method::GET, &format!("{USERS}?limit=1000"), None).await,
        200,
    )
    .await;
}

#[tokio::test]
async fn the_filter_selects_users() {
    let app = TestApp::spawn().await;
    for (name, email) in [
        ("alice", "alice@example.com"),
        ("alfred", "alfred@example.org"),
        ("bob", "bob@example.org"),
    ] {
        tick(&app);
        let body =
            json!({ "username": name, "emails": [{ "value": email }], "family_name": "Smith" });
        expect(call(&app, Method::POST, USERS, Some(body)).await, 201).await;
    }
    call(&app, Method::POST, &format!("{USERS}/alfred/disable"), None).await;

    let names = |filter: &'static str| {
        let app = &app;
        async move {
            let r = app
                .admin(Method::GET, USERS)
                .query(&[("filter", filter)])
                .send()
                .await
                .unwrap();
            let page = expect(r, 200).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(r#"username sw "al""#).await, ["alice", "alfred"]);
    assert_eq!(
        names(r#"username sw "AL" and status eq active"#).await,
        ["alice"]
    );
    assert_eq!(names(r#"email co "example.org""#).await, ["alfred", "bob"]);
    assert_eq!(names(r#"family_name eq "smith""#).await.len(), 3);
    assert_eq!(names(r#"username eq "nobody""#).await, Vec::<String>::new());

    let r = app
        .admin(Method::GET, USERS)
        .query(&[("filter", "password eq x")])
        .send()
        .await
        .unwrap();
    assert_eq!(expect_problem(r, 422).await["field"], "filter");
}

#[tokio::test]
async fn a_malformed_or_unknown_user_id_is_not_found() {
    let app = TestApp::spawn().await;
    for id in [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "%E2%9C%93",
    ] {
        expect_problem(
            call(&app, Method::GET, &format!("{USERS}/{id}"), None).await,
            404,
        )
        .await;
        expect_problem(
            call(&app, Method::DELETE, &format!("{USERS}/{id}"), None).await,
            404,
        )
        .await;
        expect_problem(
            call(
                &app,
                Method::PUT,
                &format!("{USERS}/{id}"),
                Some(json!({ "username": "x" })),
            )
            .await,
            404,
        )
        .await;
        expect_problem(
            call(&app, Method::POST, &format!("{USERS}/{id}/disable"), None).await,
            404,
        )
        .await;
    }
}

#[tokio::test]
async fn a_users_effective_roles_include_those_of_its_groups() {
    let app = TestApp::spawn().await;
    let uid = user(&app, "default", "hank").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = "/api/v1/tenants/default";
    crate::admin_support::group(&app, "default", "ops").await;
    expect(
        call(
            &app,
            Method::POST,
            &format!("{t}/groups/ops/members"),
            Some(json!({ "type": "user", "id": uid })),
        )
        .await,
        201,
    )
    .await;
    for role in ["viewer", "operator"] {
        expect(
            call(
                &app,
                Method::POST,
                &format!("{t}/roles"),
                Some(json!({ "name": role, "permissions": [] })),
            )
            .await,
            201,
        )
        .await;
    }
    expect(
        call(
            &app,
            Method::POST,
            &format!("{t}/roles/viewer/assignments"),
            Some(json!({ "principal": { "type": "user", "id": "hank" } })),
        )
        .await,
        201,
    )
    .await;
    expect(
        call(
            &app,
            Method::POST,
            &format!("{t}/roles/operator/assignments"),
            Some(json!({ "principal": { "type": "group", "id": "ops" } })),
        )
        .await,
        201,
    )
    .await;

    let roles = expect(
        call(&app, Method::GET, &format!("{USERS}/hank/roles"), None).await,
        200,
    )
    .await;
    let kinds: HashSet<_> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["principal"]["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(roles["items"].as_array().unwrap().len(), 2, "{roles}");
    assert_eq!(
        kinds,
        HashSet::from(["user".to_owned(), "group".to_owned()])
    );
    expect_problem(
        call(&app, Method::GET, &format!("{USERS}/nobody/roles"), None).await,
        404,
    )
    .await;
}
