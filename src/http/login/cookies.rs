//! The cookies of the hosted pages: the session cookie and the CSRF nonce,
//! both scoped to the tenant's path (`/t/{slug}/`), `HttpOnly`,
//! `SameSite=Lax`, and `Secure` when the public URL is https.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};

pub const SESSION: &str = "usso_session";
pub const CSRF: &str = "usso_csrf";

/// The value of cookie `name` in the request, if sent.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value for a cookie the browser must also send on a
/// cross-site POST (an upstream provider's `form_post` answer):
/// `SameSite=None`, which needs `Secure`; on a plain-http public URL (a
/// developer's machine) it stays `Lax`, which such answers then lack.
pub fn set_cross_site(
    name: &str,
    value: &str,
    slug: &str,
    secure: bool,
    max_age: time::Duration,
) -> HeaderValue {
    let mut cookie = Cookie::build((name, value))
        .path(format!("/t/{slug}/"))
        .http_only(true)
        .secure(secure)
        .same_site(if secure {
            SameSite::None
        } else {
            SameSite::Lax
        })
        .build();
    cookie.set_max_age(max_age);
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value; `max_age` of `None` clears the cookie.
pub fn set(
    name: &str,
    value: &str,
    slug: &str,
    secure: bool,
    max_age: Option<time::Duration>,
) -> HeaderValue {
    let mut cookie = Cookie::build((name, value))
        .path(format!("/t/{slug}/"))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build();
    match max_age {
        Some(age) => cookie.set_max_age(age),
        None => cookie.make_removal(),
    }
    // A cookie built from a slug and a token is always a valid header value.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}
