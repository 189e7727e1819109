//! `usso ldap add|test|sync|list|show|update|delete`: a tenant's LDAP and
//! Active Directory sources (issue 6). `<SOURCE>` is a source's name or id.
//! The bind password is read from stdin (`--bind-password-stdin`), never
//! from the command line, and never printed. `sync --json` prints the run's
//! report; a run the safety threshold stopped prints its report too, then
//! fails (exit code 2) with the reason on stderr. `--map FIELD=VALUE`
//! overrides the preset's attribute mapping.

use clap::{Args, Subcommand};
use serde_json::json;

use super::args::{Json, TenantArg};
use super::{output, read_stdin_secret, tenant};
use crate::core::event::Actor;
use crate::core::ldap_source::{
    DeletePolicy, DirectoryKind, LdapSettings, LdapSource, SyncOutcome, SyncReport,
};
use crate::http::admin::views::{LdapSourceView, LdapTestView, SyncReportView};
use crate::service::ldap_sources::LdapSourceChanges;
use crate::service::Hub;

#[derive(Debug, Subcommand)]
pub enum LdapCommand {
    /// Register a directory source.
    Add {
        #[command(flatten)]
        tenant: TenantArg,
        #[arg(long)]
        name: String,
        /// ldap://host:port or ldaps://host:port.
        #[arg(long)]
        url: String,
        /// The service account's DN.
        #[arg(long, value_name = "DN")]
        bind_dn: String,
        /// Read the service account's password from stdin.
        #[arg(long, required = true)]
        bind_password_stdin: bool,
        /// Where searches start.
        #[arg(long, value_name = "DN")]
        base_dn: String,
        #[command(flatten)]
        options: LdapOptions,
        #[command(flatten)]
        json: Json,
    },
    /// Connect, bind, count users and groups, and show one mapped user.
    Test {
        #[command(flatten)]
        tenant: TenantArg,
        /// The source's name or id.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        json: Json,
    },
    /// Sync a source now (incremental when it can be, full otherwise).
    Sync {
        #[command(flatten)]
        tenant: TenantArg,
        /// The source's name or id.
        #[arg(long)]
        name: String,
        /// Read the whole directory and reconcile.
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        json: Json,
    },
    /// List the tenant's sources.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Show a source and its last report.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        /// The source's name or id.
        source: String,
        #[command(flatten)]
        json: Json,
    },
    /// Change a source: each option given replaces that setting ('' clears
    /// an optional one); the others stay.
    Update {
        #[command(flatten)]
        tenant: TenantArg,
        /// The source's name or id.
        source: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_name = "DN")]
        bind_dn: Option<String>,
        /// Read a new service account password from stdin.
        #[arg(long)]
        bind_password_stdin: bool,
        #[arg(long, value_name = "DN")]
        base_dn: Option<String>,
        #[command(flatten)]
        options: LdapOptions,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a source (its users and groups stay).
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        /// The source's name or id.
        source: String,
        #[command(flatten)]
        json: Json,
    },
}

/// The optional settings of `add` and `update`.
#[derive(Debug, Args)]
pub struct LdapOptions {
    /// openldap (default), active-directory or freeipa.
    #[arg(long)]
    pub preset: Option<String>,
    /// Where users are searched [default: the base DN].
    #[arg(long, value_name = "DN")]
    pub users_dn: Option<String>,
    /// Where groups are searched [default: the base DN].
    #[arg(long, value_name = "DN")]
    pub groups_dn: Option<String>,
    /// Which entries are users (RFC 4515) [default: the preset's].
    #[arg(long, value_name = "FILTER")]
    pub user_filter: Option<String>,
    /// Which entries are groups (RFC 4515) [default: the preset's].
    #[arg(long, value_name = "FILTER")]
    pub group_filter: Option<String>,
    /// Upgrade ldap:// with StartTLS.
    #[arg(long)]
    pub start_tls: bool,
    /// A PEM file with the CA to trust instead of the system's.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Sync on a schedule, e.g. 15m, 1h (at least 1m); 0 for on demand only.
    #[arg(long, value_name = "DURATION")]
    pub interval: Option<String>,
    /// What becomes of users the directory no longer has: disable
    /// (default) or delete.
    #[arg(long, value_name = "POLICY")]
    pub delete_policy: Option<String>,
    /// The largest share of the source's users one sync may remove
    /// [default: 0.10]; a sync that would remove more stops.
    #[arg(long, value_name = "SHARE")]
    pub max_removal_share: Option<f64>,
    /// Override one setting of the preset's mapping (metadata/ldap/*.json),
    /// repeatable: email=mail, display_name=cn, username=uid,mail (lists
    /// comma-separated), stable_id.attribute=nsUniqueId, member_of= (empty:
    /// none). On update, the --map options given replace the source's
    /// overrides; --map '' clears them.
    #[arg(long = "map", value_name = "FIELD=VALUE")]
    pub map: Vec<String>,
}

