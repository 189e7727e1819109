//! The storage test suite: every function of `usso::store`, run on SQLite and
//! (when `USSO_TEST_POSTGRES_URL` is set) on PostgreSQL, each test on a fresh
//! database; plus one tenant-isolation test per store operation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod harness;

mod api_keys;
mod clients;
mod directory_pages;
mod directory_query;
mod events;
mod group_commits;
mod groups;
mod isolation;
mod ldap_sources;
mod passwords;
mod roles;
mod sessions;
mod tenants;
mod upstream_idps;
mod users;
mod workspaces;
mod world;
