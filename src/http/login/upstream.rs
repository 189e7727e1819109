//! Logins through the tenant's upstream identity providers.
//! `GET /t/{tenant}/login/idp/{name}` starts one — the login page's buttons,
//! home-realm discovery and OIDC `idp_hint` lead here. The browser goes to
//! the provider and comes back to the provider's endpoint: for SAML the
//! ACS, for OIDC / OAuth 2.0 `/t/{tenant}/login/idp/{name}/callback`
//! (handled here, the `state` bound to the browser by a cookie); then to
//! `return_to`. `/t/{tenant}/login/idp/{name}/logged-out` is where an OIDC
//! provider sends the browser back after RP-Initiated Logout.

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use usso_saml::binding::MessageField;

use super::{cookies, html, internal, login_context, page, return_to, see_other, ClientIp, Pages};
use crate::adapters::oidc::upstream::{self as oidc_upstream, Callback, OidcLoginError};
use crate::adapters::oidc::upstream_logout;
use crate::adapters::saml::upstream::{start_login, Outbound};
use crate::adapters::saml::SsoError;
use crate::core::upstream_idp::{UpstreamConfig, UpstreamIdp};
use crate::http::saml::sp::account_refused;
use crate::http::saml::sso::post_page;
use crate::http::AppState;
use crate::service::ServiceError;

/// The cookie binding an OIDC login's `state` to the browser that started
/// it (login CSRF, OIDC Core §15.5.2 / RFC 6749 §10.12).
pub const STATE_COOKIE: &str = "usso_upstream_state";
/// The cookie carrying a parked link's token until the account's owner
/// signs in (see [`crate::service::federation`]).
pub const PARKED_LINK_COOKIE: &str = "usso_parked_link";

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    return_to: Option<String>,
}

/// The path that starts a login through provider `name`.
pub(crate) fn start_path(pages: &Pages<'_>, name: &str, return_to: Option<&str>) -> String {
    let mut path = pages.path(&format!("login/idp/{name}"));
    if let Some(r) = return_to {
        path.push_str("?return_to=");
        path.extend(url::form_urlencoded::byte_serialize(r.as_bytes()));
    }
    path
}

pub async fn start(
    State(state): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    query: Result<Query<StartQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let return_to = query
        .ok()
        .and_then(|Query(q)| return_to::sanitize(q.return_to.as_deref()));
    let idp = match state.hub.find_upstream(&pages.tenant, &name).await {
        Ok(idp) if idp.name == name => idp,
        Ok(_) | Err(ServiceError::NotFound(_)) => {
            return pages
                .login_form(
                    StatusCode::NOT_FOUND,
                    "",
                    return_to.as_deref(),
                    Some("That sign-in option does not exist here; choose another."),
                )
                .await
        }
        Err(e) => return internal(&e),
    };
    match &idp.config {
        UpstreamConfig::Oidc(_) | UpstreamConfig::OAuth2(_) => {
            match oidc_upstream::start_login(&state.hub, &pages.tenant, &idp, return_to).await {
                Ok((url, login_state)) => {
                    let mut response = see_other(&url);
                    let lifetime = oidc_upstream::PENDING_LIFETIME;
                    // A provider answering with a cross-site POST (form_post)
                    // gets the cookie only if it is SameSite=None.
                    let form_post = idp.oidc().is_some_and(|o| {
                        o.settings
                            .extra_params
                            .get("response_mode")
                            .map(String::as_str)
                            == Some("form_post")
                    });
                    let cookie = if form_post {
                        pages.cross_site_cookie(STATE_COOKIE, &login_state, lifetime)
                    } else {
                        pages.cookie(STATE_COOKIE, &login_state, Some(lifetime))
                    };
                    response.headers_mut().append(header::SET_COOKIE, cookie);
                    response
                }
                Err(e) => oidc_refused(&idp, &e),
            }
        }
        UpstreamConfig::Saml(_) => {
            match start_login(&state.hub, &pages.tenant, &idp, return_to).await {
                Ok(Outbound::Redirect(url)) => see_other(&url),
                Ok(Outbound::Post { url, saml_request }) => {
                    post_page(&url, MessageField::Request, &saml_request, None)
                }
                Err(SsoError::Service(e)) => internal(&e),
                Err(e) => {
                    tracing::warn!(idp = %idp.name, error = %e, "cannot start an upstream SAML login");
                    html(
                        StatusCode::BAD_GATEWAY,
                        page::message(
                            "This sign-in option is not available",
                            "The identity provider is not set up correctly. Tell your administrator.",
                        ),
                    )
                }
            }
        }
    }
}

