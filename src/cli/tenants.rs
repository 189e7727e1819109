//! `usso tenant create|show|list|delete`.

use serde_json::json;

use super::args::TenantCommand;
use super::{output, tenant};
use crate::core::event::Actor;
use crate::http::admin::views::TenantView;
use crate::service::Hub;

pub async fn run(hub: &Hub, cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create {
            slug,
            display_name,
            json,
        } => {
            let t = hub
                .create_tenant(Actor::Cli, &slug, display_name.as_deref())
                .await?;
            let view = TenantView::new(hub, &t);
            output::emit(json.json, &view, || {
                format!("created tenant {} ({})", t.slug, t.id)
            })
        }
        TenantCommand::Show { slug, json } => {
            let t = tenant(hub, &slug).await?;
            let view = TenantView::new(hub, &t);
            output::emit(json.json, &view, || {
                format!(
                    "{} ({})\n  display name  {}\n  issuer        {}\n  login page    {}",
                    t.slug, t.id, t.display_name, view.issuer, view.login_url
                )
            })
        }
        TenantCommand::List { json } => {
            let tenants = hub.list_tenants().await?;
            let views: Vec<_> = tenants.iter().map(|t| TenantView::new(hub, t)).collect();
            output::emit(json.json, &views, || {
                tenants
                    .iter()
                    .map(|t| format!("{}\t{}\t{}", t.slug, t.id, t.display_name))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        TenantCommand::Delete { slug, yes, json } => {
            if !yes {
                anyhow::bail!("deleting tenant {slug:?} removes all its users, groups and keys; add --yes to confirm");
            }
            hub.delete_tenant(Actor::Cli, &slug).await?;
            output::emit(json.json, &json!({ "deleted": slug }), || {
                format!("deleted tenant {slug}")
            })
        }
    }
}
