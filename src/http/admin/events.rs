//! `/api/v1/tenants/{tenant}/events`: the tenant's audit log, oldest first,
//! read-only.

use axum::extract::State;
use axum::routing::get;
use axum::Router;

use super::auth::TenantAdmin;
use super::extract::{PageQuery, Paging, QueryParams};
use super::openapi::{BadRequest, Forbidden, NotFound, Unauthorized};
use super::views::{EventView, Page};
use crate::http::error::ApiError;
use crate::http::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/tenants/{tenant}/events", get(list_events))
}

/// Reads the tenant's audit log, oldest first. Follow `next_cursor` to the
/// end; to poll for newer events later, pass the id of the last event seen
/// as `cursor`.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/events",
    tag = "events",
    params(("tenant" = String, Path, description = "The tenant's slug"), PageQuery),
    responses(
        (status = 200, description = "A page of events", body = Page<EventView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
pub async fn list_events(
    State(state): State<AppState>,
    admin: TenantAdmin,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<axum::Json<Page<EventView>>, ApiError> {
    let paging = Paging::from_query(&q)?;
    let events = state
        .hub
        .list_events(&admin.tenant, paging.store_page())
        .await?;
    Ok(axum::Json(paging.finish(events, |e| e.id.to_string())))
}
