//! The provider metadata document served at
//! `/.well-known/openid-configuration` (OIDC Discovery 1.0 §3) and
//! `/.well-known/oauth-authorization-server` (RFC 8414 §2), with the
//! members of RFC 9207 §3, OIDC Back-Channel Logout 1.0 §2.1, OIDC
//! RP-Initiated Logout 1.0 §2.1 and OIDC Initiating User Registration §4.
//!
//! The values that describe what this crate parses (response types and
//! modes, grants, PKCE methods, client authentication methods, prompt and
//! display values) are read from the types that do the parsing, so the
//! document cannot claim what the code refuses.

use serde::Serialize;

use crate::authorize::{DisplayMode, PROMPT_VALUES, RESPONSE_TYPES};
use crate::authorize_response::ResponseMode;
use crate::client_auth::ClientAuthMethod;
use crate::pkce::CodeChallengeMethod;
use crate::token_request::GrantType;

/// The scopes offered (OIDC Core §5.4, §11; `groups` and `roles` are this
/// server's own).
pub const SCOPES: [&str; 8] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    "groups",
    "roles",
];

/// The claims the server can return: ID token claims (OIDC Core §2), the
/// standard claims (§5.1), and `groups` / `roles`.
pub const CLAIMS: [&str; 32] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "address",
    "groups",
    "roles",
];

/// The JWS algorithms ID tokens (and client assertions) may be signed with.
pub const SIGNING_ALGS: [&str; 3] = ["RS256", "ES256", "EdDSA"];

/// The optional parts of the server a tenant has turned on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// The revocation endpoint (RFC 7009).
    pub revocation: bool,
    /// The introspection endpoint (RFC 7662).
    pub introspection: bool,
    /// The end-session endpoint (RP-Initiated Logout 1.0).
    pub end_session: bool,
    /// Back-channel logout (Back-Channel Logout 1.0).
    pub backchannel_logout: bool,
    /// Pairwise subject identifiers (OIDC Core §8.1).
    pub pairwise_subjects: bool,
}

/// Everything on.
impl Default for Features {
    fn default() -> Self {
        Self {
            revocation: true,
            introspection: true,
            end_session: true,
            backchannel_logout: true,
            pairwise_subjects: true,
        }
    }
}

/// The provider metadata. Absent optional members are left out of the
/// JSON. Fields are public so the hub can add tenant-specific values
/// (`acr_values_supported`, `ui_locales_supported`, policy URIs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderMetadata {
    /// `issuer`.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: String,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `userinfo_endpoint`.
    pub userinfo_endpoint: String,
    /// `jwks_uri`.
    pub jwks_uri: String,
    /// `registration_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// `scopes_supported`.
    pub scopes_supported: Vec<String>,
    /// `response_types_supported`.
    pub response_types_supported: Vec<String>,
    /// `response_modes_supported`.
    pub response_modes_supported: Vec<String>,
    /// `grant_types_supported`.
    pub grant_types_supported: Vec<String>,
    /// `acr_values_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr_values_supported: Option<Vec<String>>,
    /// `subject_types_supported`.
    pub subject_types_supported: Vec<String>,
    /// `id_token_signing_alg_values_supported`.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// `userinfo_signing_alg_values_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_signing_alg_values_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_methods_supported`.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// `token_endpoint_auth_signing_alg_values_supported` (for `private_key_jwt`).
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// `display_values_supported`.
    pub display_values_supported: Vec<String>,
    /// `claim_types_supported`.
    pub claim_types_supported: Vec<String>,
    /// `claims_supported`.
    pub claims_supported: Vec<String>,
    /// `service_documentation`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_documentation: Option<String>,
    /// `claims_locales_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims_locales_supported: Option<Vec<String>>,
    /// `ui_locales_supported`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui_locales_supported: Option<Vec<String>>,
    /// `claims_parameter_supported`.
    pub claims_parameter_supported: bool,
    /// `request_parameter_supported`.
    pub request_parameter_supported: bool,
    /// `request_uri_parameter_supported`: sent as `false`, since its
    /// default is `true`.
    pub request_uri_parameter_supported: bool,
    /// `op_policy_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_policy_uri: Option<String>,
    /// `op_tos_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub op_tos_uri: Option<String>,
    /// `revocation_endpoint` (RFC 8414 §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// `revocation_endpoint_auth_methods_supported` (RFC 8414 §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `introspection_endpoint` (RFC 8414 §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// `introspection_endpoint_auth_methods_supported` (RFC 8414 §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `code_challenge_methods_supported` (RFC 8414 §2).
    pub code_challenge_methods_supported: Vec<String>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3).
    pub authorization_response_iss_parameter_supported: bool,
    /// `end_session_endpoint` (RP-Initiated Logout 1.0 §2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// `backchannel_logout_supported` (Back-Channel Logout 1.0 §2.1).
    pub backchannel_logout_supported: bool,
    /// `backchannel_logout_session_supported` (Back-Channel Logout 1.0 §2.1).
    pub backchannel_logout_session_supported: bool,
    /// `prompt_values_supported` (Initiating User Registration 1.0 §4).
    pub prompt_values_supported: Vec<String>,
}

