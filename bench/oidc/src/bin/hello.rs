//! `usso-bench-hello`: the HTTP ceiling of the machine for `bench/run.sh`.
//! The same stack as the hub (tokio multi-thread runtime, axum 0.8 on
//! hyper 1), one route that answers `GET /hello` with a short text and
//! nothing else: no middleware, no state, no database. Whatever USSO reaches
//! is compared with what this does in the same run.
//!
//! Usage: `usso-bench-hello [ADDR]` (default 127.0.0.1:0); prints
//! `listening on ADDR` once bound.

use axum::routing::get;
use axum::Router;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    let app = Router::new().route("/hello", get(|| async { "hello" }));
    axum::serve(listener, app).await?;
    Ok(())
}
