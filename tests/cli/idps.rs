//! `usso idp …`: registering an upstream SAML IdP from sample metadata,
//! reading it by id and by name, changing its settings, deleting it; bad
//! metadata, a bad name and a second registration of the same entityID
//! refused with one line on stderr, exit code 2, and nothing stored.

use std::path::PathBuf;

use serde_json::Value;

use crate::harness::Usso;
use crate::on_both_databases;

const ADFS: &str = "http://adfs.corp.example/adfs/services/trust";

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("metadata/saml")
        .join(name)
        .display()
        .to_string()
}

fn listed(u: &Usso) -> Vec<Value> {
    u.json(&["idp", "list", "--tenant", "acme", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

async fn register_read_change_delete(u: Usso) {
    let tenant = u.json(&["tenant", "create", "acme", "--json"]);
    let file = sample("idp/adfs-style.xml");
    let added = u.json(&[
        "idp",
        "add-saml",
        "--tenant",
        "acme",
        "--name",
        "corp",
        "--metadata-file",
        &file,
        "--display-name",
        "Corporate login",
        "--no-create-users",
        "--json",
    ]);
    assert_eq!(added["name"], "corp");
    assert_eq!(added["kind"], "saml");
    assert_eq!(added["entity_id"], ADFS);
    assert_eq!(added["display_name"], "Corporate login");
    assert_eq!(added["settings"]["accounts"]["create_users"], false);
    assert_eq!(added["settings"]["sign_requests"], true);
    assert!(added["metadata"]
        .as_str()
        .unwrap()
        .contains("IDPSSODescriptor"));
    let issuer = tenant["issuer"].as_str().unwrap();
    assert_eq!(added["login_url"], format!("{issuer}/login/idp/corp"));
    assert_eq!(added["sp_entity_id"], tenant["saml_sp_metadata_url"]);
    assert_eq!(
        tenant["saml_sp_metadata_url"],
        format!("{issuer}/saml/sp/metadata")
    );

    let by_id = u.json(&[
        "idp",
        "show",
        "--tenant",
        "acme",
        added["id"].as_str().unwrap(),
        "--json",
    ]);
    assert_eq!(by_id["name"], "corp");

    let changed = u.json(&[
        "idp",
        "update",
        "--tenant",
        "acme",
        "corp",
        "--link-by-email",
        "--group-map",
        "Engineering=eng",
        "--name-id-format",
        "persistent",
        "--json",
    ]);
    assert_eq!(changed["settings"]["accounts"]["link_by_email"], true);
    assert_eq!(
        changed["settings"]["accounts"]["create_users"], false,
        "kept"
    );
    assert_eq!(
        changed["settings"]["mapping"]["group_map"]["Engineering"],
        "eng"
    );
    assert_eq!(changed["settings"]["name_id_format"], "persistent");
    assert_eq!(changed["version"], 2);

    let again = u.run(&[
        "idp",
        "add-saml",
        "--tenant",
        "acme",
        "--name",
        "corp2",
        "--metadata-file",
        &file,
    ]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("entity_id"), "{}", again.stderr);
    let bad_name = u.run(&[
        "idp",
        "add-saml",
        "--tenant",
        "acme",
        "--name",
        "Corp IdP",
        "--metadata-file",
        &file,
    ]);
    assert_eq!(bad_name.code, 2);
    assert!(bad_name.stderr.contains("name"), "{}", bad_name.stderr);
    let sp_metadata = sample("sp/minimal-post.xml");
    let not_idp = u.run(&[
        "idp",
        "add-saml",
        "--tenant",
        "acme",
        "--name",
        "x",
        "--metadata-file",
        &sp_metadata,
    ]);
    assert_eq!(not_idp.code, 2);
    assert!(not_idp.stderr.contains("metadata"), "{}", not_idp.stderr);
    assert_eq!(listed(&u).len(), 1);

    let human = u.run(&["idp", "list", "--tenant", "acme"]);
    assert!(human.stdout.contains("corp\tsaml\t"), "{}", human.stdout);
    let deleted = u.json(&["idp", "delete", "--tenant", "acme", "corp", "--json"]);
    assert_eq!(deleted["name"], "corp");
    assert!(listed(&u).is_empty());
}

on_both_databases!(
    register_read_change_delete_on,
    super::register_read_change_delete
);

/// `usso idp add-oidc`: the contract's output (`name`, `redirect_uri`), the
/// secret read from stdin and never printed, presets, OIDC options on
/// `update`, and the refusals.
async fn oidc_providers(u: Usso) {
    let tenant = u.json(&["tenant", "create", "acme", "--json"]);
    let issuer = tenant["issuer"].as_str().unwrap();
    let added = u.run_with_stdin(
        &[
            "idp",
            "add-oidc",
            "--tenant",
            "acme",
            "--name",
            "corp",
            "--issuer",
            "https://idp.corp.example",
            "--client-id",
            "usso",
            "--client-secret-stdin",
            "--scope",
            "groups",
            "--groups-claim",
            "groups",
            "--group-map",
            "eng=engineering",
            "--domain",
            "corp.example",
            "--rp-logout",
            "--json",
        ],
        Some("the-client-secret\n"),
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert!(!added.stdout.contains("the-client-secret"));
    let added: Value = serde_json::from_str(&added.stdout).unwrap();
    assert_eq!(added["name"], "corp");
    assert_eq!(added["kind"], "oidc");
    assert_eq!(
        added["redirect_uri"],
        format!("{issuer}/login/idp/corp/callback")
    );
    assert_eq!(added["client_id"], "usso");
    assert_eq!(
        added["scopes"],
        serde_json::json!(["openid", "email", "profile", "groups"])
    );
    assert_eq!(added["settings"]["domains"][0], "corp.example");
    assert_eq!(added["settings"]["rp_logout"], true);

    let github = u.run_with_stdin(
        &[
            "idp",
            "add-oidc",
            "--tenant",
            "acme",
            "--name",
            "github",
            "--preset",
            "github",
            "--client-id",
            "gh",
            "--client-secret-stdin",
            "--json",
        ],
        Some("gh-secret"),
    );
    assert_eq!(github.code, 0, "{}", github.stderr);
    let github: Value = serde_json::from_str(&github.stdout).unwrap();
    assert_eq!(github["kind"], "oauth2");
    assert_eq!(github["display_name"], "GitHub");
    assert_eq!(github["settings"]["subject_claim"], "id");

    let changed = u.json(&[
        "idp",
        "update",
        "--tenant",
        "acme",
        "corp",
        "--link-by-email",
        "--scope",
        "offline",
        "--json",
    ]);
    assert_eq!(changed["settings"]["accounts"]["link_by_email"], true);
    assert!(changed["scopes"]
        .as_array()
        .unwrap()
        .contains(&"offline".into()));
    assert_eq!(changed["settings"]["rp_logout"], true, "kept");

    for (args, needle) in [
        (vec!["--name", "x", "--client-id", "c"], "--preset"),
        (
            vec!["--name", "x", "--issuer", "not a url", "--client-id", "c"],
            "issuer",
        ),
        (
            vec!["--name", "x", "--preset", "nope", "--client-id", "c"],
            "preset",
        ),
        (
            vec![
                "--name",
                "x",
                "--preset",
                "oauth2",
                "--issuer",
                "https://x.example",
                "--client-id",
                "c",
            ],
            "authorization_endpoint",
        ),
        (
            vec![
                "--name",
                "corp",
                "--issuer",
                "https://x.example",
                "--client-id",
                "c",
            ],
            "name",
        ),
        (
            vec![
                "--name",
                "y",
                "--issuer",
                "https://x.example",
                "--client-id",
                "c",
                "--domain",
                "nodot",
            ],
            "domains",
        ),
    ] {
        let mut all = vec!["idp", "add-oidc", "--tenant", "acme"];
        all.extend(args);
        let r = u.run(&all);
        assert_eq!(r.code, 2, "{all:?}: {}", r.stdout);
        assert!(r.stderr.contains(needle), "{all:?}: {}", r.stderr);
    }
    let saml_option = u.run(&[
        "idp",
        "update",
        "--tenant",
        "acme",
        "corp",
        "--sign-requests",
    ]);
    assert_eq!(saml_option.code, 2);
    assert_eq!(listed(&u).len(), 2);
}

on_both_databases!(oidc_providers_on, super::oidc_providers);
