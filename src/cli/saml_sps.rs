//! `usso saml-sp add|list|show|update|delete`: the SAML service providers of
//! a tenant's IdP, registered from their metadata (a file, or a URL fetched
//! once with the hub's outbound client). `<SP>` is a provider's id or its
//! `entityID`. `--json` prints the admin API's view: a provider with its
//! metadata, a listing without.

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::args::{Json, TenantArg};
use super::{output, tenant};
use crate::core::event::Actor;
use crate::core::saml_sp::{AttributeNaming, NameIdChoice, SamlServiceProvider};
use crate::http::admin::views::{SamlSpDetailView, SamlSpView};
use crate::service::metadata_fetch::{fetch_metadata, Reach};
use crate::service::saml_sps::{SamlSpChanges, MAX_METADATA_BYTES};
use crate::service::Hub;
use crate::store::Page;

#[derive(Debug, Subcommand)]
pub enum SamlSpCommand {
    /// Register a service provider from its metadata.
    Add {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        metadata: RequiredMetadata,
        /// The name users see [default: the entityID].
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        options: SamlSpOptions,
        #[command(flatten)]
        json: Json,
    },
    /// List service providers (without their metadata).
    List {
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        json: Json,
    },
    /// Show a service provider and its metadata.
    Show {
        #[command(flatten)]
        tenant: TenantArg,
        /// The provider's id or entityID.
        sp: String,
        #[command(flatten)]
        json: Json,
    },
    /// Change a service provider: each option given replaces that setting
    /// (--attributes replaces the whole list); the others stay.
    Update {
        #[command(flatten)]
        tenant: TenantArg,
        /// The provider's id or entityID.
        sp: String,
        #[command(flatten)]
        metadata: OptionalMetadata,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        options: SamlSpOptions,
        #[command(flatten)]
        json: Json,
    },
    /// Delete a service provider.
    Delete {
        #[command(flatten)]
        tenant: TenantArg,
        /// The provider's id or entityID.
        sp: String,
        #[command(flatten)]
        json: Json,
    },
}

/// Where `add` reads the metadata from: exactly one of the two.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct RequiredMetadata {
    /// A file holding the provider's metadata (at most 1 MiB).
    #[arg(long, value_name = "FILE")]
    pub metadata_file: Option<std::path::PathBuf>,
    /// An https (or http) URL to fetch the metadata from, once, now.
    #[arg(long, value_name = "URL")]
    pub metadata_url: Option<String>,
}

/// New metadata for `update`: at most one of the two (its entityID may not
/// change).
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct OptionalMetadata {
    /// A file holding the provider's new metadata (at most 1 MiB).
    #[arg(long, value_name = "FILE")]
    pub metadata_file: Option<std::path::PathBuf>,
    /// An https (or http) URL to fetch the new metadata from, once, now.
    #[arg(long, value_name = "URL")]
    pub metadata_url: Option<String>,
}

/// The settings of `add` and `update`.
#[derive(Debug, Args)]
pub struct SamlSpOptions {
    /// persistent (default), email_address, unspecified or transient.
    #[arg(long, value_name = "FORMAT")]
    pub name_id_format: Option<String>,
    /// basic (default) or uri.
    #[arg(long, value_name = "NAMING")]
    pub attribute_naming: Option<String>,
    /// The attributes released, comma-separated, of email, given_name,
    /// family_name, display_name, username, groups [default: all]; '' for
    /// none.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub attributes: Option<Vec<String>>,
    /// Sign the Response [default: true].
    #[arg(long, value_name = "BOOL")]
    pub sign_response: Option<bool>,
    /// Sign the Assertion [default: true].
    #[arg(long, value_name = "BOOL")]
    pub sign_assertion: Option<bool>,
    /// Encrypt the Assertion to the provider's encryption certificate
    /// [default: false].
    #[arg(long, value_name = "BOOL")]
    pub encrypt_assertion: Option<bool>,
    /// Refuse unsigned AuthnRequests [default: the metadata's
    /// AuthnRequestsSigned].
    #[arg(long, value_name = "BOOL")]
    pub require_signed_requests: Option<bool>,
}

impl SamlSpOptions {
    fn changes(
        self,
        name: Option<String>,
        metadata: Option<String>,
    ) -> anyhow::Result<SamlSpChanges> {
        let attribute_naming = match self.attribute_naming.as_deref() {
            None => None,
            Some("basic") => Some(AttributeNaming::Basic),
            Some("uri") => Some(AttributeNaming::Uri),
            Some(other) => anyhow::bail!("--attribute-naming: basic or uri, not {other:?}"),
        };
        Ok(SamlSpChanges {
            name,
            metadata,
            name_id_format: self
                .name_id_format
                .as_deref()
                .map(NameIdChoice::parse)
                .transpose()?,
            attribute_naming,
            attributes: self.attributes.map(|list| {
                list.into_iter()
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect()
            }),
            sign_response: self.sign_response,
            sign_assertion: self.sign_assertion,
            encrypt_assertion: self.encrypt_assertion,
            require_signed_requests: self.require_signed_requests,
        })
    }
}

