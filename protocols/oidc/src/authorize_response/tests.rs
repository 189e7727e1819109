#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::error::OAuthErrorCode;

const ISS: &str = "https://id.example.com/t/acme";

fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

#[test]
fn success_in_query_mode() {
    let r = AuthorizationResponse::success(
        "https://app.example/cb",
        ResponseMode::Query,
        "SplxlOBeZQQYbYS6WxSbIA",
        Some("af0ifjsldkj"),
        ISS,
    );
    assert_eq!(
        r.deliver("nonce"),
        Delivery::Redirect(
            "https://app.example/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&iss=https%3A%2F%2Fid.example.com%2Ft%2Facme".into()
        )
    );
}

#[test]
fn existing_query_is_kept() {
    let r = AuthorizationResponse::success(
        "https://app.example/cb?a=1&b=x%20y",
        ResponseMode::Query,
        "c",
        None,
        ISS,
    );
    let url = r.to_redirect_url();
    assert!(
        url.starts_with("https://app.example/cb?a=1&b=x%20y&code=c&iss="),
        "{url}"
    );
    let r = AuthorizationResponse::success(
        "https://app.example/cb?",
        ResponseMode::Query,
        "c",
        None,
        ISS,
    );
    assert!(r
        .to_redirect_url()
        .starts_with("https://app.example/cb?code=c&"));
    let r = AuthorizationResponse::success(
        "https://app.example/cb?a=1&",
        ResponseMode::Query,
        "c",
        None,
        ISS,
    );
    assert!(r
        .to_redirect_url()
        .starts_with("https://app.example/cb?a=1&code=c&"));
}

#[test]
fn fragment_is_never_used_or_kept() {
    let r = AuthorizationResponse::success(
        "https://app.example/cb#frag",
        ResponseMode::Query,
        "c",
        None,
        ISS,
    );
    let url = r.to_redirect_url();
    assert!(!url.contains('#'), "{url}");
    assert!(url.starts_with("https://app.example/cb?code=c"));
}

#[test]
fn values_round_trip_through_the_query() {
    let state = "a b&c=d?e#f/g+h%20i\"<>'é✓";
    let r = AuthorizationResponse::success(
        "com.example.app:/cb",
        ResponseMode::Query,
        "x+y/z=",
        Some(state),
        ISS,
    );
    let url = r.to_redirect_url();
    assert!(url.starts_with("com.example.app:/cb?code="));
    assert!(!url.contains(' ') && !url.contains('#') && !url.contains('"'));
    assert_eq!(
        query_pairs(&url),
        vec![
            ("code".to_owned(), "x+y/z=".to_owned()),
            ("state".to_owned(), state.to_owned()),
            ("iss".to_owned(), ISS.to_owned()),
        ]
    );
}

#[test]
fn error_in_query_mode() {
    let error = OAuthError::new(OAuthErrorCode::InvalidScope)
        .with_description("scope admin is not allowed");
    let r = AuthorizationResponse::error(
        "https://app.example/cb",
        ResponseMode::Query,
        &error,
        Some("xyz"),
        ISS,
    );
    assert_eq!(
        query_pairs(&r.to_redirect_url()),
        vec![
            ("error".to_owned(), "invalid_scope".to_owned()),
            (
                "error_description".to_owned(),
                "scope admin is not allowed".to_owned()
            ),
            ("state".to_owned(), "xyz".to_owned()),
            ("iss".to_owned(), ISS.to_owned()),
        ]
    );
}

#[test]
fn error_without_description_or_state() {
    let error = OAuthError::new(OAuthErrorCode::LoginRequired);
    let r = AuthorizationResponse::error(
        "https://app.example/cb",
        ResponseMode::Query,
        &error,
        None,
        ISS,
    );
    let names: Vec<&str> = r.params().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["error", "iss"]);
}

