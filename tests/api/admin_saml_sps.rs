//! `/api/v1/tenants/{tenant}/saml-sps`: SAML service providers registered
//! from metadata (inline or from a URL), read by id or entityID, listed by
//! cursor without their metadata, replaced with `If-Match`, deleted; bad
//! metadata 400 naming the field, impossible settings 422, a taken
//! entityID 409, unknown or foreign providers 404; one audit event per
//! change.

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::admin_support::{call, call_as, expect, expect_problem, tenant_with_admin, tick, walk};
use crate::harness::TestApp;

const SPS: &str = "/api/v1/tenants/default/saml-sps";
const MINIMAL: &str = "https://app.example.com/saml/metadata";
const SHIBBOLETH: &str = "https://portal.example.org/shibboleth";
const SIGNED_REQUESTS: &str = "https://crm.example.net/sso/saml";

fn sample(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("metadata/saml/sp")
            .join(name),
    )
    .unwrap()
}

/// An id or entityID as one path segment.
fn segment(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

async fn register(app: &TestApp, tenant: &str, body: Value) -> Value {
    expect(
        call(
            app,
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/saml-sps"),
            Some(body),
        )
        .await,
        201,
    )
    .await
}

fn without_metadata(v: &Value) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove("metadata");
    v
}

async fn saml_actions(app: &TestApp, tenant: &str) -> Vec<String> {
    let tenant = app.hub.tenant(tenant).await.unwrap();
    let mut actions: Vec<String> = app
        .hub
        .list_events(&tenant, usso::store::Page::first(1000))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("saml_sp."))
        .map(|e| e.action)
        .collect();
    actions.sort_unstable();
    actions
}

