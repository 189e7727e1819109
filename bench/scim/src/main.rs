//! `usso-scim-bench`: a load driver for a SCIM 2.0 service provider (USSO's,
//! or a peer's), printing Markdown table rows for BENCHMARKS.md. Each
//! subcommand is one phase of `bench/scim/run.sh`; a benchmark prints
//! figures, it never fails on a timing.

mod data;
mod load;
mod phases;
mod walk;

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};

#[derive(Debug, Parser)]
#[command(about = "Load driver for SCIM 2.0 providers (bench/scim/run.sh)")]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    phase: Phase,
}

#[derive(Debug, Args, Clone)]
pub struct Common {
    /// The SCIM base URL (…/scim/v2), or for `ceiling` any URL to GET.
    #[arg(long, global = true, default_value = "")]
    base: String,
    /// The bearer token, read from the environment (not argv).
    #[arg(long, env = "SCIM_BENCH_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// The server's pid, to report its CPU use.
    #[arg(long, global = true)]
    server_pid: Option<String>,
    /// The first column of each row (which server).
    #[arg(long, global = true, default_value = "USSO")]
    label: String,
}

#[derive(Debug, Subcommand)]
enum Phase {
    /// GET the --base URL as fast as possible (the generator's ceiling).
    Ceiling {
        #[arg(long, value_delimiter = ',', default_value = "32")]
        concurrency: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// POST /Users, one new user per request.
    Create {
        #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
        concurrency: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// POST /Bulk with `ops` user creations per request.
    Bulk {
        #[arg(long, default_value_t = 1000)]
        ops: u64,
        #[arg(long, default_value_t = 10)]
        requests: u64,
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        concurrency: Vec<usize>,
        /// The index of the first synthetic user.
        #[arg(long, default_value_t = 0)]
        from: u64,
    },
    /// Creates users `from..from+total` through /Bulk, reporting progress.
    Seed {
        #[arg(long)]
        total: u64,
        #[arg(long, default_value_t = 1000)]
        ops: u64,
        #[arg(long, default_value_t = 2)]
        concurrency: usize,
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Print a row every this many users.
        #[arg(long, default_value_t = 100_000)]
        every: u64,
    },
    /// Filter probes over users `0..total`, and totalResults costs.
    Query {
        #[arg(long)]
        total: u64,
        #[arg(long, default_value_t = 200)]
        probes: u64,
        /// Probes of the totalResults-only queries (they read many rows).
        #[arg(long, default_value_t = 20)]
        count_probes: u64,
    },
    /// Walks every user by cursor, then probes pages at three depths.
    Walk {
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 200)]
        probes: u64,
    },
}

pub fn client(common: &Common) -> anyhow::Result<reqwest::Client> {
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    if let Some(token) = &common.token {
        let mut v = HeaderValue::from_str(&format!("Bearer {token}"))?;
        v.set_sensitive(true);
        headers.insert(AUTHORIZATION, v);
    }
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(300))
        .build()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let c = &cli.common;
    let http = client(c).context("building the HTTP client")?;
    match cli.phase {
        Phase::Ceiling {
            concurrency,
            seconds,
        } => phases::ceiling(c, &http, &concurrency, seconds).await,
        Phase::Create {
            concurrency,
            seconds,
        } => phases::create(c, &http, &concurrency, seconds).await,
        Phase::Bulk {
            ops,
            requests,
            concurrency,
            from,
        } => phases::bulk(c, &http, ops, requests, &concurrency, from).await,
        Phase::Seed {
            total,
            ops,
            concurrency,
            from,
            every,
        } => phases::seed(c, &http, total, ops, concurrency, from, every).await,
        Phase::Query {
            total,
            probes,
            count_probes,
        } => phases::query(c, &http, total, probes, count_probes).await,
        Phase::Walk { count, probes } => walk::walk(c, &http, count, probes).await,
    }
}