/// Mapping fields whose value is a list.
const LIST_FIELDS: [&str; 6] = [
    "user_object_classes",
    "group_object_classes",
    "username",
    "member_dn",
    "member_uid",
    "incremental_alternatives",
];

/// The `--map` options as a JSON merge patch over the preset (RFC 7396):
/// `a.b=v` sets `{"a": {"b": v}}`; an empty value is `null` (removes an
/// optional attribute), digits a number, list fields split on commas. One
/// `--map ''` alone is `null`: no overrides. The hub validates the result.
fn mapping_patch(pairs: &[String]) -> anyhow::Result<Option<serde_json::Value>> {
    use serde_json::{Map, Value};
    if pairs.is_empty() {
        return Ok(None);
    }
    if pairs.iter().all(|p| p.trim().is_empty()) {
        return Ok(Some(Value::Null));
    }
    let mut patch = Map::new();
    for pair in pairs {
        let (field, value) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--map: expected FIELD=VALUE, got {pair:?}"))?;
        let path: Vec<&str> = field.trim().split('.').collect();
        let Some((last, parents)) = path
            .split_last()
            .filter(|_| path.iter().all(|p| !p.is_empty()))
        else {
            anyhow::bail!("--map: no field name in {pair:?}");
        };
        let value = value.trim();
        let leaf = if value.is_empty() {
            Value::Null
        } else if LIST_FIELDS.contains(last) {
            Value::Array(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(|v| Value::String(v.to_owned()))
                    .collect(),
            )
        } else if let Ok(n) = value.parse::<u64>() {
            Value::from(n)
        } else {
            Value::String(value.to_owned())
        };
        let mut node = &mut patch;
        for key in parents {
            let entry = node
                .entry((*key).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else {
                anyhow::bail!("--map: {pair:?}");
            };
            node = next;
        }
        node.insert((*last).to_owned(), leaf);
    }
    Ok(Some(Value::Object(patch)))
}

impl LdapOptions {
    fn changes(self) -> anyhow::Result<LdapSourceChanges> {
        let ca_pem =
            match &self.ca_file {
                Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("--ca-file: cannot read {}: {e}", path.display())
                })?),
                None => None,
            };
        let interval_seconds = match self.interval.as_deref() {
            None => None,
            Some("0") => Some(0),
            Some(raw) => Some(
                humantime::parse_duration(raw)
                    .map_err(|e| anyhow::anyhow!("--interval: {e} (e.g. 15m, 1h)"))?
                    .as_secs(),
            ),
        };
        Ok(LdapSourceChanges {
            preset: self
                .preset
                .as_deref()
                .map(DirectoryKind::parse)
                .transpose()?,
            users_dn: self.users_dn,
            groups_dn: self.groups_dn,
            user_filter: self.user_filter,
            group_filter: self.group_filter,
            start_tls: self.start_tls.then_some(true),
            ca_pem,
            interval_seconds,
            delete_policy: self
                .delete_policy
                .as_deref()
                .map(DeletePolicy::parse)
                .transpose()?,
            max_removal_share: self.max_removal_share,
            mapping: mapping_patch(&self.map)?,
            ..LdapSourceChanges::default()
        })
    }
}

/// The settings of a new source: the required ones, then the options.
fn new_settings(
    url: String,
    bind_dn: String,
    base_dn: String,
    c: &LdapSourceChanges,
) -> LdapSettings {
    let keep = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    LdapSettings {
        url,
        bind_dn,
        base_dn,
        preset: c.preset.unwrap_or_default(),
        users_dn: keep(&c.users_dn),
        groups_dn: keep(&c.groups_dn),
        user_filter: keep(&c.user_filter),
        group_filter: keep(&c.group_filter),
        start_tls: c.start_tls.unwrap_or(false),
        ca_pem: keep(&c.ca_pem),
        interval_seconds: c.interval_seconds.filter(|i| *i > 0),
        delete_policy: c.delete_policy.unwrap_or_default(),
        max_removal_share: c.max_removal_share.unwrap_or(0.10),
        mapping: c.mapping.clone().filter(|m| !m.is_null()),
    }
}

