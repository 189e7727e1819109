//! `/api/v1/tenants/{tenant}/clients`: registration (the secret once), reads
//! and listings without secrets, replacement with `If-Match`, rotation,
//! deletion, validation naming the field, and who may call what.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_support::{
    call, call_as, expect, expect_problem, key, tenant_with_admin, tick, walk,
};
use crate::harness::TestApp;

const CLIENTS: &str = "/api/v1/tenants/default/clients";

fn web(name: &str) -> Value {
    json!({ "name": name, "redirect_uris": ["https://app.example.com/cb"] })
}

/// Registers a client in `tenant`; returns the answer (with the secret).
async fn register(app: &TestApp, tenant: &str, body: Value) -> Value {
    expect(
        call(
            app,
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/clients"),
            Some(body),
        )
        .await,
        201,
    )
    .await
}

async fn authenticates(app: &TestApp, tenant: &str, client_id: &str, secret: &str) -> bool {
    let tenant = app.hub.tenant(tenant).await.unwrap();
    app.hub
        .authenticate_client_secret(&tenant, client_id, secret)
        .await
        .is_ok()
}

#[tokio::test]
async fn a_client_is_registered_read_listed_replaced_and_deleted() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let r = call(
        &app,
        Method::POST,
        CLIENTS,
        Some(json!({
            "name": "Billing",
            "redirect_uris": ["https://billing.example.com/cb", "http://127.0.0.1/cb"],
            "post_logout_redirect_uris": ["https://billing.example.com/"],
            "backchannel_logout_uri": "https://billing.example.com/bcl",
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "scopes": ["openid", "email", "billing:read"],
            "skip_consent": true,
            "id_token_signed_response_alg": "ES256",
            "subject_type": "pairwise",
        })),
    )
    .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let created = expect(r, 201).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{CLIENTS}/{client_id}"));
    assert_eq!(created["id"], client_id.as_str());
    assert!(secret.starts_with("usso_cs_"), "{secret}");
    assert_eq!(created["public"], false);
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(
        created["grant_types"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(
        created["scopes"],
        json!(["openid", "email", "billing:read"])
    );
    assert_eq!(created["id_token_signed_response_alg"], "ES256");
    assert_eq!(created["subject_type"], "pairwise");
    assert_eq!(created["skip_consent"], true);
    assert_eq!(created["version"], 1);
    assert!(authenticates(&app, "default", &client_id, &secret).await);

    // Reads never show the secret.
    let mut expected = created.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    for key in [client_id.as_str(), "Billing", "billing"] {
        let r = call(&app, Method::GET, &format!("{CLIENTS}/{key}"), None).await;
        assert_eq!(r.headers()["etag"], "\"1\"");
        assert_eq!(expect(r, 200).await, expected);
    }
    let r = call(&app, Method::GET, CLIENTS, None).await;
    let text = r.text().await.unwrap();
    assert!(
        !text.contains(&secret) && !text.contains("\"client_secret\""),
        "{text}"
    );
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list["items"], json!([expected]));
    assert!(list["next_cursor"].is_null());

    // PUT replaces every setting; `public` may be left out.
    let url = format!("{CLIENTS}/{client_id}");
    let r = app
        .admin(Method::PUT, &url)
        .header("If-Match", "\"1\"")
        .json(&json!({ "name": "Billing 2", "redirect_uris": ["https://billing.example.com/new"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"], "\"2\"");
    let replaced = expect(r, 200).await;
    assert_eq!(replaced["name"], "Billing 2");
    assert_eq!(
        replaced["redirect_uris"],
        json!(["https://billing.example.com/new"])
    );
    assert_eq!(
        replaced["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(replaced["scopes"].as_array().unwrap().len(), 8);
    assert_eq!(replaced["post_logout_redirect_uris"], json!([]));
    assert!(replaced["backchannel_logout_uri"].is_null());
    assert_eq!(replaced["skip_consent"], false);
    assert_eq!(replaced["subject_type"], "public");
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert!(replaced.get("client_secret").is_none());
    assert!(
        authenticates(&app, "default", &client_id, &secret).await,
        "the secret survives a replacement"
    );
    // A stale If-Match: 412, nothing changes.
    let r = app
        .admin(Method::PUT, &url)
        .header("If-Match", "\"1\"")
        .json(&web("Stale"))
        .send()
        .await
        .unwrap();
    expect_problem(r, 412).await;
    assert_eq!(
        expect(call(&app, Method::GET, &url, None).await, 200).await,
        replaced
    );

    expect(call(&app, Method::DELETE, &url, None).await, 204).await;
    assert!(!authenticates(&app, "default", &client_id, &secret).await);
    expect_problem(call(&app, Method::GET, &url, None).await, 404).await;
    expect_problem(call(&app, Method::DELETE, &url, None).await, 404).await;
    expect_problem(call(&app, Method::PUT, &url, Some(web("Ghost"))).await, 404).await;
    expect_problem(
        call(&app, Method::GET, &format!("{CLIENTS}/not-a-client"), None).await,
        404,
    )
    .await;
    let list = expect(call(&app, Method::GET, CLIENTS, None).await, 200).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn rotation_replaces_the_secret_at_once() {
    let app = TestApp::spawn().await;
    let created = register(&app, "default", web("Portal")).await;
    let client_id = created["client_id"].as_str().unwrap();
    let old = created["client_secret"].as_str().unwrap();
    let rotated = expect(
        call(
            &app,
            Method::POST,
            &format!("{CLIENTS}/{client_id}/secret"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rotated["client_id"], client_id);
    let new = rotated["client_secret"].as_str().unwrap();
    assert!(new.starts_with("usso_cs_") && new != old);
    assert!(!authenticates(&app, "default", client_id, old).await);
    assert!(authenticates(&app, "default", client_id, new).await);
    // The client itself is a new version; the read still hides the secret.
    let read = expect(
        call(&app, Method::GET, &format!("{CLIENTS}/{client_id}"), None).await,
        200,
    )
    .await;
    assert_eq!(read["version"], 2);
    assert!(read.get("client_secret").is_none());

    // A public client has no secret to rotate.
    let spa = register(
        &app,
        "default",
        json!({ "name": "SPA", "public": true, "redirect_uris": ["com.example.spa:/cb"] }),
    )
    .await;
    assert!(spa.get("client_secret").is_none(), "{spa}");
    assert_eq!(spa["token_endpoint_auth_method"], "none");
    let p = expect_problem(
        call(&app, Method::POST, &format!("{CLIENTS}/SPA/secret"), None).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "public");

    // Neither the secrets nor their hashes reach the audit log.
    let events = expect(
        call(
            &app,
            Method::GET,
            "/api/v1/tenants/default/events?limit=1000",
            None,
        )
        .await,
        200,
    )
    .await;
    let text = events.to_string();
    assert!(!text.contains(old) && !text.contains(new));
    let secret_hash = app.hub.secrets.hash(new);
    assert!(!text.contains(&secret_hash));
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_type"] == "client")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["client.created", "client.secret_rotated", "client.created"]
    );
}

#[tokio::test]
async fn bad_clients_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "name": "", "redirect_uris": ["https://a.example/cb"] }),
            "name",
        ),
        (json!({ "name": "x" }), "redirect_uris"),
        (
            json!({ "name": "x", "redirect_uris": ["/cb"] }),
            "redirect_uris",
        ),
        (
            json!({ "name": "x", "redirect_uris": ["https://a.example/cb#f"] }),
            "redirect_uris",
        ),
        (
            json!({ "name": "x", "redirect_uris": ["https://u@a.example/cb"] }),
            "redirect_uris",
        ),
        (
            json!({ "name": "x", "redirect_uris": ["custom:/cb"] }),
            "redirect_uris",
        ),
        (
            json!({ "name": "x", "public": true, "grant_types": ["client_credentials"] }),
            "grant_types",
        ),
        (
            json!({ "name": "x", "grant_types": ["implicit"], "redirect_uris": ["https://a.example/cb"] }),
            "grant_types",
        ),
        (
            json!({ "name": "x", "grant_types": [], "redirect_uris": ["https://a.example/cb"] }),
            "grant_types",
        ),
        (
            json!({ "name": "x", "scopes": ["a\\b"], "redirect_uris": ["https://a.example/cb"] }),
            "scopes",
        ),
        (
            json!({ "name": "x", "scopes": [], "redirect_uris": ["https://a.example/cb"] }),
            "scopes",
        ),
        (
            json!({ "name": "x", "public": true, "token_endpoint_auth_method": "client_secret_basic",
                    "redirect_uris": ["https://a.example/cb"] }),
            "token_endpoint_auth_method",
        ),
        (
            json!({ "name": "x", "token_endpoint_auth_method": "none",
                    "redirect_uris": ["https://a.example/cb"] }),
            "token_endpoint_auth_method",
        ),
        (
            json!({ "name": "x", "token_endpoint_auth_method": "private_key_jwt",
                    "redirect_uris": ["https://a.example/cb"] }),
            "jwks_uri",
        ),
        (
            json!({ "name": "x", "jwks": { "keys": "nope" }, "redirect_uris": ["https://a.example/cb"] }),
            "jwks",
        ),
        (
            json!({ "name": "x", "jwks_uri": "ftp://a.example/jwks", "redirect_uris": ["https://a.example/cb"] }),
            "jwks_uri",
        ),
        (
            json!({ "name": "x", "backchannel_logout_uri": "https://a.example/l#x",
                    "redirect_uris": ["https://a.example/cb"] }),
            "backchannel_logout_uri",
        ),
        (
            json!({ "name": "x", "id_token_signed_response_alg": "none",
                    "redirect_uris": ["https://a.example/cb"] }),
            "id_token_signed_response_alg",
        ),
        (
            json!({ "name": "x", "subject_type": "hidden", "redirect_uris": ["https://a.example/cb"] }),
            "subject_type",
        ),
    ];
    for (body, field) in cases {
        let p = expect_problem(
            call(&app, Method::POST, CLIENTS, Some(body.clone())).await,
            422,
        )
        .await;
        assert_eq!(p["field"], field, "{body}: {p}");
    }
    // Malformed bodies: 400.
    for body in [
        json!({ "name": "x", "redirect_uris": ["https://a.example/cb"], "client_secret": "mine" }),
        json!({ "name": "x", "redirect_uris": "https://a.example/cb" }),
        json!({ "redirect_uris": ["https://a.example/cb"] }),
        json!({ "name": "x", "public": "yes" }),
    ] {
        expect_problem(
            call(&app, Method::POST, CLIENTS, Some(body.clone())).await,
            400,
        )
        .await;
    }
    // Nothing was registered.
    let list = expect(call(&app, Method::GET, CLIENTS, None).await, 200).await;
    assert_eq!(list["items"], json!([]));

    // A taken name: 409; a change between public and confidential: 422.
    register(&app, "default", web("Portal")).await;
    let p = expect_problem(
        call(&app, Method::POST, CLIENTS, Some(web("PORTAL"))).await,
        409,
    )
    .await;
    assert_eq!(p["field"], "name");
    let p = expect_problem(
        call(
            &app,
            Method::PUT,
            &format!("{CLIENTS}/portal"),
            Some(json!({ "name": "Portal", "public": true, "redirect_uris": ["https://a.example/cb"] })),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "public");
}

#[tokio::test]
async fn clients_are_paged() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        tick(&app);
        ids.push(register(&app, "default", web(&format!("c{i}"))).await["client_id"].clone());
    }
    let (items, pages) = walk(&app, CLIENTS, 2).await;
    assert_eq!(pages, 3);
    let got: Vec<Value> = items.iter().map(|c| c["client_id"].clone()).collect();
    assert_eq!(got, ids);
    assert!(items.iter().all(|c| c.get("client_secret").is_none()));
    expect_problem(
        call(&app, Method::GET, &format!("{CLIENTS}?limit=0"), None).await,
        400,
    )
    .await;
}

#[tokio::test]
async fn only_admins_of_the_tenant_reach_its_clients() {
    let app = TestApp::spawn().await;
    let alpha = tenant_with_admin(&app, "alpha").await;
    let beta = tenant_with_admin(&app, "beta").await;
    let created = register(&app, "alpha", web("Alpha app")).await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let alpha_url = format!("/api/v1/tenants/alpha/clients/{client_id}");
    let routes = |base: &str| -> Vec<(Method, String, Option<Value>)> {
        vec![
            (Method::GET, base.to_owned(), None),
            (Method::PUT, base.to_owned(), Some(web("Hijacked"))),
            (Method::POST, format!("{base}/secret"), None),
            (Method::DELETE, base.to_owned(), None),
        ]
    };

    // No key, or a bad one: 401 everywhere.
    let mut all = routes(&alpha_url);
    all.push((Method::GET, "/api/v1/tenants/alpha/clients".into(), None));
    all.push((
        Method::POST,
        "/api/v1/tenants/alpha/clients".into(),
        Some(web("New")),
    ));
    for token in [None, Some("usso_ak_not-a-real-key")] {
        for (method, url, body) in all.clone() {
            let r = call_as(&app, token, method.clone(), &url, body).await;
            assert_eq!(
                r.headers()["www-authenticate"],
                "Bearer realm=\"usso-admin\""
            );
            expect_problem(r, 401).await;
        }
    }
    // Beta's admin key on alpha's URLs: 401; never alpha's data.
    for (method, url, body) in all.clone() {
        let r = call_as(&app, Some(&beta), method.clone(), &url, body).await;
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(status, 401, "{method} {url}: {text}");
        assert!(!text.contains("Alpha app"), "{method} {url} leaked: {text}");
    }
    // Alpha's client under beta's URL: 404, for beta's admin and for an
    // installation admin alike.
    let beta_url = format!("/api/v1/tenants/beta/clients/{client_id}");
    for token in [beta.as_str(), app.admin_token.as_str()] {
        for (method, url, body) in routes(&beta_url) {
            expect_problem(call_as(&app, Some(token), method, &url, body).await, 404).await;
        }
        let list = expect(
            call_as(
                &app,
                Some(token),
                Method::GET,
                "/api/v1/tenants/beta/clients",
                None,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(list["items"], json!([]));
    }
    // A key without the admin scope: 403.
    let scim = key(&app, "alpha", &["scim"]).await;
    for (method, url, body) in all {
        expect_problem(call_as(&app, Some(&scim), method, &url, body).await, 403).await;
    }
    // Through it all, alpha's client is untouched and alpha's admin reaches it.
    let read = expect(
        call_as(&app, Some(&alpha), Method::GET, &alpha_url, None).await,
        200,
    )
    .await;
    assert_eq!(read["name"], "Alpha app");
    assert_eq!(read["version"], 1);
    assert!(
        authenticates(
            &app,
            "alpha",
            &client_id,
            created["client_secret"].as_str().unwrap()
        )
        .await
    );
    // A client of alpha does not authenticate in beta.
    assert!(
        !authenticates(
            &app,
            "beta",
            &client_id,
            created["client_secret"].as_str().unwrap()
        )
        .await
    );
}
