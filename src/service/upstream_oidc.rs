//! Registering and changing OpenID Connect and OAuth 2.0 upstream
//! providers: from a preset of `metadata/idp/` or an issuer, with the
//! client secret sealed under the master key, each change one transaction
//! with one audit event. Nothing is fetched here: discovery happens at
//! login (and is cached), so a provider can be registered before it is up.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::metadata_fetch::Reach;
use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::tenant::{parse_display_name, Tenant};
use crate::core::upstream_idp::{parse_idp_name, UpstreamConfig, UpstreamIdp};
use crate::core::upstream_oidc::{
    parse_domain, ClientAuthMethod, OidcEndpoints, OidcUpstream, OidcUpstreamSettings,
    SignedClientSecret,
};
use crate::core::UpstreamIdpId;
use crate::store::upstream_idps;

/// The presets of `metadata/idp/`, by name.
const PRESETS: [(&str, &str); 7] = [
    ("google", include_str!("../../metadata/idp/google.json")),
    ("apple", include_str!("../../metadata/idp/apple.json")),
    (
        "microsoft",
        include_str!("../../metadata/idp/microsoft.json"),
    ),
    ("github", include_str!("../../metadata/idp/github.json")),
    ("gitlab", include_str!("../../metadata/idp/gitlab.json")),
    ("oidc", include_str!("../../metadata/idp/oidc.json")),
    ("oauth2", include_str!("../../metadata/idp/oauth2.json")),
];

/// The names of the presets.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|(n, _)| *n)
}

/// The scopes a preset asks for (what `--scope` adds to).
pub fn preset_scopes(name: &str) -> Result<Vec<String>, ServiceError> {
    Ok(preset(name)?.scopes)
}

/// A preset as its file holds it.
#[derive(Debug, Clone, Deserialize)]
struct Preset {
    kind: String,
    display_name: String,
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    endpoints: OidcEndpoints,
    scopes: Vec<String>,
    #[serde(default)]
    settings: OidcUpstreamSettings,
}

fn preset(name: &str) -> Result<Preset, ServiceError> {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        ServiceError::invalid(
            "preset",
            format!(
                "unknown preset {name:?}; known: {}",
                preset_names().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    serde_json::from_str(text)
        .map_err(|e| ServiceError::Internal(format!("preset {name} is not valid: {e}")))
}

/// What a caller sets on an OIDC / OAuth 2.0 provider; `None` keeps the
/// current value (or the preset's, when registering).
#[derive(Debug, Clone, Default)]
pub struct OidcUpstreamChanges {
    pub name: Option<String>,
    pub display_name: Option<String>,
    /// Registering only: the preset to start from (`oidc` by default).
    pub preset: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    /// `Some(None)` removes the secret (a public client).
    pub client_secret: Option<Option<String>>,
    pub scopes: Option<Vec<String>>,
    pub discovery_endpoint: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub client_auth: Option<ClientAuthMethod>,
    /// Apple's Team ID and key id: the client secret (then the provider's
    /// PKCS#8 private key) signs a JWT per request. `Some(None)` turns it off.
    pub signed_client_secret: Option<Option<SignedClientSecret>>,
    pub subject_claim: Option<String>,
    pub userinfo: Option<bool>,
    pub rp_logout: Option<bool>,
    pub domains: Option<Vec<String>>,
    pub extra_params: Option<BTreeMap<String, String>>,
    pub email_claim: Option<String>,
    pub username_claim: Option<String>,
    pub groups_claim: Option<String>,
    pub group_map: Option<BTreeMap<String, String>>,
    pub create_users: Option<bool>,
    pub link_by_email: Option<bool>,
    pub trust_email: Option<bool>,
}

fn check_url(field: &str, raw: &str) -> Result<String, ServiceError> {
    let raw = raw.trim();
    let url = url::Url::parse(raw)
        .map_err(|e| ServiceError::invalid(field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(ServiceError::invalid(
            field,
            "must be an https (or http) URL",
        ));
    }
    if url.fragment().is_some() {
        return Err(ServiceError::invalid(field, "may not have a fragment"));
    }
    Ok(raw.to_owned())
}

fn non_empty(field: &str, raw: &str, max: usize) -> Result<String, ServiceError> {
    let v = raw.trim();
    if v.is_empty() || v.len() > max || v.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            field,
            format!("must be 1 to {max} printable characters"),
        ));
    }
    Ok(v.to_owned())
}

/// A client secret (or, for a signed one, a PEM private key: several
/// lines): not empty, at most 8 KiB, no NUL.
fn check_secret(raw: &str) -> Result<&str, ServiceError> {
    if raw.trim().is_empty() || raw.len() > 8192 || raw.contains('\0') {
        return Err(ServiceError::invalid(
            "client_secret",
            "must be 1 to 8192 characters",
        ));
    }
    Ok(raw)
}

