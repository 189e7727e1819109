//! LDAP and Active Directory sources (issue 6): where a tenant's users and
//! groups come from, how often they are synced, what happens to users the
//! directory no longer has, and the report of a sync run. The directory
//! protocol itself (RFC 4511 binds and searches, RFC 2696 paging, RFC 4533
//! content sync) is `usso_ldap`'s; the core only keeps the settings and the
//! rules that no protocol owns.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{CoreError, LdapSourceId, TenantId};

/// Shortest scheduled interval: a directory is not polled more often.
pub const MIN_INTERVAL_SECONDS: u64 = 60;

/// Which directory family's attribute mapping a source starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DirectoryKind {
    #[default]
    Openldap,
    ActiveDirectory,
    Freeipa,
}

impl DirectoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openldap => "openldap",
            Self::ActiveDirectory => "active-directory",
            Self::Freeipa => "freeipa",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        match raw {
            "openldap" => Ok(Self::Openldap),
            "active-directory" | "ad" => Ok(Self::ActiveDirectory),
            "freeipa" => Ok(Self::Freeipa),
            _ => Err(CoreError::invalid(
                "preset",
                "openldap, active-directory or freeipa",
            )),
        }
    }
}

/// What a sync does with a user the directory no longer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeletePolicy {
    /// Disable the user and drop its memberships of the source's groups:
    /// nothing is lost if the directory entry comes back.
    #[default]
    Disable,
    /// Delete the user.
    Delete,
}

impl DeletePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        match raw {
            "disable" => Ok(Self::Disable),
            "delete" => Ok(Self::Delete),
            _ => Err(CoreError::invalid("delete_policy", "disable or delete")),
        }
    }
}

fn default_share() -> f64 {
    0.10
}

/// A source's settings (everything but the bind password, which is sealed
/// apart and never part of a view).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LdapSettings {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    pub bind_dn: String,
    pub base_dn: String,
    #[serde(default)]
    pub preset: DirectoryKind,
    #[serde(default)]
    pub users_dn: Option<String>,
    #[serde(default)]
    pub groups_dn: Option<String>,
    #[serde(default)]
    pub user_filter: Option<String>,
    #[serde(default)]
    pub group_filter: Option<String>,
    #[serde(default)]
    pub start_tls: bool,
    /// A CA certificate (PEM) to trust instead of the system's.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// How often the scheduler syncs the source; `None`: only on demand.
    #[serde(default)]
    pub interval_seconds: Option<u64>,
    #[serde(default)]
    pub delete_policy: DeletePolicy,
    /// The largest share of the source's linked users one sync may disable
    /// or delete; a sync that would remove more stops and reports.
    #[serde(default = "default_share")]
    pub max_removal_share: f64,
    /// A JSON merge patch (RFC 7396) over the preset's attribute mapping.
    #[serde(default)]
    pub mapping: Option<serde_json::Value>,
}

