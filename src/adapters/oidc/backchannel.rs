//! What ending a login session means for the OpenID Provider: the OAuth
//! grants made in it are revoked (so their refresh and access tokens stop
//! working), and every client that had a grant in it and registered a
//! `backchannel_logout_uri` is owed a Logout Token (OpenID Connect
//! Back-Channel Logout 1.0).
//!
//! The Logout Token (§2.4) is a JWT signed with the client's ID token
//! algorithm, `typ: logout+jwt` (§2.4, RFC 8725 §3.11), with `iss`, `aud`,
//! `iat`, `exp`, `jti`, `sub`, `sid` and the back-channel logout `events`
//! member, and never a `nonce`. It is POSTed as `logout_token` in a form
//! (§2.5); a 200 (or 204, §2.8) acknowledges it.
//!
//! Deliveries are stored before they are tried, so a slow or unreachable
//! relying party loses nothing: each is tried once at once, then again by
//! the job (`crate::jobs::backchannel_logout`) after [`RETRY_DELAYS`], and
//! given up (with an audit event) after [`MAX_ATTEMPTS`]. A retry later than
//! the token's two minutes of validity carries a freshly signed token with
//! the same `sub` and `sid`.

use std::time::Duration as StdDuration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use time::{Duration, OffsetDateTime};

use super::policy::subject;
use super::tokens::key_algorithm;
use crate::core::client::Client;
use crate::core::event::{Actor, AuditEvent};
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::{ClientId, UserId};
use crate::secrets::tokens::new_token;
use crate::service::{record, Hub, ServiceError};
use crate::store::backchannel_logouts::{self, PendingLogout};
use crate::store::{clients, oauth_grants, StoreError};

/// The `typ` of Logout Tokens (Back-Channel Logout 1.0 §2.4).
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";
/// The member of `events` that makes a JWT a Logout Token (§2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How long a Logout Token is valid (§2.4 recommends at most two minutes).
pub const LOGOUT_TOKEN_LIFETIME: Duration = Duration::minutes(2);
/// How long a relying party has to answer one delivery.
pub const HTTP_TIMEOUT: StdDuration = StdDuration::from_secs(5);
/// The most attempts at one delivery; after the last failure it is dropped.
pub const MAX_ATTEMPTS: i64 = 6;
/// The wait after the 1st, 2nd… failed attempt before the next one.
pub const RETRY_DELAYS: [Duration; 5] = [
    Duration::seconds(5),
    Duration::seconds(30),
    Duration::minutes(2),
    Duration::minutes(10),
    Duration::hours(1),
];
/// A stored token closer than this to its `exp` is signed afresh before it
/// is sent.
const REFRESH_MARGIN: Duration = Duration::seconds(30);
/// How long the last attempt keeps its row leased; a node that died during
/// it leaves a row the job then gives up on.
const LAST_ATTEMPT_LEASE: Duration = Duration::minutes(1);

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("back-channel logout: {e}"))
}

/// The wait after failed attempt number `attempt` (1-based).
pub fn retry_delay(attempt: i64) -> Duration {
    usize::try_from(attempt - 1)
        .ok()
        .and_then(|i| RETRY_DELAYS.get(i).copied())
        .unwrap_or(LAST_ATTEMPT_LEASE)
}

/// Signs a Logout Token for `client` about `sub` in session `sid`.
pub async fn logout_token(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    sub: &str,
    sid: &str,
) -> Result<String, ServiceError> {
    let now = hub.now();
    let claims = json!({
        "iss": hub.issuer(tenant),
        "aud": client.client_id(),
        "iat": now.unix_timestamp(),
        "exp": (now + LOGOUT_TOKEN_LIFETIME).unix_timestamp(),
        "jti": new_token(""),
        "sub": sub,
        "sid": sid,
        "events": { BACKCHANNEL_LOGOUT_EVENT: {} },
    });
    let key = hub
        .signing_key(tenant, key_algorithm(client.id_token_signed_response_alg))
        .await?;
    key.sign(Some(LOGOUT_TOKEN_TYP), &claims).map_err(internal)
}

