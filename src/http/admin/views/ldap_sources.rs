//! The JSON representations of LDAP sources, sync reports and test results
//! (admin API and `usso ldap --json`). A source's view never carries its
//! bind password, in any form.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::timestamp;
use crate::core::ldap_source::{LdapSource, SyncMode, SyncOutcome, SyncReport};
use crate::service::ldap_sources::{LdapTestResult, SampleUser};

/// A directory source.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LdapSourceView {
    pub id: Uuid,
    #[schema(example = "Corporate AD")]
    pub name: String,
    #[schema(example = "ldaps://dc1.corp.example.com:636")]
    pub url: String,
    #[schema(example = "CN=usso,OU=Service Accounts,DC=corp,DC=example,DC=com")]
    pub bind_dn: String,
    #[schema(example = "DC=corp,DC=example,DC=com")]
    pub base_dn: String,
    /// `openldap`, `active-directory` or `freeipa`.
    #[schema(example = "active-directory")]
    pub preset: String,
    pub users_dn: Option<String>,
    pub groups_dn: Option<String>,
    pub user_filter: Option<String>,
    pub group_filter: Option<String>,
    pub start_tls: bool,
    /// The CA certificate trusted instead of the system's (PEM).
    pub ca_pem: Option<String>,
    /// Seconds between scheduled syncs; null: only on demand.
    pub interval_seconds: Option<u64>,
    /// `disable` or `delete`: what becomes of users the directory no
    /// longer has.
    #[schema(example = "disable")]
    pub delete_policy: String,
    /// The largest share of the source's users one sync may remove.
    #[schema(example = 0.1)]
    pub max_removal_share: f64,
    /// A JSON merge patch over the preset's attribute mapping.
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<serde_json::Value>,
    #[serde(with = "timestamp::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_sync_at: Option<OffsetDateTime>,
    pub last_report: Option<SyncReportView>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl From<&LdapSource> for LdapSourceView {
    fn from(s: &LdapSource) -> Self {
        let set = &s.settings;
        Self {
            id: s.id.as_uuid(),
            name: s.name.clone(),
            url: set.url.clone(),
            bind_dn: set.bind_dn.clone(),
            base_dn: set.base_dn.clone(),
            preset: set.preset.as_str().to_owned(),
            users_dn: set.users_dn.clone(),
            groups_dn: set.groups_dn.clone(),
            user_filter: set.user_filter.clone(),
            group_filter: set.group_filter.clone(),
            start_tls: set.start_tls,
            ca_pem: set.ca_pem.clone(),
            interval_seconds: set.interval_seconds,
            delete_policy: set.delete_policy.as_str().to_owned(),
            max_removal_share: set.max_removal_share,
            mapping: set.mapping.clone(),
            last_sync_at: s.last_sync_at,
            last_report: s.last_report.as_ref().map(SyncReportView::from),
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

/// What a sync run did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncReportView {
    /// `full` or `incremental`.
    #[schema(example = "incremental")]
    pub mode: String,
    /// `completed`, `stopped` (the safety threshold) or `failed`.
    #[schema(example = "completed")]
    pub outcome: String,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
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
    /// Entries the hub refused (the first few described in `errors`).
    pub failed_entries: u64,
    pub errors: Vec<String>,
    /// Why the run stopped or failed; null when it completed.
    pub stopped: Option<String>,
    /// The directory refused the stored state: a full sync ran instead.
    pub fell_back_to_full: bool,
    pub duration_ms: u64,
}

impl From<&SyncReport> for SyncReportView {
    fn from(r: &SyncReport) -> Self {
        Self {
            mode: match r.mode {
                SyncMode::Full => "full",
                SyncMode::Incremental => "incremental",
            }
            .to_owned(),
            outcome: match r.outcome {
                SyncOutcome::Completed => "completed",
                SyncOutcome::Stopped => "stopped",
                SyncOutcome::Failed => "failed",
            }
            .to_owned(),
            started_at: r.started_at,
            users_created: r.users_created,
            users_updated: r.users_updated,
            users_disabled: r.users_disabled,
            users_deleted: r.users_deleted,
            users_unchanged: r.users_unchanged,
            groups_created: r.groups_created,
            groups_updated: r.groups_updated,
            groups_deleted: r.groups_deleted,
            groups_unchanged: r.groups_unchanged,
            memberships_changed: r.memberships_changed,
            skipped: r.skipped,
            failed_entries: r.failed_entries,
            errors: r.errors.clone(),
            stopped: r.stopped.clone(),
            fell_back_to_full: r.fell_back_to_full,
            duration_ms: r.duration_ms,
        }
    }
}

/// What a connection test found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LdapTestView {
    /// Entries the user search matches.
    pub users: u64,
    /// Entries the group search matches.
    pub groups: u64,
    /// The first user a sync would read, as it would be mapped.
    pub sample_user: Option<SampleUserView>,
}

/// One directory user as the source maps it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SampleUserView {
    pub dn: String,
    /// entryUUID, objectGUID or ipaUniqueID.
    pub stable_id: String,
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub disabled: bool,
}

impl From<&SampleUser> for SampleUserView {
    fn from(u: &SampleUser) -> Self {
        Self {
            dn: u.dn.clone(),
            stable_id: u.stable_id.clone(),
            username: u.username.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            disabled: u.disabled,
        }
    }
}

impl From<&LdapTestResult> for LdapTestView {
    fn from(t: &LdapTestResult) -> Self {
        Self {
            users: t.users,
            groups: t.groups,
            sample_user: t.sample_user.as_ref().map(SampleUserView::from),
        }
    }
}
