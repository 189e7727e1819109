//! What the big provisioning clients actually send, one test per quirk,
//! named after the client: Microsoft Entra ID (capitalised ops, `"False"`
//! as a string, dotted names in path-less replaces, member removal by
//! value filter, a manager as a bare id) and Okta (full member replacement
//! by PUT, deactivation instead of deletion); and the per-client
//! `externalId` namespace every client relies on (RFC 7643 §3.1).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::admin_support::tenant_with_admin;
use crate::harness::TestApp;
use crate::scim_support::{
    id_of, patch_ops, scim_json, scim_key, scim_tenant, ScimClient, ENTERPRISE_SCHEMA,
    GROUP_SCHEMA, USER_SCHEMA,
};

const PASSWORD: &str = "correct horse battery staple";

/// A user created through SCIM with `PASSWORD`.
async fn user_with_password(scim: &ScimClient, user_name: &str) -> Value {
    scim_json(
        scim.post(
            "/Users",
            json!({"schemas": [USER_SCHEMA], "userName": user_name, "password": PASSWORD}),
        )
        .await,
        201,
    )
    .await
}

/// A browser (cookies, no redirects).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Posts `user_name` and `PASSWORD` to the hosted login form of `slug`;
/// returns the status (303 on success).
async fn log_in(
    app: &TestApp,
    browser: &reqwest::Client,
    slug: &str,
    user_name: &str,
) -> StatusCode {
    let html = browser
        .get(app.url(&format!("/t/{slug}/login")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_owned();
    browser
        .post(app.url(&format!("/t/{slug}/login")))
        .form(&[
            ("username", user_name),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Whether `browser` still has a session at `slug` (its account page opens).
async fn has_session(app: &TestApp, browser: &reqwest::Client, slug: &str) -> bool {
    let r = browser
        .get(app.url(&format!("/t/{slug}/account")))
        .send()
        .await
        .unwrap();
    r.status() == StatusCode::OK
}

/// The ids of a group's members, sorted.
fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn entra_patch_active_false_as_string() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let user = user_with_password(&scim, "bjensen").await;
    let path = format!("/Users/{}", id_of(&user));
    let b = browser();
    assert_eq!(
        log_in(&app, &b, "acme", "bjensen").await,
        StatusCode::SEE_OTHER
    );
    assert!(has_session(&app, &b, "acme").await);

    let patched = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["active"], false);
    assert_eq!(scim_json(scim.get(&path).await, 200).await["active"], false);
    assert!(!has_session(&app, &b, "acme").await, "sessions ended");
    assert_eq!(
        log_in(&app, &browser(), "acme", "bjensen").await,
        StatusCode::UNAUTHORIZED
    );

    // And "True" brings the user back.
    let patched = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "Replace", "path": "active", "value": "True"}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["active"], true);
    assert_eq!(
        log_in(&app, &browser(), "acme", "bjensen").await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn entra_replace_without_path_with_dotted_names() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let created = scim_json(
        scim.post(
            "/Users",
            json!({
                "schemas": [USER_SCHEMA],
                "userName": "bjensen",
                "name": {"givenName": "Babs", "familyName": "Jensen"},
            }),
        )
        .await,
        201,
    )
    .await;
    let path = format!("/Users/{}", id_of(&created));
    let patched = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "replace", "value": {
                "name.givenName": "Barbara",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
            }}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        patched["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen"})
    );
    assert_eq!(patched[ENTERPRISE_SCHEMA]["department"], "Sales");
    assert_eq!(patched["schemas"], json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
    assert_eq!(scim_json(scim.get(&path).await, 200).await, patched);
}

#[tokio::test]
async fn entra_remove_member_by_value_filter() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let babs = id_of(&scim.create_user("bjensen").await);
    let mandy = id_of(&scim.create_user("mandy").await);
    let group = scim.create_group("Tour Guides", &[&babs, &mandy]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let patched = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "Remove", "path": format!("members[value eq \"{babs}\"]")}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(member_ids(&patched), vec![mandy.clone()]);
    assert_eq!(
        member_ids(&scim_json(scim.get(&path).await, 200).await),
        vec![mandy]
    );
    // The removed user still exists.
    scim_json(scim.get(&format!("/Users/{babs}")).await, 200).await;
}

