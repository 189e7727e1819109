//! RP-Initiated Logout towards upstream OpenID Connect providers (OIDC
//! RP-Initiated Logout 1.0 §2–§3): when a USSO session that came from a
//! provider configured with `rp_logout` ends, the browser is sent last to
//! the provider's `end_session_endpoint` with the ID token as
//! `id_token_hint`; the provider sends it back to
//! `/t/{tenant}/login/idp/{name}/logged-out` with the `state`, which leads
//! on to where the logout was going.

use serde::{Deserialize, Serialize};
use usso_oidc::rp;

use super::upstream::{endpoints, PENDING_LIFETIME};
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::upstream_idp::UpstreamIdp;
use crate::secrets::tokens::new_token;
use crate::service::{Hub, ServiceError};
use crate::store::{federation, upstream_idps, StoreError};

#[derive(Debug, Serialize, Deserialize)]
struct PendingLogout {
    next: String,
}

/// The end-session URL for `session`, to visit after it ended; `None` when
/// it did not come from an OIDC provider that wants RP-Initiated Logout.
/// `next` is where the browser goes once the provider sends it back.
pub async fn rp_logout_url(
    hub: &Hub,
    tenant: &Tenant,
    session: &Session,
    next: &str,
) -> Result<Option<String>, ServiceError> {
    let mut conn = hub.store.conn().await?;
    let Some(upstream) = federation::session_upstream(&mut conn, tenant.id, session.id).await?
    else {
        return Ok(None);
    };
    let idp = match upstream_idps::get(&mut conn, tenant.id, upstream.idp_id).await {
        Ok(idp) => idp,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    drop(conn);
    let Some(config) = idp.oidc() else {
        return Ok(None);
    };
    if !config.settings.rp_logout {
        return Ok(None);
    }
    let end_session = match endpoints(hub, &idp).await {
        Ok(e) => e.end_session,
        Err(e) => {
            tracing::warn!(idp = %idp.name, error = %e, "no RP-Initiated Logout at the upstream provider");
            None
        }
    };
    let Some(end_session) = end_session else {
        return Ok(None);
    };
    let state = new_token("");
    let now = hub.now();
    let pending = serde_json::to_string(&PendingLogout {
        next: next.to_owned(),
    })
    .map_err(|e| ServiceError::Internal(format!("pending logout: {e}")))?;
    let mut conn = hub.store.conn().await?;
    federation::insert_request(
        &mut conn,
        tenant.id,
        &hub.secrets.hash(&state),
        idp.id,
        &pending,
        now,
        now + PENDING_LIFETIME,
    )
    .await?;
    let url = rp::end_session_url(
        &end_session,
        Some(&upstream.name_id),
        &config.client_id,
        &hub.upstream_logged_out_uri(tenant, &idp.name),
        &state,
    );
    match url {
        Ok(u) => Ok(Some(u)),
        Err(e) => {
            tracing::warn!(idp = %idp.name, error = %e, "unusable end_session_endpoint");
            Ok(None)
        }
    }
}

/// The provider sent the browser back: where it goes next (`None` for an
/// unknown or used `state`: the caller shows the login page).
pub async fn logged_out(
    hub: &Hub,
    tenant: &Tenant,
    idp: &UpstreamIdp,
    state: &str,
) -> Result<Option<String>, ServiceError> {
    let mut tx = hub.store.begin().await?;
    let taken = federation::take_request(
        &mut tx,
        tenant.id,
        &hub.secrets.hash(state),
        idp.id,
        hub.now(),
    )
    .await;
    tx.commit().await?;
    match taken {
        Ok(json) => Ok(serde_json::from_str::<PendingLogout>(&json)
            .ok()
            .map(|p| p.next)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
