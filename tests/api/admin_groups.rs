//! `/api/v1/tenants/{tenant}/groups`: CRUD, members, nesting without
//! cycles, conflicts, pagination.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;

use crate::admin_support::{call, expect, expect_problem, group, tick, user, walk};
use crate::harness::TestApp;

const GROUPS: &str = "/api/v1/tenants/default/groups";

#[tokio::test]
async fn a_group_is_created_read_listed_and_deleted() {
    let app = TestApp::spawn().await;
    let r = call(
        &app,
        Method::POST,
        GROUPS,
        Some(json!({ "name": "Engineering", "description": "  builders  " })),
    )
    .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created = expect(r, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{GROUPS}/{id}"));
    assert_eq!(created["name"], "Engineering");
    assert_eq!(created["description"], "builders");
    assert_eq!(created["version"], 1);

    for key in [id.as_str(), "Engineering", "engineering"] {
        assert_eq!(
            expect(
                call(&app, Method::GET, &format!("{GROUPS}/{key}"), None).await,
                200
            )
            .await["id"],
            id.as_str()
        );
    }
    let list = expect(call(&app, Method::GET, GROUPS, None).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0], created);

    expect(
        call(&app, Method::DELETE, &format!("{GROUPS}/engineering"), None).await,
        204,
    )
    .await;
    expect_problem(
        call(&app, Method::GET, &format!("{GROUPS}/{id}"), None).await,
        404,
    )
    .await;
    expect_problem(
        call(&app, Method::DELETE, &format!("{GROUPS}/{id}"), None).await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, GROUPS, None).await, 200).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn a_taken_group_name_is_a_conflict() {
    let app = TestApp::spawn().await;
    group(&app, "default", "sales").await;
    let p = expect_problem(
        call(&app, Method::POST, GROUPS, Some(json!({ "name": "SALES" }))).await,
        409,
    )
    .await;
    assert_eq!(p["field"], "name");
    let p = expect_problem(
        call(&app, Method::POST, GROUPS, Some(json!({ "name": "" }))).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "name");
}

#[tokio::test]
async fn members_are_added_listed_and_removed() {
    let app = TestApp::spawn().await;
    let alice = user(&app, "default", "alice").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let team = group(&app, "default", "team").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sub = group(&app, "default", "sub").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members = format!("{GROUPS}/team/members");

    let added = expect(
        call(
            &app,
            Method::POST,
            &members,
            Some(json!({ "type": "user", "id": alice })),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(added, json!({ "type": "user", "id": alice }));
    // Again: nothing changes, 200.
    expect(
        call(
            &app,
            Method::POST,
            &members,
            Some(json!({ "type": "user", "id": "alice" })),
        )
        .await,
        200,
    )
    .await;
    // A nested group, by name.
    let added = expect(
        call(
            &app,
            Method::POST,
            &members,
            Some(json!({ "type": "group", "id": "sub" })),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(added["id"], sub.as_str());

    let list = expect(call(&app, Method::GET, &members, None).await, 200).await;
    let got: HashSet<_> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap().to_owned(),
                m["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        HashSet::from([
            ("user".to_owned(), alice.clone()),
            ("group".to_owned(), sub.clone())
        ])
    );

    expect(
        call(
            &app,
            Method::DELETE,
            &format!("{GROUPS}/{team}/members/user/{alice}"),
            None,
        )
        .await,
        204,
    )
    .await;
    expect_problem(
        call(
            &app,
            Method::DELETE,
            &format!("{GROUPS}/{team}/members/user/{alice}"),
            None,
        )
        .await,
        404,
    )
    .await;
    expect(
        call(
            &app,
            Method::DELETE,
            &format!("{GROUPS}/team/members/group/sub"),
            None,
        )
        .await,
        204,
    )
    .await;
    expect_problem(
        call(
            &app,
            Method::DELETE,
            &format!("{GROUPS}/team/members/robot/{alice}"),
            None,
        )
        .await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, &members, None).await, 200).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn a_group_cannot_contain_itself_directly_or_through_another() {
    let app = TestApp::spawn().await;
    for name in ["a", "b", "c"] {
        group(&app, "default", name).await;
    }
    let add = |parent: &'static str, child: &'static str| {
        let app = &app;
        async move {
            call(
                app,
                Method::POST,
                &format!("{GROUPS}/{parent}/members"),
                Some(json!({ "type": "group", "id": child })),
            )
            .await
        }
    };
    expect(add("a", "b").await, 201).await;
    expect(add("b", "c").await, 201).await;

    for (parent, child) in [("a", "a"), ("b", "a"), ("c", "a")] {
        let p = expect_problem(add(parent, child).await, 422).await;
        assert_eq!(p["field"], "member", "{parent} <- {child}");
    }
    let members = expect(
        call(&app, Method::GET, &format!("{GROUPS}/c/members"), None).await,
        200,
    )
    .await;
    assert_eq!(members["items"], json!([]), "the cycle was not recorded");
}

#[tokio::test]
async fn a_member_that_does_not_exist_is_unprocessable() {
    let app = TestApp::spawn().await;
    group(&app, "default", "team").await;
    let members = format!("{GROUPS}/team/members");
    for body in [
        json!({ "type": "user", "id": "ghost" }),
        json!({ "type": "group", "id": "00000000-0000-0000-0000-000000000000" }),
    ] {
        let p = expect_problem(call(&app, Method::POST, &members, Some(body)).await, 422).await;
        assert_eq!(p["field"], "id");
    }
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            &members,
            Some(json!({ "type": "robot", "id": "x" })),
        )
        .await,
        400,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("robot"), "{p}");
    expect_problem(
        call(
            &app,
            Method::POST,
            &format!("{GROUPS}/nope/members"),
            Some(json!({ "type": "user", "id": "x" })),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn groups_are_listed_page_by_page() {
    let app = TestApp::spawn().await;
    for i in 0..12 {
        tick(&app);
        group(&app, "default", &format!("g{i:02}")).await;
    }
    let (items, pages) = walk(&app, GROUPS, 5).await;
    assert_eq!(pages, 3);
    let names: Vec<_> = items.iter().map(|g| g["name"].as_str().unwrap()).collect();
    let expected: Vec<_> = (0..12).map(|i| format!("g{i:02}")).collect();
    assert_eq!(names, expected);
}
