//! Retries the Back-Channel Logout deliveries that relying parties have not
//! acknowledged yet (see [`crate::adapters::oidc::backchannel`]), tenant by
//! tenant, on an interval. Each row is taken with a conditional UPDATE
//! before it is sent, so every node may run this job.

use std::time::Duration;

use crate::adapters::oidc::backchannel::{attempt, Attempt};
use crate::service::{Hub, ServiceError};
use crate::store::{backchannel_logouts, tenants};

/// The most deliveries one run tries per tenant.
const BATCH: i64 = 100;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Run {
    pub delivered: u64,
    pub failed: u64,
    pub given_up: u64,
}

/// Tries every delivery that is due now, once.
pub async fn run_once(hub: &Hub, http: &reqwest::Client) -> Result<Run, ServiceError> {
    let now = hub.now();
    let all = {
        let mut conn = hub.store.conn().await?;
        tenants::list(&mut conn).await?
    };
    let mut run = Run::default();
    for tenant in all {
        let due = {
            let mut conn = hub.store.conn().await?;
            backchannel_logouts::due(&mut conn, tenant.id, now, BATCH).await?
        };
        for pending in due {
            match attempt(hub, http, &tenant, pending).await? {
                Attempt::Delivered => run.delivered += 1,
                Attempt::Failed => run.failed += 1,
                Attempt::GaveUp => run.given_up += 1,
                Attempt::Skipped => {}
            }
        }
    }
    Ok(run)
}

/// Runs every `interval` until the task is dropped.
pub fn spawn(hub: Hub, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let http = hub.http.clone();
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match run_once(&hub, &http).await {
                Ok(run) if run == Run::default() => {}
                Ok(run) => tracing::info!(
                    delivered = run.delivered,
                    failed = run.failed,
                    given_up = run.given_up,
                    "back-channel logout deliveries"
                ),
                Err(e) => tracing::warn!(error = %e, "back-channel logout job failed"),
            }
        }
    })
}
