//! A scriptable upstream OpenID Connect provider for the hostile-upstream
//! tests: discovery, JWKS, token and UserInfo endpoints on a loopback port,
//! whose ID tokens the test shapes (claims, signing key, `kid`) and whose
//! failures it chooses (down, error answers). The happy paths against a
//! real, certified provider are `conformance/federation/` (oidc-provider);
//! this one exists because no real provider signs a bad token on demand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde_json::{json, Value};
use usso_oidc::jose::{Algorithm, JwkSet, SigningKey};

pub const CLIENT_ID: &str = "usso-at-upstream";
pub const CLIENT_SECRET: &str = "upstream-client-secret-0123456789";

/// What the provider will do for the next code it is asked about.
pub struct Script {
    /// Claims added to (or replacing) the ID token's defaults; `null`
    /// removes one.
    pub claims: Value,
    /// Signs with this key instead of the published one (a forger).
    pub forger: Option<SigningKey>,
    /// The token endpoint answers this status with an OAuth error.
    pub token_error: Option<(StatusCode, &'static str)>,
    /// What UserInfo returns (merged over `sub`).
    pub userinfo: Value,
    /// Accept any `client_secret` posted in the form (the test checks it).
    pub secret_in_form: bool,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            claims: json!({}),
            forger: None,
            token_error: None,
            userinfo: json!({}),
            secret_in_form: false,
        }
    }
}

/// One authorization request the provider saw (from USSO's redirect).
#[derive(Debug, Clone)]
pub struct Seen {
    pub nonce: String,
    pub code_challenge: String,
}

pub struct Upstream {
    pub issuer: String,
    state: Arc<Inner>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

struct Inner {
    issuer: String,
    keys: Mutex<Vec<SigningKey>>,
    script: Mutex<Script>,
    /// code → (nonce, challenge) of the request it answers.
    codes: Mutex<HashMap<String, Seen>>,
    /// What each token request carried.
    pub token_requests: Mutex<Vec<HashMap<String, String>>>,
    now: Mutex<i64>,
}

impl Upstream {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Inner {
            issuer: issuer.clone(),
            keys: Mutex::new(vec![
                SigningKey::generate(Algorithm::Es256, "k1".into()).unwrap()
            ]),
            script: Mutex::new(Script::default()),
            codes: Mutex::new(HashMap::new()),
            token_requests: Mutex::new(Vec::new()),
            now: Mutex::new(0),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .route("/user/emails", get(emails))
            .with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self {
            issuer,
            state,
            _shutdown: tx,
        }
    }

    /// The time the provider signs with (the hub's clock), unix seconds.
    pub fn set_now(&self, now: i64) {
        *self.state.now.lock().unwrap() = now;
    }

    pub fn script(&self, script: Script) {
        *self.state.script.lock().unwrap() = script;
    }

    /// Replaces the published key with a new one under a new `kid`.
    pub fn rotate(&self, kid: &str) {
        *self.state.keys.lock().unwrap() =
            vec![SigningKey::generate(Algorithm::Es256, kid.into()).unwrap()];
    }

    /// The provider "sees" USSO's authorization request (the browser went
    /// there) and answers with a code.
    pub fn answer(&self, authorization_url: &str) -> (String, String) {
        let url = url::Url::parse(authorization_url).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        let code = format!("code-{}", usso::secrets::tokens::new_token(""));
        self.state.codes.lock().unwrap().insert(
            code.clone(),
            Seen {
                nonce: q.get("nonce").cloned().unwrap_or_default(),
                code_challenge: q["code_challenge"].clone(),
            },
        );
        (code, q["state"].clone())
    }

    pub fn token_requests(&self) -> Vec<HashMap<String, String>> {
        self.state.token_requests.lock().unwrap().clone()
    }
}

async fn discovery(State(s): State<Arc<Inner>>) -> Json<Value> {
    let i = &s.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "userinfo_endpoint": format!("{i}/userinfo"),
        "jwks_uri": format!("{i}/jwks"),
        "end_session_endpoint": format!("{i}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

async fn jwks(State(s): State<Arc<Inner>>) -> Json<JwkSet> {
    Json(JwkSet {
        keys: s
            .keys
            .lock()
            .unwrap()
            .iter()
            .map(|k| k.public_jwk())
            .collect(),
    })
}

async fn token(
    State(s): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut seen = form.clone();
    if let Some(auth) = headers.get("authorization") {
        seen.insert("authorization".into(), auth.to_str().unwrap().to_owned());
    }
    s.token_requests.lock().unwrap().push(seen);
    let script = s.script.lock().unwrap();
    if let Some((status, error)) = script.token_error {
        return (status, Json(json!({ "error": error }))).into_response();
    }
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let posted = script.secret_in_form && form.contains_key("client_secret");
    if !posted
        && headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let Some(request) = s
        .codes
        .lock()
        .unwrap()
        .remove(form.get("code").map(String::as_str).unwrap_or(""))
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
            .into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if usso_oidc::pkce::s256_challenge(&verifier) != request.code_challenge {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant" })),
        )
            .into_response();
    }
    let now = *s.now.lock().unwrap();
    let mut claims = json!({
        "iss": s.issuer, "sub": "up-bob", "aud": CLIENT_ID, "iat": now, "exp": now + 300,
        "nonce": request.nonce, "email": "bob@corp.example", "email_verified": true,
        "given_name": "Bob", "family_name": "Upstream", "groups": ["Engineering"],
    });
    for (k, v) in script.claims.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    let id_token = match &script.forger {
        Some(key) => key.sign(Some("JWT"), &claims).unwrap(),
        None => s.keys.lock().unwrap()[0]
            .sign(Some("JWT"), &claims)
            .unwrap(),
    };
    Json(json!({
        "access_token": format!("at-{}", claims["sub"].as_str().unwrap_or("")),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

async fn userinfo(State(s): State<Arc<Inner>>, headers: HeaderMap) -> Response {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer at-"))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let mut body = json!({ "sub": token });
    let script = s.script.lock().unwrap();
    for (k, v) in script.userinfo.as_object().unwrap() {
        body[k] = v.clone();
    }
    Json(body).into_response()
}

/// GitHub's `GET /user/emails`: the primary verified one, and a decoy.
async fn emails(headers: HeaderMap) -> Response {
    if headers.get("authorization").is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(json!([
        {"email": "unverified@corp.example", "primary": false, "verified": false},
        {"email": "octo@corp.example", "primary": true, "verified": true},
    ]))
    .into_response()
}
