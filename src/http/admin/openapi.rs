//! The OpenAPI 3.1 document of the admin API, generated from the handlers'
//! `#[utoipa::path]` annotations, served at `GET /api/openapi.json` and kept
//! as the golden file `metadata/openapi.json` (a test diffs the two).

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use super::AdminApi;
use crate::http::error::Problem;

/// The document, as served and as kept in `metadata/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    AdminApi::openapi()
}

/// `GET /api/openapi.json`: the document; no authentication needed.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// Adds the bearer scheme that every admin operation requires.
#[derive(Debug, Clone, Copy)]
pub struct BearerApiKey;

impl Modify for BearerApiKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("usso_ak_…")
                    .description(Some(
                        "An API key with the `admin` scope, of the tenant in the URL or of the \
                         `default` tenant (installation admins).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The request is malformed: bad JSON, a wrong type, an unknown field, a bad
/// query parameter.
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// No API key, or one that is unknown, expired or of another tenant.
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The key lacks the `admin` scope, or the action is not allowed to it.
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// No such tenant or record.
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// A unique value is taken; `field` names it (`username`, `email`, `slug`,
/// `name`, `entity_id`, …).
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(#[allow(dead_code)] Problem);

/// The record changed since the version named in `If-Match`.
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// A value breaks a rule; `field` names it.
#[derive(Debug, ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(#[allow(dead_code)] Problem);
