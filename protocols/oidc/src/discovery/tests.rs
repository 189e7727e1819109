#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{json, Value};

use super::*;

const ISS: &str = "https://id.example.com/t/acme";

fn doc(features: &Features) -> Value {
    serde_json::to_value(ProviderMetadata::for_issuer(ISS, features)).unwrap()
}

#[test]
fn full_document() {
    let auth_methods = json!([
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none"
    ]);
    let expected = json!({
        "issuer": ISS,
        "authorization_endpoint": format!("{ISS}/authorize"),
        "token_endpoint": format!("{ISS}/token"),
        "userinfo_endpoint": format!("{ISS}/userinfo"),
        "jwks_uri": format!("{ISS}/jwks"),
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access", "groups", "roles"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "display_values_supported": ["page", "popup", "touch", "wap"],
        "claim_types_supported": ["normal"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid",
            "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
            "profile", "picture", "website", "gender", "birthdate", "zoneinfo", "locale", "updated_at",
            "email", "email_verified", "phone_number", "phone_number_verified", "address",
            "groups", "roles"
        ],
        "claims_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "revocation_endpoint": format!("{ISS}/revoke"),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint": format!("{ISS}/introspect"),
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "end_session_endpoint": format!("{ISS}/end-session"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
    });
    assert_eq!(doc(&Features::default()), expected);
}

#[test]
fn trailing_slash_in_issuer_is_not_doubled() {
    let m = ProviderMetadata::for_issuer("https://id.example.com/", &Features::default());
    assert_eq!(m.issuer, "https://id.example.com/");
    assert_eq!(m.token_endpoint, "https://id.example.com/token");
}

#[test]
fn features_off() {
    let off = Features {
        revocation: false,
        introspection: false,
        end_session: false,
        backchannel_logout: false,
        pairwise_subjects: false,
    };
    let d = doc(&off);
    for absent in [
        "revocation_endpoint",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint",
        "introspection_endpoint_auth_methods_supported",
        "end_session_endpoint",
        "registration_endpoint",
        "acr_values_supported",
    ] {
        assert!(d.get(absent).is_none(), "{absent}");
    }
    assert_eq!(d["backchannel_logout_supported"], json!(false));
    assert_eq!(d["subject_types_supported"], json!(["public"]));
}

#[test]
fn advertised_values_are_the_parsed_ones() {
    let m = ProviderMetadata::for_issuer(ISS, &Features::default());
    for mode in &m.response_modes_supported {
        assert!(ResponseMode::from_name(mode).is_some(), "{mode}");
    }
    for grant in &m.grant_types_supported {
        assert!(GrantType::from_name(grant).is_some(), "{grant}");
    }
    for method in &m.token_endpoint_auth_methods_supported {
        assert!(ClientAuthMethod::from_name(method).is_some(), "{method}");
    }
    for prompt in &m.prompt_values_supported {
        assert!(crate::authorize::Prompt::parse(prompt).is_ok(), "{prompt}");
    }
    for method in &m.code_challenge_methods_supported {
        assert!(CodeChallengeMethod::parse(Some(method)).is_ok(), "{method}");
    }
    for display in &m.display_values_supported {
        assert!(DisplayMode::from_name(display).is_some(), "{display}");
    }
    for scope in &m.scopes_supported {
        assert!(crate::Scope::parse(scope).is_ok(), "{scope}");
    }
}

#[test]
fn claims_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for c in CLAIMS {
        assert!(seen.insert(c), "{c} twice");
    }
}
