//! `/Me` (RFC 7644 §3.11): the User resource of whoever holds the bearer
//! access token (one this tenant issued to a user). Reading only: a user
//! changes its record through the account pages, provisioning clients
//! through `/Users`; other methods answer 501 as §3.11 allows.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use usso_scim::ScimError;

use super::resources::Kind;
use super::response::{resource, ScimFailure, ScimResult};
use crate::adapters::oidc::grants::check_access_token;
use crate::adapters::scim::context::Reader;
use crate::adapters::scim::scim_error;
use crate::adapters::scim::user_map::user_resource;
use crate::core::user::UserStatus;
use crate::http::{bearer_token, AppState};
use crate::store::users;

pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> ScimResult {
    let unauthorized = || {
        ScimFailure(
            ScimError::unauthorized()
                .with_detail("/Me needs a user's access token as Authorization: Bearer"),
        )
    };
    let token = bearer_token(&headers).ok_or_else(unauthorized)?;
    let hub = &state.hub;
    let tenant = hub.tenant(&slug).await.map_err(|_| unauthorized())?;
    let valid = check_access_token(hub, &tenant, &token)
        .await
        .map_err(|_| unauthorized())?;
    let user_id = valid.grant.user_id.ok_or_else(|| {
        ScimFailure(ScimError::forbidden().with_detail("this token is not a user's"))
    })?;
    let user = {
        let mut conn = hub.store.conn().await.map_err(|e| scim_error(e.into()))?;
        users::get(&mut conn, tenant.id, user_id)
            .await
            .map_err(|_| unauthorized())?
    };
    if user.status != UserStatus::Active {
        return Err(unauthorized());
    }
    let base_url = hub.scim_base_url(&tenant);
    let reader = Reader {
        base_url: &base_url,
        source: None,
    };
    let found = user_resource(reader, &user, &[]);
    let query = super::list::query_of(raw.as_deref())?;
    Ok(resource(
        StatusCode::OK,
        &super::list::project(Kind::Users, &found, &query),
    ))
}

/// Writes through `/Me` are not offered (RFC 7644 §3.11 allows 501).
pub async fn not_implemented() -> ScimFailure {
    ScimFailure(
        ScimError::not_implemented()
            .with_detail("/Me is read-only here; provisioning clients write through /Users"),
    )
}
