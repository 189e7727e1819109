//! The authorization endpoint (OIDC Core §3.1.2, RFC 6749 §4.1.1), GET and
//! POST: check the request (`usso_oidc::authorize`), make sure the user is
//! signed in (else the hosted login page, or `login_required` for
//! `prompt=none`), ask consent when needed, then answer with a single-use
//! code in the `query` or `form_post` mode, with `iss` (RFC 9207). Requests
//! whose client or redirect URI cannot be trusted get an error page and are
//! never redirected.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use usso_oidc::authorize::{AuthorizationRequest, AuthorizeError};
use usso_oidc::authorize_response::{AuthorizationResponse, Delivery};
use usso_oidc::{OAuthError, OAuthErrorCode};

use super::consent;
use crate::adapters::oidc::grants::{issue_code, Authorized};
use crate::adapters::oidc::id_token_hint::{self, HintError};
use crate::adapters::oidc::policy::{allows_code_flow, client_policy, subject};
use crate::core::oauth_grant::scope_within;
use crate::core::upstream_idp::parse_idp_name;
use crate::http::login::{html, internal, page, see_other, Pages};
use crate::http::AppState;
use crate::secrets::tokens::new_token;
use crate::service::ServiceError;
use crate::store::oauth_grants;

fn pairs_of(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let pairs = pairs_of(query.unwrap_or_default().as_bytes());
    authorize(&state, &slug, &headers, pairs, false).await
}

pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !super::is_form(&headers) {
        return fatal(
            "The authorization request must be a form (application/x-www-form-urlencoded).",
        );
    }
    authorize(&state, &slug, &headers, pairs_of(&body), true).await
}

fn fatal(description: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        page::message("The application sent an invalid request", description),
    )
}

/// The `form-action` CSP source that lets a page post to `redirect_uri`.
pub(crate) fn form_action_source(redirect_uri: &str) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(u) if u.origin().is_tuple() => u.origin().ascii_serialization(),
        Ok(u) => format!("{}:", u.scheme()),
        Err(_) => "'none'".into(),
    }
}

/// Sends an authorization response to the client.
fn deliver(response: &AuthorizationResponse, redirect_uri: &str) -> Response {
    let nonce = new_token("");
    match response.deliver(&nonce) {
        Delivery::Redirect(url) => see_other(&url),
        Delivery::FormPost(page) => {
            let mut r = html(StatusCode::OK, page);
            let csp = format!(
                "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; form-action {}; \
                 frame-ancestors 'none'; base-uri 'none'",
                form_action_source(redirect_uri)
            );
            if let Ok(v) = HeaderValue::from_str(&csp) {
                r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
            }
            r
        }
    }
}

fn reject(error: &AuthorizeError, issuer: &str) -> Response {
    match (error, error.to_response(issuer)) {
        (AuthorizeError::Redirect { redirect_uri, .. }, Some(response)) => {
            deliver(&response, redirect_uri)
        }
        (AuthorizeError::Fatal { description }, _) => fatal(description),
        _ => fatal("The request was refused."),
    }
}

/// The request to come back to after login: the same parameters, less a
/// `prompt=login` already honoured (so login does not loop).
fn return_path(slug: &str, pairs: &[(String, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if name == "prompt" {
            let rest: Vec<&str> = value
                .split(' ')
                .filter(|p| *p != "login" && !p.is_empty())
                .collect();
            if !rest.is_empty() {
                query.append_pair(name, &rest.join(" "));
            }
        } else if name != "csrf" && name != "consent" {
            query.append_pair(name, value);
        }
    }
    format!("/t/{slug}/authorize?{}", query.finish())
}

fn to_login(slug: &str, pairs: &[(String, String)], force: bool) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("return_to", &return_path(slug, pairs));
    if force {
        query.append_pair("force", "1");
    }
    // `idp_hint=<name>`: straight to that upstream identity provider (an
    // unknown one shows the login page, as Keycloak's `kc_idp_hint` does).
    if let Some((_, idp)) = pairs.iter().find(|(name, _)| name == "idp_hint") {
        if parse_idp_name(idp).is_ok() {
            return see_other(&format!("/t/{slug}/login/idp/{idp}?{}", query.finish()));
        }
    }
    // OIDC `login_hint`: who the client expects, pre-filled on the form.
    if let Some((_, hint)) = pairs.iter().find(|(name, _)| name == "login_hint") {
        query.append_pair("login_hint", hint);
    }
    see_other(&format!("/t/{slug}/login?{}", query.finish()))
}