#[tokio::test]
async fn entra_username_uniqueness_probe() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let probe = |name: &str| format!("/Users?filter=userName%20eq%20%22{name}%22");
    let before = scim_json(scim.get(&probe("bjensen@example.com")).await, 200).await;
    assert_eq!(before["totalResults"], 0);
    assert_eq!(before["Resources"].as_array().map_or(0, Vec::len), 0);

    let created = scim.create_user("bjensen@example.com").await;
    for name in ["bjensen@example.com", "BJensen@Example.COM"] {
        let after = scim_json(scim.get(&probe(name)).await, 200).await;
        assert_eq!(after["totalResults"], 1, "{name}");
        assert_eq!(after["Resources"][0]["id"], created["id"], "{name}");
    }
    let other = scim_json(scim.get(&probe("someone@example.com")).await, 200).await;
    assert_eq!(other["totalResults"], 0);
}

#[tokio::test]
async fn entra_add_members_op_capitalized() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let babs = id_of(&scim.create_user("bjensen").await);
    let mandy = id_of(&scim.create_user("mandy").await);
    let group = scim.create_group("Tour Guides", &[]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let patched = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "Add", "path": "members", "value": [{"value": babs}, {"value": mandy}]}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        member_ids(&patched),
        sorted(vec![babs.clone(), mandy.clone()])
    );
}

/// Entra re-sends `{"op":"Add","path":"members","value":[{"value":id}]}`
/// for members the group already has: RFC 7644 §3.5.2.1 says that changes
/// nothing (no new version, no audit event).
#[tokio::test]
async fn entra_add_existing_member_changes_nothing() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let babs = id_of(&scim.create_user("bjensen").await);
    let group = scim.create_group("Tour Guides", &[&babs]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let again = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "Add", "path": "members", "value": [{"value": babs}]}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(member_ids(&again), vec![babs]);
    assert_eq!(again["meta"]["version"], group["meta"]["version"]);
}

