//! Grants, authorization codes, refresh tokens and consents: the state an
//! OAuth 2.x authorization server keeps between its endpoints (RFC 6749
//! §4.1, §6; OAuth 2.0 Security BCP, RFC 9700 §4.14 refresh token rotation),
//! and the lifetimes that bound them.

use time::{Duration, OffsetDateTime};

use super::client::TokenLifetimes;
use super::tenant::TenantSettings;
use super::{ClientId, GrantId, SessionId, TenantId, UserId};

/// An authorization code is redeemable this long (RFC 6749 §4.1.2: "a
/// maximum lifetime of 10 minutes is RECOMMENDED"; shorter is better).
pub const CODE_LIFETIME: Duration = Duration::seconds(60);
/// Access and ID tokens live this long: the client's setting, else the
/// tenant's.
pub fn access_token_lifetime(settings: &TenantSettings, client: &TokenLifetimes) -> Duration {
    Duration::seconds(
        client
            .access_token_seconds
            .unwrap_or(settings.access_token_seconds),
    )
}

/// No refresh token of a grant made at `now` outlives this: the client's
/// setting, else the tenant's.
pub fn grant_expiry(
    settings: &TenantSettings,
    client: &TokenLifetimes,
    now: OffsetDateTime,
) -> OffsetDateTime {
    now + Duration::seconds(
        client
            .refresh_token_absolute_seconds
            .unwrap_or(settings.refresh_token_absolute_seconds),
    )
}

/// One authorization: who granted which client what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: GrantId,
    pub tenant_id: TenantId,
    pub client_id: ClientId,
    /// `None` for the client_credentials grant (the client acts for itself).
    pub user_id: Option<UserId>,
    pub session_id: Option<SessionId>,
    /// The granted scope, space-separated.
    pub scope: String,
    /// The `claims` request parameter (OIDC Core §5.5), as JSON.
    pub claims: Option<String>,
    pub auth_time: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

impl Grant {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A single-use authorization code (stored by the keyed hash of its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub tenant_id: TenantId,
    pub grant_id: GrantId,
    /// The redirect URI the response went to.
    pub redirect_uri: String,
    /// Whether the request named it (then the token request must repeat it:
    /// RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

/// A refresh token of a grant; each use replaces it (rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub tenant_id: TenantId,
    pub grant_id: GrantId,
    pub scope: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
}

/// The idle expiry of a refresh token issued at `now` for `grant`, capped
/// by the grant's absolute lifetime.
pub fn refresh_expiry(
    settings: &TenantSettings,
    client: &TokenLifetimes,
    grant: &Grant,
    now: OffsetDateTime,
) -> OffsetDateTime {
    let idle = client
        .refresh_token_idle_seconds
        .unwrap_or(settings.refresh_token_idle_seconds);
    (now + Duration::seconds(idle)).min(grant.expires_at)
}

/// Whether `requested` (space-separated) is within `granted`.
pub fn scope_within(requested: &str, granted: &str) -> bool {
    let granted: Vec<&str> = granted.split(' ').collect();
    requested
        .split(' ')
        .filter(|s| !s.is_empty())
        .all(|s| granted.contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_within_is_a_subset_test() {
        assert!(scope_within("openid email", "openid profile email"));
        assert!(scope_within("", "openid"));
        assert!(!scope_within("openid admin", "openid profile"));
    }
}
