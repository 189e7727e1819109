//! The `usso` command line, run as a real process: the contract that
//! operators and scripts rely on (names, `--json` keys, exit codes), on
//! SQLite and on PostgreSQL, also against a running server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/postgres.rs"]
mod postgres;
#[path = "../../protocols/ldap/tests/slapd/harness.rs"]
mod slapd;

mod clients;
mod harness;
mod idps;
mod keys;
mod ldap;
mod management;
mod saml_sps;
mod server;