#[tokio::test]
async fn entra_manager_as_bare_string() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let boss = scim.create_user("boss").await;
    let babs = scim.create_user("bjensen").await;
    let patched = scim_json(
        scim.patch(
            &format!("/Users/{}", id_of(&babs)),
            patch_ops(json!([{
                "op": "Add",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                "value": id_of(&boss),
            }])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        patched[ENTERPRISE_SCHEMA]["manager"],
        json!({"value": id_of(&boss), "$ref": boss["meta"]["location"]})
    );
}

#[tokio::test]
async fn okta_put_group_membership() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let babs = id_of(&scim.create_user("bjensen").await);
    let mandy = id_of(&scim.create_user("mandy").await);
    let jim = id_of(&scim.create_user("jim").await);
    let group = scim.create_group("Tour Guides", &[&babs, &mandy]).await;
    let path = format!("/Groups/{}", id_of(&group));
    let replaced = scim_json(
        scim.put(
            &path,
            json!({
                "schemas": [GROUP_SCHEMA],
                "id": id_of(&group),
                "displayName": "Tour Guides",
                "members": [
                    {"value": mandy, "display": "mandy"},
                    {"value": jim, "display": "jim"},
                ],
            }),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        member_ids(&replaced),
        sorted(vec![mandy.clone(), jim.clone()])
    );
    let read = scim_json(scim.get(&path).await, 200).await;
    assert_eq!(member_ids(&read), sorted(vec![mandy, jim]));
    let babs_read = scim_json(scim.get(&format!("/Users/{babs}")).await, 200).await;
    assert!(babs_read.get("groups").is_none(), "{babs_read}");

    // An empty list empties the group.
    let emptied = scim_json(
        scim.put(
            &path,
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Tour Guides", "members": []}),
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(member_ids(&emptied).is_empty(), "{emptied}");
}

#[tokio::test]
async fn okta_deactivate_instead_of_delete() {
    let app = TestApp::spawn().await;
    let scim = scim_tenant(&app, "acme").await;
    let user = user_with_password(&scim, "bjensen").await;
    let path = format!("/Users/{}", id_of(&user));
    let b = browser();
    assert_eq!(
        log_in(&app, &b, "acme", "bjensen").await,
        StatusCode::SEE_OTHER
    );

    // Okta PUTs the whole user back with active false.
    let mut body = user.clone();
    body["active"] = json!(false);
    let put = scim_json(scim.put(&path, body, None).await, 200).await;
    assert_eq!(put["active"], false);
    let read = scim_json(scim.get(&path).await, 200).await;
    assert_eq!(read["active"], false);
    assert_eq!(read["userName"], "bjensen");
    assert!(!has_session(&app, &b, "acme").await, "sessions ended");
    assert_eq!(
        log_in(&app, &browser(), "acme", "bjensen").await,
        StatusCode::UNAUTHORIZED
    );
    // The user is still listed, inactive.
    let listed = scim_json(scim.get("/Users?filter=active%20eq%20false").await, 200).await;
    assert_eq!(listed["totalResults"], 1);
    assert_eq!(listed["Resources"][0]["id"], user["id"]);

    // And PATCH active true reactivates it.
    let back = scim_json(
        scim.patch(
            &path,
            patch_ops(json!([{"op": "replace", "value": {"active": true}}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(back["active"], true);
    assert_eq!(
        log_in(&app, &browser(), "acme", "bjensen").await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn external_id_is_per_provisioning_client() {
    let app = TestApp::spawn().await;
    tenant_with_admin(&app, "acme").await;
    let entra = scim_key(&app, "acme", "Entra ID").await;
    let okta = scim_key(&app, "acme", "Okta").await;
    let created = scim_json(
        entra
            .post(
                "/Users",
                json!({"schemas": [USER_SCHEMA], "userName": "bjensen", "externalId": "entra-1"}),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(created["externalId"], "entra-1");
    let path = format!("/Users/{}", id_of(&created));

    // Okta does not see Entra's id, and sets its own.
    let seen = scim_json(okta.get(&path).await, 200).await;
    assert!(seen.get("externalId").is_none(), "{seen}");
    let patched = scim_json(
        okta.patch(
            &path,
            patch_ops(json!([{"op": "replace", "path": "externalId", "value": "okta-1"}])),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(patched["externalId"], "okta-1");
    assert_eq!(
        scim_json(entra.get(&path).await, 200).await["externalId"],
        "entra-1"
    );
    assert_eq!(
        scim_json(okta.get(&path).await, 200).await["externalId"],
        "okta-1"
    );

    // Each finds the user by its own externalId only.
    let by_filter = |name: &str| format!("/Users?filter=externalId%20eq%20%22{name}%22");
    for (client, ext, want) in [
        (&entra, "entra-1", 1),
        (&entra, "okta-1", 0),
        (&okta, "okta-1", 1),
        (&okta, "entra-1", 0),
    ] {
        let found = scim_json(client.get(&by_filter(ext)).await, 200).await;
        assert_eq!(found["totalResults"], want, "{ext}");
        if want == 1 {
            assert_eq!(found["Resources"][0]["id"], created["id"]);
            assert_eq!(found["Resources"][0]["externalId"], ext);
        }
    }
    // A PUT from Entra without its externalId clears only Entra's.
    scim_json(
        entra
            .put(
                &path,
                json!({"schemas": [USER_SCHEMA], "userName": "bjensen"}),
                None,
            )
            .await,
        200,
    )
    .await;
    assert!(scim_json(entra.get(&path).await, 200)
        .await
        .get("externalId")
        .is_none());
    assert_eq!(
        scim_json(okta.get(&path).await, 200).await["externalId"],
        "okta-1"
    );
}