/// The metadata named on the command line, read or fetched.
pub(super) async fn read_metadata(
    hub: &Hub,
    file: Option<std::path::PathBuf>,
    url: Option<String>,
) -> anyhow::Result<Option<String>> {
    if let Some(path) = file {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        anyhow::ensure!(
            bytes.len() <= MAX_METADATA_BYTES,
            "{}: larger than 1 MiB",
            path.display()
        );
        let xml = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", path.display()))?;
        return Ok(Some(xml));
    }
    if let Some(url) = url {
        return Ok(Some(
            fetch_metadata(&hub.http, &url, Reach::Anywhere).await?,
        ));
    }
    Ok(None)
}

fn line(sp: &SamlServiceProvider) -> String {
    format!(
        "{}\t{}\t{}\t{}",
        sp.id,
        sp.name,
        sp.entity_id,
        sp.settings.name_id_format.as_str()
    )
}

/// The human form of `show`: the view's fields, one per line.
fn describe(view: &SamlSpDetailView) -> String {
    let sp = &view.sp;
    let s = &sp.settings;
    format!(
        "id: {}\nname: {}\nentity_id: {}\nacs_urls: {}\nname_id_format: {}\n\
         attribute_naming: {}\nattributes: {}\nsign_response: {}\nsign_assertion: {}\n\
         encrypt_assertion: {}\nrequire_signed_requests: {}\nhas_signing_certificate: {}\n\
         has_encryption_certificate: {}\nversion: {}",
        sp.id,
        sp.name,
        sp.entity_id,
        sp.acs_urls.join(" "),
        json!(s.name_id_format).as_str().unwrap_or_default(),
        json!(s.attribute_naming).as_str().unwrap_or_default(),
        s.attributes.join(","),
        s.sign_response,
        s.sign_assertion,
        s.encrypt_assertion,
        s.require_signed_requests,
        sp.has_signing_certificate,
        sp.has_encryption_certificate,
        sp.version,
    )
}

pub async fn run(hub: &Hub, cmd: SamlSpCommand) -> anyhow::Result<()> {
    match cmd {
        SamlSpCommand::Add {
            tenant: t,
            metadata,
            name,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let changes = options.changes(name, None)?;
            let xml = read_metadata(hub, metadata.metadata_file, metadata.metadata_url)
                .await?
                .context("give --metadata-file or --metadata-url")?;
            let sp = hub.create_saml_sp(Actor::Cli, &t, xml, changes).await?;
            output::emit(json.json, &SamlSpDetailView::from(&sp), || {
                format!(
                    "added SAML service provider {} ({})\nid: {}",
                    sp.name, sp.entity_id, sp.id
                )
            })
        }
        SamlSpCommand::List { tenant: t, json } => {
            let t = tenant(hub, &t.tenant).await?;
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = Page {
                    after: after.as_deref(),
                    limit: Page::MAX_LIMIT,
                };
                let sps = hub.list_saml_sps(&t, page).await?;
                let full = sps.len() == Page::MAX_LIMIT as usize;
                after = sps.last().map(|sp| sp.id.to_string());
                all.extend(sps);
                if !full {
                    break;
                }
            }
            let views: Vec<_> = all.iter().map(SamlSpView::from).collect();
            output::emit(json.json, &views, || {
                all.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        SamlSpCommand::Show {
            tenant: t,
            sp,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let sp = hub.find_saml_sp(&t, &sp).await?;
            let view = SamlSpDetailView::from(&sp);
            output::emit(json.json, &view, || describe(&view))
        }
        SamlSpCommand::Update {
            tenant: t,
            sp,
            metadata,
            name,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let current = hub.find_saml_sp(&t, &sp).await?;
            let changes = options.changes(name, None)?;
            let changes = SamlSpChanges {
                metadata: read_metadata(hub, metadata.metadata_file, metadata.metadata_url).await?,
                ..changes
            };
            let sp = hub
                .update_saml_sp(Actor::Cli, &t, current.id, changes, Some(current.version))
                .await?;
            output::emit(json.json, &SamlSpDetailView::from(&sp), || {
                format!(
                    "updated SAML service provider {} ({})",
                    sp.name, sp.entity_id
                )
            })
        }
        SamlSpCommand::Delete {
            tenant: t,
            sp,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let sp = hub.find_saml_sp(&t, &sp).await?;
            hub.delete_saml_sp(Actor::Cli, &t, sp.id).await?;
            output::emit(
                json.json,
                &json!({ "deleted": sp.id.to_string(), "entity_id": sp.entity_id }),
                || {
                    format!(
                        "deleted SAML service provider {} ({})",
                        sp.name, sp.entity_id
                    )
                },
            )
        }
    }
}
