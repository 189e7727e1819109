//! The state every handler shares: the hub's use cases and the metrics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::service::Hub;

use super::metrics::Metrics;

#[derive(Debug, Clone)]
pub struct AppState {
    /// Shared, not cloned per request: a `Hub` is a few dozen `Arc`s, and
    /// axum clones the state for every request.
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    /// Cookies carry `Secure` when the public URL is https.
    pub secure_cookies: bool,
    /// Set once migrations ran; `/healthz` answers 503 before.
    ready: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(hub: Hub, secure_cookies: bool) -> Self {
        Self {
            hub: Arc::new(hub),
            metrics: Arc::new(Metrics::default()),
            secure_cookies,
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}
