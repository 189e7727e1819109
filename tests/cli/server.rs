//! `usso serve` as a real process: bootstrap on first start, management
//! commands taking effect on the running server, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::harness::Usso;
use crate::on_both_databases;

struct Server {
    child: Child,
    base: String,
    /// The bootstrap admin key, when this start printed one.
    admin_key: Option<String>,
    /// Kept so that the reader thread keeps draining the server's log.
    _log: std::sync::mpsc::Receiver<Value>,
}

impl Server {
    /// Starts `usso serve` on a free port and waits until it is ready.
    #[allow(clippy::zombie_processes, reason = "the child is reaped in `stop`")]
    fn start(u: &Usso) -> Server {
        let mut child = u
            .command()
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
            }
        });
        let mut admin_key = None;
        loop {
            let event = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the server logs that it is ready");
            if let Some(key) = event.get("admin_api_key").and_then(Value::as_str) {
                admin_key = Some(key.to_owned());
            }
            if event["message"] == "usso is ready" {
                let listen = event["listen"].as_str().unwrap();
                return Server {
                    child,
                    base: format!("http://{listen}"),
                    admin_key,
                    _log: rx,
                };
            }
        }
    }

    fn stop(mut self) -> i32 {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the server did not stop within 5 s of SIGTERM");
    }
}

async fn serve_bootstraps_and_sees_cli_changes(u: Usso) {
    let server = Server::start(&u);
    let admin = server
        .admin_key
        .clone()
        .expect("first start prints an admin key");
    let http = reqwest::Client::new();

    let health = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let login = http
        .get(format!("{}/t/default/login", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("name=\"password\""));

    // The bootstrap key administers the installation.
    let tenants = http
        .get(format!("{}/api/v1/tenants", server.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(tenants.status(), 200);

    // Changes made by the CLI on the same database are live at once.
    u.json(&["tenant", "create", "acme", "--json"]);
    let key = u.json(&[
        "api-key", "create", "--tenant", "acme", "--name", "ops", "--scope", "admin", "--json",
    ]);
    let token = key["token"].as_str().unwrap();
    u.json(&[
        "user",
        "create",
        "--tenant",
        "acme",
        "--username",
        "alice",
        "--json",
    ]);
    let users: Value = http
        .get(format!("{}/api/v1/tenants/acme/users", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users["items"][0]["username"], "alice", "{users}");

    u.run(&[
        "api-key",
        "delete",
        "--tenant",
        "acme",
        key["id"].as_str().unwrap(),
    ]);
    let revoked = http
        .get(format!("{}/api/v1/tenants/acme/users", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);

    assert_eq!(server.stop(), 0, "SIGTERM ends the server cleanly");

    // A second start finds the installation set up and prints no new key.
    let again = Server::start(&u);
    assert!(again.admin_key.is_none());
    assert_eq!(again.stop(), 0);
}
on_both_databases!(serve, super::serve_bootstraps_and_sees_cli_changes);

#[test]
fn a_foreign_master_key_is_refused() {
    let u = Usso::sqlite();
    assert_eq!(u.run(&["migrate"]).code, 0);
    let other = tempfile::tempdir().unwrap();
    let key = other.path().join("other.key");
    let r = u.run(&[
        "--master-key-file",
        key.to_str().unwrap(),
        "tenant",
        "list",
        "--json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("master key"), "{}", r.stderr);
}

impl Drop for Server {
    /// A failing test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
