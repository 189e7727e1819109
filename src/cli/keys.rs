//! `usso keys list|rotate`: a tenant's token-signing keys (see
//! [`crate::core::signing_key`] for their life cycle).

use clap::Subcommand;

use super::args::{Json, TenantArg};
use super::{output, tenant};
use crate::core::event::Actor;
use crate::core::signing_key::SigningKeyInfo;
use crate::http::admin::views::SigningKeyView;
use crate::service::Hub;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the tenant's signing keys with their status.
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Make new keys: published now, signing in 10 minutes; the current
    /// ones retire then and leave the JWKS a day later.
    Rotate {
        #[command(flatten)]
        tenant: TenantArg,
        /// Sign with the new keys at once (when a key may be compromised;
        /// relying parties that cached the JWKS refetch on the unknown kid).
        #[arg(long)]
        immediately: bool,
        #[command(flatten)]
        json: Json,
    },
}

fn print(hub: &Hub, keys: &[SigningKeyInfo], as_json: bool) -> anyhow::Result<()> {
    let now = hub.now();
    let views: Vec<SigningKeyView> = keys
        .iter()
        .filter(|k| k.is_published(now))
        .map(|k| SigningKeyView::new(k, now))
        .collect();
    output::emit(as_json, &views, || {
        views
            .iter()
            .map(|k| format!("{}\t{}\t{}", k.kid, k.alg, k.status.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

pub async fn run(hub: &Hub, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let keys = hub.ensure_signing_keys(&t).await?;
            print(hub, &keys, json.json)
        }
        KeysCommand::Rotate {
            tenant: t,
            immediately,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let keys = hub.rotate_signing_keys(Actor::Cli, &t, immediately).await?;
            print(hub, &keys, json.json)
        }
    }
}
