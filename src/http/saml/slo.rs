//! Single Logout endpoint (SAML Profiles §4.4): a service provider's
//! LogoutRequest over HTTP-Redirect or HTTP-POST ends the user's USSO
//! session; the LogoutResponse goes back the same way. A provider's
//! LogoutResponse to USSO's own LogoutRequest is acknowledged.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use usso_saml::binding::{InboundMessage, MessageField};

use super::sso::post_page;
use super::{carries_response, failure, posted_request, redirected_request};
use crate::adapters::saml::logout::{sp_initiated, LogoutReply};
use crate::adapters::saml::SsoError;
use crate::http::login::{cookies, html, page, see_other};
use crate::http::AppState;

pub async fn redirect(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if carries_response(query.as_deref().unwrap_or("").as_bytes()) {
        return acknowledged();
    }
    logout(
        &state,
        &slug,
        &headers,
        redirected_request(query.as_deref()),
    )
    .await
}

/// The answer to an application's LogoutResponse: the session it concerns
/// has already ended, whatever the application says, so nothing is done;
/// the page only shows in the sign-out page's hidden frame.
fn acknowledged() -> Response {
    html(
        StatusCode::OK,
        page::message("Signed out", "You are signed out of this application."),
    )
}

pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if carries_response(&body) {
        return acknowledged();
    }
    logout(&state, &slug, &headers, posted_request(&body)).await
}

async fn logout(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    inbound: Result<InboundMessage, SsoError>,
) -> Response {
    let tenant = match state.hub.tenant(slug).await {
        Ok(t) => t,
        Err(_) => {
            return html(
                StatusCode::NOT_FOUND,
                page::message("Not found", "There is no such tenant here."),
            )
        }
    };
    let browser_session = match cookies::read(headers, cookies::SESSION) {
        Some(token) => match state.hub.session_from_token(&tenant, &token).await {
            Ok(found) => found.map(|(session, _)| session),
            Err(e) => return crate::http::login::internal(&e),
        },
        None => None,
    };
    let reply = match inbound {
        Ok(inbound) => sp_initiated(&state.hub, &tenant, inbound, browser_session).await,
        Err(e) => Err(e),
    };
    match reply {
        Ok(LogoutReply::Redirect(url)) => see_other(&url),
        Ok(LogoutReply::Post {
            url,
            saml_response,
            relay_state,
        }) => post_page(
            &url,
            MessageField::Response,
            &saml_response,
            relay_state.as_deref(),
        ),
        Err(e) => failure(&e),
    }
}
