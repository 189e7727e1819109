//! Each tenant's SCIM 2.0 service provider (RFC 7644) under its SCIM base
//! URL `/t/{tenant}/scim/v2`: `/Users`, `/Groups`, `/Me`, `/.search`,
//! `/Bulk` and the discovery endpoints. The wire grammar is `usso_scim`; the
//! mapping to the core is `adapters::scim`; these handlers only parse, call
//! and write (ARCHITECTURE.md rule 4).

pub mod auth;
pub mod bulk;
pub mod discovery;
pub mod list;
pub mod me;
pub mod resources;
pub mod response;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use usso_scim::message::BulkLimits;
use usso_scim::ScimError;

use resources::Kind;
use response::ScimFailure;

use super::AppState;

/// Largest SCIM request body (a `/Bulk` request or a large group): 1 MiB,
/// announced as the bulk `maxPayloadSize`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most operations in one `/Bulk` request.
pub const MAX_BULK_OPERATIONS: usize = 1000;
pub use crate::adapters::scim::search::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
/// How long a `nextCursor` stays usable (keyset cursors never expire; this
/// is what is promised).
pub const CURSOR_TIMEOUT_SECONDS: u64 = 3600;

pub fn bulk_limits() -> BulkLimits {
    BulkLimits {
        max_operations: MAX_BULK_OPERATIONS,
        max_payload_bytes: MAX_BODY_BYTES,
    }
}

/// The SCIM routes, nested under the tenant's SCIM base URL.
pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/ServiceProviderConfig", read_only(get(discovery::config)))
        .route(
            "/ResourceTypes",
            read_only(get(discovery::list_resource_types)),
        )
        .route(
            "/ResourceTypes/{id}",
            read_only(get(discovery::resource_type)),
        )
        .route("/Schemas", read_only(get(discovery::list_schemas)))
        .route("/Schemas/{id}", read_only(get(discovery::schema)))
        .route("/Users", collection(Kind::Users))
        .route("/Groups", collection(Kind::Groups))
        .route(
            "/Users/.search",
            only(post(move |s, c, b| list::search(Kind::Users, s, c, b))),
        )
        .route(
            "/Groups/.search",
            only(post(move |s, c, b| list::search(Kind::Groups, s, c, b))),
        )
        .route("/.search", only(post(list::search_root)))
        .route("/Users/{id}", item(Kind::Users))
        .route("/Groups/{id}", item(Kind::Groups))
        .route("/Bulk", only(post(bulk::bulk)))
        .route("/Me", get(me::get).fallback(me::not_implemented))
        .route("/{*rest}", any(unknown_endpoint))
        .fallback(unknown_endpoint)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .nest("/t/{tenant}/scim/v2", api)
        .route("/t/{tenant}/scim/v2/", any(unknown_endpoint))
}

fn collection(kind: Kind) -> MethodRouter<AppState> {
    only(
        get(move |s, c, q| list::list(kind, s, c, q))
            .post(move |s, c, b| resources::create(kind, s, c, b)),
    )
}

fn item(kind: Kind) -> MethodRouter<AppState> {
    only(
        get(move |s, c, p, q, h| resources::get(kind, s, c, p, q, h))
            .put(move |s, c, p, h, b| resources::replace(kind, s, c, p, h, b))
            .patch(move |s, c, p, h, b| resources::patch(kind, s, c, p, h, b))
            .delete(move |s, c, p, h| resources::delete(kind, s, c, p, h)),
    )
}

/// Discovery endpoints answer writes with 405 (RFC 7644 §4).
fn read_only(router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    only(router)
}

/// Methods a route does not serve get 405 with a SCIM error body.
fn only(router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    router.fallback(method_not_allowed)
}

async fn method_not_allowed() -> ScimFailure {
    ScimFailure(ScimError::new(405).with_detail("this endpoint does not support that method"))
}

async fn unknown_endpoint() -> ScimFailure {
    ScimFailure(ScimError::not_found().with_detail("no such SCIM endpoint"))
}
