//! Management commands: tenants, users, groups, roles, workspaces, API keys.

use std::sync::Arc;

use serde_json::Value;

use crate::harness::Usso;
use crate::on_both_databases;

async fn tenant_lifecycle(u: Usso) {
    let t = u.json(&[
        "tenant",
        "create",
        "acme",
        "--display-name",
        "Acme Corp",
        "--json",
    ]);
    for key in ["id", "slug", "display_name", "issuer", "login_url"] {
        assert!(t.get(key).is_some(), "tenant JSON lacks {key}: {t}");
    }
    assert_eq!(t["slug"], "acme");
    assert_eq!(t["display_name"], "Acme Corp");
    assert_eq!(t["issuer"], "http://127.0.0.1:8080/t/acme");
    assert_eq!(t["login_url"], "http://127.0.0.1:8080/t/acme/login");

    let shown = u.json(&["tenant", "show", "acme", "--json"]);
    assert_eq!(shown["id"], t["id"]);

    let list = u.json(&["tenant", "list", "--json"]);
    let slugs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["acme"]);

    let dup = u.run(&["tenant", "create", "acme"]);
    assert_eq!(dup.code, 2);
    assert!(dup.stderr.contains("slug"), "{}", dup.stderr);
    assert_eq!(dup.stderr.trim().lines().count(), 1, "{}", dup.stderr);

    let refused = u.run(&["tenant", "delete", "acme"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--yes"));
    assert_eq!(u.json(&["tenant", "show", "acme", "--json"])["id"], t["id"]);

    assert_eq!(u.run(&["tenant", "delete", "acme", "--yes"]).code, 0);
    let gone = u.run(&["tenant", "show", "acme", "--json"]);
    assert_eq!(gone.code, 2);
    assert!(gone.stdout.is_empty());
}
on_both_databases!(tenant_create_show_list_delete, super::tenant_lifecycle);

async fn user_lifecycle(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    let created = u.run_with_stdin(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--username",
            "alice",
            "--email",
            "alice@example.com",
            "--given-name",
            "Alice",
            "--family-name",
            "Liddell",
            "--password-stdin",
            "--json",
        ],
        Some("wonderland-42\n"),
    );
    let user = created.json();
    assert_eq!(user["username"], "alice");
    assert_eq!(user["given_name"], "Alice");
    assert_eq!(user["emails"][0]["value"], "alice@example.com");
    assert_eq!(user["status"], "active");

    // The stored password is the one typed, without its trailing newline.
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
    let hub = usso::app::open_hub(
        &config,
        Arc::new(usso::core::clock::SystemClock),
        usso::secrets::PasswordHasher::owasp().unwrap(),
    )
    .await
    .unwrap();
    let tenant = hub.tenant("acme").await.unwrap();
    let ctx = usso::service::login::LoginContext::default();
    assert!(hub
        .password_login(&tenant, "alice", "wonderland-42", &ctx)
        .await
        .is_ok());
    assert!(hub
        .password_login(&tenant, "alice", "wonderland-42\n", &ctx)
        .await
        .is_err());

    for name in ["bob", "carol", "dave"] {
        u.json(&[
            "user",
            "create",
            "--tenant",
            "acme",
            "--username",
            name,
            "--json",
        ]);
    }
    let all = u.json(&["user", "list", "--tenant", "acme", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 4);
    let two = u.json(&["user", "list", "--tenant", "acme", "--limit", "2", "--json"]);
    assert_eq!(two.as_array().unwrap().len(), 2);
    let filtered = u.json(&[
        "user",
        "list",
        "--tenant",
        "acme",
        "--filter",
        "username sw \"ca\"",
        "--json",
    ]);
    let names: Vec<&str> = filtered
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol"]);
    let bad_filter = u.run(&[
        "user",
        "list",
        "--tenant",
        "acme",
        "--filter",
        "password eq x",
        "--json",
    ]);
    assert_eq!(bad_filter.code, 2);
    assert!(bad_filter.stdout.is_empty());

    let dup = u.run(&["user", "create", "--tenant", "acme", "--username", "ALICE"]);
    assert_eq!(dup.code, 2);
    assert!(dup.stderr.contains("username"), "{}", dup.stderr);
    let dup_email = u.run(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "--username",
        "eve",
        "--email",
        "Alice@Example.com",
    ]);
    assert_eq!(dup_email.code, 2);
    assert!(dup_email.stderr.contains("email"), "{}", dup_email.stderr);
    let bad_email = u.run(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "--username",
        "eve",
        "--email",
        "not-an-email",
    ]);
    assert_eq!(bad_email.code, 2);
    assert!(bad_email.stderr.contains("email"), "{}", bad_email.stderr);
    let short = u.run_with_stdin(
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--username",
            "eve",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert_eq!(short.code, 2);
    // Nothing half-applied: the refused user does not exist.
    assert_eq!(
        u.run(&["user", "show", "--tenant", "acme", "eve", "--json"])
            .code,
        2
    );

    let shown = u.json(&[
        "user",
        "show",
        "--tenant",
        "acme",
        "alice@example.com",
        "--json",
    ]);
    assert_eq!(shown["id"], user["id"]);
    let disabled = u.json(&["user", "disable", "--tenant", "acme", "alice", "--json"]);
    assert_eq!(disabled["status"], "disabled");
    assert!(hub
        .password_login(&tenant, "alice", "wonderland-42", &ctx)
        .await
        .is_err());
    u.json(&["user", "enable", "--tenant", "acme", "alice", "--json"]);
    let id = user["id"].as_str().unwrap();
    assert_eq!(u.run(&["user", "delete", "--tenant", "acme", id]).code, 0);
    assert_eq!(u.run(&["user", "show", "--tenant", "acme", id]).code, 2);
    assert_eq!(
        u.run(&["user", "list", "--tenant", "nope", "--json"]).code,
        2
    );
}
on_both_databases!(user_create_list_show_disable_delete, super::user_lifecycle);

