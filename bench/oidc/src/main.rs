//! `usso-oidc-bench`: the load driver of `bench/run.sh`. Each subcommand
//! measures one scenario against a running server (USSO, the bare axum
//! ceiling, or the oidc-provider peer) and prints one Markdown table row; a
//! benchmark prints figures, it never fails on a timing.

mod conn;
mod flow;
mod load;
mod probes;
mod scenario;

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use hyper::{Method, StatusCode};

use crate::flow::Target;
use crate::load::{Figures, Plan};

#[derive(Debug, Parser)]
#[command(about = "Load driver for OAuth / OpenID Connect endpoints (bench/run.sh)")]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Common {
    /// The first column of the row (the scenario).
    #[arg(long, global = true, default_value = "")]
    scenario: String,
    /// The second column (which server).
    #[arg(long, global = true, default_value = "USSO")]
    label: String,
    /// The server's pid, for its CPU use and memory.
    #[arg(long, global = true)]
    server_pid: Option<String>,
    /// Appends `scenario<TAB>label<TAB>median/s<TAB>p99 ms` here.
    #[arg(long, global = true)]
    tsv: Option<std::path::PathBuf>,
    #[arg(long, global = true, default_value_t = 64)]
    concurrency: usize,
    /// Seconds per measured window.
    #[arg(long, global = true, default_value_t = 5)]
    seconds: u64,
    /// Measured windows (the median and spread are over these).
    #[arg(long, global = true, default_value_t = 3)]
    runs: usize,
    /// Seconds of warm-up before the first window.
    #[arg(long, global = true, default_value_t = 2)]
    warmup: u64,
}

#[derive(Debug, Args, Clone)]
struct ClientArgs {
    /// The issuer's base URL, http://host:port/t/{slug}.
    #[arg(long)]
    issuer: String,
    #[arg(long)]
    client_id: String,
    #[arg(long, env = "OIDC_BENCH_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    #[arg(long, default_value = "http://127.0.0.1:1/callback")]
    redirect_uri: String,
}

