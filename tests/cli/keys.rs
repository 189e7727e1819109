//! `usso keys list|rotate`: each tenant's signing keys, their status, and
//! rotation (published before signing), on SQLite and PostgreSQL.

use serde_json::Value;

use crate::harness::Usso;
use crate::on_both_databases;

fn statuses(keys: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["alg"].as_str().unwrap().to_owned(),
                k["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn list_and_rotate(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    let keys = u.json(&["keys", "list", "--tenant", "acme", "--json"]);
    assert_eq!(
        statuses(&keys),
        [
            ("ES256", "active"),
            ("EdDSA", "active"),
            ("RS256", "active")
        ]
        .map(|(a, s)| (a.to_owned(), s.to_owned()))
    );
    for key in keys.as_array().unwrap() {
        for field in [
            "kid",
            "alg",
            "status",
            "created_at",
            "activates_at",
            "retires_at",
            "expires_at",
        ] {
            assert!(key.get(field).is_some(), "missing {field} in {key}");
        }
    }

    let rotated = u.json(&["keys", "rotate", "--tenant", "acme", "--json"]);
    let s = statuses(&rotated);
    assert_eq!(s.len(), 6);
    assert_eq!(
        s.iter().filter(|(_, st)| st == "next").count(),
        3,
        "{rotated}"
    );
    assert_eq!(
        s.iter().filter(|(_, st)| st == "active").count(),
        3,
        "{rotated}"
    );

    let now = u.json(&[
        "keys",
        "rotate",
        "--tenant",
        "acme",
        "--immediately",
        "--json",
    ]);
    let s = statuses(&now);
    // The keys that were next never signed and are gone; the old active
    // ones stay published, retired, for the tokens they signed.
    assert_eq!(s.len(), 6, "{now}");
    assert_eq!(
        s.iter().filter(|(_, st)| st == "active").count(),
        3,
        "{now}"
    );
    assert_eq!(
        s.iter().filter(|(_, st)| st == "retired").count(),
        3,
        "{now}"
    );

    let bad = u.run(&["keys", "list", "--tenant", "nope", "--json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.is_empty());
    assert!(bad.stderr.contains("nope"), "{}", bad.stderr);
}
on_both_databases!(list_and_rotate_keys, super::list_and_rotate);
