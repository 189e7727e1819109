//! The grant flows of the token endpoint and the authorization endpoint's
//! code: issuing a code for a consented request, redeeming it once (RFC 6749
//! §4.1.3, RFC 7636 §4.6; a second redemption revokes the whole grant,
//! §4.1.2), rotating refresh tokens (a replayed one revokes the family, RFC
//! 9700 §4.14.2), client credentials (§4.4), and checking access tokens.
//!
//! Each grant writes once, grouped with the writes of concurrent requests
//! in one commit ([`crate::store::oauth_batches`]): a code redemption or a
//! refresh rotation consumes the code or token and stores the new refresh
//! token (the tokens are signed before, so that the transaction stays
//! short); a client credentials grant inserts its grant row.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use usso_oidc::jose::{self, Algorithm};
use usso_oidc::pkce::{CodeChallenge, CodeVerifier};

use super::claims::{requested_claims, user_claims};
use super::policy::subject;
use super::tokens::{self, AccessToken, IdToken};
use crate::core::client::Client;
use crate::core::event::{Actor, AuditEvent};
use crate::core::oauth_grant::{
    access_token_lifetime, grant_expiry, refresh_expiry, scope_within, AuthorizationCode, Grant,
    RefreshToken, CODE_LIFETIME,
};
use crate::core::session::Session;
use crate::core::tenant::Tenant;
use crate::core::user::{User, UserStatus};
use crate::core::GrantId;
use crate::secrets::tokens::new_token;
use crate::service::{record, Hub, ServiceError};
use crate::store::oauth_batches::{Redeemed, Redemption};
use crate::store::{oauth_grants, users, StoreError};

/// Why a grant was refused: `invalid_grant` or `invalid_scope` (RFC 6749
/// §5.2) with a description, or a failure inside.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    InvalidGrant(&'static str),
    #[error("{0}")]
    InvalidScope(&'static str),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<StoreError> for GrantError {
    fn from(e: StoreError) -> Self {
        Self::Service(e.into())
    }
}

impl From<sqlx::Error> for GrantError {
    fn from(e: sqlx::Error) -> Self {
        Self::Service(e.into())
    }
}

/// What the token endpoint answers with.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
}

/// An authorization the user has just given (and consented to).
#[derive(Debug)]
pub struct Authorized<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    pub session: &'a Session,
    pub scope: String,
    pub nonce: Option<String>,
    pub redirect_uri: String,
    pub redirect_uri_sent: bool,
    pub code_challenge: Option<CodeChallenge>,
    pub claims: Option<String>,
}

/// Starts a grant and returns its single-use code.
pub async fn issue_code(
    hub: &Hub,
    tenant: &Tenant,
    a: Authorized<'_>,
) -> Result<String, ServiceError> {
    let now = hub.now();
    let grant = Grant {
        id: GrantId::new(now),
        tenant_id: tenant.id,
        client_id: a.client.id,
        user_id: Some(a.user.id),
        session_id: Some(a.session.id),
        scope: a.scope,
        claims: a.claims,
        auth_time: Some(a.session.created_at),
        created_at: now,
        expires_at: grant_expiry(&tenant.settings, &a.client.token_lifetimes, now),
        revoked_at: None,
    };
    let code = new_token("");
    let stored = AuthorizationCode {
        tenant_id: tenant.id,
        grant_id: grant.id,
        redirect_uri: a.redirect_uri,
        redirect_uri_sent: a.redirect_uri_sent,
        nonce: a.nonce,
        code_challenge: a.code_challenge.as_ref().map(|c| c.as_str().to_owned()),
        code_challenge_method: a
            .code_challenge
            .as_ref()
            .map(|c| c.method().as_str().to_owned()),
        created_at: now,
        expires_at: now + CODE_LIFETIME,
        used_at: None,
    };
    // Taken before the write: a revocation of this grant after it would
    // move the epoch, so the entry below can never outlive it.
    let epoch = hub.store.cache_epoch();
    let mut tx = hub.store.begin().await?;
    oauth_grants::insert_grant(&mut tx, &grant).await?;
    oauth_grants::insert_code(&mut tx, &hub.secrets.hash(&code), &stored).await?;
    record(
        &mut tx,
        &AuditEvent::new(tenant.id, now, Actor::User(a.user.id), "oauth.authorized")
            .target("client", a.client.id)
            .details(json!({ "scope": grant.scope, "grant": grant.id.to_string() })),
    )
    .await?;
    tx.commit().await?;
    // The code's redemption reads it next.
    hub.grants_by_id
        .put_at((tenant.id, grant.id), Arc::new(grant), now, epoch);
    Ok(code)
}

