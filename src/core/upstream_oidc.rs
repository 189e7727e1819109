//! OpenID Connect and plain OAuth 2.0 upstream providers as registered: the
//! issuer (or, for a multi-tenant provider, its `{tenantid}` template), the
//! client USSO is at the provider, the endpoints when not discovered (OIDC
//! Discovery 1.0) or when the provider has no discovery (GitHub), and how
//! the provider's claims map to a core user. The client secret is not here:
//! it is sealed in its own column (ARCHITECTURE.md rule 8).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::upstream_idp::{AccountPolicy, AttributeMapping};
use super::CoreError;

/// An OIDC provider or an OAuth 2.0 authorization server with a user API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcUpstream {
    /// The OIDC issuer; for a multi-tenant provider a template with
    /// `{tenantid}` (filled with each token's `tid`); for plain OAuth 2.0 a
    /// name for the provider (its web origin).
    pub issuer: String,
    /// The preset it was made from (`google`, `github`…), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    pub client_id: String,
    /// Scopes asked for (`openid` first for OIDC).
    pub scopes: Vec<String>,
    /// Endpoints set by hand; for OIDC each one left out comes from
    /// discovery.
    #[serde(default)]
    pub endpoints: OidcEndpoints,
    pub settings: OidcUpstreamSettings,
}

/// A provider's endpoints (OIDC Discovery §3 names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcEndpoints {
    /// Where the discovery document is, when not under the issuer
    /// (multi-tenant providers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session: Option<String>,
    /// A user API listing the user's emails with their verification
    /// (GitHub's `/user/emails`), read when the profile has no verified email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<String>,
}

/// How USSO authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    #[default]
    ClientSecretBasic,
    ClientSecretPost,
}

/// A client secret USSO makes for each token request instead of a fixed
/// one: an ES256 JWT signed with the private key the provider issued (Sign
/// in with Apple). The key is stored sealed, as the client secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedClientSecret {
    /// The account owning the client: the JWT's `iss` (Apple's Team ID).
    pub team_id: String,
    /// The key's id at the provider: the JWT's `kid`.
    pub key_id: String,
}

/// How USSO, as relying party, treats one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcUpstreamSettings {
    pub client_auth: ClientAuthMethod,
    /// Make the client secret per request from a key (Apple); `None`: the
    /// stored secret is sent as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_client_secret: Option<SignedClientSecret>,
    /// The claim that identifies the user for good (`sub`; GitHub: `id`).
    pub subject_claim: String,
    /// Read UserInfo after the token exchange (OIDC: when the provider has
    /// the endpoint; OAuth 2.0: always, it is the only source).
    pub userinfo: bool,
    /// End the upstream session too (RP-Initiated Logout) when the USSO
    /// session it started ends.
    pub rp_logout: bool,
    /// Email domains whose users are sent to this provider when they type
    /// their email on the login page (home-realm discovery).
    pub domains: Vec<String>,
    /// Further parameters of the authorization request (`prompt`, `hd`…).
    pub extra_params: BTreeMap<String, String>,
    pub mapping: AttributeMapping,
    pub accounts: AccountPolicy,
}

impl Default for OidcUpstreamSettings {
    fn default() -> Self {
        Self {
            client_auth: ClientAuthMethod::default(),
            signed_client_secret: None,
            subject_claim: "sub".to_owned(),
            userinfo: true,
            rp_logout: false,
            domains: Vec::new(),
            extra_params: BTreeMap::new(),
            mapping: AttributeMapping::oidc_claims(),
            accounts: AccountPolicy::default(),
        }
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl AttributeMapping {
    /// The standard claims of OIDC Core §5.1 (and the names the common
    /// OAuth 2.0 user APIs use).
    pub fn oidc_claims() -> Self {
        Self {
            email: names(&["email"]),
            username: names(&["preferred_username", "username", "login", "upn"]),
            given_name: names(&["given_name"]),
            family_name: names(&["family_name"]),
            display_name: names(&["name"]),
            groups: names(&["groups"]),
            group_map: BTreeMap::new(),
        }
    }
}

/// An email domain for home-realm discovery: lower case, a dot inside,
/// no `@`.
pub fn parse_domain(raw: &str) -> Result<String, CoreError> {
    let d = raw.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = d.len() <= 253
        && d.contains('.')
        && !d.starts_with('.')
        && !d.ends_with('.')
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(d)
    } else {
        Err(CoreError::invalid(
            "domains",
            format!("{raw:?} is not an email domain (like example.com)"),
        ))
    }
}

/// The domain of an email address, lower case.
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    (!domain.is_empty()).then(|| domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_with_defaults_for_missing_keys() {
        let s: OidcUpstreamSettings = serde_json::from_str(r#"{"rp_logout":true}"#).unwrap();
        assert!(s.rp_logout && s.userinfo);
        assert_eq!(s.subject_claim, "sub");
        assert_eq!(s.mapping.email, vec!["email"]);
        assert_eq!(s.signed_client_secret, None);
    }

    #[test]
    fn domains_are_checked_and_folded() {
        assert_eq!(parse_domain(" @Example.COM ").unwrap(), "example.com");
        for bad in [
            "",
            "localhost",
            "a@b.com",
            ".x.com",
            "x.com.",
            "ex ample.com",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            email_domain("Jo@Corp.Example").as_deref(),
            Some("corp.example")
        );
        assert_eq!(email_domain("nobody"), None);
    }
}
