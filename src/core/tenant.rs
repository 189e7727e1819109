//! Tenants: the unit of isolation. Every other record belongs to exactly one.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CoreError, TenantId};

/// The tenant created on first start, whose admins manage every tenant
/// (like Keycloak's `master` realm).
pub const DEFAULT_TENANT: &str = "default";

/// A tenant's URL-safe name: 1–63 of `a-z 0-9 -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        let ok_len = !raw.is_empty() && raw.len() <= 63;
        let ok_chars = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_edges = !raw.starts_with('-') && !raw.ends_with('-');
        if ok_len && ok_chars && ok_edges {
            Ok(Self(raw.to_owned()))
        } else {
            Err(CoreError::invalid(
                "slug",
                "must be 1 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = CoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Per-tenant policy, edited through the admin API and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantSettings {
    /// A session ends after this many seconds without use.
    pub session_idle_seconds: i64,
    /// A session ends this many seconds after login, used or not.
    pub session_absolute_seconds: i64,
    /// Failed logins allowed per account within `lockout_window_seconds`.
    pub max_failed_logins_per_account: u32,
    /// Failed logins allowed per client IP within `lockout_window_seconds`.
    pub max_failed_logins_per_ip: u32,
    pub lockout_window_seconds: i64,
    /// Access and ID tokens live this many seconds (at most a day: retired
    /// signing keys stay published a day).
    pub access_token_seconds: i64,
    /// A refresh token unused this long expires.
    pub refresh_token_idle_seconds: i64,
    /// No refresh token of an authorization outlives this.
    pub refresh_token_absolute_seconds: i64,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            session_idle_seconds: 30 * 60,
            session_absolute_seconds: 10 * 60 * 60,
            max_failed_logins_per_account: 5,
            max_failed_logins_per_ip: 50,
            lockout_window_seconds: 15 * 60,
            access_token_seconds: 15 * 60,
            refresh_token_idle_seconds: 30 * 24 * 3600,
            refresh_token_absolute_seconds: 90 * 24 * 3600,
        }
    }
}

impl TenantSettings {
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.session_idle_seconds <= 0 || self.session_absolute_seconds <= 0 {
            return Err(CoreError::invalid(
                "settings",
                "session lifetimes must be positive",
            ));
        }
        if self.session_idle_seconds > self.session_absolute_seconds {
            return Err(CoreError::invalid(
                "settings",
                "session_idle_seconds cannot exceed session_absolute_seconds",
            ));
        }
        if !(1..=24 * 3600).contains(&self.access_token_seconds) {
            return Err(CoreError::invalid(
                "settings",
                "access_token_seconds must be between 1 and 86400",
            ));
        }
        if self.refresh_token_idle_seconds <= 0
            || self.refresh_token_idle_seconds > self.refresh_token_absolute_seconds
        {
            return Err(CoreError::invalid(
                "settings",
                "refresh_token_idle_seconds must be positive and at most refresh_token_absolute_seconds",
            ));
        }
        if self.lockout_window_seconds <= 0 {
            return Err(CoreError::invalid(
                "settings",
                "lockout_window_seconds must be positive",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: Slug,
    pub display_name: String,
    pub settings: TenantSettings,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Checks a display name: 1–200 characters, no control characters.
pub fn parse_display_name(raw: &str, field: &'static str) -> Result<String, CoreError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 200 {
        return Err(CoreError::invalid(field, "must be 1 to 200 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("acme-corp").is_ok());
        assert!(Slug::parse("a").is_ok());
        for bad in ["", "-a", "a-", "Acme", "a b", "a/b", "é", &"a".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn idle_cannot_exceed_absolute() {
        let s = TenantSettings {
            session_idle_seconds: 100,
            session_absolute_seconds: 10,
            ..TenantSettings::default()
        };
        assert!(s.validate().is_err());
        assert!(TenantSettings::default().validate().is_ok());
    }
}
