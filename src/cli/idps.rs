//! `usso idp add-saml|list|show|update|delete`: the upstream identity
//! providers a tenant's users log in through. A SAML IdP is registered from
//! its metadata (a file, or a URL fetched once with the hub's outbound
//! client). `<IDP>` is a provider's id or name. `--json` prints the admin
//! API's view: a provider with its metadata, a listing without.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::args::{Json, TenantArg};
use super::saml_sps::{read_metadata, OptionalMetadata, RequiredMetadata};
use super::{output, tenant};
use crate::core::event::Actor;
use crate::core::saml_sp::NameIdChoice;
use crate::core::upstream_idp::UpstreamIdp;
use crate::http::admin::views::{IdpDetailView, IdpView};
use crate::service::upstream_idps::SamlUpstreamChanges;
use crate::service::Hub;
use crate::store::Page;

#[derive(Debug, Subcommand)]
pub enum IdpCommand {
    /// Register a SAML 2.0 IdP from its metadata.
    #[command(name = "add-saml")]
    AddSaml {
        #[command(flatten)]
        tenant: TenantArg,
        /// A slug (a-z, 0-9, '-'), used in URLs and in OIDC idp_hint.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        metadata: RequiredMetadata,
        #[command(flatten)]
        options: SamlIdpOptions,
        #[command(flatten)]
        json: Json,
    },
    /// List identity providers (without their metadata).
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Show an identity provider and its metadata.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        /// The provider's id or name.
        idp: String,
        #[command(flatten)]
        json: Json,
    },
    /// Change an identity provider: each option given replaces that
    /// setting; the others stay.
    Update {
        #[command(flatten)]
        tenant: TenantArg,
        /// The provider's id or name.
        idp: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        metadata: OptionalMetadata,
        #[command(flatten)]
        options: SamlIdpOptions,
        #[command(flatten)]
        json: Json,
    },
    /// Delete an identity provider (its linked identities go with it; the
    /// users stay).
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        /// The provider's id or name.
        idp: String,
        #[command(flatten)]
        json: Json,
    },
}

/// The settings of `add-saml` and `update`. A boolean option given alone
/// means true (`--link-by-email`), or takes a value (`--link-by-email false`).
#[derive(Debug, Args)]
pub struct SamlIdpOptions {
    /// What the login page's button says [default: the name].
    #[arg(long)]
    pub display_name: Option<String>,
    /// Sign AuthnRequests [default: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub sign_requests: Option<bool>,
    /// Require the Assertion itself to be signed [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub want_assertions_signed: Option<bool>,
    /// Refuse unencrypted assertions [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub require_encrypted_assertions: Option<bool>,
    /// Accept RSA-SHA1 signatures [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub allow_sha1: Option<bool>,
    /// The NameID format asked for: persistent, email_address, unspecified
    /// or transient; 'any' lets the IdP choose [default: any].
    #[arg(long, value_name = "FORMAT")]
    pub name_id_format: Option<String>,
    /// Ask the IdP to authenticate the user again [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub force_authn: Option<bool>,
    /// An attribute holding the user's stable id, instead of the NameID;
    /// '' for the NameID.
    #[arg(long, value_name = "ATTRIBUTE")]
    pub subject_attribute: Option<String>,
    /// Create a user on an unknown identity's first login [default: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub create_users: Option<bool>,
    /// The same as --create-users false.
    #[arg(long, conflicts_with = "create_users")]
    pub no_create_users: bool,
    /// Link an unknown identity to the user owning the email the IdP
    /// asserts; only for IdPs trusted with their users' emails
    /// [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub link_by_email: Option<bool>,
    /// Mark emails of users this IdP creates as verified [default: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub trust_email: Option<bool>,
    /// Map an upstream group to a core group, as UPSTREAM=CORE; repeat the
    /// option for each group. Replaces the whole map; '' for none.
    #[arg(long = "group-map", value_name = "UPSTREAM=CORE")]
    pub group_map: Option<Vec<String>>,
}

