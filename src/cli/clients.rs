//! `usso client create|list|show|update|delete|rotate-secret`: the tenant's
//! OAuth / OpenID Connect clients. A confidential client's secret is printed
//! once, at creation or rotation. `<CLIENT_ID>` is a client's `client_id`
//! or its name.

use clap::{Args, Subcommand};
use serde_json::json;

use super::args::{Json, TenantArg};
use super::{output, tenant};
use crate::core::client::{Client, ClientFields};
use crate::core::event::Actor;
use crate::http::admin::views::{ClientSecretView, ClientView, CreatedClientView};
use crate::service::Hub;
use crate::store::Page;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; a confidential client's secret is printed once.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        /// The name users see on the consent screen (unique in the tenant).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        options: ClientOptions,
        #[command(flatten)]
        json: Json,
    },
    /// List clients (never their secrets).
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Show a client.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        /// The client's client_id or name.
        client: String,
        #[command(flatten)]
        json: Json,
    },
    /// Change a client: each option given replaces that setting (a list
    /// option replaces the whole list); the others stay.
    Update {
        #[command(flatten)]
        tenant: TenantArg,
        /// The client's client_id or name.
        client: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        options: ClientOptions,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a client.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        /// The client's client_id or name.
        client: String,
        #[command(flatten)]
        json: Json,
    },
    /// Give a confidential client a new secret (printed once); the old one
    /// stops working at once.
    RotateSecret {
        #[command(flatten)]
        tenant: TenantArg,
        /// The client's client_id or name.
        client: String,
        #[command(flatten)]
        json: Json,
    },
}

/// The settings of `create` and `update`.
#[derive(Debug, Args)]
pub struct ClientOptions {
    /// A redirect URI (https, http, or a private-use scheme such as
    /// com.example.app:/cb); repeat for more. Needed for authorization_code.
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// A URI the client may ask to return to after logout; repeat for more
    /// ('' clears the list on update).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Where logout tokens are POSTed ('' clears it on update).
    #[arg(long, value_name = "URI")]
    pub backchannel_logout_uri: Option<String>,
    /// A public client (SPA, native app): no secret, PKCE required. Fixed at
    /// creation.
    #[arg(long)]
    pub public: bool,
    /// authorization_code, refresh_token or client_credentials; repeat for
    /// more [default: authorization_code, refresh_token].
    #[arg(long = "grant-type", value_name = "GRANT")]
    pub grant_types: Vec<String>,
    /// A scope the client may ask for; repeat for more [default: openid
    /// profile email phone address groups roles offline_access].
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// client_secret_basic (default for confidential clients),
    /// client_secret_post, private_key_jwt, or none (public clients).
    #[arg(long, value_name = "METHOD")]
    pub token_endpoint_auth_method: Option<String>,
    /// The URL of the client's JWK Set, for private_key_jwt ('' clears it on update).
    #[arg(long, value_name = "URI")]
    pub jwks_uri: Option<String>,
    /// The client's JWK Set as JSON, for private_key_jwt ('' clears it on update).
    #[arg(long, value_name = "JSON")]
    pub jwks: Option<String>,
    /// A first-party client: no consent screen (--skip-consent=false to undo).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub skip_consent: Option<bool>,
    /// RS256 (default), ES256 or EdDSA.
    #[arg(long, value_name = "ALG")]
    pub id_token_signed_response_alg: Option<String>,
    /// public (default) or pairwise.
    #[arg(long, value_name = "TYPE")]
    pub subject_type: Option<String>,
    /// Access and ID token lifetime for this client (1–86400); '' for the tenant's.
    #[arg(long, value_name = "SECONDS")]
    pub access_token_seconds: Option<String>,
    /// Refresh token idle lifetime for this client; '' for the tenant's.
    #[arg(long, value_name = "SECONDS")]
    pub refresh_token_idle_seconds: Option<String>,
    /// Refresh token absolute lifetime for this client; '' for the tenant's.
    #[arg(long, value_name = "SECONDS")]
    pub refresh_token_absolute_seconds: Option<String>,
    /// An API its access tokens are for (their `aud`; repeatable; replaces
    /// the list; '' clears it).
    #[arg(long = "resource", value_name = "URI")]
    pub resources: Vec<String>,
}

/// A number of seconds, or `''` for "the tenant's".
fn seconds(raw: String, flag: &str) -> anyhow::Result<Option<i64>> {
    non_empty(raw)
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| anyhow::anyhow!("--{flag}: not a number of seconds: {v:?}"))
        })
        .transpose()
}

/// `''` stands for "none" in an optional setting.
fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

