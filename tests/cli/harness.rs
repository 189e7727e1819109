//! Runs the `usso` binary against one data dir and database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// One installation: a temp data dir and a database URL (SQLite inside the
/// data dir, or a fresh PostgreSQL database).
pub struct Usso {
    pub dir: tempfile::TempDir,
    pub database_url: String,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        assert_eq!(self.code, 0, "command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {:?}", self.stdout))
    }
}

impl Usso {
    pub fn sqlite() -> Usso {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("usso.db").display());
        Usso { dir, database_url }
    }

    pub async fn postgres(server: &str) -> Usso {
        let dir = tempfile::tempdir().unwrap();
        let database_url = crate::postgres::fresh_database(server).await;
        Usso { dir, database_url }
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_usso"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("USSO_DATA_DIR", self.dir.path())
            .env("USSO_DATABASE_URL", &self.database_url);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        {
            let mut pipe = child.stdin.take().unwrap();
            if let Some(input) = stdin {
                pipe.write_all(input.as_bytes()).unwrap();
            }
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Runs and returns the JSON output of a command that must succeed.
    pub fn json(&self, args: &[&str]) -> Value {
        self.run(args).json()
    }
}

/// Runs `case` on SQLite, then on PostgreSQL when it is configured.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $case:path) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $case($crate::harness::Usso::sqlite()).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(server) = $crate::postgres::server_url() {
                    $case($crate::harness::Usso::postgres(&server).await).await;
                }
            }
        }
    };
}
