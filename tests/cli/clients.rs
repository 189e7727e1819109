//! `usso client …`: the contract scripts rely on — names, `--json` keys, the
//! secret printed once and only as a keyed hash at rest (checked through the
//! library's `authenticate_client_secret`), exit code 2 with one line on
//! stderr and nothing on stdout for bad input.

use std::sync::Arc;

use serde_json::{json, Value};
use usso::service::Hub;

use crate::harness::{Run, Usso};
use crate::on_both_databases;

/// The keys of every client object.
const CLIENT_KEYS: &[&str] = &[
    "id",
    "client_id",
    "name",
    "public",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
    "grant_types",
    "scopes",
    "token_endpoint_auth_method",
    "skip_consent",
    "id_token_signed_response_alg",
    "subject_type",
    "created_at",
    "updated_at",
];

/// A hub on the installation's database and master key, as the server
/// would open it.
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

/// Whether `secret` authenticates `client_id` in tenant `slug`.
async fn authenticates(hub: &Hub, slug: &str, client_id: &str, secret: &str) -> bool {
    let tenant = hub.tenant(slug).await.unwrap();
    hub.authenticate_client_secret(&tenant, client_id, secret)
        .await
        .is_ok()
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

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

async fn confidential_client(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    let created = u.json(&[
        "client",
        "create",
        "--tenant",
        "acme",
        "--name",
        "Billing Portal",
        "--redirect-uri",
        "https://billing.example.com/cb",
        "--redirect-uri",
        "http://127.0.0.1:8400/cb",
        "--redirect-uri",
        "https://billing.example.com/cb",
        "--post-logout-redirect-uri",
        "https://billing.example.com/bye",
        "--backchannel-logout-uri",
        "https://billing.example.com/bcl",
        "--scope",
        "openid",
        "--scope",
        "profile email",
        "--scope",
        "openid",
        "--skip-consent",
        "--json",
    ]);
    for key in CLIENT_KEYS.iter().chain(&["client_secret"]) {
        assert!(
            created.get(*key).is_some(),
            "client JSON lacks {key}: {created}"
        );
    }
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(created["id"], client_id.as_str());
    assert!(
        secret.starts_with("usso_cs_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(created["name"], "Billing Portal");
    assert_eq!(created["public"], false);
    // Repeated values are folded, in the order first given.
    assert_eq!(
        strings(&created["redirect_uris"]),
        ["https://billing.example.com/cb", "http://127.0.0.1:8400/cb"]
    );
    assert_eq!(strings(&created["scopes"]), ["openid", "profile", "email"]);
    assert_eq!(
        created["post_logout_redirect_uris"],
        json!(["https://billing.example.com/bye"])
    );
    assert_eq!(
        created["backchannel_logout_uri"],
        "https://billing.example.com/bcl"
    );
    assert_eq!(
        created["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(created["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(created["skip_consent"], true);
    assert_eq!(created["id_token_signed_response_alg"], "RS256");
    assert_eq!(created["subject_type"], "public");

    // The secret is never shown again.
    let shown = u.json(&["client", "show", "--tenant", "acme", &client_id, "--json"]);
    assert!(shown.get("client_secret").is_none(), "{shown}");
    let mut without_secret = created.clone();
    without_secret
        .as_object_mut()
        .unwrap()
        .remove("client_secret");
    assert_eq!(shown, without_secret);
    let by_name = u.json(&[
        "client",
        "show",
        "--tenant",
        "acme",
        "billing portal",
        "--json",
    ]);
    assert_eq!(by_name["client_id"], client_id.as_str());
    let list = u.run(&["client", "list", "--tenant", "acme", "--json"]);
    assert!(!list.stdout.contains(&secret));
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0], shown);
    let human = u.run(&["client", "list", "--tenant", "acme"]);
    assert!(human.stdout.contains(&client_id) && !human.stdout.contains(&secret));

    // Only the keyed hash is stored, and it checks out.
    let hub = hub(&u).await;
    assert!(authenticates(&hub, "acme", &client_id, &secret).await);
    assert!(!authenticates(&hub, "acme", &client_id, &format!("{secret}x")).await);
    assert!(!authenticates(&hub, "acme", "Billing Portal", &secret).await);

    // Rotation: a new secret; the old one stops working at once.
    let rotated = u.json(&[
        "client",
        "rotate-secret",
        "--tenant",
        "acme",
        &client_id,
        "--json",
    ]);
    assert_eq!(rotated["client_id"], client_id.as_str());
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert!(new_secret.starts_with("usso_cs_"));
    assert_ne!(new_secret, secret);
    assert!(!authenticates(&hub, "acme", &client_id, &secret).await);
    assert!(authenticates(&hub, "acme", &client_id, &new_secret).await);

    // Update: a list option replaces the list; what is not named stays.
    let updated = u.json(&[
        "client",
        "update",
        "--tenant",
        "acme",
        &client_id,
        "--redirect-uri",
        "https://billing.example.com/new-cb",
        "--skip-consent=false",
        "--token-endpoint-auth-method",
        "client_secret_post",
        "--json",
    ]);
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://billing.example.com/new-cb"])
    );
    assert_eq!(updated["skip_consent"], false);
    assert_eq!(updated["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(updated["scopes"], created["scopes"]);
    assert_eq!(
        updated["post_logout_redirect_uris"],
        created["post_logout_redirect_uris"]
    );
    assert_eq!(updated["name"], "Billing Portal");
    assert!(updated.get("client_secret").is_none());
    // The secret survives an update.
    assert!(authenticates(&hub, "acme", &client_id, &new_secret).await);
    let cleared = u.json(&[
        "client",
        "update",
        "--tenant",
        "acme",
        "Billing Portal",
        "--name",
        "Billing",
        "--post-logout-redirect-uri",
        "",
        "--backchannel-logout-uri",
        "",
        "--json",
    ]);
    assert_eq!(cleared["name"], "Billing");
    assert_eq!(cleared["post_logout_redirect_uris"], json!([]));
    assert!(cleared["backchannel_logout_uri"].is_null());
    // A bad update changes nothing.
    let bad = u.run(&[
        "client",
        "update",
        "--tenant",
        "acme",
        &client_id,
        "--redirect-uri",
        "https://billing.example.com/cb#fragment",
    ]);
    assert_refused(&bad, "redirect_uris");
    assert_eq!(
        u.json(&["client", "show", "--tenant", "acme", &client_id, "--json"]),
        cleared
    );

    // The audit log holds one event per change, never the secret.
    let tenant = hub.tenant("acme").await.unwrap();
    let events = hub
        .list_events(&tenant, usso::store::Page::first(100))
        .await
        .unwrap();
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.target_id.as_deref() == Some(client_id.as_str()))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "client.created",
            "client.secret_rotated",
            "client.updated",
            "client.updated"
        ]
    );
    let log = format!("{events:?}");
    assert!(!log.contains(&secret) && !log.contains(&new_secret));

    let deleted = u.json(&["client", "delete", "--tenant", "acme", &client_id, "--json"]);
    assert_eq!(deleted["deleted"], client_id.as_str());
    assert!(!authenticates(&hub, "acme", &client_id, &new_secret).await);
    let gone = u.run(&["client", "show", "--tenant", "acme", &client_id, "--json"]);
    assert_refused(&gone, "not found");
    assert_refused(
        &u.run(&["client", "delete", "--tenant", "acme", &client_id]),
        "not found",
    );
    assert_eq!(
        u.json(&["client", "list", "--tenant", "acme", "--json"]),
        json!([])
    );
}
on_both_databases!(
    confidential_client_create_show_rotate_update_delete,
    super::confidential_client
);

async fn public_and_machine_clients(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    let spa = u.json(&[
        "client",
        "create",
        "--tenant",
        "acme",
        "--name",
        "SPA",
        "--public",
        "--redirect-uri",
        "com.example.app:/oauth2redirect",
        "--json",
    ]);
    for key in CLIENT_KEYS {
        assert!(spa.get(*key).is_some(), "client JSON lacks {key}: {spa}");
    }
    assert!(spa.get("client_secret").is_none(), "{spa}");
    assert_eq!(spa["public"], true);
    assert_eq!(spa["token_endpoint_auth_method"], "none");
    assert_eq!(
        spa["scopes"],
        json!([
            "openid",
            "profile",
            "email",
            "phone",
            "address",
            "groups",
            "roles",
            "offline_access"
        ])
    );
    let spa_id = spa["client_id"].as_str().unwrap();
    // A public client has no secret: none to rotate, none that authenticates.
    assert_refused(
        &u.run(&[
            "client",
            "rotate-secret",
            "--tenant",
            "acme",
            spa_id,
            "--json",
        ]),
        "public",
    );
    let hub = hub(&u).await;
    assert!(!authenticates(&hub, "acme", spa_id, "").await);
    assert!(!authenticates(&hub, "acme", spa_id, "usso_cs_guess").await);

    // Public clients cannot use client_credentials.
    let refused = u.run(&[
        "client",
        "create",
        "--tenant",
        "acme",
        "--name",
        "Bad",
        "--public",
        "--grant-type",
        "client_credentials",
        "--json",
    ]);
    assert_refused(&refused, "grant_types");
    // Nor change between public and confidential.
    let machine = u.json(&[
        "client",
        "create",
        "--tenant",
        "acme",
        "--name",
        "Nightly job",
        "--grant-type",
        "client_credentials",
        "--grant-type",
        "client_credentials",
        "--scope",
        "reports:read",
        "--json",
    ]);
    assert_eq!(machine["grant_types"], json!(["client_credentials"]));
    assert_eq!(machine["redirect_uris"], json!([]));
    let machine_id = machine["client_id"].as_str().unwrap();
    assert!(
        authenticates(
            &hub,
            "acme",
            machine_id,
            machine["client_secret"].as_str().unwrap()
        )
        .await
    );
    assert_refused(
        &u.run(&[
            "client", "update", "--tenant", "acme", machine_id, "--public",
        ]),
        "public",
    );

    // Two registrations: two identities, two secrets.
    let a = u.json(&[
        "client",
        "create",
        "--tenant",
        "acme",
        "--name",
        "A",
        "--redirect-uri",
        "https://a.example/cb",
        "--json",
    ]);
    let b = u.json(&[
        "client",
        "create",
        "--tenant",
        "acme",
        "--name",
        "B",
        "--redirect-uri",
        "https://a.example/cb",
        "--json",
    ]);
    assert_ne!(a["client_id"], b["client_id"]);
    assert_ne!(a["client_secret"], b["client_secret"]);
    assert!(
        !authenticates(
            &hub,
            "acme",
            a["client_id"].as_str().unwrap(),
            b["client_secret"].as_str().unwrap()
        )
        .await
    );
    let list = u.json(&["client", "list", "--tenant", "acme", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["SPA", "Nightly job", "A", "B"]);
}
on_both_databases!(
    public_and_machine_clients_have_the_right_credentials,
    super::public_and_machine_clients
);

async fn bad_input(u: Usso) {
    u.json(&["tenant", "create", "acme", "--json"]);
    let create = |extra: &[&str]| {
        let mut args = vec!["client", "create", "--tenant", "acme", "--name", "App"];
        args.extend_from_slice(extra);
        args.push("--json");
        u.run(&args)
    };
    for (extra, field) in [
        (&["--redirect-uri", "/relative/cb"][..], "redirect_uris"),
        (
            &["--redirect-uri", "https://app.example/cb#frag"],
            "redirect_uris",
        ),
        (
            &["--redirect-uri", "https://user:pw@app.example/cb"],
            "redirect_uris",
        ),
        (&["--redirect-uri", "myapp:/cb"], "redirect_uris"),
        (&["--redirect-uri", "javascript:alert(1)"], "redirect_uris"),
        (&[], "redirect_uris"),
        (
            &[
                "--post-logout-redirect-uri",
                "https://app.example/#x",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "post_logout_redirect_uris",
        ),
        (
            &[
                "--backchannel-logout-uri",
                "not a uri",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "backchannel_logout_uri",
        ),
        (
            &[
                "--grant-type",
                "implicit",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "grant_types",
        ),
        (
            &[
                "--grant-type",
                "password",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "grant_types",
        ),
        (
            &[
                "--scope",
                "bad\"scope",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "scopes",
        ),
        (
            &[
                "--token-endpoint-auth-method",
                "none",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "token_endpoint_auth_method",
        ),
        (
            &[
                "--token-endpoint-auth-method",
                "private_key_jwt",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "jwks_uri",
        ),
        (
            &[
                "--jwks",
                "{not json",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "jwks",
        ),
        (
            &[
                "--id-token-signed-response-alg",
                "HS256",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "id_token_signed_response_alg",
        ),
        (
            &[
                "--subject-type",
                "anonymous",
                "--redirect-uri",
                "https://app.example/cb",
            ],
            "subject_type",
        ),
    ] {
        assert_refused(&create(extra), field);
    }
    // Nothing half-created.
    assert_eq!(
        u.json(&["client", "list", "--tenant", "acme", "--json"]),
        json!([])
    );

    // A private_key_jwt client with its keys is fine.
    let jwt = create(&[
        "--token-endpoint-auth-method",
        "private_key_jwt",
        "--jwks",
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y"}]}"#,
        "--redirect-uri",
        "https://app.example/cb",
        "--id-token-signed-response-alg",
        "ES256",
        "--subject-type",
        "pairwise",
    ])
    .json();
    assert_eq!(jwt["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(jwt["jwks"]["keys"][0]["kty"], "EC");
    assert_eq!(jwt["id_token_signed_response_alg"], "ES256");
    assert_eq!(jwt["subject_type"], "pairwise");

    // Names are unique per tenant, without regard to case.
    assert_refused(
        &u.run(&[
            "client",
            "create",
            "--tenant",
            "acme",
            "--name",
            "APP",
            "--redirect-uri",
            "https://app.example/cb",
            "--json",
        ]),
        "name",
    );
    assert_refused(
        &u.run(&[
            "client",
            "create",
            "--tenant",
            "nope",
            "--name",
            "App",
            "--redirect-uri",
            "https://app.example/cb",
            "--json",
        ]),
        "nope",
    );
    assert_refused(
        &u.run(&[
            "client",
            "show",
            "--tenant",
            "acme",
            "no-such-client",
            "--json",
        ]),
        "not found",
    );
    assert_eq!(
        u.json(&["client", "list", "--tenant", "acme", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
on_both_databases!(
    bad_client_input_is_refused_with_exit_code_2,
    super::bad_input
);