impl ClientOptions {
    /// `base` (defaults, or the client's current settings) with every option
    /// given laid over it.
    fn apply(self, mut base: ClientFields) -> anyhow::Result<ClientFields> {
        if self.public {
            base.public = true;
        }
        if !self.redirect_uris.is_empty() {
            base.redirect_uris = self
                .redirect_uris
                .into_iter()
                .filter_map(non_empty)
                .collect();
        }
        if !self.post_logout_redirect_uris.is_empty() {
            base.post_logout_redirect_uris = self
                .post_logout_redirect_uris
                .into_iter()
                .filter_map(non_empty)
                .collect();
        }
        if let Some(uri) = self.backchannel_logout_uri {
            base.backchannel_logout_uri = non_empty(uri);
        }
        if !self.grant_types.is_empty() {
            base.grant_types = Some(self.grant_types);
        }
        if !self.scopes.is_empty() {
            base.scopes = Some(self.scopes);
        }
        if let Some(method) = self.token_endpoint_auth_method {
            base.token_endpoint_auth_method = Some(method);
        }
        if let Some(uri) = self.jwks_uri {
            base.jwks_uri = non_empty(uri);
        }
        if let Some(raw) = self.jwks {
            base.jwks = non_empty(raw)
                .map(|raw| serde_json::from_str(&raw))
                .transpose()
                .map_err(|e| anyhow::anyhow!("jwks: not valid JSON: {e}"))?;
        }
        if let Some(skip) = self.skip_consent {
            base.skip_consent = skip;
        }
        if let Some(alg) = self.id_token_signed_response_alg {
            base.id_token_signed_response_alg = Some(alg);
        }
        if let Some(kind) = self.subject_type {
            base.subject_type = Some(kind);
        }
        if !self.resources.is_empty() {
            base.resources = self.resources.into_iter().filter_map(non_empty).collect();
        }
        let lifetimes = &mut base.token_lifetimes;
        if let Some(raw) = self.access_token_seconds {
            lifetimes.access_token_seconds = seconds(raw, "access-token-seconds")?;
        }
        if let Some(raw) = self.refresh_token_idle_seconds {
            lifetimes.refresh_token_idle_seconds = seconds(raw, "refresh-token-idle-seconds")?;
        }
        if let Some(raw) = self.refresh_token_absolute_seconds {
            lifetimes.refresh_token_absolute_seconds =
                seconds(raw, "refresh-token-absolute-seconds")?;
        }
        Ok(base)
    }
}

fn line(c: &Client) -> String {
    let grants: Vec<_> = c.grant_types.iter().map(|g| g.as_str()).collect();
    format!(
        "{}\t{}\t{}\t{}",
        c.client_id(),
        c.name,
        if c.public { "public" } else { "confidential" },
        grants.join(",")
    )
}

pub async fn run(hub: &Hub, cmd: ClientCommand) -> anyhow::Result<()> {
    match cmd {
        ClientCommand::Create {
            tenant: t,
            name,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let fields = options.apply(ClientFields {
                name,
                ..ClientFields::default()
            })?;
            let (client, secret) = hub.create_client(Actor::Cli, &t, fields).await?;
            let view = CreatedClientView::new(&client, secret.as_ref());
            output::emit(json.json, &view, || {
                let mut out = format!(
                    "created client {}\nclient_id: {}",
                    client.name,
                    client.client_id()
                );
                if let Some(secret) = &secret {
                    out.push_str(&format!(
                        "\nclient_secret (shown once): {}",
                        secret.expose()
                    ));
                }
                out
            })
        }
        ClientCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = Page {
                    after: after.as_deref(),
                    limit: Page::MAX_LIMIT,
                };
                let clients = hub.list_clients(&t, page).await?;
                let full = clients.len() == Page::MAX_LIMIT as usize;
                after = clients.last().map(|c| c.id.to_string());
                all.extend(clients);
                if !full {
                    break;
                }
            }
            let views: Vec<_> = all.iter().map(ClientView::from).collect();
            output::emit(json.json, &views, || {
                all.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        ClientCommand::Show {
            tenant: t,
            client,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let c = hub.resolve_client(&t, &client).await?;
            output::emit(json.json, &ClientView::from(&c), || line(&c))
        }
        ClientCommand::Update {
            tenant: t,
            client,
            name,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let current = hub.resolve_client(&t, &client).await?;
            let mut base = ClientFields::from(&current);
            if let Some(name) = name {
                base.name = name;
            }
            let fields = options.apply(base)?;
            let c = hub
                .update_client(Actor::Cli, &t, current.id, fields, Some(current.version))
                .await?;
            output::emit(json.json, &ClientView::from(&c), || {
                format!("updated client {} ({})", c.name, c.client_id())
            })
        }
        ClientCommand::Delete {
            tenant: t,
            client,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let c = hub.resolve_client(&t, &client).await?;
            hub.delete_client(Actor::Cli, &t, c.id).await?;
            output::emit(json.json, &json!({ "deleted": c.client_id() }), || {
                format!("deleted client {} ({})", c.name, c.client_id())
            })
        }
        ClientCommand::RotateSecret {
            tenant: t,
            client,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let c = hub.resolve_client(&t, &client).await?;
            let (c, secret) = hub.rotate_client_secret(Actor::Cli, &t, c.id).await?;
            output::emit(json.json, &ClientSecretView::new(&c, &secret), || {
                format!(
                    "new secret for client {} ({})\nclient_secret (shown once): {}",
                    c.name,
                    c.client_id(),
                    secret.expose()
                )
            })
        }
    }
}
