//! The signed-in user's account page: who they are, which applications they
//! let in (with a button to take that back), and sign-out.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::{internal, page, see_other, Pages};
use crate::adapters::oidc::consents;
use crate::http::AppState;

fn to_login(pages: &Pages<'_>) -> Response {
    see_other(&format!(
        "{}?return_to={}",
        pages.path("login"),
        pages.path("account")
    ))
}

/// `GET /t/{tenant}/account`
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let user = match pages.signed_in(&headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return to_login(&pages),
        Err(r) => return r,
    };
    let apps = match consents::of_user(&state.hub, &pages.tenant, user.id).await {
        Ok(apps) => apps,
        Err(e) => return internal(&e),
    };
    let ids: Vec<String> = apps.iter().map(|a| a.client_id.to_string()).collect();
    let listed: Vec<page::AppAccess<'_>> = apps
        .iter()
        .zip(&ids)
        .map(|(a, id)| page::AppAccess {
            client_id: id,
            name: &a.client_name,
            scope: &a.scope,
        })
        .collect();
    let display = user
        .display_name
        .clone()
        .unwrap_or_else(|| user.username.clone());
    let body = page::account(
        &pages.tenant.display_name,
        &display,
        &pages.path("logout"),
        &pages.path("account/apps/revoke"),
        &pages.csrf(),
        &listed,
    );
    pages.respond(StatusCode::OK, body)
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
}

/// `POST /t/{tenant}/account/apps/revoke`: withdraws the consent to one
/// application and revokes its tokens.
pub async fn revoke_app(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<RevokeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let pages = match Pages::open(&state, &slug, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let user = match pages.signed_in(&headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return to_login(&pages),
        Err(r) => return r,
    };
    let Ok(Form(form)) = form else {
        return super::html(
            StatusCode::BAD_REQUEST,
            page::message("Bad request", "The form was malformed."),
        );
    };
    if !pages.csrf_ok(&headers, &form.csrf) {
        return super::html(
            StatusCode::FORBIDDEN,
            page::message(
                "This page has expired",
                "Reload your account page and try again.",
            ),
        );
    }
    let Ok(client) = form.client_id.parse() else {
        return super::html(
            StatusCode::NOT_FOUND,
            page::message("Not found", "No such application."),
        );
    };
    match consents::revoke(&state.hub, &pages.tenant, user.id, client).await {
        Ok(()) => see_other(&pages.path("account")),
        Err(crate::service::ServiceError::NotFound(_)) => super::html(
            StatusCode::NOT_FOUND,
            page::message("Not found", "No such application."),
        ),
        Err(e) => internal(&e),
    }
}
