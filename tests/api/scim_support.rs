//! Helpers of the SCIM 2.0 tests (RFC 7644): a tenant with a scim-scoped
//! API key, a client bound to its SCIM base URL, and assertions on
//! `application/scim+json` answers and SCIM error bodies (RFC 7644 §3.12).

#![allow(dead_code)]

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

use crate::admin_support::{call, expect, tenant_with_admin};
use crate::harness::TestApp;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// A provisioning client: one API key with the `scim` scope of one tenant.
#[derive(Clone)]
pub struct ScimClient {
    /// `http://host:port/t/{tenant}/scim/v2`, no trailing slash.
    pub base: String,
    pub tenant: String,
    pub token: String,
    pub http: reqwest::Client,
}

/// Creates tenant `slug` and a key of it with the `scim` scope named
/// "scim client".
pub async fn scim_tenant(app: &TestApp, slug: &str) -> ScimClient {
    tenant_with_admin(app, slug).await;
    scim_key(app, slug, "scim client").await
}

/// Another key with the `scim` scope in the existing tenant `slug`, named
/// `name` (the provisioning client's name in audit events).
pub async fn scim_key(app: &TestApp, slug: &str, name: &str) -> ScimClient {
    let created = expect(
        call(
            app,
            Method::POST,
            &format!("/api/v1/tenants/{slug}/api-keys"),
            Some(json!({ "name": name, "scopes": ["scim"] })),
        )
        .await,
        201,
    )
    .await;
    ScimClient {
        base: app.url(&format!("/t/{slug}/scim/v2")),
        tenant: slug.to_owned(),
        token: created["token"].as_str().unwrap().to_owned(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl ScimClient {
    /// `path` is relative to the SCIM base URL (`/Users`, `/Users?filter=…`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with this client's bearer token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// The same client with another token (another key, or garbage).
    pub fn with_token(&self, token: &str) -> ScimClient {
        ScimClient {
            token: token.to_owned(),
            ..self.clone()
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send_json(Method::POST, path, body, None).await
    }

    pub async fn put(&self, path: &str, body: Value, if_match: Option<&str>) -> Response {
        self.send_json(Method::PUT, path, body, if_match).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.send_json(Method::PATCH, path, body, None).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(Method::DELETE, path).send().await.unwrap()
    }

    /// POST of a SearchRequest (`/.search`, `/Users/.search`).
    pub async fn search(&self, path: &str, body: Value) -> Response {
        self.post(path, body).await
    }

    async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: Value,
        if_match: Option<&str>,
    ) -> Response {
        let mut r = self
            .request(method, path)
            .header("content-type", "application/scim+json")
            .body(serde_json::to_vec(&body).unwrap());
        if let Some(tag) = if_match {
            r = r.header("if-match", tag);
        }
        r.send().await.unwrap()
    }

    /// Creates a user from `user_body(user_name)`; returns it.
    pub async fn create_user(&self, user_name: &str) -> Value {
        scim_json(self.post("/Users", user_body(user_name)).await, 201).await
    }

    /// Creates a group named `name` with members `ids`; returns it.
    pub async fn create_group(&self, name: &str, ids: &[&str]) -> Value {
        let members: Vec<Value> = ids.iter().map(|id| json!({ "value": id })).collect();
        scim_json(
            self.post(
                "/Groups",
                json!({ "schemas": [GROUP_SCHEMA], "displayName": name, "members": members }),
            )
            .await,
            201,
        )
        .await
    }
}

/// A PatchOp request of `operations`.
pub fn patch_ops(operations: Value) -> Value {
    json!({ "schemas": [PATCH_SCHEMA], "Operations": operations })
}

/// Asserts `status` and, for a body, the `application/scim+json` content
/// type; returns the body (`Null` when empty).
pub async fn scim_json(r: Response, status: u16) -> Value {
    let got = r.status();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    assert_eq!(got, StatusCode::from_u16(status).unwrap(), "body: {text}");
    if text.is_empty() {
        return Value::Null;
    }
    assert!(
        content_type.starts_with("application/scim+json"),
        "content-type {content_type:?}, body: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Asserts a SCIM error body (RFC 7644 §3.12): the Error schema, `status`
/// as a string, and `scimType` (or none).
pub fn scim_error(body: &Value, status: &str, scim_type: Option<&str>) {
    assert_eq!(body["schemas"], json!([ERROR_SCHEMA]), "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
}

/// `scim_json` then `scim_error`; returns the error body.
pub async fn expect_scim_error(r: Response, status: u16, scim_type: Option<&str>) -> Value {
    let body = scim_json(r, status).await;
    scim_error(&body, &status.to_string(), scim_type);
    body
}

/// A minimal RFC 7643 User.
pub fn user_body(user_name: &str) -> Value {
    json!({ "schemas": [USER_SCHEMA], "userName": user_name })
}

/// The resource's `id`.
pub fn id_of(resource: &Value) -> String {
    resource["id"].as_str().unwrap().to_owned()
}
