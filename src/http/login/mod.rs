//! The hosted pages of each tenant under `/t/{tenant}/`: the password login
//! form, the signed-in account page, and logout. Plain server-rendered HTML
//! forms (no JavaScript), CSRF-protected, with the session in an `HttpOnly`
//! cookie scoped to the tenant's path.

pub mod account;
pub mod cookies;
pub mod csrf;
pub mod page;
pub mod return_to;
pub mod upstream;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use crate::adapters::oidc::backchannel::log_out;
use crate::adapters::saml::logout::{session_end_notices, SessionEndNotices};
use crate::core::tenant::Tenant;
use crate::http::saml::after_logout;
use crate::secrets::tokens::new_token;
use crate::service::login::{LoginContext, LoginError};
use crate::service::ServiceError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/t/{tenant}/login", get(show_login).post(submit_login))
        .route("/t/{tenant}/account", get(account::show))
        .route("/t/{tenant}/account/apps/revoke", post(account::revoke_app))
        .route(
            "/t/{tenant}/account/identities/remove",
            post(account::unlink_identity),
        )
        .route("/t/{tenant}/logout", get(confirm_logout).post(logout))
        .route("/t/{tenant}/login/idp/{name}", get(upstream::start))
        .route(
            "/t/{tenant}/login/idp/{name}/callback",
            get(upstream::callback).post(upstream::callback),
        )
        .route(
            "/t/{tenant}/login/idp/{name}/logged-out",
            get(upstream::logged_out),
        )
}

/// Who is logging in from where, for the session and the audit event.
pub(crate) fn login_context(ip: Option<String>, headers: &HeaderMap) -> LoginContext {
    LoginContext {
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// The client's address as the socket saw it. (Behind a reverse proxy this
/// is the proxy; trusting `X-Forwarded-For` needs an explicit setting, which
/// does not exist yet.)
#[derive(Debug, Clone, Default)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string()),
        ))
    }
}

#[derive(Debug, Deserialize)]
pub struct ReturnQuery {
    return_to: Option<String>,
    /// Show the form even to a signed-in user (OIDC `prompt=login`, `max_age`).
    force: Option<String>,
    /// Pre-fills the username (OIDC `login_hint`).
    login_hint: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginSubmission {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    return_to: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// The page builder for one request: the tenant, its paths, and the CSRF
/// nonce (kept from the cookie, or new — then set on the response).
pub(crate) struct Pages<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) tenant: Tenant,
    nonce: String,
    new_nonce: bool,
}

impl<'a> Pages<'a> {
    pub(crate) async fn open(
        state: &'a AppState,
        slug: &str,
        headers: &HeaderMap,
    ) -> Result<Self, Response> {
        let tenant = match state.hub.tenant(slug).await {
            Ok(t) => t,
            Err(ServiceError::NotFound(_) | ServiceError::Invalid { .. }) => {
                return Err(html(
                    StatusCode::NOT_FOUND,
                    page::message("Not found", "There is no such tenant here."),
                ))
            }
            Err(e) => return Err(internal(&e)),
        };
        let existing = cookies::read(headers, cookies::CSRF).filter(|n| n.len() == 43);
        let new_nonce = existing.is_none();
        let nonce = existing.unwrap_or_else(|| new_token(""));
        Ok(Self {
            state,
            tenant,
            nonce,
            new_nonce,
        })
    }

    pub(crate) fn path(&self, leaf: &str) -> String {
        format!("/t/{}/{leaf}", self.tenant.slug)
    }

    pub(crate) fn csrf(&self) -> String {
        csrf::form_token(&self.state.hub, &self.tenant, &self.nonce)
    }

    pub(crate) fn csrf_ok(&self, headers: &HeaderMap, submitted: &str) -> bool {
        let nonce = cookies::read(headers, cookies::CSRF);
        csrf::verify(&self.state.hub, &self.tenant, nonce.as_deref(), submitted)
    }

    pub(crate) fn cookie(
        &self,
        name: &str,
        value: &str,
        max_age: Option<time::Duration>,
    ) -> HeaderValue {
        cookies::set(
            name,
            value,
            self.tenant.slug.as_str(),
            self.state.secure_cookies,
            max_age,
        )
    }

