//! USSO as SAML service provider towards the tenant's upstream IdPs, under
//! `/t/{tenant}/saml/sp/`: the SP metadata (its URL is the SP's entityID)
//! the AssertionConsumerService where IdPs post their Responses (SAML
//! Bindings §3.5, Profiles §4.1.4.3), and the SingleLogoutService where
//! they end the sessions they started (Profiles §4.4). A good Response logs its user in and
//! sends the browser where the login started; anything else ends on an
//! error page that says what the user can do, the reason going to the log.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use usso_saml::binding::{InboundMessage, Limits, MessageField};

use super::sso::post_page;
use super::{carries_response, posted_request, redirected_request, xml};
use crate::adapters::saml::logout::LogoutReply;
use crate::adapters::saml::upstream::{finish_login, sp_metadata, UpstreamLoginError};
use crate::adapters::saml::upstream_logout::{idp_initiated, logout_returned};
use crate::adapters::saml::SsoError;
use crate::http::login::{html, internal, login_context, page, see_other, ClientIp, Pages};
use crate::http::AppState;
use crate::service::federation::FederationError;

/// `GET /t/{tenant}/saml/sp/metadata` (SAML Metadata §2.4.4).
pub async fn metadata(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let tenant = match state.hub.tenant(&slug).await {
        Ok(t) => t,
        Err(_) => {
            return html(
                StatusCode::NOT_FOUND,
                page::message("Not found", "There is no such tenant here."),
            )
        }
    };
    match sp_metadata(&state.hub, &tenant).await {
        Ok(doc) => xml("application/samlmetadata+xml", doc),
        Err(e) => refused(&e),
    }
}

fn posted_response(body: &[u8]) -> Result<InboundMessage, SsoError> {
    let mut response = None;
    let mut relay_state = None;
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "SAMLResponse" => response = Some(value.into_owned()),
            "RelayState" => relay_state = Some(value.into_owned()),
            _ => {}
        }
    }
    let response =
        response.ok_or_else(|| SsoError::Refused("a POST without SAMLResponse".into()))?;
    Ok(InboundMessage::from_post(
        &response,
        relay_state.as_deref(),
        MessageField::Response,
        &Limits::default(),
    )?)
}

fn refused(error: &SsoError) -> Response {
    match error {
        SsoError::Refused(reason) | SsoError::Unsatisfiable(reason) => {
            tracing::warn!(%reason, "upstream SAML Response refused");
            html(
                StatusCode::BAD_REQUEST,
                page::message(
                    "The identity provider's answer cannot be accepted",
                    "Go back to the sign-in page and try again. If it keeps happening, tell your administrator.",
                ),
            )
        }
        SsoError::Service(e) => internal(e),
    }
}

pub(crate) fn account_refused(error: &FederationError) -> Response {
    let (title, text) = match error {
        FederationError::NoAccount => (
            "No account",
            "Your identity provider knows you, but you have no account here. Ask your administrator for one.",
        ),
        FederationError::EmailTaken => (
            "Account already exists",
            "An account with your email address already exists. Sign in with it first; your administrator can then link your identity provider to it.",
        ),
        FederationError::Disabled => ("Account disabled", "This account is disabled."),
        FederationError::Service(e) => return internal(e),
    };
    html(StatusCode::FORBIDDEN, page::message(title, text))
}

/// `POST /t/{tenant}/saml/sp/acs`: an upstream IdP's Response.
pub async fn acs(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let inbound = match posted_response(&body) {
        Ok(m) => m,
        Err(e) => return refused(&e),
    };
    let ctx = login_context(ip, &headers);
    match finish_login(&state.hub, &pages.tenant, inbound, &ctx).await {
        Ok((login, return_to)) => pages.after_login(&login.token, return_to),
        Err(UpstreamLoginError::Refused(e)) => refused(&e),
        Err(UpstreamLoginError::Account(e)) => {
            tracing::info!(reason = %e, "federated login refused by the account rules");
            account_refused(&e)
        }
    }
}

/// `GET /t/{tenant}/saml/sp/slo`: an upstream IdP's LogoutRequest over
/// HTTP-Redirect.
pub async fn slo_redirect(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let raw = query.as_deref().unwrap_or("");
    if carries_response(raw.as_bytes()) {
        let inbound =
            InboundMessage::from_redirect(raw, MessageField::Response, &Limits::default())
                .map_err(SsoError::from);
        return logout_answered(&state, &slug, inbound).await;
    }
    upstream_logout(&state, &slug, redirected_request(query.as_deref())).await
}

/// `POST /t/{tenant}/saml/sp/slo`: the same over HTTP-POST.
pub async fn slo_post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    if carries_response(&body) {
        return logout_answered(&state, &slug, posted_response(&body)).await;
    }
    upstream_logout(&state, &slug, posted_request(&body)).await
}

/// The IdP's LogoutResponse to USSO's LogoutRequest: on to the path kept
/// with the request, or to the login page when the answer is refused (the
/// session ended before the request left).
async fn logout_answered(
    state: &AppState,
    slug: &str,
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
    let login = format!("/t/{}/login", tenant.slug);
    let answered = match inbound {
        Ok(inbound) => logout_returned(&state.hub, &tenant, inbound).await,
        Err(e) => Err(e),
    };
    match answered {
        Ok(next) if !next.is_empty() => see_other(&next),
        Ok(_) => see_other(&login),
        Err(SsoError::Service(e)) => internal(&e),
        Err(e) => {
            tracing::warn!(reason = %e, "upstream LogoutResponse refused");
            see_other(&login)
        }
    }
}

async fn upstream_logout(
    state: &AppState,
    slug: &str,
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
    let reply = match inbound {
        Ok(inbound) => idp_initiated(&state.hub, &tenant, inbound).await,
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
        Err(e) => refused(&e),
    }
}
