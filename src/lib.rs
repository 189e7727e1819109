//! USSO: a multi-tenant identity hub. Each tenant is an OpenID Connect
//! provider, a SAML 2.0 IdP and a SCIM 2.0 service provider, and logs users in
//! through upstream IdPs; all of them meet in one normalized core.
//!
//! Layout (see ARCHITECTURE.md): [`core`] is the model and its rules,
//! [`store`] the SQL behind it, [`service`] the use cases shared by the CLI and
//! HTTP, [`http`] the thin web layer, [`cli`] the command line.

pub mod adapters;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod http;
pub mod jobs;
pub mod secrets;
pub mod service;
pub mod store;
pub mod telemetry;