    /// The answer to a login that succeeded: on to `return_to` (else the
    /// account page) with the session cookie.
    pub(crate) fn after_login(&self, token: &str, return_to: Option<String>) -> Response {
        let lifetime = time::Duration::seconds(self.tenant.settings.session_absolute_seconds);
        let mut response = see_other(&return_to.unwrap_or_else(|| self.path("account")));
        let cookie = self.cookie(cookies::SESSION, token, Some(lifetime));
        response.headers_mut().append(header::SET_COOKIE, cookie);
        response
    }

    /// A `Set-Cookie` sent back also on a cross-site POST (`SameSite=None`,
    /// which browsers accept only with `Secure`, so on an https public URL).
    pub(crate) fn cross_site_cookie(
        &self,
        name: &str,
        value: &str,
        max_age: time::Duration,
    ) -> HeaderValue {
        cookies::set_cross_site(
            name,
            value,
            self.tenant.slug.as_str(),
            self.state.secure_cookies,
            max_age,
        )
    }

    /// A response carrying `body`, plus the CSRF cookie when it is new.
    pub(crate) fn respond(&self, status: StatusCode, body: String) -> Response {
        let mut response = html(status, body);
        if self.new_nonce {
            let cookie = self.cookie(cookies::CSRF, &self.nonce, Some(time::Duration::days(1)));
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }

    pub(crate) async fn login_form(
        &self,
        status: StatusCode,
        username: &str,
        return_to: Option<&str>,
        error: Option<&str>,
    ) -> Response {
        let action = self.path("login");
        let csrf = self.csrf();
        let (providers, home_realm) = match self.providers(return_to).await {
            Ok(p) => p,
            Err(e) => return internal(&e),
        };
        let body = page::login(&page::LoginForm {
            home_realm,
            tenant_name: &self.tenant.display_name,
            action: &action,
            csrf: &csrf,
            username,
            return_to,
            error,
            providers: &providers,
        });
        self.respond(status, body)
    }

    /// The login page's upstream providers: label and start URL each; and
    /// whether one takes users by email domain.
    async fn providers(
        &self,
        return_to: Option<&str>,
    ) -> Result<(Vec<(String, String)>, bool), ServiceError> {
        let idps = self
            .state
            .hub
            .list_upstreams(&self.tenant, crate::store::Page::first(100))
            .await?;
        let home_realm = idps.iter().any(|idp| !idp.domains().is_empty());
        let buttons = idps
            .into_iter()
            .map(|idp| {
                (
                    idp.display_name.clone(),
                    upstream::start_path(self, &idp.name, return_to),
                )
            })
            .collect();
        Ok((buttons, home_realm))
    }

    pub(crate) async fn signed_in(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<crate::core::user::User>, Response> {
        Ok(self.session(headers).await?.map(|(_, user)| user))
    }

    /// The live session of the request's cookie, with its user.
    pub(crate) async fn session(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<(crate::core::session::Session, crate::core::user::User)>, Response> {
        let Some(token) = cookies::read(headers, cookies::SESSION) else {
            return Ok(None);
        };
        self.state
            .hub
            .session_from_token(&self.tenant, &token)
            .await
            .map_err(|e| internal(&e))
    }
}

pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

pub(crate) fn internal(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "hosted page failed");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        page::message("Something went wrong", "Please try again in a moment."),
    )
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn bad_query() -> Response {
    html(
        StatusCode::BAD_REQUEST,
        page::message("Bad request", "The address of this page is malformed."),
    )
}

async fn show_login(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<ReturnQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(query)) = query else {
        return bad_query();
    };
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let return_to = return_to::sanitize(query.return_to.as_deref());
    let hint: String = query
        .login_hint
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let force = query.force.is_some_and(|f| f == "1");
    match pages.signed_in(&headers).await {
        Ok(Some(_)) if !force => see_other(&return_to.unwrap_or_else(|| pages.path("account"))),
        Ok(Some(_)) => {
            pages
                .login_form(StatusCode::OK, &hint, return_to.as_deref(), None)
                .await
        }
        Ok(None) => {
            pages
                .login_form(StatusCode::OK, &hint, return_to.as_deref(), None)
                .await
        }
        Err(r) => r,
    }
}

async fn submit_login(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginSubmission>, axum::extract::rejection::FormRejection>,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) => {
            let status = match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            return pages
                .login_form(
                    status,
                    "",
                    None,
                    Some("The form was malformed; please try again."),
                )
                .await;
        }
    };
    let return_to = return_to::sanitize(form.return_to.as_deref());
    let username: String = form.username.chars().take(256).collect();
    if !pages.csrf_ok(&headers, &form.csrf) {
        return pages
            .login_form(
                StatusCode::FORBIDDEN,
                &username,
                return_to.as_deref(),
                Some("This form has expired. Please sign in again."),
            )
            .await;
    }
    // Home-realm discovery: an email alone, of a domain a provider takes,
    // goes to that provider.
    if form.password.is_empty() && username.contains('@') {
        match state.hub.upstream_for_email(&pages.tenant, &username).await {
            Ok(Some(idp)) => {
                return see_other(&upstream::start_path(
                    &pages,
                    &idp.name,
                    return_to.as_deref(),
                ))
            }
            Ok(None) => {}
            Err(e) => return internal(&e),
        }
    }
    let ctx = login_context(ip, &headers);
    match state
        .hub
        .password_login(&pages.tenant, &form.username, &form.password, &ctx)
        .await
    {
        Ok((_, token, user)) => {
            let mut response = pages.after_login(&token, return_to);
            // A sign-in that proves the account is theirs completes the link
            // an upstream login parked in this browser.
            if let Some(parked) = cookies::read(&headers, upstream::PARKED_LINK_COOKIE) {
                match state
                    .hub
                    .claim_parked_link(&pages.tenant, &parked, &user)
                    .await
                {
                    Ok(Some(idp)) => {
                        tracing::info!(%idp, "identity linked after the owner signed in")
                    }
                    Ok(None) => {}
                    Err(e) => return internal(&e),
                }
                let clear = pages.cookie(upstream::PARKED_LINK_COOKIE, "", None);
                response.headers_mut().append(header::SET_COOKIE, clear);
            }
            response
        }
        Err(LoginError::InvalidCredentials) => {
            pages
                .login_form(
                    StatusCode::UNAUTHORIZED,
                    &username,
                    return_to.as_deref(),
                    Some("Invalid username or password."),
                )
                .await
        }
        Err(LoginError::Throttled {
            retry_after_seconds,
        }) => {
            let mut response = pages
                .login_form(
                    StatusCode::TOO_MANY_REQUESTS,
                    &username,
                    return_to.as_deref(),
                    Some("Too many failed attempts. Please wait a few minutes and try again."),
                )
                .await;
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_seconds.max(1)),
            );
            response
        }
        Err(LoginError::Service(e)) => internal(&e),
    }
}

