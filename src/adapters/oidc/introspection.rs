//! Token introspection (RFC 7662): finding a token of the tenant by its
//! value — an access token by its signature and `jti`, a refresh token by
//! its keyed hash — and telling the client that asks whether it is active,
//! with its metadata (§2.2).
//!
//! Who may introspect what: a client may introspect only the tokens issued
//! to itself; any other token is `{"active": false}`, exactly as an unknown
//! one, so a client learns nothing about the tokens of others. RFC 7662 §2.1
//! leaves this to the server: Keycloak lets any confidential client
//! introspect any token of its realm; Okta restricts introspection to the
//! client the token was issued to. We follow Okta: it is the safer default,
//! and a resource server that must check tokens of many clients can verify
//! the access tokens offline with the tenant's JWKS (RFC 9068). Public
//! clients authenticate as at the token endpoint (by `client_id` alone) and
//! so learn only about tokens they already hold.
//!
//! [`find`] is shared with revocation ([`super::revocation`], RFC 7009), whose
//! `token_type_hint` has the same two values.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::grants::{self, GrantError, ValidAccessToken};
use super::policy::subject;
use crate::core::client::Client;
use crate::core::oauth_grant::{Grant, RefreshToken};
use crate::core::tenant::Tenant;
use crate::core::user::{User, UserStatus};
use crate::service::{Hub, ServiceError};
use crate::store::{oauth_grants, users, StoreError};

/// `token_type_hint` (RFC 7009 §2.1, RFC 7662 §2.1, the OAuth Token Type
/// Hints registry). An unknown hint is ignored, never an error: the server
/// searches every type it knows anyway (RFC 7009 §2.2.1 keeps
/// `unsupported_token_type` for types it cannot revoke at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenTypeHint {
    AccessToken,
    RefreshToken,
}

impl TokenTypeHint {
    /// The hint named `value`, or `None` for an unknown one.
    pub fn from_name(value: &str) -> Option<Self> {
        match value {
            "access_token" => Some(Self::AccessToken),
            "refresh_token" => Some(Self::RefreshToken),
            _ => None,
        }
    }
}

/// A token of the tenant, found by its value, with its grant. Access tokens
/// are found only while valid (signature, `typ`, issuer, lifetime, grant not
/// revoked); refresh tokens whatever their state, which the caller judges.
#[derive(Debug)]
pub enum FoundToken {
    Access(ValidAccessToken),
    Refresh {
        stored: RefreshToken,
        grant: Arc<Grant>,
    },
}

impl FoundToken {
    pub fn grant(&self) -> &Grant {
        match self {
            Self::Access(at) => &at.grant,
            Self::Refresh { grant, .. } => grant,
        }
    }
}

async fn find_access(
    hub: &Hub,
    tenant: &Tenant,
    token: &str,
) -> Result<Option<FoundToken>, ServiceError> {
    match grants::check_access_token(hub, tenant, token).await {
        Ok(at) => Ok(Some(FoundToken::Access(at))),
        Err(GrantError::Service(e)) => Err(e),
        Err(GrantError::InvalidGrant(_) | GrantError::InvalidScope(_)) => Ok(None),
    }
}

