//! Login sessions: created by a successful login, ended by logout, by idle
//! time or by their absolute lifetime (per-tenant settings).

use time::{Duration, OffsetDateTime};

use super::tenant::TenantSettings;
use super::{SessionId, TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// The absolute end, fixed at login.
    pub expires_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Session {
    /// A new session for a login that happened `now`.
    pub fn start(
        tenant_id: TenantId,
        user_id: UserId,
        now: OffsetDateTime,
        settings: &TenantSettings,
    ) -> Self {
        Self {
            id: SessionId::new(now),
            tenant_id,
            user_id,
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::seconds(settings.session_absolute_seconds),
            ip: None,
            user_agent: None,
        }
    }

    /// Whether the session may still be used at `now`.
    pub fn is_live(&self, now: OffsetDateTime, settings: &TenantSettings) -> bool {
        let idle_end = self.last_seen_at + Duration::seconds(settings.session_idle_seconds);
        now < self.expires_at && now < idle_end
    }

    /// Whether a use at `now` is worth recording (at most once a minute, so
    /// that browsing does not write on every request).
    pub fn touch_due(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at >= Duration::minutes(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_lifetimes_end_a_session() {
        let settings = TenantSettings {
            session_idle_seconds: 60,
            session_absolute_seconds: 300,
            ..TenantSettings::default()
        };
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        let mut s = Session::start(TenantId::new(t0), UserId::new(t0), t0, &settings);
        assert!(s.is_live(t0 + Duration::seconds(59), &settings));
        assert!(!s.is_live(t0 + Duration::seconds(60), &settings));
        s.last_seen_at = t0 + Duration::seconds(290);
        assert!(s.is_live(t0 + Duration::seconds(299), &settings));
        assert!(!s.is_live(t0 + Duration::seconds(300), &settings));
    }
}
