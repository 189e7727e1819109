//! Token revocation (RFC 7009): a client ends a token it holds.
//!
//! Revocation works on grants, not on single tokens:
//! - revoking a refresh token revokes its whole grant, so the grant's access
//!   tokens die with it (RFC 7009 §2.1: the server "MAY" and here does);
//! - revoking an access token revokes its grant as well, refresh tokens
//!   included: access tokens are self-contained JWTs and the hub keeps no
//!   per-token denylist, only the grant their `jti` names (see
//!   [`super::tokens`]).
//!
//! A token the hub cannot find (unknown, garbage, of another tenant, an
//! access token already expired) or one issued to another client changes
//! nothing, and the endpoint answers 200 all the same (RFC 7009 §2.2): the
//! caller learns nothing about tokens that are not its own. A refresh token
//! of the client is honoured whatever its state (rotated, expired): the
//! client asks for its grant to end, and it ends.

use serde_json::json;

use super::introspection::{find, FoundToken, TokenTypeHint};
use crate::core::client::Client;
use crate::core::event::{Actor, AuditEvent};
use crate::core::tenant::Tenant;
use crate::service::{record, Hub, ServiceError};
use crate::store::oauth_grants;

/// Revokes the grant of `token` when it was issued to `client`; true when a
/// live grant was revoked (one `oauth.grant_revoked` event, in the same
/// transaction).
pub async fn revoke(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    token: &str,
    hint: Option<TokenTypeHint>,
) -> Result<bool, ServiceError> {
    let Some(found) = find(hub, tenant, token, hint).await? else {
        return Ok(false);
    };
    let grant = found.grant();
    if grant.client_id != client.id {
        return Ok(false);
    }
    let token_type = match found {
        FoundToken::Access(_) => "access_token",
        FoundToken::Refresh { .. } => "refresh_token",
    };
    let now = hub.now();
    let mut tx = hub.store.begin().await?;
    let revoked = oauth_grants::revoke_grant(&mut tx, tenant.id, grant.id, now).await?;
    if revoked {
        tx.invalidates_cached_reads();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, Actor::System, "oauth.grant_revoked")
                .target("client", client.id)
                .details(json!({
                    "grant": grant.id.to_string(),
                    "reason": "revoked by the client (RFC 7009)",
                    "token_type": token_type,
                })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}