impl LdapSettings {
    /// Checks what the core can check; the directory-side checks (URL,
    /// DNs, filters, CA, mapping) are `usso_ldap`'s.
    pub fn validate(self) -> Result<Self, CoreError> {
        if let Some(i) = self.interval_seconds {
            if i < MIN_INTERVAL_SECONDS {
                return Err(CoreError::invalid(
                    "interval",
                    format!("at least {MIN_INTERVAL_SECONDS} seconds"),
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.max_removal_share) {
            return Err(CoreError::invalid(
                "max_removal_share",
                "must be between 0 and 1",
            ));
        }
        if self.mapping.as_ref().is_some_and(|m| !m.is_object()) {
            return Err(CoreError::invalid("mapping", "must be a JSON object"));
        }
        Ok(self)
    }
}

/// A directory source of a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct LdapSource {
    pub id: LdapSourceId,
    pub tenant_id: TenantId,
    pub name: String,
    pub settings: LdapSettings,
    /// When the last sync that ran to its end finished.
    pub last_sync_at: Option<OffsetDateTime>,
    /// The report of the last run (completed, stopped or failed).
    pub last_report: Option<SyncReport>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl LdapSource {
    /// The external-id namespace of the source's users and groups.
    pub fn external_source(&self) -> String {
        external_source(self.id)
    }

    /// Whether the scheduler should sync the source at `now`.
    pub fn sync_due(&self, now: OffsetDateTime) -> bool {
        let Some(interval) = self.settings.interval_seconds else {
            return false;
        };
        let last_run = self
            .last_report
            .as_ref()
            .map(|r| r.started_at)
            .max(self.last_sync_at);
        match last_run {
            None => true,
            Some(at) => {
                now - at >= time::Duration::seconds(i64::try_from(interval).unwrap_or(i64::MAX))
            }
        }
    }
}

/// `ldap:<source id>`: the namespace of external ids a source writes.
pub fn external_source(id: LdapSourceId) -> String {
    format!("ldap:{id}")
}

/// The source id of an `ldap:<id>` external-id namespace.
pub fn source_of_external(source: &str) -> Option<LdapSourceId> {
    source.strip_prefix("ldap:")?.parse().ok()
}

/// A source's name: 1–255 characters, no control characters; unique in the
/// tenant without regard to case.
pub fn parse_source_name(raw: &str) -> Result<String, CoreError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "name",
            "must be 1 to 255 characters without control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Full (the whole directory, reconciled) or incremental (changes since the
/// stored state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    Full,
    Incremental,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncOutcome {
    Completed,
    /// The safety threshold stopped it before any removal.
    Stopped,
    Failed,
}

/// What a sync run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub mode: SyncMode,
    pub outcome: SyncOutcome,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    pub users_created: u64,
    pub users_updated: u64,
    pub users_disabled: u64,
    pub users_deleted: u64,
    pub users_unchanged: u64,
    pub groups_created: u64,
    pub groups_updated: u64,
    pub groups_deleted: u64,
    pub groups_unchanged: u64,
    pub memberships_changed: u64,
    /// Entries the mapping could not turn into a user or group.
    pub skipped: u64,
    /// Entries refused by the hub (invalid, conflicting): counted and the
    /// first few described in `errors`; the rest of the run goes on.
    pub failed_entries: u64,
    pub errors: Vec<String>,
    /// Why the run stopped (safety threshold) or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The run was asked to be incremental but the directory required a
    /// full sync.
    #[serde(default)]
    pub fell_back_to_full: bool,
    pub duration_ms: u64,
}

/// How many entry errors a report describes.
pub const MAX_REPORTED_ERRORS: usize = 20;

impl SyncReport {
    pub fn new(mode: SyncMode, started_at: OffsetDateTime) -> Self {
        Self {
            mode,
            outcome: SyncOutcome::Completed,
            started_at,
            users_created: 0,
            users_updated: 0,
            users_disabled: 0,
            users_deleted: 0,
            users_unchanged: 0,
            groups_created: 0,
            groups_updated: 0,
            groups_deleted: 0,
            groups_unchanged: 0,
            memberships_changed: 0,
            skipped: 0,
            failed_entries: 0,
            errors: Vec::new(),
            stopped: None,
            fell_back_to_full: false,
            duration_ms: 0,
        }
    }

    /// Counts a refused entry, describing the first few.
    pub fn entry_failed(&mut self, what: String) {
        self.failed_entries += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(what);
        }
    }

    /// Whether the run changed anything.
    pub fn changed_anything(&self) -> bool {
        self.users_created
            + self.users_updated
            + self.users_disabled
            + self.users_deleted
            + self.groups_created
            + self.groups_updated
            + self.groups_deleted
            + self.memberships_changed
            > 0
    }
}

/// Whether removing `removals` of `linked` users goes past `share`.
pub fn exceeds_removal_share(removals: u64, linked: u64, share: f64) -> bool {
    removals > 0 && (removals as f64) > share * (linked as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_share_allows_up_to_the_share() {
        assert!(!exceeds_removal_share(0, 0, 0.1));
        assert!(!exceeds_removal_share(1, 10, 0.1));
        assert!(exceeds_removal_share(2, 10, 0.1));
        assert!(exceeds_removal_share(1, 0, 0.1));
        assert!(!exceeds_removal_share(10, 10, 1.0));
    }

    #[test]
    fn external_source_round_trips() {
        let id = LdapSourceId::new(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(source_of_external(&external_source(id)), Some(id));
        assert_eq!(source_of_external("scim:x"), None);
    }

    #[test]
    fn settings_refuse_short_intervals_and_bad_shares() {
        let s: LdapSettings = serde_json::from_value(serde_json::json!({
            "url": "ldap://x", "bind_dn": "", "base_dn": "dc=x"
        }))
        .unwrap();
        assert_eq!(s.max_removal_share, 0.10);
        assert!(LdapSettings {
            interval_seconds: Some(5),
            ..s.clone()
        }
        .validate()
        .is_err());
        assert!(LdapSettings {
            max_removal_share: 1.5,
            ..s
        }
        .validate()
        .is_err());
    }
}