/// The page for a failed OIDC / OAuth 2.0 login: what the user can do; the
/// reason goes to the log.
fn oidc_refused(idp: &UpstreamIdp, e: &OidcLoginError) -> Response {
    match e {
        OidcLoginError::Service(e) => internal(e),
        OidcLoginError::LinkParked { .. } => {
            account_refused(&crate::service::federation::FederationError::EmailTaken)
        }
        OidcLoginError::Account(e) => {
            tracing::info!(idp = %idp.name, reason = %e, "federated login refused by the account rules");
            account_refused(e)
        }
        OidcLoginError::Unavailable(reason) => {
            tracing::warn!(idp = %idp.name, %reason, "upstream provider unavailable");
            html(
                StatusCode::BAD_GATEWAY,
                page::message(
                    "This sign-in option is not available right now",
                    "The identity provider could not be reached or answered in a way that cannot be used. Try again later, or tell your administrator.",
                ),
            )
        }
        OidcLoginError::BadCallback(reason) => {
            tracing::info!(idp = %idp.name, %reason, "upstream callback refused");
            html(
                StatusCode::BAD_REQUEST,
                page::message(
                    "This sign-in link cannot be used",
                    "It was already used, has expired, or was not started in this browser. Start signing in again.",
                ),
            )
        }
        OidcLoginError::Refused(reason) => {
            tracing::warn!(idp = %idp.name, %reason, "upstream answer refused");
            html(
                StatusCode::FORBIDDEN,
                page::message(
                    "Sign-in refused",
                    "The identity provider's answer could not be trusted. Start signing in again; if it happens again, tell your administrator.",
                ),
            )
        }
    }
}

/// The provider named in the path, or the response to send.
async fn provider(
    state: &AppState,
    pages: &Pages<'_>,
    name: &str,
) -> Result<UpstreamIdp, Response> {
    match state.hub.find_upstream(&pages.tenant, name).await {
        Ok(idp) if idp.name == name => Ok(idp),
        Ok(_) | Err(ServiceError::NotFound(_)) => Err(html(
            StatusCode::NOT_FOUND,
            page::message("Not found", "That sign-in option does not exist here."),
        )),
        Err(e) => Err(internal(&e)),
    }
}

/// `GET /t/{tenant}/login/idp/{name}/callback`: the provider's answer
/// (RFC 6749 §4.1.2); `POST` for `response_mode=form_post`.
pub async fn callback(
    State(state): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let idp = match provider(&state, &pages, &name).await {
        Ok(idp) => idp,
        Err(r) => return r,
    };
    let raw = match query.as_deref() {
        Some(q) if !q.is_empty() => q.as_bytes().to_vec(),
        _ => body.to_vec(),
    };
    let answer = parse_callback(&raw);
    let bound = cookies::read(&headers, STATE_COOKIE);
    let ctx = login_context(ip, &headers);
    let result = oidc_upstream::finish_login(
        &state.hub,
        &pages.tenant,
        &idp,
        &answer,
        bound.as_deref(),
        &ctx,
    )
    .await;
    let mut response = match result {
        Ok((login, return_to)) => pages.after_login(&login.token, return_to),
        Err(OidcLoginError::LinkParked {
            token,
            email,
            return_to,
        }) => {
            tracing::info!(idp = %idp.name, "federated login parked until the account's owner signs in");
            let message = format!(
                "An account with the email {email} already exists here. Sign in to it once to link your {} sign-in to it.",
                idp.display_name
            );
            let mut response = pages
                .login_form(
                    StatusCode::CONFLICT,
                    &email,
                    return_to.as_deref(),
                    Some(&message),
                )
                .await;
            let lifetime = crate::service::federation::PARKED_LINK_LIFETIME;
            let cookie = pages.cookie(PARKED_LINK_COOKIE, &token, Some(lifetime));
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => oidc_refused(&idp, &e),
    };
    if bound.is_some() {
        let clear = pages.cookie(STATE_COOKIE, "", None);
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// The callback's parameters; a repeated one makes the whole answer unusable
/// (RFC 6749 §3.1: parameters must not be included more than once).
fn parse_callback(raw: &[u8]) -> Callback {
    let mut c = Callback::default();
    for (k, v) in url::form_urlencoded::parse(raw) {
        let slot = match k.as_ref() {
            "code" => &mut c.code,
            "state" => &mut c.state,
            "error" => &mut c.error,
            "error_description" => &mut c.error_description,
            "iss" => &mut c.iss,
            "user" => &mut c.user,
            _ => continue,
        };
        if slot.is_some() {
            return Callback::default();
        }
        *slot = Some(v.into_owned());
    }
    c
}

#[derive(Debug, Deserialize)]
pub struct LoggedOutQuery {
    state: Option<String>,
}

/// `GET /t/{tenant}/login/idp/{name}/logged-out`: back from the provider's
/// end-session endpoint, on to where the logout was going.
pub async fn logged_out(
    State(state): State<AppState>,
    Path((slug, name)): Path<(String, String)>,
    query: Result<Query<LoggedOutQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let login = pages.path("login");
    let Some(logout_state) = query.ok().and_then(|Query(q)| q.state) else {
        return see_other(&login);
    };
    let idp = match provider(&state, &pages, &name).await {
        Ok(idp) => idp,
        Err(_) => return see_other(&login),
    };
    match upstream_logout::logged_out(&state.hub, &pages.tenant, &idp, &logout_state).await {
        Ok(Some(next)) if !next.is_empty() => see_other(&next),
        Ok(_) => see_other(&login),
        Err(e) => internal(&e),
    }
}
