//! `usso idp add-saml|add-oidc|list|show|update|delete`: the upstream
//! identity providers a tenant's users log in through. A SAML IdP is
//! registered from its metadata (a file, or a URL fetched once with the
//! hub's outbound client); an OpenID Connect provider or OAuth 2.0 server
//! from its issuer or a preset of `metadata/idp/`, its client secret read
//! from stdin. `<IDP>` is a provider's id or name. `--json` prints the admin
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
use crate::core::upstream_oidc::ClientAuthMethod;
use crate::http::admin::views::{IdpDetailView, IdpView};
use crate::service::metadata_fetch::Reach;
use crate::service::upstream_idps::SamlUpstreamChanges;
use crate::service::upstream_oidc::OidcUpstreamChanges;
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
        accounts: AccountOptions,
        #[command(flatten)]
        options: SamlIdpOptions,
        #[command(flatten)]
        json: Json,
    },
    /// Register an OpenID Connect provider (or, with an OAuth 2.0 preset or
    /// endpoints, a plain OAuth 2.0 server). Prints the `redirect_uri` to
    /// register at the provider.
    #[command(name = "add-oidc")]
    AddOidc {
        #[command(flatten)]
        tenant: TenantArg,
        /// A slug (a-z, 0-9, '-'), used in URLs and in OIDC idp_hint.
        #[arg(long)]
        name: String,
        /// Start from a preset: google, apple, microsoft, github, gitlab,
        /// oidc (any provider by discovery) or oauth2 (explicit endpoints).
        #[arg(long, required_unless_present = "issuer")]
        preset: Option<String>,
        #[command(flatten)]
        accounts: AccountOptions,
        #[command(flatten)]
        options: OidcIdpOptions,
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
        accounts: AccountOptions,
        #[command(flatten)]
        options: SamlIdpOptions,
        #[command(flatten)]
        oidc: OidcIdpOptions,
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

/// What every kind of provider has: the button's label and the account
/// rules. A boolean option given alone means true (`--link-by-email`), or
/// takes a value (`--link-by-email false`).
#[derive(Debug, Args)]
pub struct AccountOptions {
    /// What the login page's button says [default: the name, or the preset's].
    #[arg(long)]
    pub display_name: Option<String>,
    /// Create a user on an unknown identity's first login [default: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub create_users: Option<bool>,
    /// The same as --create-users false.
    #[arg(long, conflicts_with = "create_users")]
    pub no_create_users: bool,
    /// Link an unknown identity to the user owning the email the provider
    /// asserts (OIDC: only with email_verified true); only for providers
    /// trusted with their users' emails [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub link_by_email: Option<bool>,
    /// Mark emails of users this provider creates as verified [default: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub trust_email: Option<bool>,
    /// Map an upstream group to a core group, as UPSTREAM=CORE; repeat the
    /// option for each group. Replaces the whole map; '' for none.
    #[arg(long = "group-map", value_name = "UPSTREAM=CORE")]
    pub group_map: Option<Vec<String>>,
}

impl AccountOptions {
    /// These options as (SAML-shaped) changes; the OIDC changes copy them.
    fn changes(self) -> anyhow::Result<SamlUpstreamChanges> {
        Ok(SamlUpstreamChanges {
            display_name: self.display_name,
            create_users: if self.no_create_users {
                Some(false)
            } else {
                self.create_users
            },
            link_by_email: self.link_by_email,
            trust_email: self.trust_email,
            group_map: pairs("--group-map", self.group_map)?,
            ..SamlUpstreamChanges::default()
        })
    }
}

/// The SAML settings of `add-saml` and `update`.
#[derive(Debug, Args)]
pub struct SamlIdpOptions {
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
}

impl SamlIdpOptions {
    /// Whether any SAML-only option was given.
    fn any(&self) -> bool {
        self.sign_requests.is_some()
            || self.want_assertions_signed.is_some()
            || self.require_encrypted_assertions.is_some()
            || self.allow_sha1.is_some()
            || self.name_id_format.is_some()
            || self.force_authn.is_some()
            || self.subject_attribute.is_some()
    }

    fn changes(
        self,
        name: Option<String>,
        accounts: AccountOptions,
    ) -> anyhow::Result<SamlUpstreamChanges> {
        let name_id_format = match self.name_id_format.as_deref() {
            None => None,
            Some("any") => Some(None),
            Some(raw) => Some(Some(NameIdChoice::parse(raw)?)),
        };
        Ok(SamlUpstreamChanges {
            name,
            sign_requests: self.sign_requests,
            want_assertions_signed: self.want_assertions_signed,
            require_encrypted_assertions: self.require_encrypted_assertions,
            allow_sha1: self.allow_sha1,
            name_id_format,
            force_authn: self.force_authn,
            subject_attribute: self.subject_attribute.map(Some),
            ..accounts.changes()?
        })
    }
}

/// The settings of `add-oidc` (and of `update` on such a provider). The
/// account options (`--create-users`, `--link-by-email`, `--trust-email`,
/// `--group-map`, `--display-name`) are the SAML ones, shared.
#[derive(Debug, Args)]
pub struct OidcIdpOptions {
    /// The OIDC issuer (discovery at <issuer>/.well-known/openid-configuration);
    /// for an OAuth 2.0 server a name for it (its web origin).
    #[arg(long)]
    pub issuer: Option<String>,
    /// USSO's client id at the provider.
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the client secret from stdin (one trailing newline dropped).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// A scope to ask for besides the preset's; repeat for each.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Where the discovery document is, when not under the issuer.
    #[arg(long, value_name = "URL")]
    pub discovery_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub authorization_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub userinfo_endpoint: Option<String>,
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    #[arg(long, value_name = "URL")]
    pub end_session_endpoint: Option<String>,
    /// Send the client secret in the form instead of HTTP Basic.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub client_secret_post: Option<bool>,
    /// Sign in with Apple: the Team ID. With --key-id, the client secret
    /// read from stdin is the .p8 private key, and each token request sends
    /// a JWT signed with it.
    #[arg(long, value_name = "TEAM_ID", requires = "key_id")]
    pub team_id: Option<String>,
    /// Sign in with Apple: the key's id.
    #[arg(long, value_name = "KEY_ID", requires = "team_id")]
    pub key_id: Option<String>,
    /// The claim naming the user for good [default: sub].
    #[arg(long, value_name = "CLAIM")]
    pub subject_claim: Option<String>,
    /// The claim holding the email [default: email].
    #[arg(long, value_name = "CLAIM")]
    pub email_claim: Option<String>,
    /// The claim holding the username [default: preferred_username].
    #[arg(long, value_name = "CLAIM")]
    pub username_claim: Option<String>,
    /// The claim holding the user's groups [default: groups].
    #[arg(long, value_name = "CLAIM")]
    pub groups_claim: Option<String>,
    /// Read UserInfo after the token exchange [default: true].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub userinfo: Option<bool>,
    /// End the provider's session too when the USSO session ends
    /// (RP-Initiated Logout) [default: false].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub rp_logout: Option<bool>,
    /// An email domain whose users go to this provider from the login page
    /// (home-realm discovery); repeat for each. Replaces the list; '' for none.
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Option<Vec<String>>,
    /// A further authorization request parameter, as NAME=VALUE (prompt,
    /// hd…); repeat for each. Replaces them all; '' for none.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Option<Vec<String>>,
}

fn pairs(
    option: &str,
    raw: Option<Vec<String>>,
) -> anyhow::Result<Option<std::collections::BTreeMap<String, String>>> {
    raw.map(|pairs| {
        pairs
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.split_once('=')
                    .map(|(u, c)| (u.trim().to_owned(), c.trim().to_owned()))
                    .filter(|(u, c)| !u.is_empty() && !c.is_empty())
                    .with_context(|| format!("{option} {p:?}: write NAME=VALUE"))
            })
            .collect::<anyhow::Result<_>>()
    })
    .transpose()
}