async fn groups_and_roles(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    u.json(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "--username",
        "alice",
        "--json",
    ]);
    let eng = u.json(&[
        "group",
        "create",
        "--tenant",
        "acme",
        "engineering",
        "--json",
    ]);
    assert_eq!(eng["name"], "engineering");
    u.json(&["group", "create", "--tenant", "acme", "backend", "--json"]);
    let added = u.json(&[
        "group",
        "add-member",
        "--tenant",
        "acme",
        "backend",
        "--user",
        "alice",
        "--json",
    ]);
    assert_eq!(added["added"], true);
    u.json(&[
        "group",
        "add-member",
        "--tenant",
        "acme",
        "engineering",
        "--group",
        "backend",
        "--json",
    ]);
    let cycle = u.run(&[
        "group",
        "add-member",
        "--tenant",
        "acme",
        "backend",
        "--group",
        "engineering",
    ]);
    assert_eq!(cycle.code, 2, "a cycle must be refused");
    let list = u.json(&["group", "list", "--tenant", "acme", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let neither = u.run(&["group", "add-member", "--tenant", "acme", "backend"]);
    assert_eq!(neither.code, 2);

    let role = u.json(&[
        "role",
        "create",
        "--tenant",
        "acme",
        "billing-admin",
        "--permission",
        "billing:read",
        "--permission",
        "billing:write",
        "--json",
    ]);
    assert_eq!(
        role["permissions"],
        serde_json::json!(["billing:read", "billing:write"])
    );
    u.json(&["workspace", "create", "--tenant", "acme", "emea", "--json"]);
    let a = u.json(&[
        "role",
        "assign",
        "--tenant",
        "acme",
        "billing-admin",
        "--group",
        "engineering",
        "--workspace",
        "emea",
        "--expires-in",
        "30d",
        "--json",
    ]);
    assert!(a.get("id").is_some(), "{a}");
    let again = u.run(&[
        "role",
        "assign",
        "--tenant",
        "acme",
        "billing-admin",
        "--group",
        "engineering",
        "--workspace",
        "emea",
    ]);
    assert_eq!(again.code, 2);
    let shown = u.json(&[
        "role",
        "show",
        "--tenant",
        "acme",
        "billing-admin",
        "--json",
    ]);
    assert_eq!(shown["assignments"].as_array().unwrap().len(), 1);
    u.json(&[
        "role",
        "unassign",
        "--tenant",
        "acme",
        "billing-admin",
        "--group",
        "engineering",
        "--workspace",
        "emea",
        "--json",
    ]);
    let shown = u.json(&[
        "role",
        "show",
        "--tenant",
        "acme",
        "billing-admin",
        "--json",
    ]);
    assert_eq!(shown["assignments"].as_array().unwrap().len(), 0);

    u.json(&[
        "group",
        "remove-member",
        "--tenant",
        "acme",
        "backend",
        "--user",
        "alice",
        "--json",
    ]);
    let gone = u.run(&[
        "group",
        "remove-member",
        "--tenant",
        "acme",
        "backend",
        "--user",
        "alice",
    ]);
    assert_eq!(gone.code, 2);
}
on_both_databases!(groups_roles_workspaces, super::groups_and_roles);

async fn api_keys(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    let key = u.json(&[
        "api-key",
        "create",
        "--tenant",
        "acme",
        "--name",
        "hr-sync",
        "--scope",
        "scim",
        "--scope",
        "admin",
        "--expires-in",
        "90d",
        "--json",
    ]);
    assert!(key["id"].is_string());
    let token = key["token"].as_str().unwrap();
    assert!(token.starts_with("usso_ak_"));
    let listed: Value = u.json(&["api-key", "list", "--tenant", "acme", "--json"]);
    let listed_text = listed.to_string();
    assert!(
        !listed_text.contains(token),
        "a list must never show tokens"
    );
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let bad = u.run(&[
        "api-key", "create", "--tenant", "acme", "--name", "x", "--scope", "root",
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("scope"));
    let id = key["id"].as_str().unwrap();
    assert_eq!(
        u.run(&["api-key", "delete", "--tenant", "acme", id]).code,
        0
    );
    assert_eq!(
        u.json(&["api-key", "list", "--tenant", "acme", "--json"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
on_both_databases!(api_key_create_list_delete, super::api_keys);

#[test]
fn bad_configuration_is_one_line_and_exit_2() {
    let u = Usso::sqlite();
    let r = u.run(&["--listen", "nowhere", "validate-config"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: listen"), "{}", r.stderr);
    let file = u.dir.path().join("usso.toml");
    std::fs::write(&file, "listen = 5\n").unwrap();
    let r = u.run(&["--config", file.to_str().unwrap(), "validate-config"]);
    assert_eq!(r.code, 2);
    std::fs::write(&file, "listen = \"127.0.0.1:9999\"\n").unwrap();
    let r = u.run(&["--config", file.to_str().unwrap(), "validate-config"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("127.0.0.1:9999"));
    let r = u.run(&["tenant", "create", "Not A Slug"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: slug"), "{}", r.stderr);
}
