#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::pkce::s256_challenge;

const CB: &str = "https://app.example.com/cb";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn policy() -> ClientPolicy {
    ClientPolicy {
        redirect_uris: vec![CB.to_owned()],
        is_public: false,
        allowed_scopes: ["openid", "profile", "email", "offline_access"]
            .map(str::to_owned)
            .to_vec(),
        require_pkce: false,
    }
}

/// A valid OpenID Connect request, with `extra` appended.
fn request(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let challenge = s256_challenge(VERIFIER);
    let mut list = pairs(&[
        ("client_id", "app"),
        ("redirect_uri", CB),
        ("response_type", "code"),
        ("scope", "openid profile"),
        ("state", "st"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]);
    list.extend(pairs(extra));
    list
}

/// `base` without the parameters named in `drop`, with `extra` appended.
fn without(drop: &[&str], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut list: Vec<_> = request(&[])
        .into_iter()
        .filter(|(n, _)| !drop.contains(&n.as_str()))
        .collect();
    list.extend(pairs(extra));
    list
}

fn fatal_of(list: &[(String, String)], policy: &ClientPolicy) -> String {
    match AuthorizationRequest::validate(list, policy) {
        Err(AuthorizeError::Fatal { description }) => description,
        other => panic!("expected a fatal error, got {other:?}"),
    }
}

/// The redirected error's code, after checking where it goes.
fn redirected(list: &[(String, String)], policy: &ClientPolicy) -> OAuthError {
    match AuthorizationRequest::validate(list, policy) {
        Err(AuthorizeError::Redirect {
            redirect_uri,
            error,
            ..
        }) => {
            assert_eq!(redirect_uri, CB);
            error
        }
        other => panic!("expected a redirected error, got {other:?}"),
    }
}

fn code_of(list: &[(String, String)]) -> OAuthErrorCode {
    redirected(list, &policy()).code()
}

#[test]
fn valid_request() {
    let r = AuthorizationRequest::validate(
        &request(&[
            ("prompt", "login consent"),
            ("max_age", "0"),
            ("login_hint", "ann@example.com"),
            ("id_token_hint", "eyJ.x.y"),
            ("acr_values", "urn:a  urn:b"),
            ("ui_locales", "fr-CA en"),
            ("display", "popup"),
            ("response_mode", "form_post"),
            ("claims", r#"{"id_token":{"email":{"essential":true},"sub":{"value":"x"}},"userinfo":{"name":null}}"#),
            ("unknown_extension", "ignored"),
        ]),
        &policy(),
    )
    .unwrap();
    assert_eq!(r.client_id, "app");
    assert_eq!(r.redirect_uri, CB);
    assert!(r.redirect_uri_sent);
    assert_eq!(r.response_mode, ResponseMode::FormPost);
    assert_eq!(r.scope, Some(Scope::parse("profile openid").unwrap()));
    assert!(r.is_openid());
    assert_eq!(r.state.as_deref(), Some("st"));
    assert_eq!(r.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert!(r
        .code_challenge
        .as_ref()
        .unwrap()
        .is_answered_by(&crate::pkce::CodeVerifier::parse(VERIFIER).unwrap()));
    assert_eq!(
        r.prompt,
        Prompt {
            login: true,
            consent: true,
            ..Prompt::default()
        }
    );
    assert_eq!(r.max_age, Some(0));
    assert_eq!(r.login_hint.as_deref(), Some("ann@example.com"));
    assert_eq!(r.id_token_hint.as_deref(), Some("eyJ.x.y"));
    assert_eq!(r.acr_values, ["urn:a", "urn:b"]);
    assert_eq!(r.ui_locales, ["fr-CA", "en"]);
    assert_eq!(r.display, Some(DisplayMode::Popup));
    let claims = r.claims.unwrap();
    assert!(claims.id_token.contains_key("email"));
    assert!(claims.userinfo.contains_key("name"));
}

#[test]
fn minimal_oauth_request_without_scope_or_pkce() {
    let list = pairs(&[("client_id", "app"), ("response_type", "code")]);
    let r = AuthorizationRequest::validate(&list, &policy()).unwrap();
    assert_eq!(r.redirect_uri, CB);
    assert!(!r.redirect_uri_sent);
    assert_eq!(r.response_mode, ResponseMode::Query);
    assert_eq!(r.scope, None);
    assert!(!r.is_openid());
    assert!(r.prompt.is_empty());
    assert_eq!(r.code_challenge, None);
}

#[test]
fn identify_reads_only_client_and_redirect() {
    let ids = AuthorizationRequest::identify(&pairs(&[
        ("client_id", "app"),
        ("redirect_uri", CB),
        ("state", "a"),
        ("state", "b"),
    ]))
    .unwrap();
    assert_eq!(ids.client_id, "app");
    assert_eq!(ids.redirect_uri.as_deref(), Some(CB));
    let ids = AuthorizationRequest::identify(&pairs(&[("client_id", "app")])).unwrap();
    assert_eq!(ids.redirect_uri, None);
}

#[test]
fn client_id_problems_are_fatal() {
    for list in [
        pairs(&[("redirect_uri", CB)]),
        pairs(&[("client_id", ""), ("redirect_uri", CB)]),
        pairs(&[("client_id", "a"), ("client_id", "b"), ("redirect_uri", CB)]),
        pairs(&[("client_id", "a"), ("client_id", "a")]),
        pairs(&[("client_id", &"a".repeat(5000))]),
    ] {
        assert!(matches!(
            AuthorizationRequest::identify(&list),
            Err(AuthorizeError::Fatal { .. })
        ));
        assert!(matches!(
            AuthorizationRequest::validate(&list, &policy()),
            Err(AuthorizeError::Fatal { .. })
        ));
    }
}

#[test]
fn redirect_uri_problems_are_fatal() {
    // Unregistered.
    let d = fatal_of(
        &without(
            &["redirect_uri"],
            &[("redirect_uri", "https://evil.example/cb")],
        ),
        &policy(),
    );
    assert!(d.contains("not registered"), "{d}");
    // Near misses.
    for near in [
        "https://app.example.com/cb/",
        "https://APP.example.com/cb",
        "https://app.example.com/cb?x=1",
        "https://app.example.com/cb#f",
    ] {
        fatal_of(
            &without(&["redirect_uri"], &[("redirect_uri", near)]),
            &policy(),
        );
    }
    // Repeated.
    fatal_of(&request(&[("redirect_uri", CB)]), &policy());
    // Missing in an OpenID request, even with a single registration.
    let d = fatal_of(&without(&["redirect_uri"], &[]), &policy());
    assert!(d.contains("required"), "{d}");
    // Missing, no openid, several registered.
    let mut several = policy();
    several
        .redirect_uris
        .push("https://app.example.com/other".into());
    fatal_of(
        &pairs(&[("client_id", "app"), ("response_type", "code")]),
        &several,
    );
    // Missing, none registered.
    let mut none = policy();
    none.redirect_uris.clear();
    fatal_of(
        &pairs(&[("client_id", "app"), ("response_type", "code")]),
        &none,
    );
}

#[test]
fn fatal_errors_come_before_any_other_check() {
    // A bad response_type with an unregistered redirect_uri must not redirect.
    let list = pairs(&[
        ("client_id", "app"),
        ("redirect_uri", "https://evil.example/cb"),
        ("response_type", "token"),
        ("state", "a"),
        ("state", "b"),
    ]);
    fatal_of(&list, &policy());
}

#[test]
fn unknown_client_is_fatal() {
    assert!(matches!(
        AuthorizeError::unknown_client(),
        AuthorizeError::Fatal { .. }
    ));
    assert_eq!(
        AuthorizeError::unknown_client().to_response("https://iss"),
        None
    );
}

#[test]
fn response_type() {
    assert_eq!(
        code_of(&without(&["response_type"], &[])),
        OAuthErrorCode::InvalidRequest
    );
    for t in [
        "token",
        "id_token",
        "code id_token",
        "id_token token",
        "code token",
        "none",
        "CODE",
        "code ",
    ] {
        assert_eq!(
            code_of(&without(&["response_type"], &[("response_type", t)])),
            OAuthErrorCode::UnsupportedResponseType,
            "{t}"
        );
    }
}

#[test]
fn response_mode() {
    for m in [
        "fragment",
        "query.jwt",
        "form_post.jwt",
        "web_message",
        "FORM_POST",
    ] {
        match AuthorizationRequest::validate(&request(&[("response_mode", m)]), &policy()) {
            Err(AuthorizeError::Redirect {
                response_mode,
                error,
                state,
                ..
            }) => {
                assert_eq!(error.code(), OAuthErrorCode::InvalidRequest, "{m}");
                assert_eq!(response_mode, ResponseMode::Query);
                assert_eq!(state.as_deref(), Some("st"));
            }
            other => panic!("{m}: {other:?}"),
        }
    }
    let r =
        AuthorizationRequest::validate(&request(&[("response_mode", "query")]), &policy()).unwrap();
    assert_eq!(r.response_mode, ResponseMode::Query);
}

#[test]
fn errors_use_the_requested_form_post_mode() {
    let list = without(
        &["response_type"],
        &[("response_type", "token"), ("response_mode", "form_post")],
    );
    match AuthorizationRequest::validate(&list, &policy()) {
        Err(AuthorizeError::Redirect { response_mode, .. }) => {
            assert_eq!(response_mode, ResponseMode::FormPost);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn scope_checks() {
    assert_eq!(
        code_of(&without(&["scope"], &[("scope", "openid  profile")])),
        OAuthErrorCode::InvalidScope
    );
    assert_eq!(
        code_of(&without(&["scope"], &[("scope", "openid \"x\"")])),
        OAuthErrorCode::InvalidScope
    );
    let err = redirected(
        &without(&["scope"], &[("scope", "openid admin")]),
        &policy(),
    );
    assert_eq!(err.code(), OAuthErrorCode::InvalidScope);
    assert!(err.description().unwrap().contains("admin"));
    // Case-sensitive.
    assert_eq!(
        code_of(&without(&["scope"], &[("scope", "openid Profile")])),
        OAuthErrorCode::InvalidScope
    );
    // Scope without openid: a plain OAuth request.
    let r = AuthorizationRequest::validate(&without(&["scope"], &[("scope", "email")]), &policy())
        .unwrap();
    assert!(!r.is_openid());
}

#[test]
fn pkce_rules() {
    let no_pkce = without(&["code_challenge", "code_challenge_method"], &[]);
    // Confidential client without PKCE: allowed.
    assert!(AuthorizationRequest::validate(&no_pkce, &policy()).is_ok());
    // Public client or required: refused.
    for p in [
        ClientPolicy {
            is_public: true,
            ..policy()
        },
        ClientPolicy {
            require_pkce: true,
            ..policy()
        },
    ] {
        let err = redirected(&no_pkce, &p);
        assert_eq!(err.code(), OAuthErrorCode::InvalidRequest);
        assert_eq!(err.description(), Some("code_challenge required"));
    }
    // Challenge without method means plain: refused.
    let err = redirected(&without(&["code_challenge_method"], &[]), &policy());
    assert_eq!(err.code(), OAuthErrorCode::InvalidRequest);
    // plain: refused with the exact description.
    let err = redirected(
        &without(
            &["code_challenge_method"],
            &[("code_challenge_method", "plain")],
        ),
        &policy(),
    );
    assert_eq!(
        err.description(),
        Some("code_challenge_method plain is not supported")
    );
    // Unknown method.
    assert_eq!(
        code_of(&without(
            &["code_challenge_method"],
            &[("code_challenge_method", "S512")]
        )),
        OAuthErrorCode::InvalidRequest
    );
    // Bad challenge grammar.
    assert_eq!(
        code_of(&without(
            &["code_challenge"],
            &[("code_challenge", "short")]
        )),
        OAuthErrorCode::InvalidRequest
    );
    // Method without challenge.
    assert_eq!(
        code_of(&without(&["code_challenge"], &[])),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn prompt_rules() {
    for (p, ok) in [
        ("none", true),
        ("login", true),
        ("consent", true),
        ("select_account", true),
        ("login consent select_account", true),
        ("none login", false),
        ("consent none", false),
        ("create", false),
        ("NONE", false),
        ("login bogus", false),
    ] {
        let result = AuthorizationRequest::validate(&request(&[("prompt", p)]), &policy());
        if ok {
            assert!(result.is_ok(), "{p}");
        } else {
            assert_eq!(
                code_of(&request(&[("prompt", p)])),
                OAuthErrorCode::InvalidRequest,
                "{p}"
            );
        }
    }
    let r = AuthorizationRequest::validate(&request(&[("prompt", "none")]), &policy()).unwrap();
    assert!(r.prompt.none);
}

#[test]
fn max_age_rules() {
    let r = AuthorizationRequest::validate(&request(&[("max_age", "3600")]), &policy()).unwrap();
    assert_eq!(r.max_age, Some(3600));
    for bad in [
        "-1",
        "+5",
        "1.5",
        "abc",
        " 1",
        "1e3",
        "99999999999999999999999",
    ] {
        assert_eq!(
            code_of(&request(&[("max_age", bad)])),
            OAuthErrorCode::InvalidRequest,
            "{bad}"
        );
    }
}

#[test]
fn display_rules() {
    for ok in ["page", "popup", "touch", "wap"] {
        let r = AuthorizationRequest::validate(&request(&[("display", ok)]), &policy()).unwrap();
        assert_eq!(r.display.map(DisplayMode::as_str), Some(ok));
    }
    assert_eq!(
        code_of(&request(&[("display", "full")])),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn claims_rules() {
    for bad in [
        "not json",
        "[]",
        "\"x\"",
        "null",
        r#"{"access_token":{}}"#,
        r#"{"userinfo":[]}"#,
        r#"{"userinfo":{"email":true}}"#,
        r#"{"id_token":{"email":{"essential":"yes"}}}"#,
        r#"{"id_token":{"acr":{"values":"urn:x"}}}"#,
    ] {
        assert_eq!(
            code_of(&request(&[("claims", bad)])),
            OAuthErrorCode::InvalidRequest,
            "{bad}"
        );
    }
    let r = AuthorizationRequest::validate(&request(&[("claims", "{}")]), &policy()).unwrap();
    assert_eq!(r.claims, Some(ClaimsRequest::default()));
}

#[test]
fn unsupported_oidc_parameters() {
    assert_eq!(
        code_of(&request(&[("request", "eyJ.x.y")])),
        OAuthErrorCode::RequestNotSupported
    );
    assert_eq!(
        code_of(&request(&[("request_uri", "https://x/r")])),
        OAuthErrorCode::RequestUriNotSupported
    );
    assert_eq!(
        code_of(&request(&[("registration", "{}")])),
        OAuthErrorCode::RegistrationNotSupported
    );
}

#[test]
fn repeated_and_oversized_parameters_are_redirected() {
    let err = redirected(&request(&[("nonce", "again")]), &policy());
    assert_eq!(err.code(), OAuthErrorCode::InvalidRequest);
    assert!(err.description().unwrap().contains("nonce"));
    let err = redirected(&request(&[("login_hint", &"x".repeat(5000))]), &policy());
    assert_eq!(err.code(), OAuthErrorCode::InvalidRequest);
    assert!(err.description().unwrap().contains("login_hint"));
    let many: Vec<(String, String)> = (0..5)
        .map(|i| (format!("p{i}"), "x".repeat(4000)))
        .collect();
    let mut list = request(&[]);
    list.extend(many);
    assert_eq!(code_of(&list), OAuthErrorCode::InvalidRequest);
    // A repeated response_mode: reported in the default mode.
    match AuthorizationRequest::validate(
        &request(&[("response_mode", "form_post"), ("response_mode", "query")]),
        &policy(),
    ) {
        Err(AuthorizeError::Redirect {
            response_mode,
            error,
            ..
        }) => {
            assert_eq!(response_mode, ResponseMode::Query);
            assert_eq!(error.code(), OAuthErrorCode::InvalidRequest);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn state_is_echoed_only_when_single_and_sane() {
    let state_of = |list: &[(String, String)]| match AuthorizationRequest::validate(list, &policy())
    {
        Err(AuthorizeError::Redirect { state, .. }) => state,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        state_of(&request(&[("prompt", "bogus")])).as_deref(),
        Some("st")
    );
    assert_eq!(state_of(&request(&[("state", "again")])), None);
    let long = "s".repeat(5000);
    assert_eq!(state_of(&without(&["state"], &[("state", &long)])), None);
    assert_eq!(state_of(&without(&["state"], &[("prompt", "bogus")])), None);
}

#[test]
fn loopback_redirect_with_any_port() {
    let p = ClientPolicy {
        redirect_uris: vec!["http://127.0.0.1/cb".into()],
        is_public: true,
        ..policy()
    };
    let list = without(
        &["redirect_uri"],
        &[("redirect_uri", "http://127.0.0.1:49152/cb")],
    );
    let r = AuthorizationRequest::validate(&list, &p).unwrap();
    assert_eq!(r.redirect_uri, "http://127.0.0.1:49152/cb");
}

#[test]
fn responses_from_the_request() {
    let r = AuthorizationRequest::validate(&request(&[]), &policy()).unwrap();
    let ok = r.success_response("c0de", "https://id.example/t/acme");
    assert_eq!(
        ok.to_redirect_url(),
        "https://app.example.com/cb?code=c0de&state=st&iss=https%3A%2F%2Fid.example%2Ft%2Facme"
    );
    let denied = r.error_response(
        &OAuthError::new(OAuthErrorCode::AccessDenied),
        "https://id.example",
    );
    assert_eq!(
        denied.to_redirect_url(),
        "https://app.example.com/cb?error=access_denied&state=st&iss=https%3A%2F%2Fid.example"
    );
    let err =
        AuthorizationRequest::validate(&request(&[("prompt", "bogus")]), &policy()).unwrap_err();
    let resp = err.to_response("https://id.example").unwrap();
    assert!(resp
        .to_redirect_url()
        .starts_with("https://app.example.com/cb?error=invalid_request&error_description="));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    const NAMES: [&str; 14] = [
        "client_id",
        "redirect_uri",
        "response_type",
        "response_mode",
        "scope",
        "state",
        "nonce",
        "prompt",
        "max_age",
        "claims",
        "code_challenge",
        "code_challenge_method",
        "display",
        "request",
    ];

    fn pair() -> impl Strategy<Value = (String, String)> {
        (
            prop_oneof![
                proptest::sample::select(NAMES.to_vec()).prop_map(str::to_owned),
                ".{0,12}"
            ],
            prop_oneof![
                Just(CB.to_owned()),
                Just("code".to_owned()),
                Just("openid".to_owned()),
                ".{0,40}"
            ],
        )
    }

    proptest! {
        /// Arbitrary requests never panic, and an unregistered or missing
        /// redirect URI is never redirected to.
        #[test]
        fn never_panics_never_redirects_elsewhere(list in proptest::collection::vec(pair(), 0..20)) {
            match AuthorizationRequest::validate(&list, &policy()) {
                Ok(r) => prop_assert_eq!(r.redirect_uri, CB),
                Err(AuthorizeError::Redirect { redirect_uri, .. }) => prop_assert_eq!(redirect_uri, CB),
                Err(AuthorizeError::Fatal { .. }) => {}
            }
        }
    }
}
