//! `usso api-key create|list|delete`.

use serde_json::json;

use super::args::ApiKeyCommand;
use super::roles::parse_duration;
use super::{output, tenant};
use crate::core::event::Actor;
use crate::core::ApiKeyId;
use crate::http::admin::views::{ApiKeyView, CreatedApiKeyView};
use crate::service::Hub;

pub async fn run(hub: &Hub, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    match cmd {
        ApiKeyCommand::Create {
            tenant: t,
            name,
            scopes,
            expires_in,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let expires_in = expires_in
                .map(|raw| parse_duration(&raw, "expires-in"))
                .transpose()?;
            let (key, token) = hub
                .create_api_key(Actor::Cli, &t, &name, &scopes, expires_in)
                .await?;
            let view = CreatedApiKeyView::new(&key, token.clone());
            output::emit(json.json, &view, || {
                format!(
                    "created API key {} ({})\ntoken (shown once): {token}",
                    key.name, key.id
                )
            })
        }
        ApiKeyCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let keys = hub.list_api_keys(&t).await?;
            let views: Vec<_> = keys.iter().map(ApiKeyView::from).collect();
            output::emit(json.json, &views, || {
                keys.iter()
                    .map(|k| {
                        let scopes: Vec<_> = k.scopes.iter().map(|s| s.as_str()).collect();
                        format!("{}\t{}\t{}", k.id, k.name, scopes.join(","))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ApiKeyCommand::Delete {
            tenant: t,
            id,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let id: ApiKeyId = id
                .parse()
                .map_err(|_| anyhow::anyhow!("{id:?} is not an API key id"))?;
            hub.delete_api_key(Actor::Cli, &t, id).await?;
            output::emit(json.json, &json!({ "deleted": id }), || {
                format!("deleted API key {id}")
            })
        }
    }
}