fn apply(config: &mut OidcUpstream, c: &OidcUpstreamChanges) -> Result<(), ServiceError> {
    if let Some(issuer) = &c.issuer {
        // A `{tenantid}` template is not a URL as written; check its form.
        config.issuer = check_url("issuer", &issuer.replace("{tenantid}", "tenant"))
            .map(|_| issuer.trim().trim_end_matches('/').to_owned())?;
    }
    if let Some(id) = &c.client_id {
        config.client_id = non_empty("client_id", id, 255)?;
    }
    if let Some(scopes) = &c.scopes {
        let mut all = Vec::new();
        for s in scopes.iter().flat_map(|s| s.split_whitespace()) {
            let s = non_empty("scopes", s, 255)?;
            if !all.contains(&s) {
                all.push(s);
            }
        }
        config.scopes = all;
    }
    let e = &mut config.endpoints;
    for (field, given, slot) in [
        (
            "discovery_endpoint",
            &c.discovery_endpoint,
            &mut e.discovery,
        ),
        (
            "authorization_endpoint",
            &c.authorization_endpoint,
            &mut e.authorization,
        ),
        ("token_endpoint", &c.token_endpoint, &mut e.token),
        ("userinfo_endpoint", &c.userinfo_endpoint, &mut e.userinfo),
        ("jwks_uri", &c.jwks_uri, &mut e.jwks),
        (
            "end_session_endpoint",
            &c.end_session_endpoint,
            &mut e.end_session,
        ),
    ] {
        if let Some(v) = given {
            *slot = if v.trim().is_empty() {
                None
            } else {
                Some(check_url(field, v)?)
            };
        }
    }
    let s = &mut config.settings;
    if let Some(v) = c.client_auth {
        s.client_auth = v;
    }
    if let Some(v) = &c.signed_client_secret {
        s.signed_client_secret = match v {
            Some(k) => Some(SignedClientSecret {
                team_id: non_empty("team_id", &k.team_id, 64)?,
                key_id: non_empty("key_id", &k.key_id, 64)?,
            }),
            None => None,
        };
    }
    if let Some(v) = &c.subject_claim {
        s.subject_claim = non_empty("subject_claim", v, 255)?;
    }
    for (given, slot) in [
        (c.userinfo, &mut s.userinfo),
        (c.rp_logout, &mut s.rp_logout),
        (c.create_users, &mut s.accounts.create_users),
        (c.link_by_email, &mut s.accounts.link_by_email),
        (c.trust_email, &mut s.accounts.trust_email),
    ] {
        if let Some(v) = given {
            *slot = v;
        }
    }
    if let Some(domains) = &c.domains {
        let mut all = Vec::new();
        for d in domains {
            let d = parse_domain(d)?;
            if !all.contains(&d) {
                all.push(d);
            }
        }
        s.domains = all;
    }
    if let Some(p) = &c.extra_params {
        s.extra_params = p.clone();
    }
    for (field, given, slot) in [
        ("email_claim", &c.email_claim, &mut s.mapping.email),
        ("username_claim", &c.username_claim, &mut s.mapping.username),
        ("groups_claim", &c.groups_claim, &mut s.mapping.groups),
    ] {
        if let Some(v) = given {
            *slot = vec![non_empty(field, v, 255)?];
        }
    }
    if let Some(map) = &c.group_map {
        s.mapping.group_map = map.clone();
    }
    Ok(())
}

/// Whether a provider as configured can work: OIDC needs an issuer (and
/// `openid` among its scopes); OAuth 2.0 its three endpoints.
fn check_complete(kind: &str, config: &OidcUpstream) -> Result<(), ServiceError> {
    if config.client_id.is_empty() {
        return Err(ServiceError::invalid("client_id", "is required"));
    }
    if config.issuer.is_empty() {
        return Err(ServiceError::invalid(
            "issuer",
            "is required (or a preset that has one)",
        ));
    }
    if config.preset.as_deref() == Some("apple") && config.settings.signed_client_secret.is_none() {
        return Err(ServiceError::invalid(
            "team_id",
            "Sign in with Apple needs the Team ID and key id (and the .p8 key as the client secret)",
        ));
    }
    match kind {
        "oidc" => {
            if !config.scopes.iter().any(|s| s == "openid") {
                return Err(ServiceError::invalid(
                    "scopes",
                    "an OpenID Connect provider needs the openid scope",
                ));
            }
        }
        _ => {
            let e = &config.endpoints;
            for (field, v) in [
                ("authorization_endpoint", &e.authorization),
                ("token_endpoint", &e.token),
                ("userinfo_endpoint", &e.userinfo),
            ] {
                if v.is_none() {
                    return Err(ServiceError::invalid(
                        field,
                        "is required for an OAuth 2.0 provider (it has no discovery)",
                    ));
                }
            }
        }
    }
    Ok(())
}

