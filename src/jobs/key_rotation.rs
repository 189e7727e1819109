//! Scheduled rotation of every tenant's signing keys (and the first keys of
//! an algorithm a tenant lacks): when a tenant's
//! newest key is [`ROTATE_AFTER`] old, it is rotated the same way as
//! `usso keys rotate` (published before it signs); keys that left the JWKS
//! are deleted. Two nodes racing on the same tenant at worst publish one
//! extra set of keys, which retires like any other.

use std::time::Duration;

use time::Duration as Span;

use crate::core::event::Actor;
use crate::core::signing_key::KeyStatus;
use crate::service::{Hub, ServiceError};
use crate::store::{signing_keys, tenants};

/// How old a tenant's newest key may get before it is rotated.
pub const ROTATE_AFTER: Span = Span::days(90);

/// Rotates the tenants whose keys are due; returns how many were rotated.
pub async fn rotate_due(hub: &Hub) -> Result<u64, ServiceError> {
    let now = hub.now();
    let all = {
        let mut conn = hub.store.conn().await?;
        tenants::list(&mut conn).await?
    };
    let mut rotated = 0;
    for tenant in all {
        // Tenants without a key of some algorithm get one (the default
        // tenant's RS256 key right after the first start).
        hub.ensure_signing_keys(&tenant).await?;
        let keys = {
            let mut conn = hub.store.conn().await?;
            signing_keys::list(&mut conn, tenant.id).await?
        };
        let newest = keys
            .iter()
            .filter(|k| matches!(k.status(now), KeyStatus::Active | KeyStatus::Next))
            .map(|k| k.created_at)
            .max();
        if newest.is_some_and(|created| now - created >= ROTATE_AFTER) {
            hub.rotate_signing_keys(Actor::System, &tenant, false)
                .await?;
            rotated += 1;
        }
    }
    hub.delete_expired_signing_keys().await?;
    Ok(rotated)
}

/// Checks every `interval` until the task is dropped.
pub fn spawn(hub: Hub, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match rotate_due(&hub).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tenants = n, "rotated signing keys"),
                Err(e) => tracing::warn!(error = %e, "signing key rotation failed"),
            }
        }
    })
}
