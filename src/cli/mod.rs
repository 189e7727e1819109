//! The `usso` command line: the server, migrations, configuration checks,
//! and the management commands that operators and scripts use.
//!
//! Management commands work directly on the database (also while a server
//! runs on it; the server reads the database on each request, so changes
//! take effect at once). `--json` prints one JSON object — or an array for
//! lists — on stdout and nothing else. Every error is one line on stderr and
//! exit code 2.

mod api_keys;
mod args;
mod clients;
mod groups;
mod idps;
mod keys;
mod ldap;
mod output;
mod roles;
mod saml_sps;
mod serve;
mod tenants;
mod users;
mod workspaces;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;

pub use args::{Cli, Command};

use crate::app::open_hub;
use crate::config::{Config, Layer};
use crate::core::clock::SystemClock;
use crate::secrets::PasswordHasher;
use crate::service::{Hub, ServiceError};

/// Parses the command line, runs the command, and maps failure to exit code 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::Error::from(e)),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    // One line: the outermost context and its root cause.
    let root = e.root_cause().to_string();
    let top = e.to_string();
    if top == root {
        eprintln!("error: {top}");
    } else {
        eprintln!("error: {top}: {root}");
    }
    ExitCode::from(2)
}

/// Resolves the configuration from the file, the environment and the flags.
pub fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let file_path = cli
        .config
        .clone()
        .or_else(|| env.get("USSO_CONFIG").map(Into::into));
    let file = file_path.as_deref().map(Layer::from_file).transpose()?;
    let env_layer = Layer::from_env(&env)?;
    Ok(Config::resolve(file, env_layer, cli.flags())?)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli)?;
    match cli.command {
        Command::Serve => serve::run(&config).await,
        Command::Migrate => {
            crate::telemetry::init(&config, false);
            open(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ValidateConfig => {
            println!("configuration is valid");
            println!("listen        {}", config.listen);
            println!("public_url    {}", config.public_url);
            println!("data_dir      {}", config.data_dir.display());
            println!("database      {}", redact_url(&config.database_url));
            println!("master key    {}", config.master_key_file.display());
            Ok(())
        }
        Command::Tenant(cmd) => {
            crate::telemetry::init(&config, false);
            tenants::run(&open(&config).await?, cmd).await
        }
        Command::User(cmd) => {
            crate::telemetry::init(&config, false);
            users::run(&open(&config).await?, cmd).await
        }
        Command::Group(cmd) => {
            crate::telemetry::init(&config, false);
            groups::run(&open(&config).await?, cmd).await
        }
        Command::Role(cmd) => {
            crate::telemetry::init(&config, false);
            roles::run(&open(&config).await?, cmd).await
        }
        Command::Workspace(cmd) => {
            crate::telemetry::init(&config, false);
            workspaces::run(&open(&config).await?, cmd).await
        }
        Command::ApiKey(cmd) => {
            crate::telemetry::init(&config, false);
            api_keys::run(&open(&config).await?, cmd).await
        }
        Command::Client(cmd) => {
            crate::telemetry::init(&config, false);
            clients::run(&open(&config).await?, *cmd).await
        }
        Command::Keys(cmd) => {
            crate::telemetry::init(&config, false);
            keys::run(&open(&config).await?, cmd).await
        }
        Command::SamlSp(cmd) => {
            crate::telemetry::init(&config, false);
            saml_sps::run(&open(&config).await?, *cmd).await
        }
        Command::Idp(cmd) => {
            crate::telemetry::init(&config, false);
            idps::run(&open(&config).await?, *cmd).await
        }
        Command::Ldap(cmd) => {
            crate::telemetry::init(&config, false);
            ldap::run(&open(&config).await?, *cmd).await
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Hub> {
    open_hub(config, Arc::new(SystemClock), PasswordHasher::owasp()?).await
}

/// The tenant named on the command line, or a clear error.
async fn tenant(hub: &Hub, slug: &str) -> anyhow::Result<crate::core::tenant::Tenant> {
    hub.tenant(slug).await.map_err(|e| match e {
        ServiceError::NotFound(_) => anyhow::anyhow!("no tenant {slug:?}"),
        other => other.into(),
    })
}

/// Reads a secret from stdin, with one trailing newline stripped.
fn read_stdin_secret(what: &str) -> anyhow::Result<String> {
    use std::io::Read;
    let mut buf = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut buf)
        .with_context(|| format!("cannot read the {what} from stdin"))?;
    Ok(crate::config::strip_newline(buf))
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_owned(),
    }
}
