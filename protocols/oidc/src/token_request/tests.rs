#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn code(list: &[(&str, &str)]) -> OAuthErrorCode {
    TokenRequest::parse(&pairs(list)).unwrap_err().code()
}

#[test]
fn authorization_code_grant() {
    let r = TokenRequest::parse(&pairs(&[
        ("grant_type", "authorization_code"),
        ("code", "SplxlOBeZQQYbYS6WxSbIA"),
        ("redirect_uri", "https://client.example.com/cb"),
        ("code_verifier", VERIFIER),
        ("client_id", "ignored-here"),
    ]))
    .unwrap();
    assert_eq!(r.grant_type(), GrantType::AuthorizationCode);
    let TokenRequest::AuthorizationCode {
        code,
        redirect_uri,
        code_verifier,
    } = r
    else {
        panic!("wrong grant");
    };
    assert_eq!(code, "SplxlOBeZQQYbYS6WxSbIA");
    assert_eq!(
        redirect_uri.as_deref(),
        Some("https://client.example.com/cb")
    );
    assert_eq!(code_verifier.unwrap().as_str(), VERIFIER);
}

#[test]
fn authorization_code_optional_parts() {
    let r = TokenRequest::parse(&pairs(&[
        ("grant_type", "authorization_code"),
        ("code", "c"),
    ]))
    .unwrap();
    assert_eq!(
        r,
        TokenRequest::AuthorizationCode {
            code: "c".into(),
            redirect_uri: None,
            code_verifier: None
        }
    );
}

#[test]
fn refresh_token_grant() {
    let r = TokenRequest::parse(&pairs(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", "tGzv3JOkF0XG5Qx2TlKWIA"),
        ("scope", "openid email"),
    ]))
    .unwrap();
    assert_eq!(
        r,
        TokenRequest::RefreshToken {
            refresh_token: "tGzv3JOkF0XG5Qx2TlKWIA".into(),
            scope: Some(Scope::parse("email openid").unwrap())
        }
    );
}

#[test]
fn client_credentials_grant() {
    let r = TokenRequest::parse(&pairs(&[("grant_type", "client_credentials")])).unwrap();
    assert_eq!(r, TokenRequest::ClientCredentials { scope: None });
    let r = TokenRequest::parse(&pairs(&[
        ("grant_type", "client_credentials"),
        ("scope", "api:read"),
    ]))
    .unwrap();
    assert_eq!(
        r,
        TokenRequest::ClientCredentials {
            scope: Some(Scope::parse("api:read").unwrap())
        }
    );
}

#[test]
fn grant_type_refusals() {
    assert_eq!(code(&[]), OAuthErrorCode::InvalidRequest);
    assert_eq!(code(&[("grant_type", "")]), OAuthErrorCode::InvalidRequest);
    for g in [
        "password",
        "implicit",
        "token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "Authorization_Code",
        "authorization_code ",
    ] {
        assert_eq!(
            code(&[("grant_type", g)]),
            OAuthErrorCode::UnsupportedGrantType,
            "{g}"
        );
    }
}

#[test]
fn missing_credentials_are_invalid_request() {
    assert_eq!(
        code(&[("grant_type", "authorization_code")]),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(&[("grant_type", "authorization_code"), ("code", "")]),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(&[("grant_type", "refresh_token")]),
        OAuthErrorCode::InvalidRequest
    );
    let err = TokenRequest::parse(&pairs(&[("grant_type", "refresh_token")])).unwrap_err();
    assert_eq!(err.description(), Some("refresh_token is required"));
}

#[test]
fn bad_verifier_grammar_is_invalid_request() {
    for v in ["short", &"a".repeat(129), &format!("{}+", "a".repeat(43))] {
        assert_eq!(
            code(&[
                ("grant_type", "authorization_code"),
                ("code", "c"),
                ("code_verifier", v)
            ]),
            OAuthErrorCode::InvalidRequest,
            "{v}"
        );
    }
}

#[test]
fn bad_scope_is_invalid_scope() {
    assert_eq!(
        code(&[("grant_type", "client_credentials"), ("scope", "a  b")]),
        OAuthErrorCode::InvalidScope
    );
    assert_eq!(
        code(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "r"),
            ("scope", "\"x\"")
        ]),
        OAuthErrorCode::InvalidScope
    );
}

#[test]
fn repeated_or_oversized_is_invalid_request() {
    assert_eq!(
        code(&[
            ("grant_type", "authorization_code"),
            ("code", "a"),
            ("code", "b")
        ]),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(&[
            ("grant_type", "client_credentials"),
            ("grant_type", "client_credentials")
        ]),
        OAuthErrorCode::InvalidRequest
    );
    let long = "a".repeat(5000);
    assert_eq!(
        code(&[("grant_type", "authorization_code"), ("code", &long)]),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn debug_hides_credentials() {
    let r = TokenRequest::parse(&pairs(&[
        ("grant_type", "authorization_code"),
        ("code", "SECRETCODE"),
        ("code_verifier", VERIFIER),
    ]))
    .unwrap();
    let text = format!("{r:?}");
    assert!(
        !text.contains("SECRETCODE") && !text.contains(VERIFIER),
        "{text}"
    );
    let r = TokenRequest::parse(&pairs(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", "SECRETRT"),
    ]))
    .unwrap();
    assert!(!format!("{r:?}").contains("SECRETRT"));
}

#[test]
fn grant_type_names() {
    for g in GrantType::ALL {
        assert_eq!(GrantType::from_name(g.as_str()), Some(g));
    }
}

#[test]
fn token_response_minimal_json() {
    let r = TokenResponse::bearer("at".into(), 3600);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"access_token":"at","token_type":"Bearer","expires_in":3600}"#
    );
}

#[test]
fn token_response_full_json() {
    let r = TokenResponse {
        refresh_token: Some("rt".into()),
        id_token: Some("eyJ.x.y".into()),
        scope: Some(Scope::parse("openid offline_access").unwrap()),
        ..TokenResponse::bearer("at".into(), 300)
    };
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt","id_token":"eyJ.x.y","scope":"openid offline_access"}"#
    );
    let text = format!("{r:?}");
    assert!(
        !text.contains("\"at\"") && !text.contains("rt\"") && !text.contains("eyJ"),
        "{text}"
    );
}