async fn find_refresh(
    hub: &Hub,
    tenant: &Tenant,
    token: &str,
) -> Result<Option<FoundToken>, ServiceError> {
    let stored = {
        let mut conn = hub.store.conn().await?;
        match oauth_grants::refresh(&mut conn, tenant.id, &hub.secrets.hash(token)).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    };
    match grants::grant_by_id(hub, tenant, stored.grant_id).await {
        Ok(Some(grant)) => Ok(Some(FoundToken::Refresh { stored, grant })),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Finds `token` among the tenant's access and refresh tokens, the hinted
/// type first (RFC 7009 §2.1, RFC 7662 §2.1: the hint only speeds the
/// search up; a token of the other type is still found).
pub async fn find(
    hub: &Hub,
    tenant: &Tenant,
    token: &str,
    hint: Option<TokenTypeHint>,
) -> Result<Option<FoundToken>, ServiceError> {
    if hint == Some(TokenTypeHint::RefreshToken) {
        if let Some(found) = find_refresh(hub, tenant, token).await? {
            return Ok(Some(found));
        }
        return find_access(hub, tenant, token).await;
    }
    if let Some(found) = find_access(hub, tenant, token).await? {
        return Ok(Some(found));
    }
    find_refresh(hub, tenant, token).await
}

/// The introspection response (RFC 7662 §2.2). An inactive token is
/// `{"active": false}` and nothing else.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user's preferred username, when a user is behind the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// `Bearer` for access tokens (RFC 6750), `refresh_token` for refresh
    /// tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl Introspection {
    /// `{"active": false}`.
    pub fn inactive() -> Self {
        Self::default()
    }
}

/// Who a grant acts for.
enum Behind {
    /// An active user.
    User(Box<User>),
    /// The client itself (client credentials).
    Client,
    /// A user who is gone or can no longer sign in: the grant is dead.
    Gone,
}

async fn behind(hub: &Hub, tenant: &Tenant, grant: &Grant) -> Result<Behind, ServiceError> {
    let Some(user_id) = grant.user_id else {
        return Ok(Behind::Client);
    };
    let mut conn = hub.store.conn().await?;
    match users::get(&mut conn, tenant.id, user_id).await {
        Ok(u) if u.status == UserStatus::Active => Ok(Behind::User(Box::new(u))),
        Ok(_) | Err(StoreError::NotFound) => Ok(Behind::Gone),
        Err(e) => Err(e.into()),
    }
}

fn non_empty(scope: &str) -> Option<String> {
    (!scope.is_empty()).then(|| scope.to_owned())
}

/// Introspects `token` for `client` (RFC 7662 §2.1, §2.2): active only when
/// it is live — not expired, not rotated, its grant neither revoked nor
/// expired, its user still able to sign in — and was issued to `client`.
pub async fn introspect(
    hub: &Hub,
    tenant: &Tenant,
    client: &Client,
    token: &str,
    hint: Option<TokenTypeHint>,
) -> Result<Introspection, ServiceError> {
    let now = hub.now();
    let Some(found) = find(hub, tenant, token, hint).await? else {
        return Ok(Introspection::inactive());
    };
    let grant = found.grant();
    if grant.client_id != client.id || !grant.is_live(now) {
        return Ok(Introspection::inactive());
    }
    let user = match behind(hub, tenant, grant).await? {
        Behind::User(u) => Some(u),
        Behind::Client => None,
        Behind::Gone => return Ok(Introspection::inactive()),
    };
    let username = user.as_ref().map(|u| u.username.clone());
    Ok(match found {
        FoundToken::Access(at) => {
            let text = |name: &str| at.claims.get(name).and_then(Value::as_str);
            let number = |name: &str| at.claims.get(name).and_then(Value::as_i64);
            Introspection {
                active: true,
                scope: text("scope").and_then(non_empty),
                client_id: text("client_id").map(str::to_owned),
                username,
                token_type: Some("Bearer".into()),
                exp: number("exp"),
                iat: number("iat"),
                sub: text("sub").map(str::to_owned),
                aud: at.claims.get("aud").cloned(),
                iss: text("iss").map(str::to_owned),
                jti: text("jti").map(str::to_owned),
            }
        }
        FoundToken::Refresh { stored, .. } => {
            if stored.used_at.is_some() || now >= stored.expires_at {
                return Ok(Introspection::inactive());
            }
            let sub = match &user {
                Some(u) => subject(hub, client, u.id),
                None => client.client_id(),
            };
            Introspection {
                active: true,
                scope: non_empty(&stored.scope),
                client_id: Some(client.client_id()),
                username,
                token_type: Some("refresh_token".into()),
                exp: Some(stored.expires_at.unix_timestamp()),
                iat: Some(stored.created_at.unix_timestamp()),
                sub: Some(sub),
                ..Introspection::default()
            }
        }
    })
}
