#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use serde_json::json;

#[test]
fn wire_names_match_the_specifications() {
    let expected = [
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
        "unsupported_response_type",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
        "invalid_token",
        "insufficient_scope",
    ];
    let names: Vec<_> = OAuthErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, expected);
}

#[test]
fn serde_display_and_from_code_agree_with_as_str() {
    for code in OAuthErrorCode::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(OAuthErrorCode::from_code(code.as_str()), Some(code));
        let back: OAuthErrorCode = serde_json::from_value(json!(code.as_str())).unwrap();
        assert_eq!(back, code);
    }
}

#[test]
fn from_code_is_case_sensitive_and_rejects_unknown() {
    assert_eq!(OAuthErrorCode::from_code("Invalid_Request"), None);
    assert_eq!(OAuthErrorCode::from_code("slow_down"), None);
    assert_eq!(OAuthErrorCode::from_code(""), None);
}

#[test]
fn http_statuses() {
    use OAuthErrorCode::*;
    for code in OAuthErrorCode::ALL {
        let expected = match code {
            InvalidClient | InvalidToken => 401,
            InsufficientScope => 403,
            ServerError => 500,
            TemporarilyUnavailable => 503,
            _ => 400,
        };
        assert_eq!(code.http_status(), expected, "{code}");
    }
    assert_eq!(InvalidGrant.http_status(), 400);
    assert_eq!(OAuthError::new(InvalidClient).http_status(), 401);
}

#[test]
fn body_with_code_only() {
    let body = serde_json::to_string(&OAuthError::new(OAuthErrorCode::InvalidGrant)).unwrap();
    assert_eq!(body, r#"{"error":"invalid_grant"}"#);
}

#[test]
fn body_with_description_and_uri() {
    let err = OAuthError::new(OAuthErrorCode::InvalidRequest)
        .with_description("missing parameter: code_verifier")
        .with_uri("https://docs.example.com/errors#pkce")
        .unwrap();
    assert_eq!(
        serde_json::to_string(&err).unwrap(),
        r#"{"error":"invalid_request","error_description":"missing parameter: code_verifier","error_uri":"https://docs.example.com/errors#pkce"}"#
    );
}

#[test]
fn body_with_description_only() {
    let err = OAuthError::new(OAuthErrorCode::InvalidScope).with_description("unknown scope");
    assert_eq!(
        serde_json::to_string(&err).unwrap(),
        r#"{"error":"invalid_scope","error_description":"unknown scope"}"#
    );
}

#[test]
fn description_is_sanitised() {
    let cases = [
        ("plain text", Some("plain text")),
        ("say \"hi\"", Some("say  hi ")),
        (r"back\slash", Some("back slash")),
        ("line\r\nbreak\ttab", Some("line  break tab")),
        ("caf\u{e9} \u{1f600}", Some("caf   ")),
        ("nul\0byte\x7f", Some("nul byte ")),
        (
            "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
            Some("~!#$%&'()*+,-./:;<=>?@[]^_`{|}"),
        ),
        ("", None),
        ("   ", None),
        ("\"\"\\", None),
    ];
    for (raw, want) in cases {
        assert_eq!(sanitize_description(raw).as_deref(), want, "{raw:?}");
        let err = OAuthError::new(OAuthErrorCode::AccessDenied).with_description(raw);
        assert_eq!(err.description(), want, "{raw:?}");
    }
}

#[test]
fn sanitised_description_always_in_allowed_set() {
    // Every code point class the rule distinguishes, plus its edges.
    let raw: String = (0u32..0x300).filter_map(char::from_u32).collect();
    let clean = sanitize_description(&raw).unwrap();
    assert_eq!(clean.chars().count(), raw.chars().count());
    assert!(clean
        .bytes()
        .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)));
}

#[test]
fn absent_description_is_omitted_from_json() {
    let err = OAuthError::new(OAuthErrorCode::LoginRequired).with_description("\u{7}");
    assert_eq!(
        serde_json::to_string(&err).unwrap(),
        r#"{"error":"login_required"}"#
    );
}

#[test]
fn uri_is_checked() {
    let base = OAuthError::new(OAuthErrorCode::ServerError);
    assert_eq!(base.clone().with_uri(""), Err(InvalidErrorUri::Empty));
    assert_eq!(
        base.clone().with_uri("https://x/a b"),
        Err(InvalidErrorUri::Character { at: 11 })
    );
    assert_eq!(
        base.clone().with_uri("https://x/\"q\""),
        Err(InvalidErrorUri::Character { at: 10 })
    );
    assert_eq!(
        base.clone().with_uri("https://x/\u{e9}"),
        Err(InvalidErrorUri::Character { at: 10 })
    );
    let ok = base.with_uri("urn:example:error").unwrap();
    assert_eq!(ok.uri(), Some("urn:example:error"));
}

#[test]
fn display_and_from() {
    let err: OAuthError = OAuthErrorCode::ConsentRequired.into();
    assert_eq!(err.to_string(), "consent_required");
    assert_eq!(err.code(), OAuthErrorCode::ConsentRequired);
    let err = err.with_description("ask the user");
    assert_eq!(err.to_string(), "consent_required: ask the user");
}
