//! Upstream identity providers: the IdPs a tenant's users log in through
//! (SAML 2.0 IdPs, OpenID Connect providers and OAuth 2.0 servers share this
//! registry; the OIDC/OAuth part is in [`super::upstream_oidc`]),
//! how what they assert maps to a core user, and when a first login may
//! create a user or link to an existing one.
//!
//! A provider's `name` is a slug: it appears in URLs
//! (`/t/{tenant}/login/idp/{name}`) and in OIDC `idp_hint=<name>`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::saml_sp::NameIdChoice;
use super::upstream_oidc::OidcUpstream;
use super::{CoreError, TenantId, UpstreamIdpId, UserId};

/// What a provider is and speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UpstreamConfig {
    /// A SAML 2.0 IdP; USSO is its service provider.
    Saml(SamlUpstream),
    /// An OpenID Connect provider; USSO is its relying party.
    Oidc(OidcUpstream),
    /// A plain OAuth 2.0 server with a user API (GitHub); USSO is its client.
    #[serde(rename = "oauth2")]
    OAuth2(OidcUpstream),
}

/// A SAML 2.0 IdP as registered: its metadata verbatim, where it came
/// from, and how USSO talks to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlUpstream {
    pub entity_id: String,
    pub metadata: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    pub settings: SamlUpstreamSettings,
}

/// How USSO, as SAML service provider, treats one IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamlUpstreamSettings {
    /// Sign the AuthnRequests sent to it.
    pub sign_requests: bool,
    /// Require the Assertion itself to be signed (a signed Response alone is
    /// then not enough).
    pub want_assertions_signed: bool,
    /// Refuse assertions that are not encrypted to USSO.
    pub require_encrypted_assertions: bool,
    /// Accept RSA-SHA1 signatures (old AD FS set-ups); off by default.
    pub allow_sha1: bool,
    /// The NameID format asked for; `None` lets the IdP choose.
    pub name_id_format: Option<NameIdChoice>,
    /// Ask the IdP to authenticate the user again even with a session.
    pub force_authn: bool,
    /// Read the user's stable identifier from this attribute instead of
    /// the NameID (needed when the IdP sends transient NameIDs).
    pub subject_attribute: Option<String>,
    /// Email domains whose users are sent to this IdP when they type their
    /// email on the login page (home-realm discovery).
    pub domains: Vec<String>,
    pub mapping: AttributeMapping,
    pub accounts: AccountPolicy,
}

impl Default for SamlUpstreamSettings {
    fn default() -> Self {
        Self {
            sign_requests: true,
            want_assertions_signed: false,
            require_encrypted_assertions: false,
            allow_sha1: false,
            name_id_format: None,
            force_authn: false,
            subject_attribute: None,
            domains: Vec::new(),
            mapping: AttributeMapping::default(),
            accounts: AccountPolicy::default(),
        }
    }
}

/// Which upstream attribute names (or friendly names, compared without
/// regard to case) fill which core field: the first one present wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttributeMapping {
    pub email: Vec<String>,
    pub username: Vec<String>,
    pub given_name: Vec<String>,
    pub family_name: Vec<String>,
    pub display_name: Vec<String>,
    pub groups: Vec<String>,
    /// Upstream group value → core group name. Groups named here are kept
    /// in step at each login (joined when asserted, left when not); other
    /// core groups are never touched. Empty: groups are not mapped.
    pub group_map: BTreeMap<String, String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for AttributeMapping {
    /// The names the common IdPs use: plain (`email`), LDAP/X.500 OIDs
    /// (Shibboleth, SAML V2.0 X.500 profile) and the WS-Federation claim
    /// URIs (AD FS, Entra ID).
    fn default() -> Self {
        let claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
        Self {
            email: names(&[
                "email",
                "mail",
                "emailAddress",
                "urn:oid:0.9.2342.19200300.100.1.3",
                &format!("{claims}/emailaddress"),
            ]),
            username: names(&[
                "username",
                "uid",
                "urn:oid:0.9.2342.19200300.100.1.1",
                &format!("{claims}/upn"),
            ]),
            given_name: names(&[
                "givenName",
                "given_name",
                "firstName",
                "urn:oid:2.5.4.42",
                &format!("{claims}/givenname"),
            ]),
            family_name: names(&[
                "sn",
                "surname",
                "family_name",
                "lastName",
                "urn:oid:2.5.4.4",
                &format!("{claims}/surname"),
            ]),
            display_name: names(&[
                "displayName",
                "name",
                "urn:oid:2.16.840.1.113730.3.1.241",
                &format!("{claims}/name"),
            ]),
            groups: names(&[
                "groups",
                "memberOf",
                "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            ]),
            group_map: BTreeMap::new(),
        }
    }
}

/// What a first login through the provider may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountPolicy {
    /// Create a user on the first login of an unknown identity.
    pub create_users: bool,
    /// Link an unknown identity to the existing user owning the email the
    /// provider asserts. Only for providers trusted to assert their users'
    /// emails (a company IdP for its own domain); off by default, since a
    /// provider that lets its users set any email could take over accounts.
    pub link_by_email: bool,
    /// Treat emails from this provider as verified on users it creates.
    pub trust_email: bool,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        Self {
            create_users: true,
            link_by_email: false,
            trust_email: true,
        }
    }
}

