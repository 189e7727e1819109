//! Scheduled LDAP syncs (issue 6): every tick (30 s) each source whose
//! `interval` has passed since its last run is synced, incrementally when
//! it can be. In a cluster only one node runs a given source at a time: a
//! run takes the source's lease row with one conditional UPDATE (see
//! `store::ldap_sources::try_lease`), renews it at every batch, and a node
//! that finds the lease held skips the source until its next tick.

use std::time::Duration;

use crate::core::event::Actor;
use crate::service::{Hub, ServiceError};
use crate::store::{ldap_sources, tenants};

/// How often the job looks for due sources.
pub const TICK: Duration = Duration::from_secs(30);

/// Syncs every due source as lease holder `node`; returns how many ran.
/// A source whose run fails is reported (its report and event say why)
/// and retried at its next interval; the others go on.
pub async fn run_due(hub: &Hub, node: &str) -> Result<u64, ServiceError> {
    let now = hub.now();
    let all = {
        let mut conn = hub.store.conn().await?;
        tenants::list(&mut conn).await?
    };
    let mut ran = 0;
    for tenant in all {
        let sources = {
            let mut conn = hub.store.conn().await?;
            ldap_sources::list(&mut conn, tenant.id).await?
        };
        for source in sources.into_iter().filter(|s| s.sync_due(now)) {
            match hub
                .sync_ldap_source_as(Actor::System, &tenant, source.id, false, node)
                .await
            {
                Ok(report) => {
                    ran += 1;
                    tracing::info!(source = %source.id, mode = ?report.mode, outcome = ?report.outcome, "scheduled LDAP sync");
                }
                Err(ServiceError::Invalid { field, .. }) if field == "sync" => {
                    tracing::debug!(source = %source.id, "LDAP sync running on another node");
                }
                Err(e) => {
                    ran += 1;
                    tracing::warn!(source = %source.id, error = %e, "scheduled LDAP sync failed");
                }
            }
        }
    }
    Ok(ran)
}

/// Runs [`run_due`] every `interval` until the task is dropped.
pub fn spawn(hub: Hub, interval: Duration) -> tokio::task::JoinHandle<()> {
    let node = format!("node-{}", uuid::Uuid::new_v4());
    tokio::spawn(async move {
        // The first tick one interval after start: a node that just started
        // (or a test that just spawned one) does not race its own set-up.
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = run_due(&hub, &node).await {
                tracing::warn!(error = %e, "LDAP sync schedule failed");
            }
        }
    })
}