fn line(s: &LdapSource) -> String {
    format!(
        "{}\t{}\t{}\t{}",
        s.id,
        s.name,
        s.settings.url,
        s.last_sync_at
            .map_or_else(|| "never synced".to_owned(), |at| format!("synced {at}"))
    )
}

fn describe_report(r: &SyncReport) -> String {
    let view = SyncReportView::from(r);
    format!(
        "{} sync {}: users {} created, {} updated, {} disabled, {} deleted; groups {} created, \
         {} updated, {} deleted; {} memberships changed; {} entries refused; {} ms",
        view.mode,
        view.outcome,
        r.users_created,
        r.users_updated,
        r.users_disabled,
        r.users_deleted,
        r.groups_created,
        r.groups_updated,
        r.groups_deleted,
        r.memberships_changed,
        r.failed_entries,
        r.duration_ms
    )
}

pub async fn run(hub: &Hub, cmd: LdapCommand) -> anyhow::Result<()> {
    match cmd {
        LdapCommand::Add {
            tenant: t,
            name,
            url,
            bind_dn,
            bind_password_stdin: _,
            base_dn,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let changes = options.changes()?;
            let password = read_stdin_secret("bind password")?;
            let settings = new_settings(url, bind_dn, base_dn, &changes);
            let source = hub
                .create_ldap_source(Actor::Cli, &t, &name, settings, password)
                .await?;
            output::emit(json.json, &LdapSourceView::from(&source), || {
                format!("added LDAP source {}\nid: {}", source.name, source.id)
            })
        }
        LdapCommand::Test {
            tenant: t,
            name,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let source = hub.find_ldap_source(&t, &name).await?;
            let result = hub.test_ldap_source(Actor::Cli, &t, &source).await?;
            let view = LdapTestView::from(&result);
            output::emit(json.json, &view, || {
                let sample = view.sample_user.as_ref().map_or_else(
                    || "no user found".to_owned(),
                    |u| {
                        format!(
                            "first user: {} ({}) email {} id {}",
                            u.username,
                            u.dn,
                            u.email.as_deref().unwrap_or("-"),
                            u.stable_id
                        )
                    },
                );
                format!(
                    "connected and bound to {}\nusers: {}\ngroups: {}\n{sample}",
                    source.settings.url, view.users, view.groups
                )
            })
        }
        LdapCommand::Sync {
            tenant: t,
            name,
            full,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let source = hub.find_ldap_source(&t, &name).await?;
            let report = hub
                .sync_ldap_source(Actor::Cli, &t, source.id, full)
                .await?;
            output::emit(json.json, &SyncReportView::from(&report), || {
                describe_report(&report)
            })?;
            if report.outcome == SyncOutcome::Stopped {
                anyhow::bail!(
                    "the sync stopped: {}",
                    report.stopped.as_deref().unwrap_or("safety threshold")
                );
            }
            Ok(())
        }
        LdapCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let all = hub.list_ldap_sources(&t).await?;
            let views: Vec<_> = all.iter().map(LdapSourceView::from).collect();
            output::emit(json.json, &views, || {
                all.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        LdapCommand::Show {
            tenant: t,
            source,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let source = hub.find_ldap_source(&t, &source).await?;
            output::emit(json.json, &LdapSourceView::from(&source), || {
                let mut text = line(&source);
                if let Some(r) = &source.last_report {
                    text.push('\n');
                    text.push_str(&describe_report(r));
                }
                text
            })
        }
        LdapCommand::Update {
            tenant: t,
            source,
            name,
            url,
            bind_dn,
            bind_password_stdin,
            base_dn,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let current = hub.find_ldap_source(&t, &source).await?;
            let changes = LdapSourceChanges {
                name,
                url,
                bind_dn,
                base_dn,
                bind_password: if bind_password_stdin {
                    Some(read_stdin_secret("bind password")?)
                } else {
                    None
                },
                ..options.changes()?
            };
            let source = hub
                .update_ldap_source(Actor::Cli, &t, current.id, changes, Some(current.version))
                .await?;
            output::emit(json.json, &LdapSourceView::from(&source), || {
                format!("updated LDAP source {}", source.name)
            })
        }
        LdapCommand::Delete {
            tenant: t,
            source,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let source = hub.find_ldap_source(&t, &source).await?;
            hub.delete_ldap_source(Actor::Cli, &t, source.id).await?;
            output::emit(
                json.json,
                &json!({ "deleted": source.id.to_string(), "name": source.name }),
                || format!("deleted LDAP source {}", source.name),
            )
        }
    }
}
