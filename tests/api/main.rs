//! Black-box tests over HTTP against an in-process hub on a free port
//! (one binary, one module per area).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../support/postgres.rs"]
mod postgres;
#[path = "../../protocols/ldap/tests/slapd/harness.rs"]
mod slapd;

mod admin_api_keys;
mod admin_auth;
mod admin_clients;
mod admin_events;
mod admin_groups;
mod admin_input;
mod admin_keys;
mod admin_openapi;
mod admin_roles;
mod admin_saml_sps;
mod admin_support;
mod admin_tenants;
mod admin_users;
mod admin_workspaces;
mod harness;
mod jobs;
mod ldap_login;
mod ldap_sync;
mod login;
mod oidc_caches;
mod oidc_discovery;
mod oidc_flow;
mod oidc_hostile;
mod oidc_introspection;
mod oidc_logout;
mod oidc_private_key_jwt;
mod oidc_revocation;
mod oidc_support;
mod oidc_upstream;
mod oidc_upstream_support;
mod oidf_basic_op;
mod saml_slo;
mod saml_sso;
mod saml_upstream;
mod scim_bulk;
mod scim_query;
mod scim_quirks;
mod scim_resources;
mod scim_support;
mod server;