/// An upstream provider of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamIdp {
    pub id: UpstreamIdpId,
    pub tenant_id: TenantId,
    pub name: String,
    /// What the login page's button says.
    pub display_name: String,
    pub config: UpstreamConfig,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl UpstreamIdp {
    /// `saml`, `oidc` or `oauth2`.
    pub fn kind(&self) -> &'static str {
        match self.config {
            UpstreamConfig::Saml(_) => "saml",
            UpstreamConfig::Oidc(_) => "oidc",
            UpstreamConfig::OAuth2(_) => "oauth2",
        }
    }

    /// The provider's own identifier: a SAML entityID, an OIDC issuer.
    pub fn issuer(&self) -> &str {
        match &self.config {
            UpstreamConfig::Saml(s) => &s.entity_id,
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => &o.issuer,
        }
    }

    pub fn accounts(&self) -> &AccountPolicy {
        match &self.config {
            UpstreamConfig::Saml(s) => &s.settings.accounts,
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => &o.settings.accounts,
        }
    }

    pub fn mapping(&self) -> &AttributeMapping {
        match &self.config {
            UpstreamConfig::Saml(s) => &s.settings.mapping,
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => &o.settings.mapping,
        }
    }

    /// The email domains routed to this provider.
    pub fn domains(&self) -> &[String] {
        match &self.config {
            UpstreamConfig::Saml(s) => &s.settings.domains,
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => &o.settings.domains,
        }
    }

    /// The OIDC / OAuth 2.0 part, for those kinds.
    pub fn oidc(&self) -> Option<&OidcUpstream> {
        match &self.config {
            UpstreamConfig::Oidc(o) | UpstreamConfig::OAuth2(o) => Some(o),
            UpstreamConfig::Saml(_) => None,
        }
    }
}

/// Who a provider says the user is, mapped to core terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamIdentity {
    /// The provider's stable identifier for the user.
    pub subject: String,
    pub email: Option<String>,
    /// The provider vouches that the user controls `email` (OIDC
    /// `email_verified`; a SAML IdP's assertion is taken as such).
    pub email_verified: bool,
    pub username: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    /// The upstream group values asserted (before `group_map`).
    pub groups: Vec<String>,
}

/// A link between a core user and an identity at a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedIdentity {
    pub tenant_id: TenantId,
    pub idp_id: UpstreamIdpId,
    pub subject: String,
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub last_login_at: OffsetDateTime,
}

/// The upstream session a USSO session came from, for Single Logout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamSession {
    pub idp_id: UpstreamIdpId,
    pub subject: String,
    /// SAML `SessionIndex`.
    pub session_index: Option<String>,
    /// SAML: the NameID as received (JSON), to name the user in a
    /// LogoutRequest. OIDC: the ID token, the `id_token_hint` of
    /// RP-Initiated Logout.
    pub name_id: String,
}

/// A provider name: a slug of 1–63 characters (a-z, 0-9, '-').
pub fn parse_idp_name(raw: &str) -> Result<String, CoreError> {
    let raw = raw.trim();
    let ok = !raw.is_empty()
        && raw.len() <= 63
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(CoreError::invalid(
            "name",
            "must be 1 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'",
        ))
    }
}

/// The values of the first attribute of `wanted` present in `attributes`
/// (name → values; names compared without regard to case).
pub fn first_present<'a>(
    attributes: &'a [(Vec<String>, Vec<String>)],
    wanted: &[String],
) -> Option<&'a [String]> {
    wanted.iter().find_map(|w| {
        attributes
            .iter()
            .find(|(names, values)| {
                !values.is_empty() && names.iter().any(|n| n.eq_ignore_ascii_case(w))
            })
            .map(|(_, values)| values.as_slice())
    })
}

impl AttributeMapping {
    /// Maps asserted attributes (each with its names: `Name` and
    /// `FriendlyName`) to an identity of `subject`.
    pub fn identity(
        &self,
        subject: String,
        attributes: &[(Vec<String>, Vec<String>)],
    ) -> UpstreamIdentity {
        let one = |wanted: &[String]| {
            first_present(attributes, wanted)
                .and_then(|v| v.first())
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        UpstreamIdentity {
            subject,
            email: one(&self.email),
            email_verified: false,
            username: one(&self.username),
            given_name: one(&self.given_name),
            family_name: one(&self.family_name),
            display_name: one(&self.display_name),
            groups: first_present(attributes, &self.groups)
                .map(<[String]>::to_vec)
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(names: &[&str], values: &[&str]) -> (Vec<String>, Vec<String>) {
        (
            names.iter().map(|s| (*s).to_owned()).collect(),
            values.iter().map(|s| (*s).to_owned()).collect(),
        )
    }

    #[test]
    fn default_mapping_reads_oid_claim_and_friendly_names() {
        let m = AttributeMapping::default();
        let attrs = vec![
            attr(
                &["urn:oid:0.9.2342.19200300.100.1.3", "mail"],
                &["jo@example.com"],
            ),
            attr(
                &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
                &["Jo"],
            ),
            attr(&["SN"], &["Smith"]),
            attr(&["groups"], &["eng", "ops"]),
            attr(&["displayName"], &[]),
        ];
        let id = m.identity("s-1".into(), &attrs);
        assert_eq!(id.email.as_deref(), Some("jo@example.com"));
        assert_eq!(id.given_name.as_deref(), Some("Jo"));
        assert_eq!(id.family_name.as_deref(), Some("Smith"));
        assert_eq!(
            id.display_name, None,
            "an attribute without values is absent"
        );
        assert_eq!(id.groups, vec!["eng", "ops"]);
    }

    #[test]
    fn names_are_slugs() {
        assert_eq!(parse_idp_name(" corp-adfs ").unwrap(), "corp-adfs");
        for bad in ["", "Corp", "a b", "-x", "x-", "é", &"a".repeat(64)] {
            assert!(parse_idp_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn settings_read_with_defaults_for_missing_keys() {
        let s: SamlUpstreamSettings =
            serde_json::from_str(r#"{"accounts":{"link_by_email":true}}"#).unwrap();
        assert!(s.sign_requests && s.accounts.create_users && s.accounts.link_by_email);
        assert_eq!(s.mapping, AttributeMapping::default());
    }
}
