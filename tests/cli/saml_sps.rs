//! `usso saml-sp …`: registering SAML service providers from each sample
//! metadata file (and from a URL served by the test), reading them by id
//! and by entityID, changing their settings, deleting them; bad metadata
//! and impossible settings refused with one line on stderr, exit code 2,
//! and nothing stored.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use usso::service::Hub;

use crate::harness::{Run, Usso};
use crate::on_both_databases;

const MINIMAL: &str = "https://app.example.com/saml/metadata";
const SHIBBOLETH: &str = "https://portal.example.org/shibboleth";
const SIGNED_REQUESTS: &str = "https://crm.example.net/sso/saml";

/// The keys of every provider object (a single one adds `metadata`).
const SP_KEYS: &[&str] = &[
    "id",
    "name",
    "entity_id",
    "settings",
    "acs_urls",
    "has_encryption_certificate",
    "has_signing_certificate",
    "created_at",
    "updated_at",
    "version",
];

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("metadata/saml/sp")
        .join(name)
        .display()
        .to_string()
}

async fn hub(u: &Usso) -> Hub {
    let config = usso::config::Config::resolve(
        None,
        usso::config::Layer {
            data_dir: Some(u.dir.path().to_owned()),
            database_url: Some(u.database_url.clone()),
            ..Default::default()
        },
        Default::default(),
    )
    .unwrap();
    usso::app::open_hub(
        &config,
        Arc::new(usso::core::clock::SystemClock),
        usso::secrets::PasswordHasher::owasp().unwrap(),
    )
    .await
    .unwrap()
}

/// Asserts the run failed the CLI way, naming `needle` on stderr.
#[track_caller]
fn assert_refused(run: &Run, needle: &str) {
    assert_eq!(run.code, 2, "stdout: {} stderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "{needle:?} not in {}",
        run.stderr
    );
}

fn add(u: &Usso, file: &str, extra: &[&str]) -> Value {
    let path = sample(file);
    let mut args = vec![
        "saml-sp",
        "add",
        "--tenant",
        "acme",
        "--metadata-file",
        &path,
    ];
    args.extend_from_slice(extra);
    args.push("--json");
    u.json(&args)
}

