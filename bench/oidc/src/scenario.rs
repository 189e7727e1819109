//! What one worker does per step: a fixed request, a refresh-token
//! rotation, or a password login through the hosted form.

use std::future::Future;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use hyper::{Method, Request, StatusCode};

use crate::conn::Conn;
use crate::flow::{self, Target};

pub trait Worker {
    /// One unit of work: `Ok` counts as a success, with its latency.
    fn step(&mut self, conn: &mut Conn) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// A request sent again and again; success is the expected status.
#[derive(Debug, Clone)]
pub struct Fixed {
    pub method: Method,
    pub host: String,
    pub path: String,
    pub authorization: Option<String>,
    pub form: Option<String>,
    pub expect: StatusCode,
}

impl Fixed {
    fn request(&self) -> anyhow::Result<Request<Full<Bytes>>> {
        let mut b = Request::builder()
            .method(self.method.clone())
            .uri(&self.path)
            .header(HOST, &self.host);
        if let Some(a) = &self.authorization {
            b = b.header(AUTHORIZATION, a);
        }
        let body = match &self.form {
            Some(f) => {
                b = b.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(f.clone()))
            }
            None => Full::new(Bytes::new()),
        };
        Ok(b.body(body)?)
    }
}

impl Worker for Fixed {
    async fn step(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        let answer = conn.send(self.request()?).await?;
        if answer.status != self.expect {
            anyhow::bail!(
                "HTTP {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(200)])
            );
        }
        Ok(())
    }
}

/// Refresh-token rotation: each step redeems the worker's current refresh
/// token for a new one. A broken chain (an error) starts a new one with an
/// authorization code flow on the shared session, outside the timing of a
/// successful step.
#[derive(Debug)]
pub struct Refresh {
    pub target: Target,
    pub session: String,
    pub refresh_token: Option<String>,
}

impl Worker for Refresh {
    async fn step(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        let Some(rt) = self.refresh_token.take() else {
            let tokens = flow::code_flow(conn, &self.target, &self.session).await?;
            self.refresh_token = tokens.refresh_token;
            anyhow::bail!("(re)started a refresh-token chain");
        };
        let form = format!(
            "grant_type=refresh_token&refresh_token={}",
            flow::encode(&rt)
        );
        let answer = conn
            .send(flow::post_form(&self.target, "token", &form, true)?)
            .await?;
        if answer.status != StatusCode::OK {
            anyhow::bail!(
                "refresh: HTTP {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(200)])
            );
        }
        let v: serde_json::Value = serde_json::from_slice(&answer.body)?;
        self.refresh_token = Some(
            v["refresh_token"]
                .as_str()
                .context("no refresh_token in the answer")?
                .to_owned(),
        );
        Ok(())
    }
}

/// A password login through the hosted form (`POST {issuer}/login`) with a
/// valid CSRF pair; success is the redirect that sets the session cookie.
#[derive(Debug)]
pub struct Login {
    pub target: Target,
    pub username: String,
    pub password: String,
    /// The CSRF cookie value and the form token that goes with it.
    pub csrf: Option<(String, String)>,
}

impl Worker for Login {
    async fn step(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        let (nonce, token) = match &self.csrf {
            Some(pair) => pair.clone(),
            None => {
                let pair = flow::csrf_pair(conn, &self.target).await?;
                self.csrf = Some(pair.clone());
                pair
            }
        };
        let form = format!(
            "username={}&password={}&csrf={}",
            flow::encode(&self.username),
            flow::encode(&self.password),
            flow::encode(&token)
        );
        let mut req = flow::post_form(&self.target, "login", &form, false)?;
        req.headers_mut()
            .insert(COOKIE, format!("usso_csrf={nonce}").parse()?);
        let answer = conn.send(req).await?;
        let session = answer
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .any(|c| c.as_bytes().starts_with(b"usso_session="));
        if !(answer.status.is_redirection() && answer.headers.contains_key(LOCATION) && session) {
            anyhow::bail!("login: HTTP {} without a session", answer.status);
        }
        Ok(())
    }
}

/// The authorization code flow on an existing session: authorize (PKCE
/// S256) → code → token exchange; one step is the whole flow.
#[derive(Debug)]
pub struct CodeFlow {
    pub target: Target,
    pub session: String,
}

impl Worker for CodeFlow {
    async fn step(&mut self, conn: &mut Conn) -> anyhow::Result<()> {
        flow::code_flow(conn, &self.target, &self.session).await?;
        Ok(())
    }
}
