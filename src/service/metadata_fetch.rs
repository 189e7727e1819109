//! Fetching a metadata document from a URL the operator gives (SAML SP
//! metadata today, upstream IdP metadata next): the hub's outbound client,
//! http(s) only, no redirects, size- and time-capped, and — for callers who
//! must not reach the hub's own network (tenant admins) — public addresses
//! only.

use std::time::Duration;

use reqwest::header;

use super::saml_sps::MAX_METADATA_BYTES;
use super::ServiceError;

/// How long fetching metadata from a URL may take, connection to last byte.
pub const METADATA_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Fetches a metadata document with the hub's outbound client (`http` or
/// `https`, no redirects, at most [`MAX_METADATA_BYTES`], within
/// [`METADATA_FETCH_TIMEOUT`]). Every failure is an invalid `metadata_url`
/// saying why.
pub async fn fetch_metadata(
    http: &reqwest::Client,
    raw: &str,
    reach: Reach,
) -> Result<String, ServiceError> {
    let invalid = |message: String| ServiceError::invalid("metadata_url", message);
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid("must be an https or http URL".into()));
    }
    check_reach(&url, reach, "metadata_url").await?;
    let cause = |e: reqwest::Error| {
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        invalid(format!("cannot fetch {url}: {text}"))
    };
    let mut response = http
        .get(url.clone())
        .timeout(METADATA_FETCH_TIMEOUT)
        .header(
            header::ACCEPT,
            "application/samlmetadata+xml, application/xml, text/xml;q=0.9, */*;q=0.1",
        )
        .send()
        .await
        .map_err(cause)?;
    let status = response.status();
    if !status.is_success() {
        let hint = if status.is_redirection() {
            " (redirects are not followed: give the final URL)"
        } else {
            ""
        };
        return Err(invalid(format!("{url} answered {status}{hint}")));
    }
    let too_large = || invalid(format!("{url} sent more than 1 MiB"));
    if response
        .content_length()
        .is_some_and(|n| n > MAX_METADATA_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(cause)? {
        if body.len() + chunk.len() > MAX_METADATA_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| invalid(format!("{url} did not send UTF-8 text")))
}

/// Refuses `url` (as field `field`) when `reach` is public-only and its
/// host resolves to a non-public address: a tenant admin may not make the
/// hub reach into its own network (SSRF).
pub async fn check_reach(url: &url::Url, reach: Reach, field: &str) -> Result<(), ServiceError> {
    if reach == Reach::Anywhere {
        return Ok(());
    }
    let invalid = |message: String| ServiceError::invalid(field, message);
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let ips: Vec<std::net::IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![ip.into()],
        Some(url::Host::Ipv6(ip)) => vec![ip.into()],
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| invalid(format!("cannot resolve {host}: {e}")))?
            .map(|a| a.ip())
            .collect(),
        None => Vec::new(),
    };
    if ips.is_empty() || ips.iter().any(|ip| !is_public(*ip)) {
        return Err(invalid(format!(
            "{host} is not a public address; an installation admin (or the CLI) can register one on a private network"
        )));
    }
    Ok(())
}

/// Where a metadata fetch may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Any address (the CLI, installation admins).
    Anywhere,
    /// Public addresses only (tenant admins).
    PublicOnly,
}

impl Reach {
    pub fn for_caller(installation_admin: bool) -> Self {
        if installation_admin {
            Self::Anywhere
        } else {
            Self::PublicOnly
        }
    }
}

/// Whether `ip` is on the public Internet: not loopback, private, link-local,
/// shared (CGNAT), unique-local, multicast, documentation or unspecified.
fn is_public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        std::net::IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            match v6.to_ipv4_mapped() {
                Some(v4) => is_public(std::net::IpAddr::V4(v4)),
                None => {
                    !(v6.is_loopback()
                        || v6.is_unspecified()
                        || v6.is_multicast()
                        || (first & 0xfe00) == 0xfc00
                        || (first & 0xffc0) == 0xfe80)
                }
            }
        }
    }
}