fn seal_context(tenant: &Tenant, id: UpstreamIdpId) -> String {
    format!("upstream-idp:{}:{id}", tenant.id)
}

/// Every URL of `config` the hub will fetch or send the browser to, with
/// its field name.
fn urls(config: &OidcUpstream, kind: &str) -> Vec<(&'static str, String)> {
    let e = &config.endpoints;
    let mut all = Vec::new();
    if kind == "oidc" && !config.issuer.contains("{tenantid}") {
        all.push(("issuer", config.issuer.clone()));
    }
    for (field, v) in [
        ("discovery_endpoint", &e.discovery),
        ("token_endpoint", &e.token),
        ("userinfo_endpoint", &e.userinfo),
        ("jwks_uri", &e.jwks),
        ("emails_endpoint", &e.emails),
    ] {
        if let Some(v) = v {
            all.push((field, v.clone()));
        }
    }
    all
}

/// Refuses a provider whose server-side URLs lead into the hub's own
/// network when the caller may reach public addresses only.
async fn check_reach(config: &OidcUpstream, kind: &str, reach: Reach) -> Result<(), ServiceError> {
    for (field, raw) in urls(config, kind) {
        let url = url::Url::parse(&raw)
            .map_err(|e| ServiceError::invalid(field, format!("not a URL: {e}")))?;
        super::metadata_fetch::check_reach(&url, reach, field).await?;
    }
    Ok(())
}

impl Hub {
    /// The callback URL to register at the provider: where it sends the
    /// browser back with a code.
    pub fn upstream_redirect_uri(&self, tenant: &Tenant, name: &str) -> String {
        format!("{}/login/idp/{name}/callback", self.issuer(tenant))
    }

    /// Where the provider sends the browser after RP-Initiated Logout.
    pub fn upstream_logged_out_uri(&self, tenant: &Tenant, name: &str) -> String {
        format!("{}/login/idp/{name}/logged-out", self.issuer(tenant))
    }

