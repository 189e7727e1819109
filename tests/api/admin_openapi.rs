//! The admin API's OpenAPI document: generated from the code, served at
//! `/api/openapi.json`, and kept as the golden file `metadata/openapi.json`.
//! Run with `USSO_BLESS=1` to regenerate the file after an intended change.

use std::path::PathBuf;

use crate::harness::TestApp;

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("metadata/openapi.json")
}

fn generated() -> String {
    let doc = usso::http::admin::openapi::document();
    let mut text = serde_json::to_string_pretty(&doc).unwrap();
    text.push('\n');
    text
}

#[test]
fn the_openapi_document_matches_the_golden_file() {
    let path = golden_path();
    let now = generated();
    if std::env::var_os("USSO_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    if golden != now {
        let first_difference = golden
            .lines()
            .zip(now.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  golden:    {a}\n  generated: {b}", i + 1))
            .unwrap_or_else(|| "one document is a prefix of the other".into());
        panic!(
            "the admin API's OpenAPI document differs from {} ({first_difference}).\n\
             If the change is intended, regenerate the file with\n\
             \n    USSO_BLESS=1 cargo test --test api the_openapi_document_matches_the_golden_file\n\
             \nand commit it with the change.",
            path.display()
        );
    }
}

#[tokio::test]
async fn the_document_is_served_without_authentication() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let served: serde_json::Value = r.json().await.unwrap();
    let expected: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served, expected);
}

#[test]
fn every_admin_operation_documents_its_errors_and_needs_a_key() {
    let doc: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"][0]["api_key"], serde_json::json!([]));
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let responses = op["responses"].as_object().unwrap();
            for status in ["401", "403"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not document {status}"
                );
            }
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path} documents no success"
            );
        }
    }
    assert!(operations >= 36, "only {operations} operations documented");
    let unauthorized = &doc["components"]["responses"]["Unauthorized"]["content"];
    assert!(
        unauthorized.get("application/problem+json").is_some(),
        "{unauthorized}"
    );
}