#[tokio::test]
async fn a_provider_is_registered_read_listed_replaced_and_deleted() {
    let app = TestApp::spawn_postgres_or_sqlite().await;
    let r = call(
        &app,
        Method::POST,
        SPS,
        Some(json!({
            "metadata": sample("signing-encryption-multi-acs.xml"),
            "name": "Portal",
            "settings": {
                "name_id_format": "transient",
                "attribute_naming": "uri",
                "attributes": ["groups", "email", "email"],
                "encrypt_assertion": true,
            },
        })),
    )
    .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let created = expect(r, 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("{SPS}/{id}"));
    assert_eq!(created["name"], "Portal");
    assert_eq!(created["entity_id"], SHIBBOLETH);
    assert_eq!(created["acs_urls"].as_array().unwrap().len(), 3);
    assert_eq!(created["has_signing_certificate"], true);
    assert_eq!(created["has_encryption_certificate"], true);
    assert_eq!(
        created["settings"],
        json!({
            "name_id_format": "transient",
            "attribute_naming": "uri",
            "attributes": ["email", "groups"],
            "sign_response": true,
            "sign_assertion": true,
            "encrypt_assertion": true,
            "require_signed_requests": false,
        })
    );
    assert_eq!(created["version"], 1);
    assert_eq!(
        created["metadata"],
        sample("signing-encryption-multi-acs.xml")
    );

    // Read by id and by (percent-encoded) entityID, with the metadata.
    for key in [id.clone(), segment(SHIBBOLETH)] {
        let r = call(&app, Method::GET, &format!("{SPS}/{key}"), None).await;
        assert_eq!(r.headers()["etag"], "\"1\"");
        assert_eq!(expect(r, 200).await, created);
    }

    // Two more; the listing pages by cursor and leaves the metadata out.
    tick(&app);
    let minimal = register(
        &app,
        "default",
        json!({ "metadata": sample("minimal-post.xml") }),
    )
    .await;
    assert_eq!(minimal["name"], MINIMAL);
    assert_eq!(
        minimal["acs_urls"],
        json!(["https://app.example.com/saml/acs"])
    );
    assert_eq!(minimal["has_signing_certificate"], false);
    assert_eq!(minimal["settings"]["name_id_format"], "persistent");
    assert_eq!(
        minimal["settings"]["attributes"].as_array().unwrap().len(),
        6
    );
    tick(&app);
    let crm = register(
        &app,
        "default",
        json!({ "metadata": sample("signed-requests.xml"), "name": "CRM" }),
    )
    .await;
    assert_eq!(crm["settings"]["require_signed_requests"], true);
    let (items, pages) = walk(&app, SPS, 1).await;
    assert_eq!(pages, 3);
    assert_eq!(
        items,
        [&created, &minimal, &crm].map(without_metadata).to_vec()
    );
    let page = expect(call(&app, Method::GET, SPS, None).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert!(page["next_cursor"].is_null());

    // PUT replaces the name and every setting: absent ones take defaults.
    let url = format!("{SPS}/{id}");
    let r = app
        .admin(Method::PUT, &url)
        .header("If-Match", "\"1\"")
        .json(&json!({ "name": "Portal 2", "settings": { "sign_response": false } }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"], "\"2\"");
    let replaced = expect(r, 200).await;
    assert_eq!(replaced["name"], "Portal 2");
    assert_eq!(
        replaced["settings"],
        json!({
            "name_id_format": "persistent",
            "attribute_naming": "basic",
            "attributes": ["display_name", "email", "family_name", "given_name", "groups", "username"],
            "sign_response": false,
            "sign_assertion": true,
            "encrypt_assertion": false,
            "require_signed_requests": false,
        })
    );
    assert_eq!(replaced["metadata"], created["metadata"]);
    assert_eq!(replaced["created_at"], created["created_at"]);
    assert_eq!(replaced["version"], 2);
    // A stale If-Match: 412, nothing changes.
    let r = app
        .admin(Method::PUT, &url)
        .header("If-Match", "\"1\"")
        .json(&json!({ "name": "Stale" }))
        .send()
        .await
        .unwrap();
    expect_problem(r, 412).await;
    // New metadata for the same entityID, addressed by entityID; no name:
    // the entityID.
    let r = call(
        &app,
        Method::PUT,
        &format!("{SPS}/{}", segment(SHIBBOLETH)),
        Some(json!({ "metadata": sample("signing-encryption-multi-acs.xml") })),
    )
    .await;
    let again = expect(r, 200).await;
    assert_eq!(again["version"], 3);
    assert_eq!(again["name"], SHIBBOLETH);
    // PUT on the signed-requests provider: require_signed_requests defaults
    // to what its metadata says.
    let r = call(
        &app,
        Method::PUT,
        &format!("{SPS}/{}", crm["id"].as_str().unwrap()),
        Some(json!({ "name": "CRM" })),
    )
    .await;
    assert_eq!(
        expect(r, 200).await["settings"]["require_signed_requests"],
        true
    );

    // Delete: 204, then 404 for every verb.
    let r = call(&app, Method::DELETE, &url, None).await;
    assert_eq!(expect(r, 204).await, Value::Null);
    expect_problem(call(&app, Method::GET, &url, None).await, 404).await;
    expect_problem(call(&app, Method::DELETE, &url, None).await, 404).await;
    expect_problem(
        call(&app, Method::PUT, &url, Some(json!({ "name": "x" }))).await,
        404,
    )
    .await;
    let (items, _) = walk(&app, SPS, 10).await;
    assert_eq!(items.len(), 2);

    // One audit event per change.
    assert_eq!(
        saml_actions(&app, "default").await,
        [
            "saml_sp.created",
            "saml_sp.created",
            "saml_sp.created",
            "saml_sp.deleted",
            "saml_sp.updated",
            "saml_sp.updated",
            "saml_sp.updated",
        ]
    );
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let app = TestApp::spawn().await;
    let minimal = sample("minimal-post.xml");
    let dtd = minimal.replacen(
        "<md:EntityDescriptor",
        "<!DOCTYPE md:EntityDescriptor [<!ENTITY x \"boom\">]>\n<md:EntityDescriptor",
        1,
    );

    // Unusable metadata: 400 naming `metadata`.
    for body in [
        json!({ "metadata": "not XML <<<" }),
        json!({ "metadata": dtd }),
        json!({ "metadata": "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://x.example.com/\"><md:SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/></md:EntityDescriptor>" }),
        json!({}),
        json!({ "metadata": minimal, "metadata_url": "https://app.example.com/md" }),
    ] {
        let p = expect_problem(call(&app, Method::POST, SPS, Some(body.clone())).await, 400).await;
        assert_eq!(p["field"], "metadata", "{body}: {p}");
    }
    // A URL that cannot be fetched: 400 naming `metadata_url`.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for url in [
        format!("http://{closed}/md.xml"),
        "file:///etc/passwd".into(),
    ] {
        let p = expect_problem(
            call(
                &app,
                Method::POST,
                SPS,
                Some(json!({ "metadata_url": url })),
            )
            .await,
            400,
        )
        .await;
        assert_eq!(p["field"], "metadata_url", "{p}");
    }
    // Malformed JSON values and unknown fields: 400.
    for body in [
        json!({ "metadata": minimal, "settings": { "name_id_format": "kerberos" } }),
        json!({ "metadata": minimal, "settings": { "sign_response": "yes" } }),
        json!({ "metadata": minimal, "colour": "blue" }),
        json!({ "metadata": minimal, "settings": { "colour": "blue" } }),
    ] {
        expect_problem(call(&app, Method::POST, SPS, Some(body)).await, 400).await;
    }
    // Settings that break a rule: 422 naming the setting.
    for (settings, field) in [
        (json!({ "encrypt_assertion": true }), "encrypt_assertion"),
        (
            json!({ "require_signed_requests": true }),
            "require_signed_requests",
        ),
        (json!({ "attributes": ["salary"] }), "attributes"),
        (
            json!({ "sign_response": false, "sign_assertion": false }),
            "sign_response",
        ),
    ] {
        let p = expect_problem(
            call(
                &app,
                Method::POST,
                SPS,
                Some(json!({ "metadata": minimal, "settings": settings })),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(p["field"], field, "{p}");
    }
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            SPS,
            Some(json!({ "metadata": minimal, "name": "" })),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "name");
    // Nothing was stored.
    let (items, _) = walk(&app, SPS, 10).await;
    assert!(items.is_empty());

    // A taken entityID: 409.
    let sp = register(&app, "default", json!({ "metadata": minimal })).await;
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            SPS,
            Some(json!({ "metadata": minimal, "name": "Again" })),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["field"], "entity_id");

    // Unknown providers: 404.
    for key in [
        "0190a7a4-6b1e-7000-8000-000000000000".to_owned(),
        "nope".to_owned(),
        segment("https://unknown.example.com/"),
    ] {
        expect_problem(
            call(&app, Method::GET, &format!("{SPS}/{key}"), None).await,
            404,
        )
        .await;
    }

    // A replacement that breaks a rule changes nothing.
    let url = format!("{SPS}/{}", sp["id"].as_str().unwrap());
    let p = expect_problem(
        call(
            &app,
            Method::PUT,
            &url,
            Some(json!({ "metadata": sample("signed-requests.xml") })),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(p["field"], "metadata");
    assert!(
        p["detail"].as_str().unwrap().contains("new provider"),
        "{p}"
    );
    let p = expect_problem(
        call(
            &app,
            Method::PUT,
            &url,
            Some(json!({ "settings": { "encrypt_assertion": true } })),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "encrypt_assertion");
    let r = app
        .admin(Method::PUT, &url)
        .header("If-Match", "three")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_problem(r, 400).await;
    assert_eq!(
        expect(call(&app, Method::GET, &url, None).await, 200).await,
        sp
    );
    assert_eq!(saml_actions(&app, "default").await, ["saml_sp.created"]);
}

#[tokio::test]
async fn metadata_larger_than_the_usual_body_limit_is_taken_inline() {
    let app = TestApp::spawn().await;
    // ~200 KiB, over the 64 KiB limit of other admin routes.
    let padded = sample("minimal-post.xml").replacen(
        "<md:SPSSODescriptor",
        &format!("<!-- {} -->\n  <md:SPSSODescriptor", "x".repeat(200 * 1024)),
        1,
    );
    let sp = register(&app, "default", json!({ "metadata": padded })).await;
    assert_eq!(sp["entity_id"], MINIMAL);
}

/// Serves the signed-requests sample at `/sp.xml`; 404 elsewhere.
async fn metadata_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = sample("signed-requests.xml");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let found = String::from_utf8_lossy(&head).starts_with("GET /sp.xml ");
                let (status, body) = if found {
                    ("200 OK", body)
                } else {
                    ("404 Not Found", String::new())
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn metadata_is_fetched_from_a_url() {
    let app = TestApp::spawn().await;
    let base = metadata_server().await;
    let sp = register(
        &app,
        "default",
        json!({ "metadata_url": format!("{base}/sp.xml"), "name": "CRM" }),
    )
    .await;
    assert_eq!(sp["entity_id"], SIGNED_REQUESTS);
    assert_eq!(sp["metadata"], sample("signed-requests.xml"));
    let p = expect_problem(
        call(
            &app,
            Method::POST,
            SPS,
            Some(json!({ "metadata_url": format!("{base}/missing.xml") })),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(p["field"], "metadata_url");
    assert!(p["detail"].as_str().unwrap().contains("404"), "{p}");
    let r = call(
        &app,
        Method::PUT,
        &format!("{SPS}/{}", segment(SIGNED_REQUESTS)),
        Some(json!({ "metadata_url": format!("{base}/sp.xml"), "name": "CRM" })),
    )
    .await;
    assert_eq!(expect(r, 200).await["version"], 2);
}

#[tokio::test]
async fn another_tenants_providers_are_out_of_reach() {
    let app = TestApp::spawn().await;
    let alpha = tenant_with_admin(&app, "alpha").await;
    let beta = tenant_with_admin(&app, "beta").await;
    let sp = register(
        &app,
        "alpha",
        json!({ "metadata": sample("minimal-post.xml"), "name": "Alpha app" }),
    )
    .await;
    let id = sp["id"].as_str().unwrap().to_owned();

    // Alpha's provider under beta's URL: 404 for every verb, by id or
    // entityID, for beta's admin and for the installation admin.
    for token in [beta.as_str(), app.admin_token.as_str()] {
        for key in [id.clone(), segment(MINIMAL)] {
            let url = format!("/api/v1/tenants/beta/saml-sps/{key}");
            for (method, body) in [
                (Method::GET, None),
                (Method::PUT, Some(json!({ "name": "Taken" }))),
                (Method::DELETE, None),
            ] {
                expect_problem(call_as(&app, Some(token), method, &url, body).await, 404).await;
            }
        }
        let list = expect(
            call_as(
                &app,
                Some(token),
                Method::GET,
                "/api/v1/tenants/beta/saml-sps",
                None,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(list["items"], json!([]));
    }
    // Beta's key does not open alpha's URLs.
    let alpha_url = format!("/api/v1/tenants/alpha/saml-sps/{id}");
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({ "name": "Taken" }))),
        (Method::DELETE, None),
    ] {
        let r = call_as(&app, Some(&beta), method, &alpha_url, body).await;
        assert_eq!(r.status(), 401);
        assert!(!r.text().await.unwrap().contains("Alpha app"));
    }
    // The same entityID may be registered in beta: it is unique per tenant.
    let twin = register(
        &app,
        "beta",
        json!({ "metadata": sample("minimal-post.xml") }),
    )
    .await;
    assert_ne!(twin["id"], sp["id"]);

    // Alpha's provider is untouched.
    let read = expect(
        call_as(&app, Some(&alpha), Method::GET, &alpha_url, None).await,
        200,
    )
    .await;
    assert_eq!(read, sp);
    assert_eq!(saml_actions(&app, "alpha").await, ["saml_sp.created"]);
    assert_eq!(saml_actions(&app, "beta").await, ["saml_sp.created"]);
}