impl ProviderMetadata {
    /// The metadata of the provider at `issuer` (as configured, e.g.
    /// `https://id.example.com/t/acme`), whose endpoints are
    /// `{issuer}/authorize`, `/token`, `/userinfo`, `/jwks`, `/revoke`,
    /// `/introspect` and `/end-session`.
    pub fn for_issuer(issuer: &str, features: &Features) -> Self {
        let base = issuer.trim_end_matches('/');
        let endpoint = |path: &str| format!("{base}/{path}");
        let optional = |on: bool, path: &str| on.then(|| endpoint(path));
        let auth_methods: Vec<String> = names(ClientAuthMethod::ALL.map(ClientAuthMethod::as_str));
        let mut subject_types = vec!["public".to_owned()];
        if features.pairwise_subjects {
            subject_types.push("pairwise".to_owned());
        }
        Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: endpoint("authorize"),
            token_endpoint: endpoint("token"),
            userinfo_endpoint: endpoint("userinfo"),
            jwks_uri: endpoint("jwks"),
            registration_endpoint: None,
            scopes_supported: names(SCOPES),
            response_types_supported: names(RESPONSE_TYPES),
            response_modes_supported: names(ResponseMode::ALL.map(ResponseMode::as_str)),
            grant_types_supported: names(GrantType::ALL.map(GrantType::as_str)),
            acr_values_supported: None,
            subject_types_supported: subject_types,
            id_token_signing_alg_values_supported: names(SIGNING_ALGS),
            userinfo_signing_alg_values_supported: None,
            token_endpoint_auth_methods_supported: auth_methods.clone(),
            token_endpoint_auth_signing_alg_values_supported: names(SIGNING_ALGS),
            display_values_supported: names(DisplayMode::ALL.map(DisplayMode::as_str)),
            claim_types_supported: names(["normal"]),
            claims_supported: names(CLAIMS),
            service_documentation: None,
            claims_locales_supported: None,
            ui_locales_supported: None,
            claims_parameter_supported: true,
            request_parameter_supported: false,
            request_uri_parameter_supported: false,
            op_policy_uri: None,
            op_tos_uri: None,
            revocation_endpoint: optional(features.revocation, "revoke"),
            revocation_endpoint_auth_methods_supported: features
                .revocation
                .then(|| auth_methods.clone()),
            introspection_endpoint: optional(features.introspection, "introspect"),
            introspection_endpoint_auth_methods_supported: features
                .introspection
                .then(|| auth_methods.clone()),
            code_challenge_methods_supported: names(
                CodeChallengeMethod::ALL.map(CodeChallengeMethod::as_str),
            ),
            authorization_response_iss_parameter_supported: true,
            end_session_endpoint: optional(features.end_session, "end-session"),
            backchannel_logout_supported: features.backchannel_logout,
            backchannel_logout_session_supported: features.backchannel_logout,
            prompt_values_supported: names(PROMPT_VALUES),
        }
    }
}

fn names<const N: usize>(values: [&str; N]) -> Vec<String> {
    values.into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests;
