//! Single sign-on (SAML Profiles §4.1 Web Browser SSO): a service provider's
//! AuthnRequest arrives by HTTP-Redirect or HTTP-POST; a signed-in user is
//! sent back at once with an auto-posting form; anyone else signs in on the
//! hosted login page first, which returns to `/saml/continue/{request}`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use usso_saml::binding::{post_form, InboundMessage, MessageField, POST_FORM_SCRIPT};
use usso_saml::StatusCode as SamlStatus;

use super::{failure, posted_request, redirected_request, xml};
use crate::adapters::saml::assertion::{error_response, login_response};
use crate::adapters::saml::idp::idp_metadata;
use crate::adapters::saml::requests::{self, PendingRequest};
use crate::adapters::saml::SsoError;
use crate::core::SamlRequestId;
use crate::http::login::{html, internal, page, see_other, Pages};
use crate::http::oidc::authorize::form_action_source;
use crate::http::AppState;

/// `GET /t/{tenant}/saml/metadata`: the IdP's metadata (Metadata §2.4.3).
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
    match idp_metadata(&state.hub, &tenant).await {
        Ok(doc) => xml("application/samlmetadata+xml", doc),
        Err(e) => failure(&e),
    }
}

/// `GET /t/{tenant}/saml/sso`: HTTP-Redirect binding.
pub async fn redirect(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    single_sign_on(
        &state,
        &slug,
        &headers,
        redirected_request(query.as_deref()),
    )
    .await
}

/// `POST /t/{tenant}/saml/sso`: HTTP-POST binding.
pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    single_sign_on(&state, &slug, &headers, posted_request(&body)).await
}

async fn single_sign_on(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    inbound: Result<InboundMessage, SsoError>,
) -> Response {
    let pages = match Pages::open(state, slug, headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let accepted = match inbound {
        Ok(inbound) => requests::accept(&state.hub, &pages.tenant, inbound).await,
        Err(e) => Err(e),
    };
    match accepted {
        Ok((sp, pending)) => answer(&pages, headers, &sp, &pending, None).await,
        Err(e) => failure(&e),
    }
}

/// `GET /t/{tenant}/saml/continue/{request}`: back from the login page.
pub async fn resume(
    State(state): State<AppState>,
    Path((slug, request)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(id) = request.parse::<SamlRequestId>() else {
        return failure(&SsoError::Refused("a malformed request id".into()));
    };
    match requests::load(&state.hub, &pages.tenant, id).await {
        Ok((sp, pending)) => answer(&pages, &headers, &sp, &pending, Some(id)).await,
        Err(e) => failure(&e),
    }
}

/// `GET /t/{tenant}/saml/idp-initiated?sp=<id or entityID>&RelayState=…`:
/// logs the user in to a registered provider without a request from it.
pub async fn idp_initiated(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut sp_ref = None;
    let mut relay_state = None;
    for (name, value) in url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match name.as_ref() {
            "sp" => sp_ref = Some(value.into_owned()),
            "RelayState" => relay_state = Some(value.into_owned()),
            _ => {}
        }
    }
    let Some(sp_ref) = sp_ref else {
        return failure(&SsoError::Refused("idp-initiated without ?sp=".into()));
    };
    if relay_state.as_ref().is_some_and(|r| r.len() > 1024) {
        return failure(&SsoError::Refused(
            "RelayState longer than 1024 bytes".into(),
        ));
    }
    let sp = match state.hub.find_saml_sp(&pages.tenant, &sp_ref).await {
        Ok(sp) => sp,
        Err(crate::service::ServiceError::NotFound(_)) => {
            return failure(&SsoError::Refused(format!(
                "no service provider {sp_ref:?}"
            )))
        }
        Err(e) => return internal(&e),
    };
    match requests::unsolicited(&sp, relay_state, state.hub.now()) {
        Ok(pending) => answer(&pages, &headers, &sp, &pending, None).await,
        Err(e) => failure(&e),
    }
}

/// Answers a checked request: at once for a signed-in user (unless
/// `ForceAuthn` asks for a new sign-in), `NoPassive` when the provider
/// forbade showing a login page, else a trip through the login page.
async fn answer(
    pages: &Pages<'_>,
    headers: &HeaderMap,
    sp: &crate::core::saml_sp::SamlServiceProvider,
    pending: &PendingRequest,
    saved: Option<SamlRequestId>,
) -> Response {
    let hub = &pages.state.hub;
    let tenant = &pages.tenant;
    let session = match pages.session(headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    // A forced sign-in must have happened after the request was made.
    let fresh_enough = |s: &crate::core::session::Session| {
        !pending.force_authn || (saved.is_some() && s.created_at >= pending.requested_at)
    };
    let delivery = match session {
        Some((s, user)) if fresh_enough(&s) => {
            login_response(hub, tenant, sp, pending, &user, &s).await
        }
        _ if pending.is_passive => {
            error_response(
                hub,
                tenant,
                pending,
                SamlStatus::NoPassive,
                "no one is signed in",
            )
            .await
        }
        _ => {
            let id = match saved {
                Some(id) => id,
                None => match requests::save(hub, tenant, pending).await {
                    Ok(id) => id,
                    Err(e) => return failure(&e),
                },
            };
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("return_to", &pages.path(&format!("saml/continue/{id}")));
            if pending.force_authn {
                query.append_pair("force", "1");
            }
            return see_other(&format!("{}?{}", pages.path("login"), query.finish()));
        }
    };
    match delivery {
        Ok(delivery) => {
            if let Some(id) = saved {
                if let Err(e) = requests::finish(hub, tenant, id).await {
                    return failure(&e);
                }
            }
            post_page(
                &delivery.acs_url,
                MessageField::Response,
                &delivery.saml_response,
                delivery.relay_state.as_deref(),
            )
        }
        Err(e) => failure(&e),
    }
}

/// The auto-posting form that carries a message (a Response to a service
/// provider, an AuthnRequest to an upstream IdP) by HTTP-POST (Bindings
/// §3.5.4), with a CSP that lets exactly its one script run and its form
/// post only to `url`'s origin.
pub(crate) fn post_page(
    url: &str,
    field: MessageField,
    value: &str,
    relay_state: Option<&str>,
) -> Response {
    let body = post_form(url, field, value, relay_state);
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(POST_FORM_SCRIPT));
    let mut r = html(StatusCode::OK, body);
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
         form-action {}; frame-ancestors 'none'; base-uri 'none'",
        form_action_source(url)
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