impl OidcIdpOptions {
    /// Whether any OIDC option was given.
    fn any(&self) -> bool {
        self.issuer.is_some()
            || self.client_id.is_some()
            || self.client_secret_stdin
            || !self.scopes.is_empty()
            || self.discovery_endpoint.is_some()
            || self.authorization_endpoint.is_some()
            || self.token_endpoint.is_some()
            || self.userinfo_endpoint.is_some()
            || self.jwks_uri.is_some()
            || self.end_session_endpoint.is_some()
            || self.client_secret_post.is_some()
            || self.team_id.is_some()
            || self.subject_claim.is_some()
            || self.email_claim.is_some()
            || self.username_claim.is_some()
            || self.groups_claim.is_some()
            || self.userinfo.is_some()
            || self.rp_logout.is_some()
            || self.domains.is_some()
            || self.params.is_some()
    }

    /// The changes these options and the shared account options make;
    /// `base_scopes` are the scopes the `--scope`s add to.
    fn changes(
        self,
        name: Option<String>,
        shared: SamlUpstreamChanges,
        base_scopes: Option<Vec<String>>,
    ) -> anyhow::Result<OidcUpstreamChanges> {
        let client_secret = if self.client_secret_stdin {
            Some(Some(super::read_stdin_secret("client secret")?))
        } else {
            None
        };
        let scopes = if self.scopes.is_empty() {
            None
        } else {
            let mut all = base_scopes.unwrap_or_default();
            all.extend(self.scopes);
            Some(all)
        };
        Ok(OidcUpstreamChanges {
            name,
            display_name: shared.display_name,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret,
            scopes,
            discovery_endpoint: self.discovery_endpoint,
            authorization_endpoint: self.authorization_endpoint,
            token_endpoint: self.token_endpoint,
            userinfo_endpoint: self.userinfo_endpoint,
            jwks_uri: self.jwks_uri,
            end_session_endpoint: self.end_session_endpoint,
            client_auth: self.client_secret_post.map(|post| {
                if post {
                    ClientAuthMethod::ClientSecretPost
                } else {
                    ClientAuthMethod::ClientSecretBasic
                }
            }),
            signed_client_secret: match (self.team_id, self.key_id) {
                (Some(team_id), Some(key_id)) => {
                    Some(Some(crate::core::upstream_oidc::SignedClientSecret {
                        team_id,
                        key_id,
                    }))
                }
                _ => None,
            },
            subject_claim: self.subject_claim,
            userinfo: self.userinfo,
            rp_logout: self.rp_logout,
            domains: self
                .domains
                .map(|d| d.into_iter().filter(|d| !d.is_empty()).collect()),
            extra_params: pairs("--param", self.params)?,
            email_claim: self.email_claim,
            username_claim: self.username_claim,
            groups_claim: self.groups_claim,
            group_map: shared.group_map,
            create_users: shared.create_users,
            link_by_email: shared.link_by_email,
            trust_email: shared.trust_email,
            preset: None,
        })
    }
}

