//! The HTTP layer: thin handlers that parse, call a use case of
//! [`crate::service`], and write the response (ARCHITECTURE.md rule 4).
//!
//! [`router`] builds the whole app the same way for `usso serve` and for the
//! tests, which drive it in process.

pub mod admin;
pub mod error;
pub mod health;
pub mod login;
pub mod metrics;
pub mod middleware;
pub mod oidc;
pub mod saml;
pub mod scim;
pub mod state;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// Largest request body accepted anywhere (larger bodies get 413).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The token of `Authorization: Bearer <token>` (RFC 6750 §2.1; the scheme
/// in any case), when there is a non-empty one.
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(admin::routes())
        .merge(login::routes())
        .merge(oidc::routes())
        .merge(scim::routes())
        .merge(saml::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(PropagateRequestIdLayer::new(middleware::REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(middleware::span_for))
        .layer(SetRequestIdLayer::new(
            middleware::REQUEST_ID.clone(),
            middleware::NewRequestId,
        ))
        .with_state(state)
}