fn listed(u: &Usso) -> Vec<Value> {
    u.json(&["saml-sp", "list", "--tenant", "acme", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

async fn register_read_change_delete(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);

    let minimal = add(&u, "minimal-post.xml", &["--name", "Expenses"]);
    for key in SP_KEYS.iter().chain(&["metadata"]) {
        assert!(
            minimal.get(*key).is_some(),
            "SP JSON lacks {key}: {minimal}"
        );
    }
    assert_eq!(minimal["name"], "Expenses");
    assert_eq!(minimal["entity_id"], MINIMAL);
    assert_eq!(
        minimal["acs_urls"],
        json!(["https://app.example.com/saml/acs"])
    );
    assert_eq!(minimal["has_signing_certificate"], false);
    assert_eq!(minimal["has_encryption_certificate"], false);
    assert_eq!(
        minimal["settings"],
        json!({
            "name_id_format": "persistent",
            "attribute_naming": "basic",
            "attributes": ["display_name", "email", "family_name", "given_name", "groups", "username"],
            "sign_response": true,
            "sign_assertion": true,
            "encrypt_assertion": false,
            "require_signed_requests": false,
        })
    );
    assert_eq!(minimal["version"], 1);
    assert_eq!(
        minimal["metadata"],
        std::fs::read_to_string(sample("minimal-post.xml")).unwrap()
    );

    let shib = add(
        &u,
        "signing-encryption-multi-acs.xml",
        &[
            "--attribute-naming",
            "uri",
            "--attributes",
            "email,given_name",
            "--encrypt-assertion",
            "true",
        ],
    );
    // Without --name, the entityID names it.
    assert_eq!(shib["name"], SHIBBOLETH);
    assert_eq!(shib["acs_urls"].as_array().unwrap().len(), 3, "{shib}");
    assert_eq!(shib["has_signing_certificate"], true);
    assert_eq!(shib["has_encryption_certificate"], true);
    assert_eq!(shib["settings"]["attribute_naming"], "uri");
    assert_eq!(
        shib["settings"]["attributes"],
        json!(["email", "given_name"])
    );
    assert_eq!(shib["settings"]["encrypt_assertion"], true);

    // AuthnRequestsSigned="true" makes signed requests the default.
    let crm = add(&u, "signed-requests.xml", &["--name", "CRM"]);
    assert_eq!(crm["entity_id"], SIGNED_REQUESTS);
    assert_eq!(crm["settings"]["require_signed_requests"], true);
    assert_eq!(crm["has_signing_certificate"], true);
    assert_eq!(crm["has_encryption_certificate"], true);

    // A listing has every provider, without the metadata documents.
    let list = listed(&u);
    assert_eq!(list.len(), 3);
    for item in &list {
        assert!(item.get("metadata").is_none(), "{item}");
        let id = item["id"].as_str().unwrap();
        let whole = [&minimal, &shib, &crm]
            .into_iter()
            .find(|sp| sp["id"] == id)
            .unwrap();
        let mut without = whole.clone();
        without.as_object_mut().unwrap().remove("metadata");
        assert_eq!(item, &without);
    }
    let human = u.run(&["saml-sp", "list", "--tenant", "acme"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert_eq!(human.stdout.lines().count(), 3, "{}", human.stdout);
    assert!(human.stdout.contains(MINIMAL) && human.stdout.contains("Expenses"));

    // Shown by id and by entityID: the same JSON as at registration.
    let id = minimal["id"].as_str().unwrap().to_owned();
    for key in [id.as_str(), MINIMAL] {
        let shown = u.json(&["saml-sp", "show", "--tenant", "acme", key, "--json"]);
        assert_eq!(shown, minimal);
    }
    let human = u.run(&["saml-sp", "show", "--tenant", "acme", MINIMAL]);
    assert!(
        human.stdout.contains("name_id_format: persistent"),
        "{}",
        human.stdout
    );

    // An update changes what it names, keeps the rest, and is visible.
    let updated = u.json(&[
        "saml-sp",
        "update",
        "--tenant",
        "acme",
        MINIMAL,
        "--name",
        "Expenses (new)",
        "--name-id-format",
        "email_address",
        "--attributes",
        "email",
        "--sign-response",
        "false",
        "--json",
    ]);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["name"], "Expenses (new)");
    assert_eq!(updated["settings"]["name_id_format"], "email_address");
    assert_eq!(updated["settings"]["attributes"], json!(["email"]));
    assert_eq!(updated["settings"]["sign_response"], false);
    assert_eq!(updated["settings"]["sign_assertion"], true);
    assert_eq!(updated["settings"]["attribute_naming"], "basic");
    assert_eq!(updated["created_at"], minimal["created_at"]);
    let shown = u.json(&["saml-sp", "show", "--tenant", "acme", &id, "--json"]);
    assert_eq!(shown, updated);

    // New metadata for the same entityID is taken; '' releases nothing.
    let path = sample("minimal-post.xml");
    let again = u.json(&[
        "saml-sp",
        "update",
        "--tenant",
        "acme",
        &id,
        "--metadata-file",
        &path,
        "--attributes",
        "",
        "--json",
    ]);
    assert_eq!(again["version"], 3);
    assert_eq!(again["settings"]["attributes"], json!([]));
    assert_eq!(again["name"], "Expenses (new)");

    // Metadata of another provider is refused: the entityID is the identity.
    let other = sample("signed-requests.xml");
    let run = u.run(&[
        "saml-sp",
        "update",
        "--tenant",
        "acme",
        &id,
        "--metadata-file",
        &other,
    ]);
    assert_refused(&run, "register it as a new provider");

    // The same entityID twice: refused.
    let run = u.run(&[
        "saml-sp",
        "add",
        "--tenant",
        "acme",
        "--metadata-file",
        &path,
    ]);
    assert_refused(&run, "entity_id is already taken");

    // Deleted by id, and by entityID.
    let deleted = u.json(&["saml-sp", "delete", "--tenant", "acme", &id, "--json"]);
    assert_eq!(deleted, json!({ "deleted": id, "entity_id": MINIMAL }));
    let run = u.run(&["saml-sp", "delete", "--tenant", "acme", SHIBBOLETH]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("deleted SAML service provider"));
    assert_refused(
        &u.run(&["saml-sp", "show", "--tenant", "acme", &id]),
        "not found",
    );
    assert_refused(
        &u.run(&["saml-sp", "delete", "--tenant", "acme", MINIMAL]),
        "not found",
    );
    let list = listed(&u);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["entity_id"], SIGNED_REQUESTS);

    // Another tenant sees none of them.
    u.json(&["tenant", "create", "globex", "--json"]);
    assert_eq!(
        u.json(&["saml-sp", "list", "--tenant", "globex", "--json"]),
        json!([])
    );
    assert_refused(
        &u.run(&["saml-sp", "show", "--tenant", "globex", SIGNED_REQUESTS]),
        "not found",
    );

    // One audit event per change, attributed to the CLI.
    let hub = hub(&u).await;
    let tenant = hub.tenant("acme").await.unwrap();
    let events = hub
        .list_events(&tenant, usso::store::Page::first(100))
        .await
        .unwrap();
    let mut actions: Vec<&str> = events
        .iter()
        .filter(|e| e.action.starts_with("saml_sp."))
        .map(|e| e.action.as_str())
        .collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "saml_sp.created",
            "saml_sp.created",
            "saml_sp.created",
            "saml_sp.deleted",
            "saml_sp.deleted",
            "saml_sp.updated",
            "saml_sp.updated",
        ]
    );
}

