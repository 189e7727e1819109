//! The revocation endpoint (RFC 7009 §2): `POST /t/{tenant}/revoke` with
//! `token` and an optional `token_type_hint`, the client authenticated as at
//! the token endpoint (RFC 7009 §2.1; same `invalid_client` answers). It
//! answers 200 with an empty body whether or not anything was revoked
//! (§2.2); errors are the RFC 6749 §5.2 JSON (§2.2.1). What a revocation
//! ends is described in [`crate::adapters::oidc::revocation`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use usso_oidc::params::Params;
use usso_oidc::OAuthErrorCode;

use super::error::OAuthResponseError;
use super::token::{authenticated_client, ClientRequest};
use crate::adapters::oidc::introspection::TokenTypeHint;
use crate::adapters::oidc::revocation;
use crate::http::AppState;

/// The parameters of a revocation or introspection request (RFC 7009 §2.1,
/// RFC 7662 §2.1): the `token`, required, and the `token_type_hint`, of
/// which an unknown value is ignored.
pub(crate) struct TokenParams {
    pub token: String,
    pub hint: Option<TokenTypeHint>,
}

impl TokenParams {
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<Self, OAuthResponseError> {
        let params = Params::parse(pairs).map_err(usso_oidc::OAuthError::from)?;
        let token = params.get("token").ok_or_else(|| {
            OAuthResponseError::new(OAuthErrorCode::InvalidRequest, "token is required")
        })?;
        Ok(Self {
            token: token.to_owned(),
            hint: params
                .get("token_type_hint")
                .and_then(TokenTypeHint::from_name),
        })
    }
}

/// `POST /t/{tenant}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&state, &slug, &headers, &body).await {
        Ok(()) => {
            let mut r = StatusCode::OK.into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
) -> Result<(), OAuthResponseError> {
    let ClientRequest {
        tenant,
        client,
        pairs,
    } = authenticated_client(state, slug, headers, body, "revocation").await?;
    let request = TokenParams::parse(&pairs)?;
    revocation::revoke(&state.hub, &tenant, &client, &request.token, request.hint).await?;
    Ok(())
}