/// The claims of a token this provider signed and stored (not verified
/// again: it never left the database).
fn stored_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Signs a browser out at the provider: ends its login `session` (whose
/// cookie token is `token`), revokes the session's grants, and notifies its
/// clients by back channel.
pub async fn log_out(
    hub: &Hub,
    tenant: &Tenant,
    token: &str,
    session: &Session,
    user: UserId,
    ip: Option<String>,
) -> Result<(), ServiceError> {
    hub.logout(tenant, token, ip).await?;
    let queued = session_ended(hub, tenant, session, user).await?;
    deliver_soon(hub, tenant, queued);
    Ok(())
}

/// Ends the OAuth side of a login session that was just ended: revokes its
/// grants and queues a Logout Token for each of its clients with a
/// `backchannel_logout_uri`. Returns the queued deliveries' ids, for
/// [`deliver_soon`].
pub async fn session_ended(
    hub: &Hub,
    tenant: &Tenant,
    session: &Session,
    user: UserId,
) -> Result<Vec<String>, ServiceError> {
    let now = hub.now();
    let grants = {
        let mut conn = hub.store.conn().await?;
        oauth_grants::for_session(&mut conn, tenant.id, session.id).await?
    };
    let mut client_ids: Vec<ClientId> = grants.iter().map(|g| g.client_id).collect();
    client_ids.sort_unstable();
    client_ids.dedup();
    let sid = session.id.to_string();
    let mut pending = Vec::new();
    for client_id in client_ids {
        let client = {
            let mut conn = hub.store.conn().await?;
            match clients::get(&mut conn, tenant.id, client_id).await {
                Ok(c) => c,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if client.backchannel_logout_uri.is_none() {
            continue;
        }
        let sub = subject(hub, &client, user);
        pending.push(PendingLogout {
            tenant_id: tenant.id,
            id: uuid::Uuid::new_v4().to_string(),
            client_id,
            logout_token: logout_token(hub, tenant, &client, &sub, &sid).await?,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        });
    }
    let mut tx = hub.store.begin().await?;
    let revoked = oauth_grants::revoke_for_session(&mut tx, tenant.id, session.id, now).await?;
    if revoked > 0 {
        tx.invalidates_cached_reads();
    }
    for p in &pending {
        backchannel_logouts::insert(&mut tx, p).await?;
    }
    if revoked > 0 || !pending.is_empty() {
        let notified: Vec<String> = pending.iter().map(|p| p.client_id.to_string()).collect();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, Actor::User(user), "oauth.session_ended")
                .target("session", session.id)
                .details(json!({
                    "grants_revoked": revoked,
                    "backchannel_logout_clients": notified,
                })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(pending.into_iter().map(|p| p.id).collect())
}

/// Tries the deliveries `ids` of `tenant` once, in a task of their own, so
/// that the browser is not kept waiting on relying parties.
pub fn deliver_soon(hub: &Hub, tenant: &Tenant, ids: Vec<String>) {
    if ids.is_empty() {
        return;
    }
    let hub = hub.clone();
    let http = hub.http.clone();
    let tenant = tenant.clone();
    tokio::spawn(async move {
        for id in ids {
            let pending = {
                let found = match hub.store.conn().await {
                    Ok(mut conn) => backchannel_logouts::get(&mut conn, tenant.id, &id).await,
                    Err(e) => Err(e),
                };
                match found {
                    Ok(p) => p,
                    Err(StoreError::NotFound) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "back-channel logout: cannot read delivery");
                        continue;
                    }
                }
            };
            if let Err(e) = attempt(&hub, &http, &tenant, pending).await {
                tracing::warn!(error = %e, "back-channel logout attempt failed");
            }
        }
    });
}

/// What became of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The relying party acknowledged; the row is gone.
    Delivered,
    /// It failed; the row waits for its next attempt.
    Failed,
    /// It failed for the last time (or cannot be made); the row is gone.
    GaveUp,
    /// Another worker has the row, or it is gone.
    Skipped,
}

async fn give_up(
    hub: &Hub,
    tenant: &Tenant,
    pending: &PendingLogout,
    reason: &str,
) -> Result<Attempt, ServiceError> {
    let mut tx = hub.store.begin().await?;
    if backchannel_logouts::delete(&mut tx, tenant.id, &pending.id).await? {
        record(
            &mut tx,
            &AuditEvent::new(
                tenant.id,
                hub.now(),
                Actor::System,
                "oidc.backchannel_logout_failed",
            )
            .failed()
            .target("client", pending.client_id)
            .details(json!({
                "delivery": pending.id,
                "attempts": pending.attempts,
                "reason": reason,
            })),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::warn!(client = %pending.client_id, reason, "gave up a back-channel logout");
    Ok(Attempt::GaveUp)
}

/// The token to send now: the stored one, or one signed afresh with the
/// same `sub` and `sid` when it is about to expire.
async fn current_token(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    stored: &str,
    now: OffsetDateTime,
) -> Result<Option<String>, ServiceError> {
    let Some(claims) = stored_claims(stored) else {
        return Ok(None);
    };
    let fresh = claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| exp > (now + REFRESH_MARGIN).unix_timestamp());
    if fresh {
        return Ok(Some(stored.to_owned()));
    }
    let (Some(sub), Some(sid)) = (
        claims.get("sub").and_then(Value::as_str),
        claims.get("sid").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    logout_token(hub, tenant, client, sub, sid).await.map(Some)
}

/// Makes one attempt at a delivery, unless another worker took it first.
pub async fn attempt(
    hub: &Hub,
    http: &reqwest::Client,
    tenant: &Tenant,
    pending: PendingLogout,
) -> Result<Attempt, ServiceError> {
    let now = hub.now();
    if pending.attempts >= MAX_ATTEMPTS {
        return give_up(hub, tenant, &pending, "no answer after the last attempt").await;
    }
    let client = {
        let mut conn = hub.store.conn().await?;
        match clients::get(&mut conn, tenant.id, pending.client_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(Attempt::Skipped),
            Err(e) => return Err(e.into()),
        }
    };
    let Some(uri) = client.backchannel_logout_uri.clone() else {
        return give_up(
            hub,
            tenant,
            &pending,
            "the client no longer has a backchannel_logout_uri",
        )
        .await;
    };
    let Some(token) = current_token(hub, tenant, &client, &pending.logout_token, now).await? else {
        return give_up(
            hub,
            tenant,
            &pending,
            "the stored logout token is unreadable",
        )
        .await;
    };
    let number = pending.attempts + 1;
    let taken = {
        let mut conn = hub.store.conn().await?;
        backchannel_logouts::claim(
            &mut conn,
            tenant.id,
            &pending.id,
            pending.attempts,
            &token,
            now + retry_delay(number),
        )
        .await?
    };
    if !taken {
        return Ok(Attempt::Skipped);
    }
    let answer = http
        .post(&uri)
        .form(&[("logout_token", token.as_str())])
        .send()
        .await;
    let failure = match answer {
        Ok(r) if matches!(r.status().as_u16(), 200 | 204) => None,
        Ok(r) => Some(format!("answered {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => Some("timed out".to_owned()),
        Err(e) => Some(format!("unreachable: {e}")),
    };
    let Some(failure) = failure else {
        let mut tx = hub.store.begin().await?;
        if backchannel_logouts::delete(&mut tx, tenant.id, &pending.id).await? {
            record(
                &mut tx,
                &AuditEvent::new(
                    tenant.id,
                    hub.now(),
                    Actor::System,
                    "oidc.backchannel_logout_delivered",
                )
                .target("client", pending.client_id)
                .details(json!({ "delivery": pending.id, "attempts": number })),
            )
            .await?;
        }
        tx.commit().await?;
        return Ok(Attempt::Delivered);
    };
    tracing::info!(client = %pending.client_id, attempt = number, %failure, "back-channel logout not acknowledged");
    if number >= MAX_ATTEMPTS {
        let last = PendingLogout {
            attempts: number,
            ..pending
        };
        return give_up(hub, tenant, &last, &failure).await;
    }
    Ok(Attempt::Failed)
}