#[derive(Debug, Args, Clone)]
struct UserArgs {
    #[arg(long)]
    username: String,
    #[arg(long, env = "OIDC_BENCH_PASSWORD", hide_env_values = true)]
    password: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// GET a URL (optionally with a bearer token) again and again.
    Get {
        #[arg(long)]
        url: String,
        #[arg(long, env = "OIDC_BENCH_BEARER", hide_env_values = true)]
        bearer: Option<String>,
    },
    /// POST a form with HTTP Basic client authentication (a token or
    /// introspection request) again and again; success is 200.
    PostForm {
        #[arg(long)]
        url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long, env = "OIDC_BENCH_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// The form body; `@ENV` reads it from the environment variable ENV.
        #[arg(long)]
        form: String,
    },
    /// Refresh-token rotation, one chain per worker.
    Refresh {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Authorization code flows (authorize → code → token) on one session.
    CodeFlow {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Password logins through the hosted form.
    Login {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        user: UserArgs,
    },
    /// One login and code flow; prints the access token (setup of userinfo).
    AccessToken {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        user: UserArgs,
    },
    /// argon2id hashes/s at the hub's parameters on `--concurrency` threads.
    Argon2 {
        /// Memory KiB, iterations, lanes (the hub's: OWASP 19 MiB, t=2, p=1).
        #[arg(long, default_value_t = 19 * 1024)]
        m_cost: u32,
        #[arg(long, default_value_t = 2)]
        t_cost: u32,
        #[arg(long, default_value_t = 1)]
        p_cost: u32,
    },
    /// In process, one thread, the hub's own JOSE code (usso-oidc): open an
    /// ES256 key from PKCS#8, sign an access token, both (what a grant does
    /// now), and verify one against a cached JWKS.
    Jose {
        #[arg(long, default_value_t = 3000)]
        iterations: u32,
    },
    /// Opens `count` keep-alive connections (one request each) and prints
    /// the server's RSS before and with them.
    Conns {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

/// host:port and path of an http:// URL.
fn split_url(url: &str) -> anyhow::Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("not an http:// URL: {url}"))?;
    Ok(match rest.find('/') {
        Some(i) => (rest[..i].to_owned(), rest[i..].to_owned()),
        None => (rest.to_owned(), "/".to_owned()),
    })
}

fn resolve(host: &str) -> anyhow::Result<SocketAddr> {
    host.to_socket_addrs()?
        .next()
        .with_context(|| format!("cannot resolve {host}"))
}

fn target(c: &ClientArgs) -> anyhow::Result<Target> {
    let (host, prefix) = split_url(c.issuer.trim_end_matches('/'))?;
    Ok(Target {
        host,
        prefix,
        client_id: c.client_id.clone(),
        basic: flow::basic(&c.client_id, &c.client_secret),
        redirect_uri: c.redirect_uri.clone(),
    })
}

fn plan(c: &Common) -> Plan {
    Plan {
        concurrency: c.concurrency,
        warmup: Duration::from_secs(c.warmup),
        window: Duration::from_secs(c.seconds),
        runs: c.runs.max(1),
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))
}

/// Prints the row of a load and appends it to the TSV file.
fn report(c: &Common, f: &Figures) -> anyhow::Result<()> {
    println!(
        "| {} | {} | {} | {:.0} | {:.0}–{:.0} | {} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
        c.scenario,
        c.label,
        c.concurrency,
        f.median(),
        f.min(),
        f.max(),
        f.rates.len(),
        f.ms(0.50),
        f.ms(0.95),
        f.ms(0.99),
        f.errors,
        fmt(f.server_cpu_pct),
        fmt(f.client_cpu_pct),
    );
    if let Some(e) = &f.first_error {
        eprintln!("{} / {}: first error: {e}", c.scenario, c.label);
    }
    if let Some(path) = &c.tsv {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(
            file,
            "{}\t{}\t{:.0}\t{:.2}",
            c.scenario,
            c.label,
            f.median(),
            f.ms(0.99)
        )?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    let p = plan(c);
    let pid = c.server_pid.as_deref();
    match cli.command {
        Command::Get { url, bearer } => {
            let (host, path) = split_url(&url)?;
            let addr = resolve(&host)?;
            let fixed = scenario::Fixed {
                method: Method::GET,
                host,
                path,
                authorization: bearer.map(|b| format!("Bearer {b}")),
                form: None,
                expect: StatusCode::OK,
            };
            let f = load::run(addr, &p, pid, |_| fixed.clone()).await?;
            report(c, &f)
        }
        Command::PostForm {
            url,
            client_id,
            client_secret,
            form,
        } => {
            let (host, path) = split_url(&url)?;
            let addr = resolve(&host)?;
            let form = match form.strip_prefix('@') {
                Some(var) => std::env::var(var).with_context(|| format!("${var} is not set"))?,
                None => form,
            };
            let fixed = scenario::Fixed {
                method: Method::POST,
                host,
                path,
                authorization: Some(flow::basic(&client_id, &client_secret)),
                form: Some(form),
                expect: StatusCode::OK,
            };
            let f = load::run(addr, &p, pid, |_| fixed.clone()).await?;
            report(c, &f)
        }
        Command::Refresh { client, user } => {
            let t = target(&client)?;
            let addr = resolve(&t.host)?;
            let mut conn = conn::Conn::new(addr);
            let session = flow::login(&mut conn, &t, &user.username, &user.password).await?;
            // Every chain starts before the clock does.
            let mut chains = Vec::with_capacity(c.concurrency);
            for _ in 0..c.concurrency {
                chains.push(
                    flow::code_flow(&mut conn, &t, &session)
                        .await?
                        .refresh_token,
                );
            }
            let chains = std::sync::Mutex::new(chains);
            let f = load::run(addr, &p, pid, |_| scenario::Refresh {
                target: t.clone(),
                session: session.clone(),
                refresh_token: chains.lock().ok().and_then(|mut c| c.pop()).flatten(),
            })
            .await?;
            report(c, &f)
        }
        Command::CodeFlow { client, user } => {
            let t = target(&client)?;
            let addr = resolve(&t.host)?;
            let mut conn = conn::Conn::new(addr);
            let session = flow::login(&mut conn, &t, &user.username, &user.password).await?;
            let f = load::run(addr, &p, pid, |_| scenario::CodeFlow {
                target: t.clone(),
                session: session.clone(),
            })
            .await?;
            report(c, &f)
        }
        Command::Login { client, user } => {
            let t = target(&client)?;
            let addr = resolve(&t.host)?;
            let f = load::run(addr, &p, pid, |_| scenario::Login {
                target: t.clone(),
                username: user.username.clone(),
                password: user.password.clone(),
                csrf: None,
            })
            .await?;
            report(c, &f)
        }
        Command::AccessToken { client, user } => {
            let t = target(&client)?;
            let mut conn = conn::Conn::new(resolve(&t.host)?);
            let session = flow::login(&mut conn, &t, &user.username, &user.password).await?;
            let tokens = flow::code_flow(&mut conn, &t, &session).await?;
            println!("{}", tokens.access_token);
            Ok(())
        }
        Command::Argon2 {
            m_cost,
            t_cost,
            p_cost,
        } => {
            let f = probes::argon2(&p, m_cost, t_cost, p_cost).await?;
            report(c, &f)
        }
        Command::Jose { iterations } => probes::jose(c.label.as_str(), iterations),
        Command::Conns { url, count } => {
            probes::connections(c.label.as_str(), &url, count, pid).await
        }
    }
}
