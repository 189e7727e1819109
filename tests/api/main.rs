//! Black-box tests over HTTP against an in-process hub on a free port
//! (one binary, one module per area).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;
mod server;
