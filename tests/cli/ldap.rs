//! `usso ldap …` against a real slapd: add (the bind password from stdin,
//! never echoed), test, sync --json with the report keys, the safety stop
//! (exit code 2, report on stdout, reason on stderr), list / show / update
//! / delete by name and by id, a mapping override (`--map`), and bad URLs,
//! filters and mappings refused with one line on stderr and exit code 2.

use serde_json::Value;

use crate::harness::Usso;
use crate::on_both_databases;
use crate::slapd::{group_of_names, member_dn, person, Slapd, GROUPS, PEOPLE, READER_DN};

const REPORT_KEYS: &[&str] = &[
    "users_created",
    "users_updated",
    "users_disabled",
    "users_deleted",
    "groups_created",
    "groups_updated",
    "groups_deleted",
    "memberships_changed",
    "duration_ms",
    "mode",
];

fn add(u: &Usso, slapd: &Slapd, extra: &[&str], password: &str) -> crate::harness::Run {
    add_source(u, "corp", &slapd.url(), extra, password)
}

/// `ldap add` of source `name` at `url` in tenant acme, reading as the
/// service account under ou=people / ou=groups; `extra` after those flags.
fn add_source(
    u: &Usso,
    name: &str,
    url: &str,
    extra: &[&str],
    password: &str,
) -> crate::harness::Run {
    let mut args = vec![
        "ldap",
        "add",
        "--tenant",
        "acme",
        "--name",
        name,
        "--url",
        url,
        "--bind-dn",
        READER_DN,
        "--bind-password-stdin",
        "--base-dn",
        "dc=example,dc=com",
        "--users-dn",
        PEOPLE,
        "--groups-dn",
        GROUPS,
    ];
    args.extend_from_slice(extra);
    u.run_with_stdin(&args, Some(password))
}

fn assert_refused(run: &crate::harness::Run, needle: &str) {
    assert_eq!(
        run.code, 2,
        "stdout {:?} stderr {:?}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{:?}", run.stderr);
    assert!(run.stderr.contains(needle), "{:?}", run.stderr);
    assert!(run.stdout.is_empty(), "{:?}", run.stdout);
}

