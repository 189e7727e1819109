//! The signed-in user's account page: who they are, which applications they
//! let in (with a button to take that back), which upstream sign-in
//! providers are linked to the account (with a button to remove one), and
//! sign-out.

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
    let identities = match state.hub.linked_identities(&pages.tenant, user.id).await {
        Ok(i) => i,
        Err(e) => return internal(&e),
    };
    // One read of the tenant's providers names them all.
    let providers = match state
        .hub
        .list_upstreams(
            &pages.tenant,
            crate::store::Page::first(crate::store::Page::MAX_LIMIT),
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return internal(&e),
    };
    let labels: Vec<(String, String)> = identities
        .iter()
        .map(|identity| {
            let label = providers
                .iter()
                .find(|p| p.id == identity.idp_id)
                .map_or_else(|| identity.idp_id.to_string(), |p| p.display_name.clone());
            (label, identity.idp_id.to_string())
        })
        .collect();
    let linked: Vec<page::LinkedProvider<'_>> = identities
        .iter()
        .zip(&labels)
        .map(|(i, (label, idp_id))| page::LinkedProvider {
            label,
            idp_id,
            subject: &i.subject,
        })
        .collect();
    let display = user
        .display_name
        .clone()
        .unwrap_or_else(|| user.username.clone());
    let body = page::account(&page::AccountPage {
        tenant_name: &pages.tenant.display_name,
        display: &display,
        logout_action: &pages.path("logout"),
        revoke_action: &pages.path("account/apps/revoke"),
        csrf: &pages.csrf(),
        apps: &listed,
        linked: &linked,
        unlink_action: &pages.path("account/identities/remove"),
    });
    pages.respond(StatusCode::OK, body)
}

/// A form of the account page carries the CSRF token.
trait AccountForm {
    fn csrf(&self) -> &str;
}

/// What every form of the account page needs before it acts: the tenant's
/// pages, the signed-in user (else to the login page), a well-formed form
/// with a good CSRF token.
async fn account_form<'a, F: AccountForm>(
    state: &'a AppState,
    slug: &str,
    headers: &HeaderMap,
    form: Result<Form<F>, axum::extract::rejection::FormRejection>,
) -> Result<(Pages<'a>, crate::core::user::User, F), Response> {
    let pages = Pages::open(state, slug, headers).await?;
    let user = match pages.signed_in(headers).await? {
        Some(user) => user,
        None => return Err(to_login(&pages)),
    };
    let Ok(Form(form)) = form else {
        return Err(super::html(
            StatusCode::BAD_REQUEST,
            page::message("Bad request", "The form was malformed."),
        ));
    };
    if !pages.csrf_ok(headers, form.csrf()) {
        return Err(super::html(
            StatusCode::FORBIDDEN,
            page::message(
                "This page has expired",
                "Reload your account page and try again.",
            ),
        ));
    }
    Ok((pages, user, form))
}

impl AccountForm for RevokeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl AccountForm for UnlinkForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
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
    let (pages, user, form) = match account_form(&state, &slug, &headers, form).await {
        Ok(parts) => parts,
        Err(r) => return r,
    };
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

#[derive(Debug, Deserialize)]
pub struct UnlinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    idp_id: String,
    #[serde(default)]
    subject: String,
}

/// `POST /t/{tenant}/account/identities/remove`: the user removes one of
/// their linked sign-in providers — unless it is their only way in (no
/// password and no other link).
pub async fn unlink_identity(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<UnlinkForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let (pages, user, form) = match account_form(&state, &slug, &headers, form).await {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    let not_found = || {
        super::html(
            StatusCode::NOT_FOUND,
            page::message("Not found", "No such linked sign-in."),
        )
    };
    let Ok(idp) = form.idp_id.parse() else {
        return not_found();
    };
    match state
        .hub
        .unlink_own_identity(&pages.tenant, user.id, idp, &form.subject)
        .await
    {
        Ok(()) => see_other(&pages.path("account")),
        Err(crate::service::ServiceError::NotFound(_)) => not_found(),
        Err(crate::service::ServiceError::Invalid { message, .. }) => super::html(
            StatusCode::CONFLICT,
            page::message("This sign-in cannot be removed", &message),
        ),
        Err(e) => internal(&e),
    }
}
