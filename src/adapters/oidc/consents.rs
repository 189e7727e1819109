//! The applications a user has let in, as the account page shows them, and
//! taking that back: withdrawing a consent also revokes every grant the user
//! gave that client (its refresh and access tokens stop working at once).

use serde_json::json;

use crate::core::event::{Actor, AuditEvent};
use crate::core::tenant::Tenant;
use crate::core::{ClientId, UserId};
use crate::service::{record, Hub, ServiceError};
use crate::store::{oauth_grants, StoreError};

/// One application a user consented to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub client_id: ClientId,
    pub client_name: String,
    pub scope: String,
    pub granted_at: time::OffsetDateTime,
}

pub async fn of_user(
    hub: &Hub,
    tenant: &Tenant,
    user: UserId,
) -> Result<Vec<Consent>, ServiceError> {
    let mut conn = hub.store.conn().await?;
    let rows = oauth_grants::consents_of_user(&mut conn, tenant.id, user).await?;
    Ok(rows
        .into_iter()
        .map(|(client_id, client_name, scope, granted_at)| Consent {
            client_id,
            client_name,
            scope,
            granted_at,
        })
        .collect())
}

/// Withdraws the user's consent to `client` and revokes its grants.
pub async fn revoke(
    hub: &Hub,
    tenant: &Tenant,
    user: UserId,
    client: ClientId,
) -> Result<(), ServiceError> {
    let now = hub.now();
    let mut tx = hub.store.begin().await?;
    match oauth_grants::delete_consent(&mut tx, tenant.id, user, client).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(ServiceError::NotFound("consent")),
        Err(e) => return Err(e.into()),
    }
    let grants =
        oauth_grants::revoke_for_user_and_client(&mut tx, tenant.id, user, client, now).await?;
    if grants > 0 {
        tx.invalidates_cached_reads();
    }
    record(
        &mut tx,
        &AuditEvent::new(tenant.id, now, Actor::User(user), "oauth.consent_revoked")
            .target("client", client)
            .details(json!({ "grants_revoked": grants })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