on_both_databases!(
    register_read_change_delete_on,
    super::register_read_change_delete
);

#[tokio::test]
async fn bad_metadata_and_impossible_settings_are_refused() {
    let u = Usso::sqlite();
    u.json(&["tenant", "create", "acme", "--json"]);
    let dir = u.dir.path().to_owned();

    let dtd = dir.join("dtd.xml");
    let minimal = std::fs::read_to_string(sample("minimal-post.xml")).unwrap();
    std::fs::write(
        &dtd,
        minimal.replacen(
            "<md:EntityDescriptor",
            "<!DOCTYPE md:EntityDescriptor [<!ENTITY x \"boom\">]>\n<md:EntityDescriptor",
            1,
        ),
    )
    .unwrap();
    let garbage = dir.join("garbage.xml");
    std::fs::write(&garbage, "this is not XML <<<").unwrap();
    let no_acs = dir.join("no-acs.xml");
    std::fs::write(
        &no_acs,
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" \
         entityID=\"https://x.example.com/\"><md:SPSSODescriptor \
         protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>\
         </md:EntityDescriptor>",
    )
    .unwrap();
    let big = dir.join("big.xml");
    std::fs::write(&big, " ".repeat(1024 * 1024 + 1)).unwrap();
    let missing = dir.join("does-not-exist.xml");

    for (path, needle) in [
        (&dtd, "metadata: not usable SAML SP metadata"),
        (&garbage, "metadata: not usable SAML SP metadata"),
        (&no_acs, "metadata"),
        (&big, "larger than 1 MiB"),
        (&missing, "cannot read"),
    ] {
        let path = path.display().to_string();
        let run = u.run(&[
            "saml-sp",
            "add",
            "--tenant",
            "acme",
            "--metadata-file",
            &path,
        ]);
        assert_refused(&run, needle);
    }

    // Settings the metadata cannot back, or that break a rule.
    let path = sample("minimal-post.xml");
    for (flags, needle) in [
        (&["--encrypt-assertion", "true"][..], "encrypt_assertion"),
        (
            &["--require-signed-requests", "true"][..],
            "require_signed_requests",
        ),
        (
            &["--sign-response", "false", "--sign-assertion", "false"][..],
            "must be signed",
        ),
        (
            &["--attributes", "email,salary"][..],
            "unknown attribute \"salary\"",
        ),
        (&["--name-id-format", "kerberos"][..], "name_id_format"),
        (&["--attribute-naming", "fancy"][..], "attribute-naming"),
        (&["--name", " "][..], "name"),
    ] {
        let mut args = vec![
            "saml-sp",
            "add",
            "--tenant",
            "acme",
            "--metadata-file",
            &path,
        ];
        args.extend_from_slice(flags);
        assert_refused(&u.run(&args), needle);
    }
    // A bool flag takes true or false (clap's own usage error).
    let run = u.run(&[
        "saml-sp",
        "add",
        "--tenant",
        "acme",
        "--metadata-file",
        &path,
        "--sign-response",
        "maybe",
    ]);
    assert_ne!(run.code, 0);
    // Both sources, or neither: a usage error.
    let run = u.run(&[
        "saml-sp",
        "add",
        "--tenant",
        "acme",
        "--metadata-file",
        &path,
        "--metadata-url",
        "https://x.example.com/",
    ]);
    assert_ne!(run.code, 0);
    assert_ne!(u.run(&["saml-sp", "add", "--tenant", "acme"]).code, 0);
    assert_refused(
        &u.run(&["saml-sp", "list", "--tenant", "nope"]),
        "no tenant \"nope\"",
    );

    // Nothing was stored.
    assert_eq!(
        u.json(&["saml-sp", "list", "--tenant", "acme", "--json"]),
        json!([])
    );

    // An update that breaks a rule changes nothing.
    let sp = u.json(&[
        "saml-sp",
        "add",
        "--tenant",
        "acme",
        "--metadata-file",
        &path,
        "--json",
    ]);
    let run = u.run(&[
        "saml-sp",
        "update",
        "--tenant",
        "acme",
        MINIMAL,
        "--encrypt-assertion",
        "true",
    ]);
    assert_refused(&run, "no encryption certificate");
    let dtd = dtd.display().to_string();
    let run = u.run(&[
        "saml-sp",
        "update",
        "--tenant",
        "acme",
        MINIMAL,
        "--metadata-file",
        &dtd,
    ]);
    assert_refused(&run, "metadata");
    assert_eq!(
        u.json(&["saml-sp", "show", "--tenant", "acme", MINIMAL, "--json"]),
        sp
    );
}

