//! The steps of a browser's journey, done by hand on one connection: the
//! login page's CSRF pair, a password login, and the authorization code
//! flow with PKCE S256 (RFC 7636) on an existing session.

use anyhow::Context as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE};
use hyper::{Method, Request};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::conn::Conn;

/// A tenant of the hub and a client of it.
#[derive(Debug, Clone)]
pub struct Target {
    /// host:port
    pub host: String,
    /// The issuer's path, `/t/{slug}`.
    pub prefix: String,
    pub client_id: String,
    /// `Basic …` of the client.
    pub basic: String,
    pub redirect_uri: String,
}

/// Tokens of a code exchange.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
}

/// `application/x-www-form-urlencoded` value encoding.
pub fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn basic(client_id: &str, secret: &str) -> String {
    // RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
    let pair = format!("{}:{}", encode(client_id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

pub fn post_form(
    t: &Target,
    leaf: &str,
    form: &str,
    client_auth: bool,
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/{leaf}", t.prefix))
        .header(HOST, &t.host)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    if client_auth {
        b = b.header(AUTHORIZATION, &t.basic);
    }
    Ok(b.body(Full::new(Bytes::from(form.to_owned())))?)
}

fn get(
    t: &Target,
    path_and_query: &str,
    cookie: Option<&str>,
) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut b = Request::builder()
        .method(Method::GET)
        .uri(path_and_query)
        .header(HOST, &t.host);
    if let Some(c) = cookie {
        b = b.header(COOKIE, c);
    }
    Ok(b.body(Full::new(Bytes::new()))?)
}

/// The value of the cookie `name` set by an answer.
fn set_cookie(headers: &hyper::HeaderMap, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    headers.get_all(SET_COOKIE).iter().find_map(|v| {
        let s = v.to_str().ok()?;
        let rest = s.strip_prefix(&prefix)?;
        Some(rest.split(';').next().unwrap_or_default().to_owned())
    })
}

/// GET the login page: the CSRF cookie value and the form's token.
pub async fn csrf_pair(conn: &mut Conn, t: &Target) -> anyhow::Result<(String, String)> {
    let answer = conn
        .send(get(t, &format!("{}/login", t.prefix), None)?)
        .await?;
    let nonce =
        set_cookie(&answer.headers, "usso_csrf").context("no CSRF cookie on the login page")?;
    let body = String::from_utf8_lossy(&answer.body);
    let marker = "name=\"csrf\" value=\"";
    let at = body
        .find(marker)
        .context("no csrf field in the login form")?
        + marker.len();
    let token = body[at..].split('"').next().unwrap_or_default().to_owned();
    Ok((nonce, token))
}

/// Logs in through the hosted form; the `usso_session` cookie value.
pub async fn login(
    conn: &mut Conn,
    t: &Target,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let (nonce, token) = csrf_pair(conn, t).await?;
    let form = format!(
        "username={}&password={}&csrf={}",
        encode(username),
        encode(password),
        encode(&token)
    );
    let mut req = post_form(t, "login", &form, false)?;
    req.headers_mut()
        .insert(COOKIE, format!("usso_csrf={nonce}").parse()?);
    let answer = conn.send(req).await?;
    set_cookie(&answer.headers, "usso_session")
        .with_context(|| format!("login failed: HTTP {}", answer.status))
}

/// authorize (on the session) → code → token, with PKCE S256 and
/// `openid offline_access`.
pub async fn code_flow(conn: &mut Conn, t: &Target, session: &str) -> anyhow::Result<Tokens> {
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let verifier = URL_SAFE_NO_PAD.encode(raw);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let query = format!(
        "response_type=code&client_id={}&redirect_uri={}&scope=openid%20offline_access&state=bench&code_challenge={challenge}&code_challenge_method=S256",
        encode(&t.client_id),
        encode(&t.redirect_uri)
    );
    let answer = conn
        .send(get(
            t,
            &format!("{}/authorize?{query}", t.prefix),
            Some(&format!("usso_session={session}")),
        )?)
        .await?;
    let location = answer
        .headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .with_context(|| format!("authorize: HTTP {} without a redirect", answer.status))?;
    let code = location
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .with_context(|| format!("authorize: no code in {location}"))?
        .to_owned();
    let form = format!(
        "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}",
        encode(&t.redirect_uri)
    );
    let answer = conn.send(post_form(t, "token", &form, true)?).await?;
    let v: serde_json::Value = serde_json::from_slice(&answer.body)
        .with_context(|| format!("token: HTTP {}", answer.status))?;
    Ok(Tokens {
        access_token: v["access_token"]
            .as_str()
            .with_context(|| format!("token: {v}"))?
            .to_owned(),
        refresh_token: v["refresh_token"].as_str().map(str::to_owned),
    })
}