async fn confirm_logout(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let body = page::confirm_logout(
        &pages.tenant.display_name,
        &pages.path("logout"),
        &pages.csrf(),
    );
    pages.respond(StatusCode::OK, body)
}

async fn logout(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<CsrfOnly>, axum::extract::rejection::FormRejection>,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let submitted = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !pages.csrf_ok(&headers, &submitted) {
        let body = page::confirm_logout(
            &pages.tenant.display_name,
            &pages.path("logout"),
            &pages.csrf(),
        );
        return pages.respond(StatusCode::FORBIDDEN, body);
    }
    // Its grants end with it, its OIDC clients hear by back channel, its
    // SAML applications and upstream IdP through the browser.
    let next = pages.path("login");
    let mut notices = SessionEndNotices::default();
    match pages.session(&headers).await {
        Ok(Some((session, user))) => {
            let token = cookies::read(&headers, cookies::SESSION).unwrap_or_default();
            let tenant = &pages.tenant;
            notices = match session_end_notices(&state.hub, tenant, &session, &next).await {
                Ok(n) => n,
                Err(e) => return internal(&e),
            };
            if let Err(e) = log_out(&state.hub, tenant, &token, &session, user.id, ip).await {
                return internal(&e);
            }
        }
        Ok(None) => {}
        Err(r) => return r,
    }
    let mut response = after_logout(&pages.tenant.display_name, notices, &next);
    response
        .headers_mut()
        .append(header::SET_COOKIE, pages.cookie(cookies::SESSION, "", None));
    response
}