/// The grant `id` (`None` if there is none), from the hub's cache when it
/// was read in the store's current change epoch: grants change only by
/// revocation (or go with their client or tenant), which moves the epoch.
pub(crate) async fn grant_by_id(
    hub: &Hub,
    tenant: &Tenant,
    id: GrantId,
) -> Result<Option<Arc<Grant>>, ServiceError> {
    let (now, epoch) = (hub.now(), hub.store.cache_epoch());
    let key = (tenant.id, id);
    if let Some(grant) = hub.grants_by_id.get_at(&key, now, epoch) {
        return Ok(Some(grant));
    }
    let mut conn = hub.store.conn().await?;
    let grant = match oauth_grants::grant(&mut conn, tenant.id, id).await {
        Ok(g) => Arc::new(g),
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    hub.grants_by_id.put_at(key, Arc::clone(&grant), now, epoch);
    Ok(Some(grant))
}

async fn revoke(hub: &Hub, tenant: &Tenant, grant: GrantId, why: &str) -> Result<(), GrantError> {
    let mut tx = hub.store.begin().await?;
    if oauth_grants::revoke_grant(&mut tx, tenant.id, grant, hub.now()).await? {
        tx.invalidates_cached_reads();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, hub.now(), Actor::System, "oauth.grant_revoked")
                .failed()
                .details(json!({ "grant": grant.to_string(), "reason": why })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The live user behind a grant, or `invalid_grant`.
async fn grant_user(hub: &Hub, tenant: &Tenant, grant: &Grant) -> Result<User, GrantError> {
    let Some(user_id) = grant.user_id else {
        return Err(GrantError::InvalidGrant("the grant has no user"));
    };
    let mut conn = hub.store.conn().await?;
    match users::get(&mut conn, tenant.id, user_id).await {
        Ok(u) if u.status == UserStatus::Active => Ok(u),
        Ok(_) | Err(StoreError::NotFound) => {
            Err(GrantError::InvalidGrant("the user can no longer sign in"))
        }
        Err(e) => Err(e.into()),
    }
}

/// A refresh token minted but not stored yet: its keyed hash and its row.
type PendingRefresh = (String, RefreshToken);

/// Consumes the code or refresh token (`kind`) whose keyed hash is `hash`
/// and stores the new refresh token, in the transaction of its group
/// commit. `false` when another redemption won (nothing is stored).
async fn consume_and_store(
    hub: &Hub,
    tenant: &Tenant,
    kind: Redeemed,
    hash: &str,
    pending: Option<&PendingRefresh>,
) -> Result<bool, GrantError> {
    let redemption = Redemption {
        tenant: tenant.id,
        kind,
        hash: hash.to_owned(),
        at: hub.now(),
        new_refresh: pending.cloned(),
    };
    // Group-committed with concurrent redemptions; when the race was lost
    // nothing was written, and the caller revokes.
    Ok(hub.redemptions.submit(&hub.store, redemption).await?)
}

/// Mints the tokens of a user grant; a refresh token when the scope asks
/// for offline access and the client may refresh, returned unstored for the
/// caller's transaction.
async fn mint_for_user(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    grant: &Grant,
    user: &User,
    scope: &str,
    nonce: Option<&str>,
) -> Result<(TokenSet, Option<PendingRefresh>), GrantError> {
    let now = hub.now();
    let sub = subject(hub, client, user.id);
    let access_token = tokens::access_token(
        hub,
        tenant,
        client,
        &AccessToken {
            subject: &sub,
            scope,
            grant: grant.id,
            auth_time: grant.auth_time,
        },
    )
    .await?;
    let scopes: Vec<&str> = scope.split(' ').collect();
    let id_token = if scopes.contains(&"openid") {
        let mut claims = user_claims(hub, tenant, user, scope).await?;
        claims.extend(
            requested_claims(hub, tenant, user, grant.claims.as_deref(), "id_token").await?,
        );
        Some(
            tokens::id_token(
                hub,
                tenant,
                client,
                IdToken {
                    subject: &sub,
                    nonce,
                    auth_time: grant.auth_time,
                    session_id: grant.session_id.map(|s| s.to_string()),
                    access_token: Some(&access_token),
                    user_claims: claims,
                },
            )
            .await?,
        )
    } else {
        None
    };
    let (refresh_token, pending) = if scopes.contains(&"offline_access")
        && client.allows_grant(crate::core::client::GrantType::RefreshToken)
    {
        let token = new_token("usso_rt_");
        let stored = RefreshToken {
            tenant_id: tenant.id,
            grant_id: grant.id,
            scope: scope.to_owned(),
            created_at: now,
            expires_at: refresh_expiry(&tenant.settings, &client.token_lifetimes, grant, now),
            used_at: None,
        };
        let hash = hub.secrets.hash(&token);
        (Some(token), Some((hash, stored)))
    } else {
        (None, None)
    };
    let set = TokenSet {
        access_token,
        expires_in: access_token_lifetime(&tenant.settings, &client.token_lifetimes)
            .whole_seconds(),
        scope: scope.to_owned(),
        id_token,
        refresh_token,
    };
    Ok((set, pending))
}

/// Redeems an authorization code (RFC 6749 §4.1.3).
pub async fn redeem_code(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Result<TokenSet, GrantError> {
    let now = hub.now();
    let hash = hub.secrets.hash(code);
    let stored = {
        let mut conn = hub.store.conn().await?;
        match oauth_grants::code(&mut conn, tenant.id, &hash).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => {
                return Err(GrantError::InvalidGrant("unknown authorization code"))
            }
            Err(e) => return Err(e.into()),
        }
    };
    let grant = grant_by_id(hub, tenant, stored.grant_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if grant.client_id != client.id {
        return Err(GrantError::InvalidGrant(
            "the code was issued to another client",
        ));
    }
    if stored.used_at.is_some() {
        revoke(hub, tenant, grant.id, "authorization code replayed").await?;
        return Err(GrantError::InvalidGrant("the code was already used"));
    }
    if now >= stored.expires_at {
        return Err(GrantError::InvalidGrant("the code expired"));
    }
    if !grant.is_live(now) {
        return Err(GrantError::InvalidGrant("the grant was revoked"));
    }
    if stored.redirect_uri_sent && redirect_uri != Some(stored.redirect_uri.as_str()) {
        return Err(GrantError::InvalidGrant(
            "redirect_uri does not match the authorization request",
        ));
    }
    match (
        &stored.code_challenge,
        &stored.code_challenge_method,
        verifier,
    ) {
        (Some(challenge), Some(method), Some(verifier)) => {
            let challenge = CodeChallenge::from_stored(challenge, method)
                .map_err(|_| GrantError::InvalidGrant("stored challenge unreadable"))?;
            let verifier = CodeVerifier::parse(verifier)
                .map_err(|_| GrantError::InvalidGrant("code_verifier is malformed"))?;
            if !challenge.is_answered_by(&verifier) {
                return Err(GrantError::InvalidGrant(
                    "code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), _, None) => return Err(GrantError::InvalidGrant("code_verifier is required")),
        (None, _, Some(_)) => {
            return Err(GrantError::InvalidGrant(
                "code_verifier sent for a code issued without code_challenge",
            ))
        }
        _ => {}
    }
    let user = grant_user(hub, tenant, &grant).await?;
    let (set, pending) = mint_for_user(
        hub,
        tenant,
        client,
        &grant,
        &user,
        &grant.scope,
        stored.nonce.as_deref(),
    )
    .await?;
    // Exactly one redemption wins, even when two race.
    if !consume_and_store(hub, tenant, Redeemed::Code, &hash, pending.as_ref()).await? {
        revoke(hub, tenant, grant.id, "authorization code replayed").await?;
        return Err(GrantError::InvalidGrant("the code was already used"));
    }
    Ok(set)
}

/// Rotates a refresh token (RFC 6749 §6).
pub async fn refresh(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    token: &str,
    scope: Option<&str>,
) -> Result<TokenSet, GrantError> {
    let now = hub.now();
    let hash = hub.secrets.hash(token);
    let stored = {
        let mut conn = hub.store.conn().await?;
        match oauth_grants::refresh(&mut conn, tenant.id, &hash).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                return Err(GrantError::InvalidGrant("unknown refresh token"))
            }
            Err(e) => return Err(e.into()),
        }
    };
    let grant = grant_by_id(hub, tenant, stored.grant_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if grant.client_id != client.id {
        return Err(GrantError::InvalidGrant(
            "the refresh token was issued to another client",
        ));
    }
    if stored.used_at.is_some() {
        revoke(hub, tenant, grant.id, "refresh token replayed").await?;
        return Err(GrantError::InvalidGrant(
            "the refresh token was already used",
        ));
    }
    if !grant.is_live(now) || now >= stored.expires_at {
        return Err(GrantError::InvalidGrant(
            "the refresh token expired or was revoked",
        ));
    }
    let scope = match scope {
        Some(s) if !scope_within(s, &stored.scope) => {
            return Err(GrantError::InvalidScope(
                "the scope exceeds what was granted",
            ))
        }
        Some(s) => s.to_owned(),
        None => stored.scope.clone(),
    };
    let user = grant_user(hub, tenant, &grant).await?;
    // A narrower refresh keeps offline_access only if asked again.
    let (mut set, mut pending) =
        mint_for_user(hub, tenant, client, &grant, &user, &scope, None).await?;
    if set.refresh_token.is_none()
        && client.allows_grant(crate::core::client::GrantType::RefreshToken)
    {
        // Rotation must hand back a successor even when the narrowed scope
        // dropped offline_access: the family keeps its original scope.
        let token = new_token("usso_rt_");
        let successor = RefreshToken {
            tenant_id: tenant.id,
            grant_id: grant.id,
            scope: stored.scope.clone(),
            created_at: now,
            expires_at: refresh_expiry(&tenant.settings, &client.token_lifetimes, &grant, now),
            used_at: None,
        };
        pending = Some((hub.secrets.hash(&token), successor));
        set.refresh_token = Some(token);
    }
    if !consume_and_store(hub, tenant, Redeemed::RefreshToken, &hash, pending.as_ref()).await? {
        revoke(hub, tenant, grant.id, "refresh token replayed").await?;
        return Err(GrantError::InvalidGrant(
            "the refresh token was already used",
        ));
    }
    Ok(set)
}

/// A token for the client itself (RFC 6749 §4.4).
pub async fn client_credentials(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    scope: Option<&str>,
) -> Result<TokenSet, GrantError> {
    let now = hub.now();
    let allowed = client.scopes.join(" ");
    let scope = match scope {
        Some(s) if !scope_within(s, &allowed) => {
            return Err(GrantError::InvalidScope(
                "scope not allowed for this client",
            ))
        }
        Some(s) => s.to_owned(),
        None => String::new(),
    };
    let grant = Grant {
        id: GrantId::new(now),
        tenant_id: tenant.id,
        client_id: client.id,
        user_id: None,
        session_id: None,
        scope: scope.clone(),
        claims: None,
        auth_time: None,
        created_at: now,
        expires_at: now + access_token_lifetime(&tenant.settings, &client.token_lifetimes),
        revoked_at: None,
    };
    // The token is signed while the row waits for its group commit; it is
    // handed out only once the row is committed.
    let sub = client.client_id();
    let access_token = tokens::access_token(
        hub,
        tenant,
        client,
        &AccessToken {
            subject: &sub,
            scope: &scope,
            grant: grant.id,
            auth_time: None,
        },
    )
    .await?;
    hub.grant_rows.submit(&hub.store, grant).await?;
    Ok(TokenSet {
        access_token,
        expires_in: access_token_lifetime(&tenant.settings, &client.token_lifetimes)
            .whole_seconds(),
        scope,
        id_token: None,
        refresh_token: None,
    })
}

/// A verified, live access token of this tenant: its claims and grant.
#[derive(Debug)]
pub struct ValidAccessToken {
    pub claims: Arc<Map<String, Value>>,
    pub grant: Arc<Grant>,
}

/// Checks a bearer access token: signature by this tenant's keys, `typ`,
/// issuer, lifetime, and that its grant is still live.
pub async fn check_access_token(
    hub: &Hub,
    tenant: &Tenant,
    token: &str,
) -> Result<ValidAccessToken, GrantError> {
    let invalid = |_| GrantError::InvalidGrant("invalid access token");
    // A token whose signature was checked within the lookup TTL (the time
    // the tenant's published keys are cached anyway) is not checked again;
    // its lifetime and its grant are, every time. Kept by its keyed hash:
    // the cache holds no bearer token.
    let now = hub.now();
    let key = (tenant.id, hub.secrets.hash(token));
    let claims = match hub.verified_access_tokens.get(&key, now) {
        Some(claims) => claims,
        None => {
            let jwks = hub.jwks(tenant).await?;
            let verified = jose::verify(token, &jwks, &[Algorithm::Es256]).map_err(invalid)?;
            if !verified.header.typ_is(tokens::ACCESS_TOKEN_TYP) {
                return Err(GrantError::InvalidGrant("not an access token"));
            }
            let claims = Arc::new(verified.claims);
            hub.verified_access_tokens
                .put(key, Arc::clone(&claims), now);
            claims
        }
    };
    jose::validate_time(&claims, now.unix_timestamp(), 0).map_err(invalid)?;
    if claims.get("iss").and_then(Value::as_str) != Some(hub.issuer(tenant).as_str()) {
        return Err(GrantError::InvalidGrant("issued by another provider"));
    }
    let grant_id = claims
        .get("jti")
        .and_then(Value::as_str)
        .and_then(tokens::grant_of_jti)
        .ok_or(GrantError::InvalidGrant("invalid access token"))?;
    let Some(grant) = grant_by_id(hub, tenant, grant_id).await? else {
        return Err(GrantError::InvalidGrant("invalid access token"));
    };
    if grant.revoked_at.is_some() {
        return Err(GrantError::InvalidGrant("the grant was revoked"));
    }
    Ok(ValidAccessToken { claims, grant })
}

/// The UserInfo claims (OIDC Core §5.3) of a checked access token.
pub async fn userinfo(
    hub: &Hub,
    tenant: &Tenant,
    token: &ValidAccessToken,
) -> Result<Map<String, Value>, GrantError> {
    let user = grant_user(hub, tenant, &token.grant).await?;
    let mut claims = user_claims(hub, tenant, &user, &token.grant.scope).await?;
    claims.extend(
        requested_claims(
            hub,
            tenant,
            &user,
            token.grant.claims.as_deref(),
            "userinfo",
        )
        .await?,
    );
    if let Some(sub) = token.claims.get("sub") {
        claims.insert("sub".into(), sub.clone());
    }
    Ok(claims)
}
