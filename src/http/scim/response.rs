//! SCIM answers on the wire (RFC 7644 §3.1, §3.12, §3.14): JSON as
//! `application/scim+json`, `ETag` from `meta.version`, `Location` of
//! created resources, and every error as a SCIM error body.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use usso_scim::{ScimError, ScimType};

use crate::adapters::scim::Precondition;

/// The media type of every SCIM body (RFC 7644 §8.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// A SCIM error as a response.
#[derive(Debug)]
pub struct ScimFailure(pub ScimError);

impl From<ScimError> for ScimFailure {
    fn from(err: ScimError) -> Self {
        Self(err)
    }
}

impl IntoResponse for ScimFailure {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"usso-scim\""),
            );
        }
        response
    }
}

pub type ScimResult = Result<Response, ScimFailure>;

/// A JSON body with the SCIM media type.
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, serde_json::to_vec(body).unwrap_or_default()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// A resource: its `ETag` is its `meta.version`; a created one also gets
/// `Location` (RFC 7644 §3.3).
pub fn resource(status: StatusCode, body: &Value) -> Response {
    let mut response = json(status, body);
    let meta = body.get("meta");
    let headers = response.headers_mut();
    if let Some(tag) = meta
        .and_then(|m| m.get("version"))
        .and_then(Value::as_str)
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Some(location) = meta
            .and_then(|m| m.get("location"))
            .and_then(Value::as_str)
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::LOCATION, location);
        }
    }
    response
}

/// The `If-Match` of a write.
pub fn precondition(headers: &HeaderMap) -> Precondition {
    Precondition {
        if_match: header_text(headers, header::IF_MATCH),
    }
}

pub fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The JSON object of a request body; anything else is 400 invalidSyntax.
pub fn json_body(body: &Bytes) -> Result<Value, ScimFailure> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ScimError::typed(ScimType::InvalidSyntax)
            .with_detail(format!("the body is not valid JSON: {e}"))
    })?;
    if !value.is_object() {
        return Err(ScimError::typed(ScimType::InvalidSyntax)
            .with_detail("the body must be a JSON object")
            .into());
    }
    Ok(value)
}

/// A body over the size limit, or one that could not be read.
pub fn body_rejection(err: axum::extract::rejection::BytesRejection) -> ScimFailure {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ScimError::payload_too_large()
            .with_detail(format!(
                "the body is larger than {} bytes",
                super::MAX_BODY_BYTES
            ))
            .into()
    } else {
        ScimError::typed(ScimType::InvalidSyntax)
            .with_detail("the body could not be read")
            .into()
    }
}
