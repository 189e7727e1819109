//! The documents upstream OpenID Connect providers publish — discovery
//! metadata and JWKS — fetched with the hub's outbound client and kept in
//! memory per URL for [`DOCUMENT_TTL`], so a login costs no extra round
//! trip. A forced refresh (an ID token signed with a `kid` the cached JWKS
//! lacks: the provider rotated its keys) is honoured at most once per
//! [`REFRESH_FLOOR`] per URL (counted from the last forced one, so a
//! rotation right after a routine fetch is still seen), so tokens with
//! made-up key ids cannot make USSO hammer a provider.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use reqwest::header;
use time::{Duration, OffsetDateTime};

/// How long a fetched document is used before it is fetched again.
pub const DOCUMENT_TTL: Duration = Duration::hours(1);
/// The shortest time between two fetches of one URL.
pub const REFRESH_FLOOR: Duration = Duration::seconds(10);
/// How long one fetch may take, connection to last byte.
pub const FETCH_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// Most bytes of a document.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Most URLs kept; past it the cache is emptied.
const MAX_ENTRIES: usize = 4_096;

/// Why a document could not be had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot fetch {url}: {reason}")]
pub struct FetchError {
    pub url: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
struct Entry {
    fetched_at: OffsetDateTime,
    /// When a refresh was last forced.
    forced_at: Option<OffsetDateTime>,
    body: Arc<Vec<u8>>,
}

#[derive(Debug, Default)]
pub struct UpstreamDocuments {
    entries: Mutex<HashMap<String, Entry>>,
}

impl UpstreamDocuments {
    fn cached(&self, url: &str) -> Option<Entry> {
        self.entries.lock().ok()?.get(url).cloned()
    }

    fn keep(&self, url: &str, entry: Entry) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(url.to_owned(), entry);
        }
    }

    /// The document at `url`, from memory when younger than
    /// [`DOCUMENT_TTL`].
    pub async fn get(
        &self,
        http: &reqwest::Client,
        url: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<Vec<u8>>, FetchError> {
        match self.cached(url) {
            Some(e) if now - e.fetched_at < DOCUMENT_TTL && e.fetched_at <= now => Ok(e.body),
            _ => self.fetch(http, url, now, None).await,
        }
    }

    /// The document at `url` fetched again, unless it was fetched less than
    /// [`REFRESH_FLOOR`] ago (then the copy in memory).
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        url: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<Vec<u8>>, FetchError> {
        match self.cached(url) {
            Some(Entry {
                forced_at: Some(at),
                body,
                ..
            }) if now - at < REFRESH_FLOOR && at <= now => Ok(body),
            _ => self.fetch(http, url, now, Some(now)).await,
        }
    }

    /// Forgets every document (tests, and a provider's settings changed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    async fn fetch(
        &self,
        http: &reqwest::Client,
        url: &str,
        now: OffsetDateTime,
        forced: Option<OffsetDateTime>,
    ) -> Result<Arc<Vec<u8>>, FetchError> {
        let body = Arc::new(fetch_json(http, url).await?);
        let forced_at = forced.or_else(|| self.cached(url).and_then(|e| e.forced_at));
        self.keep(
            url,
            Entry {
                fetched_at: now,
                forced_at,
                body: body.clone(),
            },
        );
        Ok(body)
    }
}

/// One GET of a JSON document, capped in time and size; no redirects (the
/// hub's client follows none).
pub async fn fetch_json(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, FetchError> {
    let fail = |reason: String| FetchError {
        url: url.to_owned(),
        reason,
    };
    let mut response = http
        .get(url)
        .timeout(FETCH_TIMEOUT)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| fail(error_chain(&e)))?;
    if !response.status().is_success() {
        return Err(fail(format!("answered {}", response.status())));
    }
    read_capped(&mut response).await.map_err(fail)
}

/// The body of `response`, at most [`MAX_DOCUMENT_BYTES`].
pub async fn read_capped(response: &mut reqwest::Response) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err("the document is too large".into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| error_chain(&e))? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err("the document is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest error with its causes, without the URL (the caller names it).
pub fn error_chain(e: &reqwest::Error) -> String {
    let timeout = e.is_timeout();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    if timeout {
        format!("timed out ({text})")
    } else {
        text
    }
}
