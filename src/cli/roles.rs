//! `usso role create|list|show|delete|assign|unassign`.

use serde_json::json;

use super::args::RoleCommand;
use super::groups::member;
use super::{output, tenant};
use crate::core::event::Actor;
use crate::core::group::Member;
use crate::core::role::Principal;
use crate::http::admin::views::{AssignmentView, RoleView};
use crate::service::Hub;
use crate::store::Page;

fn principal(m: Member) -> Principal {
    match m {
        Member::User(id) => Principal::User(id),
        Member::Group(id) => Principal::Group(id),
    }
}

/// Parses a duration like `30d`, `12h`, `90m`.
pub fn parse_duration(raw: &str, field: &str) -> anyhow::Result<time::Duration> {
    let d = humantime::parse_duration(raw).map_err(|e| {
        anyhow::anyhow!("--{field}: {raw:?} is not a duration like 30d or 12h ({e})")
    })?;
    time::Duration::try_from(d).map_err(|_| anyhow::anyhow!("--{field}: {raw:?} is too long"))
}

pub async fn run(hub: &Hub, cmd: RoleCommand) -> anyhow::Result<()> {
    match cmd {
        RoleCommand::Create {
            tenant: t,
            name,
            description,
            permissions,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let r = hub
                .create_role(Actor::Cli, &t, &name, description.as_deref(), &permissions)
                .await?;
            output::emit(json.json, &RoleView::from(&r), || {
                format!("created role {} ({})", r.name, r.id)
            })
        }
        RoleCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = Page {
                    after: after.as_deref(),
                    limit: Page::MAX_LIMIT,
                };
                let roles = hub.list_roles(&t, page).await?;
                let full = roles.len() == Page::MAX_LIMIT as usize;
                after = roles.last().map(|r| r.id.to_string());
                all.extend(roles);
                if !full {
                    break;
                }
            }
            let views: Vec<_> = all.iter().map(RoleView::from).collect();
            output::emit(json.json, &views, || {
                all.iter()
                    .map(|r| format!("{}\t{}\t{}", r.id, r.name, r.permissions.join(" ")))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        RoleCommand::Show {
            tenant: t,
            role,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let r = hub.find_role(&t, &role).await?;
            let assignments = hub.role_assignments(&t, r.id).await?;
            let mut view = serde_json::to_value(RoleView::from(&r))?;
            view["assignments"] = serde_json::to_value(
                assignments
                    .iter()
                    .map(AssignmentView::from)
                    .collect::<Vec<_>>(),
            )?;
            output::emit(json.json, &view, || {
                format!("{}\t{}\t{} assignment(s)", r.id, r.name, assignments.len())
            })
        }
        RoleCommand::Delete {
            tenant: t,
            role,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let r = hub.find_role(&t, &role).await?;
            hub.delete_role(Actor::Cli, &t, r.id).await?;
            output::emit(json.json, &json!({ "deleted": r.id }), || {
                format!("deleted role {}", r.name)
            })
        }
        RoleCommand::Assign {
            tenant: t,
            role,
            member: m,
            workspace,
            expires_in,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let r = hub.find_role(&t, &role).await?;
            let p = principal(member(hub, &t, &m).await?);
            let ws = match workspace {
                Some(w) => Some(hub.find_workspace(&t, &w).await?.id),
                None => None,
            };
            let expires_at = match expires_in {
                Some(raw) => Some(hub.now() + parse_duration(&raw, "expires-in")?),
                None => None,
            };
            let a = hub
                .assign_role(Actor::Cli, &t, r.id, p, ws, expires_at)
                .await?;
            output::emit(json.json, &AssignmentView::from(&a), || {
                format!("assigned role {} ({})", r.name, a.id)
            })
        }
        RoleCommand::Unassign {
            tenant: t,
            role,
            member: m,
            workspace,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let r = hub.find_role(&t, &role).await?;
            let p = principal(member(hub, &t, &m).await?);
            let ws = match workspace {
                Some(w) => Some(hub.find_workspace(&t, &w).await?.id),
                None => None,
            };
            hub.unassign_role(Actor::Cli, &t, r.id, p, ws).await?;
            output::emit(
                json.json,
                &json!({ "role_id": r.id, "principal": p, "unassigned": true }),
                || format!("unassigned role {}", r.name),
            )
        }
    }
}
