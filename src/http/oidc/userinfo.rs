//! The UserInfo endpoint (OIDC Core §5.3), GET and POST, with the access
//! token as a bearer (RFC 6750 §2.1; in a POST body also §2.2). Failures
//! answer 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750
//! §3.1).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use usso_oidc::{OAuthError, OAuthErrorCode};

use crate::adapters::oidc::grants::{self, GrantError};
use crate::http::AppState;
use crate::service::ServiceError;

fn unauthorized(description: &str) -> Response {
    let error = OAuthError::new(OAuthErrorCode::InvalidToken).with_description(description);
    let mut r = (StatusCode::UNAUTHORIZED, Json(&error)).into_response();
    let challenge = format!(
        "Bearer error=\"invalid_token\", error_description=\"{}\"",
        description.replace('"', "'")
    );
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    userinfo(&state, &slug, bearer(&headers)).await
}

pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let from_body = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned());
    userinfo(&state, &slug, bearer(&headers).or(from_body)).await
}

async fn userinfo(state: &AppState, slug: &str, token: Option<String>) -> Response {
    let hub = &state.hub;
    let tenant = match hub.tenant(slug).await {
        Ok(t) => t,
        Err(ServiceError::NotFound(_) | ServiceError::Invalid { .. }) => {
            return unauthorized("unknown tenant")
        }
        Err(e) => return super::error::OAuthResponseError::from(e).into_response(),
    };
    let Some(token) = token else {
        let mut r = StatusCode::UNAUTHORIZED.into_response();
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    };
    let checked = match grants::check_access_token(hub, &tenant, &token).await {
        Ok(c) => c,
        Err(GrantError::Service(e)) => {
            return super::error::OAuthResponseError::from(e).into_response()
        }
        Err(_) => return unauthorized("the access token is invalid or expired"),
    };
    if checked.grant.user_id.is_none() {
        return unauthorized("the access token was not issued for a user");
    }
    match grants::userinfo(hub, &tenant, &checked).await {
        Ok(claims) => {
            let mut r = Json(claims).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(GrantError::Service(e)) => super::error::OAuthResponseError::from(e).into_response(),
        Err(_) => unauthorized("the user can no longer sign in"),
    }
}
