//! Deletes sessions past their absolute end or their idle timeout, tenant by
//! tenant, on an interval (and the remembered jtis of expired client
//! assertions, SAML requests nobody came back for, login requests sent to
//! upstream IdPs that never answered and the upstream assertion IDs that can
//! no longer be replayed). Reads never rely on it (an expired session is
//! refused when read); it only keeps the tables small.

use std::time::Duration;

use time::Duration as Span;

use crate::service::{Hub, ServiceError};
use crate::store::{client_assertions, federation, saml_sps, sessions, tenants};

/// Runs one sweep; returns how many sessions were removed.
pub async fn sweep_once(hub: &Hub) -> Result<u64, ServiceError> {
    let now = hub.now();
    let mut conn = hub.store.conn().await?;
    let mut removed = 0;
    for tenant in tenants::list(&mut conn).await? {
        removed += sessions::delete_expired(&mut conn, tenant.id, now).await?;
        let idle_cutoff = now - Span::seconds(tenant.settings.session_idle_seconds);
        removed += sessions::delete_idle_since(&mut conn, tenant.id, idle_cutoff).await?;
    }
    // The jtis of expired client assertions can no longer be replayed.
    client_assertions::delete_expired(&mut conn, now).await?;
    // SAML AuthnRequests whose user never came back from the login page.
    saml_sps::delete_expired_requests(&mut conn, now).await?;
    federation::delete_expired(&mut conn, now).await?;
    Ok(removed)
}

/// Sweeps every `interval` until the task is dropped.
pub fn spawn(hub: Hub, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sweep_once(&hub).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "swept expired sessions"),
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    })
}