#[test]
fn error_uri_is_carried() {
    let error = OAuthError::new(OAuthErrorCode::AccessDenied)
        .with_uri("https://id.example/help")
        .unwrap();
    let r = AuthorizationResponse::error(
        "https://app.example/cb",
        ResponseMode::Query,
        &error,
        None,
        ISS,
    );
    let names: Vec<&str> = r.params().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["error", "error_uri", "iss"]);
}

#[test]
fn form_post_page() {
    let r = AuthorizationResponse::success(
        "https://app.example/cb?x=1&y=2",
        ResponseMode::FormPost,
        "c0de",
        Some("st\"><script>alert(1)</script>"),
        ISS,
    );
    let Delivery::FormPost(html) = r.deliver("r4nd0m") else {
        panic!("expected a form_post page");
    };
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<form method=\"post\" action=\"https://app.example/cb?x=1&amp;y=2\">"));
    assert!(html.contains("<input type=\"hidden\" name=\"code\" value=\"c0de\">"));
    assert!(html.contains(
        "<input type=\"hidden\" name=\"state\" value=\"st&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">"
    ));
    assert!(html.contains(&format!("name=\"iss\" value=\"{ISS}\"")));
    assert!(html.contains("<script nonce=\"r4nd0m\">document.forms[0].submit();</script>"));
    assert!(html.contains("<button type=\"submit\">"));
    // Exactly one script: ours.
    assert_eq!(html.matches("<script").count(), 1);
    // The action is the bare redirect URI: no parameters in the URL.
    assert!(!html.contains("code=c0de"));
}

#[test]
fn form_post_escapes_the_nonce_too() {
    let r = AuthorizationResponse::success(
        "https://app.example/cb",
        ResponseMode::FormPost,
        "c",
        None,
        ISS,
    );
    let html = r.to_form_post_html("\"><img src=x onerror=alert(1)>");
    assert!(!html.contains("<img"));
}

#[test]
fn form_post_error() {
    let error = OAuthError::new(OAuthErrorCode::ConsentRequired).with_description("ask the user");
    let r = AuthorizationResponse::error(
        "https://app.example/cb",
        ResponseMode::FormPost,
        &error,
        Some("s"),
        ISS,
    );
    let html = r.to_form_post_html("n");
    for (name, value) in [
        ("error", "consent_required"),
        ("error_description", "ask the user"),
        ("state", "s"),
    ] {
        assert!(
            html.contains(&format!("name=\"{name}\" value=\"{value}\"")),
            "{name}"
        );
    }
}

#[test]
fn escape_html_covers_the_five() {
    assert_eq!(escape_html("&<>\"'x"), "&amp;&lt;&gt;&quot;&#x27;x");
}

#[test]
fn response_mode_names() {
    assert_eq!(ResponseMode::from_name("query"), Some(ResponseMode::Query));
    assert_eq!(
        ResponseMode::from_name("form_post"),
        Some(ResponseMode::FormPost)
    );
    assert_eq!(ResponseMode::from_name("fragment"), None);
    assert_eq!(ResponseMode::default(), ResponseMode::Query);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any code and state survive the trip through the query, after the
        /// redirect URI's own query.
        #[test]
        fn query_round_trip(code in ".{1,40}", state in proptest::option::of(".{1,40}")) {
            let r = AuthorizationResponse::success(
                "https://app.example/cb?keep=1",
                ResponseMode::Query,
                &code,
                state.as_deref(),
                ISS,
            );
            let url = r.to_redirect_url();
            prop_assert!(!url.contains('#'));
            let mut expected = vec![("keep".to_owned(), "1".to_owned()), ("code".to_owned(), code)];
            if let Some(s) = state {
                expected.push(("state".to_owned(), s));
            }
            expected.push(("iss".to_owned(), ISS.to_owned()));
            prop_assert_eq!(query_pairs(&url), expected);
        }

        /// Escaped values never open a tag or close an attribute.
        #[test]
        fn escaped_values_stay_inert(value in ".{0,40}") {
            let escaped = escape_html(&value);
            prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
        }
    }
}
