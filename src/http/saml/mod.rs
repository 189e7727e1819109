//! Each tenant's SAML 2.0 IdP over HTTP, under its issuer `/t/{tenant}`:
//! metadata, single sign-on over HTTP-Redirect and HTTP-POST (SAML Bindings
//! §3.4, §3.5), the return from the login page, and IdP-initiated SSO; and
//! its SAML service provider towards upstream IdPs (`saml/sp/…`).
//! The wire is `usso_saml`; the checks and the assertion are
//! `adapters::saml`; these handlers parse, call and write.

pub mod slo;
pub mod sp;
pub mod sso;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::login::{html, page, see_other};
use super::AppState;
use crate::adapters::saml::logout::SessionEndNotices;
use usso_saml::binding::{InboundMessage, Limits, MessageField};

use crate::adapters::saml::SsoError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/t/{tenant}/saml/metadata", get(sso::metadata))
        .route("/t/{tenant}/saml/sso", get(sso::redirect).post(sso::post))
        .route("/t/{tenant}/saml/slo", get(slo::redirect).post(slo::post))
        .route("/t/{tenant}/saml/continue/{request}", get(sso::resume))
        .route("/t/{tenant}/saml/idp-initiated", get(sso::idp_initiated))
        .route("/t/{tenant}/saml/sp/metadata", get(sp::metadata))
        .route("/t/{tenant}/saml/sp/acs", post(sp::acs))
        .route(
            "/t/{tenant}/saml/sp/slo",
            get(sp::slo_redirect).post(sp::slo_post),
        )
}

/// A request message sent by HTTP-Redirect (Bindings §3.4): the raw query.
pub(crate) fn redirected_request(query: Option<&str>) -> Result<InboundMessage, SsoError> {
    Ok(InboundMessage::from_redirect(
        query.unwrap_or(""),
        MessageField::Request,
        &Limits::default(),
    )?)
}

/// A request message sent by HTTP-POST (Bindings §3.5): the form's
/// `SAMLRequest` and `RelayState`.
pub(crate) fn posted_request(body: &[u8]) -> Result<InboundMessage, SsoError> {
    let mut request = None;
    let mut relay_state = None;
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "SAMLRequest" => request = Some(value.into_owned()),
            "RelayState" => relay_state = Some(value.into_owned()),
            _ => {}
        }
    }
    let request = request.ok_or_else(|| SsoError::Refused("a POST without SAMLRequest".into()))?;
    Ok(InboundMessage::from_post(
        &request,
        relay_state.as_deref(),
        MessageField::Request,
        &Limits::default(),
    )?)
}

/// Whether a query or form carries a `SAMLResponse` (at an SLO endpoint:
/// the answer to a LogoutRequest USSO sent) rather than a `SAMLRequest`.
pub(crate) fn carries_response(raw: &[u8]) -> bool {
    url::form_urlencoded::parse(raw).any(|(name, _)| name == "SAMLResponse")
}

/// A refused or failed exchange: the reason goes to the log; the browser
/// gets a generic page (never a Response to an address we did not verify).
pub(crate) fn failure(error: &SsoError) -> Response {
    match error {
        SsoError::Refused(reason) | SsoError::Unsatisfiable(reason) => {
            tracing::warn!(%reason, "SAML request refused");
            html(
                StatusCode::BAD_REQUEST,
                page::message(
                    "The application sent a request that cannot be accepted",
                    "Go back to the application and try again. If it keeps happening, tell its administrator.",
                ),
            )
        }
        SsoError::Service(e) => super::login::internal(e),
    }
}

/// An XML document with its media type.
pub(crate) fn xml(content_type: &'static str, body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Where the browser goes once a session ended: through the page that
/// carries its LogoutRequests to its SAML applications (hidden frames, with
/// a CSP that lets it frame exactly their origins), then to the upstream
/// IdP's logout when the session came from one, then to `next`.
pub(crate) fn after_logout(tenant_name: &str, notices: SessionEndNotices, next: &str) -> Response {
    let then = notices.upstream.as_deref().unwrap_or(next);
    if notices.frames.is_empty() {
        return see_other(then);
    }
    let mut sources: Vec<String> = notices
        .frames
        .iter()
        .map(|u| crate::http::oidc::authorize::form_action_source(u))
        .collect();
    sources.sort();
    sources.dedup();
    let mut r = html(
        StatusCode::OK,
        page::signing_out(tenant_name, &notices.frames, then),
    );
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; frame-src {}; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
        sources.join(" ")
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}