impl SamlIdpOptions {
    fn changes(self, name: Option<String>) -> anyhow::Result<SamlUpstreamChanges> {
        let name_id_format = match self.name_id_format.as_deref() {
            None => None,
            Some("any") => Some(None),
            Some(raw) => Some(Some(NameIdChoice::parse(raw)?)),
        };
        let group_map = self
            .group_map
            .map(|pairs| {
                pairs
                    .iter()
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.split_once('=')
                            .map(|(u, c)| (u.trim().to_owned(), c.trim().to_owned()))
                            .filter(|(u, c)| !u.is_empty() && !c.is_empty())
                            .with_context(|| format!("--group-map {p:?}: write UPSTREAM=CORE"))
                    })
                    .collect::<anyhow::Result<_>>()
            })
            .transpose()?;
        Ok(SamlUpstreamChanges {
            name,
            display_name: self.display_name,
            sign_requests: self.sign_requests,
            want_assertions_signed: self.want_assertions_signed,
            require_encrypted_assertions: self.require_encrypted_assertions,
            allow_sha1: self.allow_sha1,
            name_id_format,
            force_authn: self.force_authn,
            subject_attribute: self.subject_attribute.map(Some),
            create_users: if self.no_create_users {
                Some(false)
            } else {
                self.create_users
            },
            link_by_email: self.link_by_email,
            trust_email: self.trust_email,
            group_map,
            ..SamlUpstreamChanges::default()
        })
    }
}

fn line(idp: &UpstreamIdp) -> String {
    format!("{}\t{}\t{}\t{}", idp.id, idp.name, idp.kind(), idp.issuer())
}

/// The human form of `show`: the view's fields, one per line.
fn describe(view: &IdpDetailView) -> String {
    let i = &view.idp;
    format!(
        "id: {}\nname: {}\ndisplay_name: {}\nkind: {}\nentity_id: {}\nlogin_url: {}\n\
         sp_entity_id: {}\nacs_url: {}\nsettings: {}\nversion: {}",
        i.id,
        i.name,
        i.display_name,
        i.kind,
        i.entity_id,
        i.login_url,
        i.sp_entity_id,
        i.acs_url,
        i.settings,
        i.version
    )
}

pub async fn run(hub: &Hub, cmd: IdpCommand) -> anyhow::Result<()> {
    match cmd {
        IdpCommand::AddSaml {
            tenant: t,
            name,
            metadata,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let metadata_url = metadata.metadata_url.clone();
            let changes = SamlUpstreamChanges {
                metadata_url,
                ..options.changes(Some(name))?
            };
            let xml = read_metadata(hub, metadata.metadata_file, metadata.metadata_url)
                .await?
                .context("give --metadata-file or --metadata-url")?;
            let idp = hub
                .create_saml_upstream(Actor::Cli, &t, xml, changes)
                .await?;
            let view = IdpDetailView::new(hub, &t, &idp);
            output::emit(json.json, &view, || {
                format!(
                    "added SAML IdP {} ({})\nid: {}\nlogin: {}",
                    idp.name,
                    idp.issuer(),
                    idp.id,
                    view.idp.login_url
                )
            })
        }
        IdpCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = Page {
                    after: after.as_deref(),
                    limit: Page::MAX_LIMIT,
                };
                let idps = hub.list_upstreams(&t, page).await?;
                let full = idps.len() == Page::MAX_LIMIT as usize;
                after = idps.last().map(|i| i.id.to_string());
                all.extend(idps);
                if !full {
                    break;
                }
            }
            let views: Vec<_> = all.iter().map(|i| IdpView::new(hub, &t, i)).collect();
            output::emit(json.json, &views, || {
                all.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        IdpCommand::Show {
            tenant: t,
            idp,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let idp = hub.find_upstream(&t, &idp).await?;
            let view = IdpDetailView::new(hub, &t, &idp);
            output::emit(json.json, &view, || describe(&view))
        }
        IdpCommand::Update {
            tenant: t,
            idp,
            name,
            metadata,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let current = hub.find_upstream(&t, &idp).await?;
            let metadata_url = metadata.metadata_url.clone();
            let changes = SamlUpstreamChanges {
                metadata: read_metadata(hub, metadata.metadata_file, metadata.metadata_url).await?,
                metadata_url,
                ..options.changes(name)?
            };
            let idp = hub
                .update_saml_upstream(Actor::Cli, &t, current.id, changes, Some(current.version))
                .await?;
            output::emit(json.json, &IdpDetailView::new(hub, &t, &idp), || {
                format!("updated identity provider {} ({})", idp.name, idp.issuer())
            })
        }
        IdpCommand::Delete {
            tenant: t,
            idp,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let idp = hub.find_upstream(&t, &idp).await?;
            hub.delete_upstream(Actor::Cli, &t, idp.id).await?;
            output::emit(
                json.json,
                &json!({ "deleted": idp.id.to_string(), "name": idp.name }),
                || format!("deleted identity provider {} ({})", idp.name, idp.issuer()),
            )
        }
    }
}
