//! The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0 §2–§3),
//! GET and POST: a relying party sends the browser here to sign the user
//! out of the tenant.
//!
//! The `id_token_hint` is verified with the tenant's keys (an expired one is
//! still a hint, §2) and must name this issuer; its audience identifies the
//! client, and must agree with `client_id` when both are sent. A
//! `post_logout_redirect_uri` must be one the client registered, exactly
//! (§3.1); otherwise, or when no client is identified, the request gets an
//! error page and never a redirect. The user is asked to confirm (a
//! CSRF-protected form) unless the hint's `sid` is the browser's live
//! session, which is then ended at once. Ending it revokes the session's
//! grants and notifies clients by Back-Channel Logout
//! ([`crate::adapters::oidc::backchannel`]). Then the browser goes back to
//! the `post_logout_redirect_uri` with `state` (§3), or sees a page saying it
//! is signed out. `ui_locales` and `logout_hint` are accepted and not used.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use super::authorize::form_action_source;
use crate::adapters::oidc::backchannel::log_out;
use crate::adapters::oidc::id_token_hint::{self, HintError};
use crate::adapters::saml::logout::session_end_notices;
use crate::core::client::Client;
use crate::http::login::{cookies, html, internal, page, see_other, ClientIp, Pages};
use crate::http::saml::after_logout;
use crate::http::AppState;
use crate::service::ServiceError;

/// The parameters of RP-Initiated Logout 1.0 §2, plus the confirmation.
const PARAMS: [&str; 8] = [
    "id_token_hint",
    "client_id",
    "post_logout_redirect_uri",
    "state",
    "ui_locales",
    "logout_hint",
    "csrf",
    "confirm",
];

/// A logout request, each parameter once (an empty value counts as absent).
#[derive(Debug, Default)]
struct LogoutRequest {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    csrf: Option<String>,
    confirm: bool,
}

impl LogoutRequest {
    fn parse(raw: &[u8]) -> Result<Self, &'static str> {
        let mut seen: Vec<(String, String)> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(raw).into_owned() {
            if !PARAMS.contains(&name.as_str()) || value.is_empty() {
                continue;
            }
            if seen.iter().any(|(n, _)| *n == name) {
                return Err("A parameter of the logout request is repeated.");
            }
            seen.push((name, value));
        }
        let take = |name: &str| seen.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        Ok(Self {
            id_token_hint: take("id_token_hint"),
            client_id: take("client_id"),
            post_logout_redirect_uri: take("post_logout_redirect_uri"),
            state: take("state"),
            csrf: take("csrf"),
            confirm: take("confirm").is_some(),
        })
    }
}

/// What a checked request allows.
#[derive(Debug)]
struct Checked {
    client: Option<Client>,
    /// The registered `post_logout_redirect_uri` to return to.
    redirect: Option<String>,
    /// The `sid` of a verified `id_token_hint`.
    hint_sid: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    end_session(
        &state,
        &slug,
        ip,
        &headers,
        query.unwrap_or_default().as_bytes(),
    )
    .await
}

pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !super::is_form(&headers) {
        return fatal("The logout request must be a form (application/x-www-form-urlencoded).");
    }
    end_session(&state, &slug, ip, &headers, &body).await
}

fn fatal(description: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        page::message(
            "The application sent an invalid logout request",
            description,
        ),
    )
}

async fn check(
    state: &AppState,
    pages: &Pages<'_>,
    request: &LogoutRequest,
) -> Result<Checked, Response> {
    let hub = &state.hub;
    let tenant = &pages.tenant;
    let mut hint_client = None;
    let mut hint_sid = None;
    if let Some(raw) = &request.id_token_hint {
        let hint = match id_token_hint::read(hub, tenant, raw).await {
            Ok(h) => h,
            Err(HintError::Invalid) => {
                return Err(fatal(
                    "The id_token_hint is not an ID token of this provider.",
                ))
            }
            Err(HintError::Service(e)) => return Err(internal(&e)),
        };
        match (&request.client_id, hint.audience.as_slice()) {
            (Some(client_id), audience) if !audience.contains(client_id) => {
                return Err(fatal(
                    "The client_id does not match the audience of the id_token_hint.",
                ))
            }
            (Some(_), _) => {}
            (None, [only]) => hint_client = Some(only.clone()),
            (None, _) => {
                return Err(fatal(
                    "The id_token_hint has several audiences: send client_id too.",
                ))
            }
        }
        hint_sid = hint.session_id;
    }
    let client_id = request.client_id.clone().or(hint_client);
    let client = match &client_id {
        None => None,
        Some(id) => match hub.find_client(tenant, id).await {
            Ok(c) => Some(c),
            Err(ServiceError::NotFound(_)) => {
                return Err(fatal("The logout request names an unknown client."))
            }
            Err(e) => return Err(internal(&e)),
        },
    };
    let redirect = match (&request.post_logout_redirect_uri, &client) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(fatal(
                "A post_logout_redirect_uri needs an id_token_hint or a client_id.",
            ))
        }
        (Some(uri), Some(c)) if c.post_logout_redirect_uris.iter().any(|r| r == uri) => {
            Some(uri.clone())
        }
        (Some(_), Some(_)) => {
            return Err(fatal(
                "The post_logout_redirect_uri is not registered for this client.",
            ))
        }
    };
    Ok(Checked {
        client,
        redirect,
        hint_sid,
    })
}

