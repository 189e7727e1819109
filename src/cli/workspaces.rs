//! `usso workspace create|list|delete`.

use serde_json::json;

use super::args::WorkspaceCommand;
use super::{output, tenant};
use crate::core::event::Actor;
use crate::http::admin::views::WorkspaceView;
use crate::service::Hub;

pub async fn run(hub: &Hub, cmd: WorkspaceCommand) -> anyhow::Result<()> {
    match cmd {
        WorkspaceCommand::Create {
            tenant: t,
            slug,
            display_name,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let w = hub
                .create_workspace(Actor::Cli, &t, &slug, display_name.as_deref())
                .await?;
            output::emit(json.json, &WorkspaceView::from(&w), || {
                format!("created workspace {} ({})", w.slug, w.id)
            })
        }
        WorkspaceCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let all = hub.list_workspaces(&t).await?;
            let views: Vec<_> = all.iter().map(WorkspaceView::from).collect();
            output::emit(json.json, &views, || {
                all.iter()
                    .map(|w| format!("{}\t{}\t{}", w.id, w.slug, w.display_name))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        WorkspaceCommand::Delete {
            tenant: t,
            workspace,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let w = hub.find_workspace(&t, &workspace).await?;
            hub.delete_workspace(Actor::Cli, &t, w.id).await?;
            output::emit(json.json, &json!({ "deleted": w.id }), || {
                format!("deleted workspace {}", w.slug)
            })
        }
    }
}