async fn ldap_commands(u: Usso) {
    let slapd = Slapd::start();
    let seed: String = ["jo", "al", "bo", "cy", "f1", "f2", "f3", "f4", "f5", "f6"]
        .iter()
        .map(|p| person(p))
        .collect();
    slapd.modify(&seed);
    slapd.modify(&group_of_names("staff", &["jo", "al"]));
    u.json(&["tenant", "create", "acme", "--json"]);

    // Bad settings: refused before anything is stored.
    let bad_url = u.run_with_stdin(
        &[
            "ldap",
            "add",
            "--tenant",
            "acme",
            "--name",
            "x",
            "--url",
            "http://nope",
            "--bind-dn",
            READER_DN,
            "--bind-password-stdin",
            "--base-dn",
            "dc=example,dc=com",
        ],
        Some("reader"),
    );
    assert_refused(&bad_url, "ldap://");
    let bad_filter = add(&u, &slapd, &["--user-filter", "(uid=*", "--json"], "reader");
    assert_refused(&bad_filter, "user_filter");
    let bad_interval = add(&u, &slapd, &["--interval", "soon", "--json"], "reader");
    assert_refused(&bad_interval, "--interval");
    let bad_map = add(&u, &slapd, &["--map", "email", "--json"], "reader");
    assert_refused(&bad_map, "--map");
    let unknown_field = add(&u, &slapd, &["--map", "mail=mail", "--json"], "reader");
    assert_refused(&unknown_field, "mapping");
    assert_eq!(
        u.json(&["ldap", "list", "--tenant", "acme", "--json"]),
        Value::Array(vec![])
    );

    // Add: the password comes from stdin and never comes back; the display
    // name is read from cn instead of the preset's displayName.
    let added = add(
        &u,
        &slapd,
        &["--interval", "15m", "--map", "display_name=cn", "--json"],
        "reader\n",
    )
    .json();
    assert_eq!(
        added["mapping"],
        serde_json::json!({ "display_name": "cn" })
    );
    let text = added.to_string();
    assert!(!text.contains("\"reader\""), "{text}");
    assert!(added.get("bind_password").is_none());
    assert_eq!(added["name"], "corp");
    assert_eq!(added["interval_seconds"], 900);
    assert_eq!(added["delete_policy"], "disable");
    assert_eq!(added["max_removal_share"], 0.1);
    let id = added["id"].as_str().unwrap().to_owned();

    // Test: connects, counts, maps one user.
    let tested = u.json(&[
        "ldap", "test", "--tenant", "acme", "--name", "corp", "--json",
    ]);
    assert_eq!(tested["users"], 10);
    assert_eq!(tested["groups"], 1);
    assert!(tested["sample_user"]["username"].is_string(), "{tested}");
    let human = u.run(&["ldap", "test", "--tenant", "acme", "--name", "corp"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    assert!(human.stdout.contains("users: 10"), "{}", human.stdout);

    // Sync: full first, then incremental.
    let report = u.json(&[
        "ldap", "sync", "--tenant", "acme", "--name", "corp", "--json",
    ]);
    for key in REPORT_KEYS {
        assert!(report.get(key).is_some(), "{key} missing from {report}");
    }
    assert_eq!(report["mode"], "full");
    assert_eq!(report["users_created"], 10);
    assert_eq!(report["groups_created"], 1);
    assert_eq!(report["memberships_changed"], 2);
    let again = u.json(&[
        "ldap", "sync", "--tenant", "acme", "--name", "corp", "--json",
    ]);
    assert_eq!(again["mode"], "incremental");
    assert_eq!(again["users_updated"], 0);
    let full = u.json(&[
        "ldap", "sync", "--tenant", "acme", "--name", &id, "--full", "--json",
    ]);
    assert_eq!(full["mode"], "full");
    assert_eq!(full["users_created"], 0);
    let user = u.json(&["user", "show", "--tenant", "acme", "jo", "--json"]);
    assert_eq!(user["username"], "jo");
    assert_eq!(user["display_name"], "jo Example", "{user}");

    // The safety stop: 2 of 10 is more than 10%.
    for uid in ["f1", "f2"] {
        slapd.modify(&format!("dn: {}\nchangetype: delete\n\n", member_dn(uid)));
    }
    let stopped = u.run(&[
        "ldap", "sync", "--tenant", "acme", "--name", "corp", "--json",
    ]);
    assert_eq!(stopped.code, 2, "{}", stopped.stderr);
    assert!(stopped.stderr.contains("stopped"), "{}", stopped.stderr);
    let report: Value = serde_json::from_str(&stopped.stdout).unwrap();
    assert_eq!(report["outcome"], "stopped");
    assert_eq!(report["users_disabled"], 0);

    // Show, update (by name and id), list, delete.
    let shown = u.json(&["ldap", "show", "--tenant", "acme", "corp", "--json"]);
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["last_report"]["outcome"], "stopped");
    let updated = u.json(&[
        "ldap",
        "update",
        "--tenant",
        "acme",
        &id,
        "--max-removal-share",
        "0.5",
        "--interval",
        "0",
        "--json",
    ]);
    assert_eq!(updated["max_removal_share"], 0.5);
    assert!(updated["interval_seconds"].is_null());
    assert_eq!(updated["version"], 2);
    let report = u.json(&[
        "ldap", "sync", "--tenant", "acme", "--name", "corp", "--json",
    ]);
    assert_eq!(report["users_disabled"], 2, "{report}");
    let renamed = u.run_with_stdin(
        &[
            "ldap",
            "update",
            "--tenant",
            "acme",
            "corp",
            "--name",
            "directory",
            "--bind-password-stdin",
            "--json",
        ],
        Some("wrong"),
    );
    let renamed = renamed.json();
    assert_eq!(renamed["name"], "directory");
    assert!(!renamed.to_string().contains("wrong"));
    let failed = u.run(&["ldap", "test", "--tenant", "acme", "--name", "directory"]);
    assert_refused(&failed, "invalidCredentials");
    let bad = u.run(&[
        "ldap",
        "update",
        "--tenant",
        "acme",
        "directory",
        "--group-filter",
        "objectClass=x",
    ]);
    assert_refused(&bad, "group_filter");
    let list = u.json(&["ldap", "list", "--tenant", "acme", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let deleted = u.json(&["ldap", "delete", "--tenant", "acme", "directory", "--json"]);
    assert_eq!(deleted["deleted"], id.as_str());
    let gone = u.run(&["ldap", "show", "--tenant", "acme", "directory"]);
    assert_refused(&gone, "not found");
}

fn add_tls(u: &Usso, name: &str, url: &str, extra: &[&str]) -> crate::harness::Run {
    add_source(u, name, url, extra, "reader")
}

/// `ldaps://` and `--start-tls` with the directory's own CA (`--ca-file`):
/// test and sync work; without the CA the directory's certificate is
/// refused with a TLS error, and nothing is synced.
async fn ldap_over_tls(u: Usso) {
    let slapd = Slapd::start_with_tls();
    slapd.modify(&(person("jo") + &person("al")));
    slapd.modify(&group_of_names("staff", &["jo", "al"]));
    u.json(&["tenant", "create", "acme", "--json"]);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, slapd.ca_pem()).unwrap();
    let ca = ca.to_str().unwrap();

    let missing = add_tls(
        &u,
        "x",
        &slapd.ldaps_url(),
        &["--ca-file", "/nonexistent/ca.pem"],
    );
    assert_refused(&missing, "--ca-file");

    let added = add_tls(&u, "tls", &slapd.ldaps_url(), &["--ca-file", ca, "--json"]).json();
    assert!(
        added["ca_pem"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE"),
        "{added}"
    );
    let tested = u.json(&[
        "ldap", "test", "--tenant", "acme", "--name", "tls", "--json",
    ]);
    assert_eq!(tested["users"], 2, "{tested}");
    assert_eq!(tested["groups"], 1, "{tested}");
    let report = u.json(&[
        "ldap", "sync", "--tenant", "acme", "--name", "tls", "--json",
    ]);
    assert_eq!(report["users_created"], 2, "{report}");
    assert_eq!(report["groups_created"], 1, "{report}");

    let plain = slapd.url();
    add_tls(
        &u,
        "starttls",
        &plain,
        &["--start-tls", "--ca-file", ca, "--json"],
    )
    .json();
    let tested = u.json(&[
        "ldap", "test", "--tenant", "acme", "--name", "starttls", "--json",
    ]);
    assert_eq!(tested["users"], 2, "{tested}");

    // Without the directory's CA: the system roots do not trust it.
    add_tls(&u, "untrusted", &slapd.ldaps_url(), &["--json"]).json();
    let failed = u.run(&["ldap", "test", "--tenant", "acme", "--name", "untrusted"]);
    assert_refused(&failed, "TLS");
    let failed = u.run(&[
        "ldap",
        "sync",
        "--tenant",
        "acme",
        "--name",
        "untrusted",
        "--json",
    ]);
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    assert!(failed.stderr.contains("TLS"), "{}", failed.stderr);
    let users = u.json(&["user", "list", "--tenant", "acme", "--json"]);
    assert_eq!(users.as_array().map(Vec::len), Some(2), "{users}");
}

on_both_databases!(ldap_add_test_sync_and_manage, crate::ldap::ldap_commands);
on_both_databases!(ldap_over_tls_with_a_ca_file, crate::ldap::ldap_over_tls);
