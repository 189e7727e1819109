//! Request extractors of the admin API whose failures are problem+json
//! ([`Json`], [`QueryParams`], [`PathParams`]), the `If-Match`/`ETag` pair of optimistic
//! concurrency (RFC 9110 §13.1.1, §8.8.3), and cursor pagination.
//!
//! (`PathParams`/`QueryParams` are not named `Path`/`Query` so that utoipa
//! does not guess parameters from them: each route documents its own.)

use std::str::FromStr;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use utoipa::IntoParams;

use super::views;
use crate::http::error::ApiError;
use crate::http::MAX_BODY_BYTES;
use crate::store;

/// A JSON request body. Malformed JSON, wrong types and unknown fields are
/// 400, a missing `Content-Type: application/json` 415, a body over the
/// limit 413 — all as problem+json.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            Some("send the body as JSON with `Content-Type: application/json`".into()),
        ),
        JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
                Some(format!(
                    "a request body may have at most {MAX_BODY_BYTES} bytes"
                )),
            )
        }
        other => ApiError::bad_request(other.body_text()),
    }
}

/// The query string, with problem+json 400 when it does not parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|r: QueryRejection| ApiError::bad_request(r.body_text()))
    }
}

/// Path parameters, with problem+json 400 when they do not decode.
#[derive(Debug, Clone, Copy, Default)]
pub struct PathParams<T>(pub T);

impl<T, S> FromRequestParts<S> for PathParams<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|r: PathRejection| match r {
                PathRejection::FailedToDeserializePathParams(e) => ApiError::bad_request(e.body_text()),
                other => {
                    tracing::error!(error = %other.body_text(), "admin route without its path parameters");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", None)
                }
            })
    }
}

/// Parses an id from the URL; a malformed one names no record: 404.
pub fn parse_id<T: FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("{what} not found")))
}

/// A record named in a request body that does not exist is a bad value of
/// that field (422), not a missing resource: maps a 404 accordingly.
pub fn missing_reference(field: &'static str, what: &'static str) -> impl Fn(ApiError) -> ApiError {
    move |e| {
        if e.status == StatusCode::NOT_FOUND {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid value",
                Some(format!("{field}: no such {what}")),
            )
            .with_field(field)
        } else {
            e
        }
    }
}

/// The version an `If-Match` header requires, if any: `"7"` (or `W/"7"`)
/// → 7; `*` or no header → none.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::bad_request("If-Match must be the ETag of the record, e.g. \"3\"")
            .with_field("If-Match")
    };
    let raw = value.to_str().map_err(|_| invalid())?.trim();
    if raw == "*" {
        return Ok(None);
    }
    let tag = raw.strip_prefix("W/").unwrap_or(raw);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(invalid)
}

/// The `ETag` of a record at `version`.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Default page size of every listing.
pub const DEFAULT_LIMIT: u32 = 100;

/// `limit` and `cursor` of a listing.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked `limit` and `cursor`.
#[derive(Debug, Clone)]
pub struct Paging {
    pub limit: u32,
    /// A normalized (lowercase, hyphenated) id.
    pub cursor: Option<String>,
}

impl Paging {
    pub fn new(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > store::Page::MAX_LIMIT {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {}",
                store::Page::MAX_LIMIT
            ))
            .with_field("limit"));
        }
        let cursor = match cursor {
            None => None,
            Some(raw) => Some(
                uuid::Uuid::parse_str(raw)
                    .map_err(|_| {
                        ApiError::bad_request("cursor must be the next_cursor of a previous page")
                            .with_field("cursor")
                    })?
                    .hyphenated()
                    .to_string(),
            ),
        };
        Ok(Self { limit, cursor })
    }

    pub fn from_query(q: &PageQuery) -> Result<Self, ApiError> {
        Self::new(q.limit, q.cursor.as_deref())
    }

    /// The page to ask the store for: one row more than the caller wants, to
    /// know whether another page follows.
    pub fn store_page(&self) -> store::Page<'_> {
        store::Page {
            after: self.cursor.as_deref(),
            limit: self.limit.saturating_add(1),
        }
    }

    /// Turns the rows of [`Self::store_page`] (ordered by id) into a page.
    pub fn finish<T, V>(&self, rows: Vec<T>, id: impl Fn(&T) -> String) -> views::Page<V>
    where
        V: for<'a> From<&'a T>,
    {
        self.finish_with(rows, id, |row| V::from(row))
    }

    /// [`Self::finish`] with views made by `view` (for views that need more
    /// than the row, such as the hub's URLs).
    pub fn finish_with<T, V>(
        &self,
        mut rows: Vec<T>,
        id: impl Fn(&T) -> String,
        view: impl Fn(&T) -> V,
    ) -> views::Page<V> {
        let limit = self.limit as usize;
        // The store caps a page at MAX_LIMIT rows, so with the largest limit
        // a full page is all it can tell: say more may follow.
        let more =
            rows.len() > limit || (rows.len() == limit && self.limit >= store::Page::MAX_LIMIT);
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(&id) } else { None };
        views::Page {
            items: rows.iter().map(view).collect(),
            next_cursor,
        }
    }

    /// Pages through a listing the store returns whole, in id order.
    pub fn in_memory<T, V>(&self, rows: Vec<T>, id: impl Fn(&T) -> String) -> views::Page<V>
    where
        V: for<'a> From<&'a T>,
    {
        let (rows, next_cursor) = self.window(rows, id);
        views::Page {
            items: rows.iter().map(V::from).collect(),
            next_cursor,
        }
    }

    /// The rows of this page of a listing the store returns whole (in id
    /// order), and the cursor of the next page.
    pub fn window<T>(
        &self,
        mut rows: Vec<T>,
        id: impl Fn(&T) -> String,
    ) -> (Vec<T>, Option<String>) {
        rows.sort_by_cached_key(&id);
        if let Some(after) = &self.cursor {
            rows.retain(|r| id(r).as_str() > after.as_str());
        }
        let more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor = if more { rows.last().map(&id) } else { None };
        (rows, next_cursor)
    }
}