fn line(idp: &UpstreamIdp) -> String {
    format!("{}\t{}\t{}\t{}", idp.id, idp.name, idp.kind(), idp.issuer())
}

/// The human form of `show`: the view's fields, one per line.
fn describe(view: &IdpDetailView) -> String {
    let i = &view.idp;
    let mut out = format!(
        "id: {}\nname: {}\ndisplay_name: {}\nkind: {}\nissuer: {}\nlogin_url: {}",
        i.id, i.name, i.display_name, i.kind, i.issuer, i.login_url,
    );
    for (label, value) in [
        ("sp_entity_id", &i.sp_entity_id),
        ("acs_url", &i.acs_url),
        ("client_id", &i.client_id),
        ("redirect_uri", &i.redirect_uri),
        ("post_logout_redirect_uri", &i.post_logout_redirect_uri),
    ] {
        if let Some(v) = value {
            out.push_str(&format!("\n{label}: {v}"));
        }
    }
    out.push_str(&format!(
        "\nsettings: {}\nversion: {}",
        i.settings, i.version
    ));
    out
}

pub async fn run(hub: &Hub, cmd: IdpCommand) -> anyhow::Result<()> {
    match cmd {
        IdpCommand::AddSaml {
            tenant: t,
            name,
            metadata,
            accounts,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let metadata_url = metadata.metadata_url.clone();
            let changes = SamlUpstreamChanges {
                metadata_url,
                ..options.changes(Some(name), accounts)?
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
        IdpCommand::AddOidc {
            tenant: t,
            name,
            preset,
            accounts,
            options,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let mut changes = options.changes(Some(name), accounts.changes()?, None)?;
            // The preset's scopes plus the --scope ones.
            if let Some(extra) = changes.scopes.take() {
                let base = crate::service::upstream_oidc::preset_scopes(
                    preset.as_deref().unwrap_or("oidc"),
                )?;
                let mut all = base;
                all.extend(extra);
                changes.scopes = Some(all);
            }
            changes.preset = preset;
            let idp = hub
                .create_oidc_upstream(Actor::Cli, &t, changes, Reach::Anywhere)
                .await?;
            let view = IdpDetailView::new(hub, &t, &idp);
            output::emit(json.json, &view, || {
                format!(
                    "added {} provider {} ({})\nid: {}\nlogin: {}\nredirect_uri (register it at the provider): {}",
                    idp.kind(),
                    idp.name,
                    idp.issuer(),
                    idp.id,
                    view.idp.login_url,
                    view.idp.redirect_uri.as_deref().unwrap_or_default()
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
            accounts,
            options,
            oidc,
            json,
        } => {
            let t = tenant(hub, &t.tenant).await?;
            let current = hub.find_upstream(&t, &idp).await?;
            let idp = if let Some(config) = current.oidc() {
                if metadata.metadata_file.is_some() || metadata.metadata_url.is_some() {
                    anyhow::bail!("{} is not a SAML IdP: it has no metadata", current.name);
                }
                if options.any() {
                    anyhow::bail!(
                        "{} is not a SAML IdP: the SAML options do not apply",
                        current.name
                    );
                }
                let base = Some(config.scopes.clone());
                let changes = oidc.changes(name, accounts.changes()?, base)?;
                hub.update_oidc_upstream(
                    Actor::Cli,
                    &t,
                    current.id,
                    changes,
                    Some(current.version),
                    Reach::Anywhere,
                )
                .await?
            } else {
                if oidc.any() {
                    anyhow::bail!(
                        "{} is a SAML IdP: the OIDC options do not apply",
                        current.name
                    );
                }
                let metadata_url = metadata.metadata_url.clone();
                let changes = SamlUpstreamChanges {
                    metadata: read_metadata(hub, metadata.metadata_file, metadata.metadata_url)
                        .await?,
                    metadata_url,
                    ..options.changes(name, accounts)?
                };
                hub.update_saml_upstream(Actor::Cli, &t, current.id, changes, Some(current.version))
                    .await?
            };
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
