//! `usso keys list|rotate`: a tenant's token-signing keys (see
//! [`crate::core::signing_key`] for their life cycle).

use clap::Subcommand;
use serde::Serialize;

use super::args::{Json, TenantArg};
use super::{output, tenant};
use crate::core::event::Actor;
use crate::core::signing_key::{KeyStatus, SigningKeyInfo};
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

/// A key as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct KeyView {
    pub kid: String,
    pub alg: &'static str,
    pub status: KeyStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub activates_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retires_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<time::OffsetDateTime>,
}

impl KeyView {
    fn new(key: &SigningKeyInfo, now: time::OffsetDateTime) -> Self {
        Self {
            kid: key.kid.clone(),
            alg: key.alg.as_str(),
            status: key.status(now),
            created_at: key.created_at,
            activates_at: key.activates_at,
            retires_at: key.retires_at,
            expires_at: key.expires_at,
        }
    }
}

fn print(hub: &Hub, keys: &[SigningKeyInfo], as_json: bool) -> anyhow::Result<()> {
    let now = hub.now();
    let views: Vec<KeyView> = keys
        .iter()
        .filter(|k| k.is_published(now))
        .map(|k| KeyView::new(k, now))
        .collect();
    output::emit(as_json, &views, || {
        views
            .iter()
            .map(|k| format!("{}\t{}\t{:?}", k.kid, k.alg, k.status).to_lowercase())
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
