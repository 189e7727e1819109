//! `usso group create|list|show|delete|add-member|remove-member`.

use serde_json::json;

use super::args::{GroupCommand, MemberArg};
use super::output;
use super::tenant;
use crate::core::event::Actor;
use crate::core::group::Member;
use crate::core::tenant::Tenant;
use crate::http::admin::views::GroupView;
use crate::service::Hub;
use crate::store::Page;

/// Resolves `--user` / `--group` to a member.
pub async fn member(hub: &Hub, t: &Tenant, arg: &MemberArg) -> anyhow::Result<Member> {
    match (&arg.user, &arg.group) {
        (Some(u), None) => Ok(Member::User(hub.find_user(t, u).await?.id)),
        (None, Some(g)) => Ok(Member::Group(hub.find_group(t, g).await?.id)),
        _ => anyhow::bail!("give exactly one of --user or --group"),
    }
}

pub async fn run(hub: &Hub, cmd: GroupCommand) -> anyhow::Result<()> {
    match cmd {
        GroupCommand::Create {
            tenant: t,
            name,
            description,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let g = hub
                .create_group(Actor::Cli, &t, &name, description.as_deref())
                .await?;
            output::emit(json.json, &GroupView::from(&g), || {
                format!("created group {} ({})", g.name, g.id)
            })
        }
        GroupCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = Page {
                    after: after.as_deref(),
                    limit: Page::MAX_LIMIT,
                };
                let groups = hub.list_groups(&t, page).await?;
                let full = groups.len() == Page::MAX_LIMIT as usize;
                after = groups.last().map(|g| g.id.to_string());
                all.extend(groups);
                if !full {
                    break;
                }
            }
            let views: Vec<_> = all.iter().map(GroupView::from).collect();
            output::emit(json.json, &views, || {
                all.iter()
                    .map(|g| format!("{}\t{}", g.id, g.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        GroupCommand::Show {
            tenant: t,
            group,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let g = hub.find_group(&t, &group).await?;
            let members = hub.group_members(&t, g.id).await?;
            let mut view = serde_json::to_value(GroupView::from(&g))?;
            view["members"] = serde_json::to_value(&members)?;
            output::emit(json.json, &view, || {
                let mut out = format!("{}\t{}", g.id, g.name);
                for m in &members {
                    out.push_str(&format!("\n  {}\t{}", m.kind(), m.id_string()));
                }
                out
            })
        }
        GroupCommand::Delete {
            tenant: t,
            group,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let g = hub.find_group(&t, &group).await?;
            hub.delete_group(Actor::Cli, &t, g.id).await?;
            output::emit(json.json, &json!({ "deleted": g.id }), || {
                format!("deleted group {}", g.name)
            })
        }
        GroupCommand::AddMember {
            tenant: t,
            group,
            member: m,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let g = hub.find_group(&t, &group).await?;
            let m = member(hub, &t, &m).await?;
            let added = hub.add_group_member(Actor::Cli, &t, g.id, m).await?;
            output::emit(
                json.json,
                &json!({ "group_id": g.id, "member": m, "added": added }),
                || {
                    if added {
                        format!("added {} {} to {}", m.kind(), m.id_string(), g.name)
                    } else {
                        format!("{} {} was already in {}", m.kind(), m.id_string(), g.name)
                    }
                },
            )
        }
        GroupCommand::RemoveMember {
            tenant: t,
            group,
            member: m,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let g = hub.find_group(&t, &group).await?;
            let m = member(hub, &t, &m).await?;
            hub.remove_group_member(Actor::Cli, &t, g.id, m).await?;
            output::emit(
                json.json,
                &json!({ "group_id": g.id, "member": m, "removed": true }),
                || format!("removed {} {} from {}", m.kind(), m.id_string(), g.name),
            )
        }
    }
}