async fn end_session(
    state: &AppState,
    slug: &str,
    ip: Option<String>,
    headers: &HeaderMap,
    raw: &[u8],
) -> Response {
    let pages = match Pages::open(state, slug, headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let request = match LogoutRequest::parse(raw) {
        Ok(r) => r,
        Err(description) => return fatal(description),
    };
    let checked = match check(state, &pages, &request).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let session = match pages.session(headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some((session, user)) = session else {
        // No one to sign out here: the user is already signed out.
        return done(&pages, &checked, &request, false);
    };
    if request.confirm {
        if !pages.csrf_ok(headers, request.csrf.as_deref().unwrap_or("")) {
            return confirmation(&pages, &checked, &request, StatusCode::FORBIDDEN);
        }
    } else if checked.hint_sid.as_deref() != Some(session.id.to_string().as_str()) {
        return confirmation(&pages, &checked, &request, StatusCode::OK);
    }
    let token = cookies::read(headers, cookies::SESSION).unwrap_or_default();
    let response = done(&pages, &checked, &request, true);
    // Where `done` goes: after the SAML applications and the upstream IdP
    // heard of the logout, when there are any.
    let next = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let notices = match session_end_notices(
        &state.hub,
        &pages.tenant,
        &session,
        next.as_deref().unwrap_or(&pages.path("login")),
    )
    .await
    {
        Ok(n) => n,
        Err(e) => return internal(&e),
    };
    if let Err(e) = log_out(&state.hub, &pages.tenant, &token, &session, user.id, ip).await {
        return internal(&e);
    }
    if notices.frames.is_empty() && notices.upstream.is_none() {
        return response;
    }
    let next = next.unwrap_or_else(|| pages.path("login"));
    let mut page = after_logout(&pages.tenant.display_name, notices, &next);
    page.headers_mut()
        .append(header::SET_COOKIE, pages.cookie(cookies::SESSION, "", None));
    page
}

/// Asks the user to confirm, with the checked request in hidden fields.
fn confirmation(
    pages: &Pages<'_>,
    checked: &Checked,
    request: &LogoutRequest,
    status: StatusCode,
) -> Response {
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            page::escape(name),
            page::escape(value)
        )
    };
    let mut fields = hidden("csrf", &pages.csrf());
    fields.push_str(&hidden("confirm", "yes"));
    let pairs = [
        ("id_token_hint", &request.id_token_hint),
        ("client_id", &request.client_id),
        (
            "post_logout_redirect_uri",
            &request.post_logout_redirect_uri,
        ),
        ("state", &request.state),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            fields.push_str(&hidden(name, value));
        }
    }
    let asked_by = checked
        .client
        .as_ref()
        .map(|c| format!("<p>{} asks to sign you out.</p>", page::escape(&c.name)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign out of {tenant}?</h1>{asked_by}\
         <form method=\"post\" action=\"{action}\">{fields}\
         <button type=\"submit\">Sign out</button></form>",
        tenant = page::escape(&pages.tenant.display_name),
        action = page::escape(&pages.path("end-session")),
    );
    let mut response = pages.respond(
        status,
        page::layout(&format!("Sign out · {}", pages.tenant.display_name), &body),
    );
    // The POST ends in a redirect to the client, which `form-action` covers.
    if let Some(origin) = checked.redirect.as_deref().map(form_action_source) {
        let csp = format!(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self' {origin}; frame-ancestors 'none'; base-uri 'none'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    response
}

/// After logout (or with no one signed in): back to the client with
/// `state`, or a page that says so; the session cookie is cleared.
fn done(
    pages: &Pages<'_>,
    checked: &Checked,
    request: &LogoutRequest,
    logged_out: bool,
) -> Response {
    let back = checked
        .redirect
        .as_deref()
        .and_then(|uri| match &request.state {
            // Sent back as registered, byte for byte, when there is nothing to add.
            None => Some(uri.to_owned()),
            Some(state) => url::Url::parse(uri).ok().map(|mut url| {
                url.query_pairs_mut().append_pair("state", state);
                url.to_string()
            }),
        });
    let mut response = match back {
        Some(location) => see_other(&location),
        None => {
            let text = if logged_out {
                "You have been signed out."
            } else {
                "No one is signed in here."
            };
            html(
                StatusCode::OK,
                page::message(
                    &format!("You are signed out of {}", pages.tenant.display_name),
                    text,
                ),
            )
        }
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, pages.cookie(cookies::SESSION, "", None));
    response
}
