//! The introspection endpoint (RFC 7662 §2): `POST /t/{tenant}/introspect`
//! with `token` and an optional `token_type_hint`, the client authenticated
//! as at the token endpoint (same `invalid_client` answers). It answers the
//! JSON of §2.2 with `Cache-Control: no-store`; anything not live, or not
//! issued to the asking client, is `{"active": false}` (the policy is
//! described in [`crate::adapters::oidc::introspection`]).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::error::OAuthResponseError;
use super::revoke::TokenParams;
use super::token::{authenticated_client, ClientRequest};
use crate::adapters::oidc::introspection::{self, Introspection};
use crate::http::AppState;

/// `POST /t/{tenant}/introspect`
pub async fn introspect(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&state, &slug, &headers, &body).await {
        Ok(answer) => {
            let mut r = Json(answer).into_response();
            let headers = r.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            r
        }
        Err(e) => e.into_response(),
    }
}

async fn run(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Introspection, OAuthResponseError> {
    let ClientRequest {
        tenant,
        client,
        pairs,
    } = authenticated_client(state, slug, headers, body, "introspection").await?;
    let request = TokenParams::parse(&pairs)?;
    Ok(
        introspection::introspect(&state.hub, &tenant, &client, &request.token, request.hint)
            .await?,
    )
}