/// A tiny HTTP/1.1 server on 127.0.0.1: `/sp.xml` is the multi-ACS sample,
/// `/big.xml` is over 1 MiB, `/moved` redirects, anything else is 404.
async fn metadata_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sample = std::fs::read(sample("signing-encryption-multi-acs.xml")).unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let sample = sample.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let (status, extra, body) = match path {
                    "/sp.xml" => ("200 OK", "", sample),
                    "/big.xml" => ("200 OK", "", vec![b' '; 1024 * 1024 + 10]),
                    "/moved" => ("302 Found", "Location: /sp.xml\r\n", Vec::new()),
                    _ => ("404 Not Found", "", Vec::new()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/samlmetadata+xml\r\n\
                     {extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

/// Runs the CLI off the async runtime, so that the test's server answers.
async fn run_blocking(u: Arc<Usso>, args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        u.run(&args)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn metadata_is_fetched_from_a_url() {
    let base = metadata_server().await;
    let u = Arc::new(Usso::sqlite());
    u.json(&["tenant", "create", "acme", "--json"]);

    let url = format!("{base}/sp.xml");
    let sp = run_blocking(
        u.clone(),
        &[
            "saml-sp",
            "add",
            "--tenant",
            "acme",
            "--metadata-url",
            &url,
            "--name",
            "Portal",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(sp["entity_id"], SHIBBOLETH);
    assert_eq!(sp["name"], "Portal");
    assert_eq!(
        sp["metadata"],
        std::fs::read_to_string(sample("signing-encryption-multi-acs.xml")).unwrap()
    );

    // Also for an update.
    let updated = run_blocking(
        u.clone(),
        &[
            "saml-sp",
            "update",
            "--tenant",
            "acme",
            SHIBBOLETH,
            "--metadata-url",
            &url,
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(updated["version"], 2);

    // Failures say why, and store nothing.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for (url, needle) in [
        (format!("{base}/nope.xml"), "404"),
        (format!("{base}/big.xml"), "more than 1 MiB"),
        (format!("{base}/moved"), "redirects are not followed"),
        (format!("http://{closed}/sp.xml"), "cannot fetch"),
        ("ftp://example.com/sp.xml".to_owned(), "https or http"),
        ("not a url".to_owned(), "metadata_url: not a URL"),
    ] {
        let run = run_blocking(
            u.clone(),
            &["saml-sp", "add", "--tenant", "acme", "--metadata-url", &url],
        )
        .await;
        assert_refused(&run, needle);
    }
    let list = u.json(&["saml-sp", "list", "--tenant", "acme", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
}
