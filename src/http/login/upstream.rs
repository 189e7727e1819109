//! `GET /t/{tenant}/login/idp/{name}`: starts a login through one of the
//! tenant's upstream identity providers — the login page's buttons and
//! OIDC `idp_hint` lead here. The browser goes to the provider; it comes
//! back to the provider's endpoint (for SAML, the ACS), then to
//! `return_to`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use usso_saml::binding::MessageField;

use super::{html, internal, page, return_to, see_other, Pages};
use crate::adapters::saml::upstream::{start_login, Outbound};
use crate::adapters::saml::SsoError;
use crate::core::upstream_idp::UpstreamConfig;
use crate::http::saml::sso::post_page;
use crate::http::AppState;
use crate::service::ServiceError;

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
