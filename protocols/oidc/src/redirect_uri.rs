//! Redirection URIs: what a client may register (RFC 6749 §3.1.2, RFC 8252
//! §7) and how a requested `redirect_uri` is matched against the registered
//! ones (RFC 6749 §3.1.2.3, OIDC Core §3.1.2.1, RFC 9700 §4.1.3).
//!
//! Matching is a simple string comparison, with no normalisation of case,
//! percent-encoding, trailing slashes or default ports. The one exception is
//! RFC 8252 §7.3: a registered loopback IP literal (`http://127.0.0.1` or
//! `http://[::1]`) matches a request with any port, because native apps bind
//! an ephemeral port at run time. `localhost` gets no such leeway (RFC 8252
//! §8.3 advises against it).

use url::Url;

/// Longest redirect URI accepted at registration, in bytes.
pub const MAX_REDIRECT_URI_LEN: usize = 2048;

/// The loopback prefixes of RFC 8252 §7.3, scheme and host, as registered.
const LOOPBACK_PREFIXES: [&str; 2] = ["http://127.0.0.1", "http://[::1]"];

/// Why a redirect URI may not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRedirectUri {
    /// Empty, or longer than [`MAX_REDIRECT_URI_LEN`].
    #[error("redirect URI must be 1 to {MAX_REDIRECT_URI_LEN} bytes long")]
    Length,
    /// A character RFC 3986 does not allow unencoded (space, control,
    /// non-ASCII, double quote, angle bracket, backslash, caret, backtick,
    /// brace, pipe), or a `%` not followed by two hex digits: the URI must be
    /// sent as registered, so it must be written in its encoded form.
    #[error("redirect URI contains a character that must be percent-encoded, or a bad escape")]
    Character,
    /// Not an absolute URI (RFC 6749 §3.1.2).
    #[error("redirect URI is not an absolute URI")]
    NotAbsolute,
    /// Has a fragment (RFC 6749 §3.1.2).
    #[error("redirect URI must not contain a fragment")]
    Fragment,
    /// Has a user name or password (`user@host`).
    #[error("redirect URI must not contain userinfo")]
    Userinfo,
    /// Neither `https`, `http`, nor a private-use scheme in reverse domain
    /// form (RFC 8252 §7.1).
    #[error(
        "redirect URI scheme must be https, http, or a private-use scheme containing a period"
    )]
    Scheme,
    /// An `http` or `https` URI without `//` and a host.
    #[error("redirect URI has no host")]
    NoHost,
}

/// Checks a redirect URI a client wants to register: an absolute URI
/// without fragment or userinfo, whose scheme is `https`, `http`, or a
/// private-use scheme containing a period (`com.example.app:/callback`,
/// RFC 8252 §7.1). Whether plain `http` is acceptable for a given client (a
/// loopback for a native app, a development setup) is the hub's policy.
pub fn validate_registration(uri: &str) -> Result<(), InvalidRedirectUri> {
    if uri.is_empty() || uri.len() > MAX_REDIRECT_URI_LEN {
        return Err(InvalidRedirectUri::Length);
    }
    // The URL parser silently strips tabs, newlines and edge spaces, and
    // reads `\\` as `/`, so check the raw text first: what is registered is
    // what gets compared.
    if !is_uri_text(uri) {
        return Err(InvalidRedirectUri::Character);
    }
    if uri.contains('#') {
        return Err(InvalidRedirectUri::Fragment);
    }
    let scheme_end = uri.find(':').ok_or(InvalidRedirectUri::NotAbsolute)?;
    let scheme = &uri[..scheme_end];
    if !is_scheme(scheme) {
        return Err(InvalidRedirectUri::NotAbsolute);
    }
    let authority = authority(uri, scheme_end);
    if authority.is_some_and(|a| a.contains('@')) {
        return Err(InvalidRedirectUri::Userinfo);
    }
    let parsed = Url::parse(uri).map_err(|_| InvalidRedirectUri::NotAbsolute)?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(InvalidRedirectUri::Userinfo);
    }
    match parsed.scheme() {
        "https" | "http" => {
            // `https:/x` and `https:///x` parse as `https://x/`: demand the
            // authority in the text itself.
            if authority.is_none_or(str::is_empty) || parsed.host_str().is_none_or(str::is_empty) {
                return Err(InvalidRedirectUri::NoHost);
            }
        }
        other if other.contains('.') => {}
        _ => return Err(InvalidRedirectUri::Scheme),
    }
    Ok(())
}

/// Whether `requested` is one of the `registered` redirect URIs: an exact,
/// case-sensitive string match, or a loopback match (RFC 8252 §7.3) where a
/// registered `http://127.0.0.1[:port]/path` or `http://[::1][:port]/path`
/// accepts any port with the very same path and query.
pub fn matches(registered: &[String], requested: &str) -> bool {
    if requested.contains('#') {
        return false;
    }
    registered
        .iter()
        .any(|r| r == requested || loopback_matches(r, requested))
}

/// Whether `uri` is a loopback IP redirect URI (RFC 8252 §7.3).
pub fn is_loopback(uri: &str) -> bool {
    split_loopback(uri).is_some()
}

fn loopback_matches(registered: &str, requested: &str) -> bool {
    match (split_loopback(registered), split_loopback(requested)) {
        (Some(r), Some(q)) => r.host == q.host && r.rest == q.rest,
        _ => false,
    }
}

/// A loopback URI cut into its fixed prefix and what follows the port.
struct Loopback<'a> {
    host: &'a str,
    rest: &'a str,
}

/// Splits `http://127.0.0.1[:port]<rest>` or `http://[::1][:port]<rest>`,
/// where `rest` is empty or starts with `/` or `?`. Anything else after the
/// host (`.evil.com`, `@evil`, `:` without a valid port) is no loopback.
fn split_loopback(uri: &str) -> Option<Loopback<'_>> {
    let host = LOOPBACK_PREFIXES.into_iter().find(|p| uri.starts_with(p))?;
    let mut rest = &uri[host.len()..];
    if let Some(after_colon) = rest.strip_prefix(':') {
        let digits = after_colon
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_colon.len());
        if !is_port(&after_colon[..digits]) {
            return None;
        }
        rest = &after_colon[digits..];
    }
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')) {
        return None;
    }
    if rest.contains('#') {
        return None;
    }
    Some(Loopback { host, rest })
}

/// 1 to 65535, written without leading zeros.
fn is_port(digits: &str) -> bool {
    !digits.is_empty()
        && digits.len() <= 5
        && !digits.starts_with('0')
        && digits.parse::<u32>().is_ok_and(|p| p <= 65535)
}

/// Only RFC 3986 characters (unreserved, reserved, `%`), each `%` starting
/// a two-hex-digit escape.
fn is_uri_text(uri: &str) -> bool {
    let bytes = uri.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => true,
        _ => b"-._~:/?#[]@!$&'()*+,;=".contains(&b),
    })
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986 §3.1).
fn is_scheme(scheme: &str) -> bool {
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// The authority of `uri` when it has one (`scheme://authority…`).
fn authority(uri: &str, scheme_end: usize) -> Option<&str> {
    let after = uri[scheme_end + 1..].strip_prefix("//")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    Some(&after[..end])
}

#[cfg(test)]
mod tests;