    /// Registers an OpenID Connect or OAuth 2.0 provider of the tenant.
    pub async fn create_oidc_upstream(
        &self,
        actor: Actor,
        tenant: &Tenant,
        changes: OidcUpstreamChanges,
        reach: Reach,
    ) -> Result<UpstreamIdp, ServiceError> {
        let preset_name = changes.preset.as_deref().unwrap_or("oidc");
        let p = preset(preset_name)?;
        let name = parse_idp_name(
            changes
                .name
                .as_deref()
                .ok_or_else(|| ServiceError::invalid("name", "is required"))?,
        )?;
        let display_name = parse_display_name(
            changes.display_name.as_deref().unwrap_or(&p.display_name),
            "display_name",
        )?;
        let mut config = OidcUpstream {
            issuer: p.issuer.unwrap_or_default(),
            preset: changes.preset.clone(),
            client_id: String::new(),
            scopes: p.scopes,
            endpoints: p.endpoints,
            settings: p.settings,
        };
        apply(&mut config, &changes)?;
        check_complete(&p.kind, &config)?;
        check_reach(&config, &p.kind, reach).await?;
        let secret = changes.client_secret.clone().flatten();
        if let Some(s) = &secret {
            check_secret(s)?;
        }
        let now = self.now();
        let id = UpstreamIdpId::new(now);
        let idp = UpstreamIdp {
            id,
            tenant_id: tenant.id,
            name,
            display_name,
            config: if p.kind == "oauth2" {
                UpstreamConfig::OAuth2(config)
            } else {
                UpstreamConfig::Oidc(config)
            },
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut tx = self.store.begin().await?;
        if upstream_idps::by_name(&mut tx, tenant.id, &idp.name)
            .await
            .is_ok()
        {
            return Err(ServiceError::Conflict {
                field: "name".into(),
            });
        }
        upstream_idps::insert(&mut tx, &idp).await?;
        if let Some(s) = &secret {
            let sealed = self.sealer.seal(s.as_bytes(), &seal_context(tenant, id));
            upstream_idps::set_client_secret(&mut tx, tenant.id, id, Some(&sealed)).await?;
        }
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "idp.created")
                .target("idp", idp.id)
                .details(json!({
                    "name": idp.name, "kind": idp.kind(), "issuer": idp.issuer(),
                    "preset": changes.preset,
                })),
        )
        .await?;
        tx.commit().await?;
        Ok(idp)
    }

    /// Changes an OpenID Connect or OAuth 2.0 provider.
    pub async fn update_oidc_upstream(
        &self,
        actor: Actor,
        tenant: &Tenant,
        id: UpstreamIdpId,
        changes: OidcUpstreamChanges,
        expected_version: Option<i64>,
        reach: Reach,
    ) -> Result<UpstreamIdp, ServiceError> {
        let mut tx = self.store.begin().await?;
        let mut idp = upstream_idps::get(&mut tx, tenant.id, id)
            .await
            .map_err(ServiceError::not_found("identity provider"))?;
        let read_version = idp.version;
        if expected_version.is_some_and(|v| v != read_version) {
            return Err(ServiceError::VersionMismatch);
        }
        let kind = idp.kind();
        let config = match &mut idp.config {
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => o,
            UpstreamConfig::Saml(_) => {
                return Err(ServiceError::invalid(
                    "kind",
                    "this provider is a SAML IdP; change it with the SAML settings",
                ))
            }
        };
        apply(config, &changes)?;
        check_complete(kind, config)?;
        check_reach(config, kind, reach).await?;
        if let Some(name) = &changes.name {
            idp.name = parse_idp_name(name)?;
        }
        if let Some(d) = &changes.display_name {
            idp.display_name = parse_display_name(d, "display_name")?;
        }
        idp.updated_at = self.now();
        idp.version = read_version + 1;
        upstream_idps::update(&mut tx, &idp, read_version).await?;
        if let Some(secret) = &changes.client_secret {
            let sealed = match secret {
                Some(s) => Some(
                    self.sealer
                        .seal(check_secret(s)?.as_bytes(), &seal_context(tenant, id)),
                ),
                None => None,
            };
            upstream_idps::set_client_secret(&mut tx, tenant.id, id, sealed.as_deref()).await?;
        }
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, idp.updated_at, actor, "idp.updated")
                .target("idp", idp.id)
                .details(json!({
                    "name": idp.name,
                    "client_secret_replaced": changes.client_secret.is_some(),
                })),
        )
        .await?;
        tx.commit().await?;
        self.upstream_documents.clear();
        Ok(idp)
    }

    /// The provider's client secret, opened.
    pub async fn upstream_client_secret(
        &self,
        tenant: &Tenant,
        idp: &UpstreamIdp,
    ) -> Result<Option<Zeroizing<String>>, ServiceError> {
        let mut conn = self.store.conn().await?;
        let Some(sealed) = upstream_idps::client_secret(&mut conn, tenant.id, idp.id).await? else {
            return Ok(None);
        };
        let bytes = self
            .sealer
            .open(&sealed, &seal_context(tenant, idp.id))
            .map_err(|e| ServiceError::Internal(format!("client secret of {}: {e}", idp.id)))?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| ServiceError::Internal("client secret is not UTF-8".into()))?;
        Ok(Some(Zeroizing::new(text)))
    }

    /// The provider that takes users of `email`'s domain, if one does
    /// (home-realm discovery).
    pub async fn upstream_for_email(
        &self,
        tenant: &Tenant,
        email: &str,
    ) -> Result<Option<UpstreamIdp>, ServiceError> {
        let Some(domain) = crate::core::upstream_oidc::email_domain(email) else {
            return Ok(None);
        };
        let mut conn = self.store.conn().await?;
        let all = upstream_idps::list(
            &mut conn,
            tenant.id,
            crate::store::Page::first(crate::store::Page::MAX_LIMIT),
        )
        .await?;
        Ok(all.into_iter().find(|idp| idp.domains().contains(&domain)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_reads_and_is_complete_once_given_a_client() {
        for name in preset_names() {
            let p = preset(name).unwrap();
            let mut config = OidcUpstream {
                issuer: p
                    .issuer
                    .clone()
                    .unwrap_or_else(|| "https://idp.example".into()),
                preset: Some(name.into()),
                client_id: "c".into(),
                scopes: p.scopes.clone(),
                endpoints: p.endpoints.clone(),
                settings: p.settings.clone(),
            };
            if name == "apple" {
                assert!(
                    check_complete(&p.kind, &config).is_err(),
                    "apple needs its key"
                );
                config.settings.signed_client_secret = Some(SignedClientSecret {
                    team_id: "T".into(),
                    key_id: "K".into(),
                });
            }
            if name == "oauth2" {
                let e = &mut config.endpoints;
                e.authorization = Some("https://x/a".into());
                e.token = Some("https://x/t".into());
                e.userinfo = Some("https://x/u".into());
            }
            check_complete(&p.kind, &config).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(preset("nope").is_err());
    }

    #[test]
    fn an_oauth2_provider_needs_its_endpoints() {
        let p = preset("oauth2").unwrap();
        let config = OidcUpstream {
            issuer: "https://x".into(),
            preset: None,
            client_id: "c".into(),
            scopes: vec![],
            endpoints: p.endpoints,
            settings: p.settings,
        };
        assert!(check_complete("oauth2", &config).is_err());
    }
}