async fn authorize(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    pairs: Vec<(String, String)>,
    posted: bool,
) -> Response {
    let pages = match Pages::open(state, slug, headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let hub = &state.hub;
    let tenant = &pages.tenant;
    let issuer = hub.issuer(tenant);

    let ids = match AuthorizationRequest::identify(&pairs) {
        Ok(ids) => ids,
        Err(e) => return reject(&e, &issuer),
    };
    let client = match hub.find_client(tenant, &ids.client_id).await {
        Ok(c) => c,
        Err(ServiceError::NotFound(_)) => {
            return reject(&AuthorizeError::unknown_client(), &issuer)
        }
        Err(e) => return internal(&e),
    };
    let request = match AuthorizationRequest::validate(&pairs, &client_policy(&client)) {
        Ok(r) => r,
        Err(e) => return reject(&e, &issuer),
    };
    let refuse = |code: OAuthErrorCode, description: &str| {
        let error = OAuthError::new(code).with_description(description);
        deliver(
            &request.error_response(&error, &issuer),
            &request.redirect_uri,
        )
    };
    if !allows_code_flow(&client) {
        return refuse(
            OAuthErrorCode::UnauthorizedClient,
            "this client may not use the authorization code grant",
        );
    }

    // Who is signing in.
    let session = match pages.session(headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = hub.now();
    let prompt = &request.prompt;
    let (session, user) = match session {
        None if prompt.none => return refuse(OAuthErrorCode::LoginRequired, "no one is signed in"),
        None => return to_login(slug, &pairs, false),
        Some((s, u)) => {
            let too_old = request.max_age.is_some_and(|max| {
                // Exact elapsed time: 1.5 s is more than max_age=1 (OIDC Core §3.1.2.1).
                now - s.created_at > time::Duration::seconds(i64::try_from(max).unwrap_or(i64::MAX))
            });
            if prompt.login || too_old {
                if prompt.none {
                    return refuse(OAuthErrorCode::LoginRequired, "a fresh sign-in is needed");
                }
                return to_login(slug, &pairs, true);
            }
            (s, u)
        }
    };

    // An id_token_hint names who the client expects; another user must sign in.
    if let Some(hint) = &request.id_token_hint {
        match id_token_hint::read(hub, tenant, hint).await {
            Ok(h) if h.subject == subject(hub, &client, user.id) => {}
            Ok(_) if prompt.none => {
                return refuse(OAuthErrorCode::LoginRequired, "another user is signed in")
            }
            Ok(_) => return to_login(slug, &pairs, true),
            Err(HintError::Invalid) => {
                return refuse(OAuthErrorCode::InvalidRequest, "id_token_hint is not valid")
            }
            Err(HintError::Service(e)) => return internal(&e),
        }
    }

    // What the user allows.
    let scope = request
        .scope
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let answer = pairs
        .iter()
        .find(|(n, _)| n == "consent")
        .map(|(_, v)| v.as_str());
    match (posted, answer) {
        (true, Some(answer)) => {
            let csrf = pairs
                .iter()
                .find(|(n, _)| n == "csrf")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            if !pages.csrf_ok(headers, csrf) {
                return html(
                    StatusCode::FORBIDDEN,
                    page::message(
                        "This page has expired",
                        "Go back to the application and try again.",
                    ),
                );
            }
            if answer != "allow" {
                return refuse(OAuthErrorCode::AccessDenied, "the user denied access");
            }
            let mut conn = match hub.store.conn().await {
                Ok(c) => c,
                Err(e) => return internal(&e),
            };
            if let Err(e) =
                oauth_grants::save_consent(&mut conn, tenant.id, user.id, client.id, &scope, now)
                    .await
            {
                return internal(&e);
            }
        }
        _ => {
            let remembered = if client.skip_consent {
                true
            } else {
                let mut conn = match hub.store.conn().await {
                    Ok(c) => c,
                    Err(e) => return internal(&e),
                };
                match oauth_grants::consent(&mut conn, tenant.id, user.id, client.id).await {
                    Ok(granted) => granted.is_some_and(|g| scope_within(&scope, &g)),
                    Err(e) => return internal(&e),
                }
            };
            let needed = !client.skip_consent && (prompt.consent || !remembered);
            if needed && prompt.none {
                return refuse(
                    OAuthErrorCode::ConsentRequired,
                    "the user has not consented",
                );
            }
            if needed {
                let body = consent::page(
                    &tenant.display_name,
                    &client.name,
                    &pages.path("authorize"),
                    &pages.csrf(),
                    &scope,
                    &pairs,
                );
                return pages.respond(StatusCode::OK, body);
            }
        }
    }

    let authorized = Authorized {
        client: &client,
        user: &user,
        session: &session,
        scope,
        nonce: request.nonce.clone(),
        redirect_uri: request.redirect_uri.clone(),
        redirect_uri_sent: request.redirect_uri_sent,
        code_challenge: request.code_challenge.clone(),
        claims: pairs
            .iter()
            .find(|(n, _)| n == "claims")
            .map(|(_, v)| v.clone()),
    };
    match issue_code(hub, tenant, authorized).await {
        Ok(code) => {
            let mut r = deliver(
                &request.success_response(&code, &issuer),
                &request.redirect_uri,
            );
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r.into_response()
        }
        Err(e) => internal(&e),
    }
}
