#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn builds_a_map_in_request_order() {
    let p = Params::parse(&pairs(&[("b", "2"), ("a", "1")])).unwrap();
    assert_eq!(p.get("a"), Some("1"));
    assert_eq!(p.get("b"), Some("2"));
    assert_eq!(p.get("c"), None);
    assert_eq!(p.iter().collect::<Vec<_>>(), [("b", "2"), ("a", "1")]);
}

#[test]
fn empty_values_are_absent() {
    let p = Params::parse(&pairs(&[("state", ""), ("scope", "openid")])).unwrap();
    assert!(!p.contains("state"));
    assert_eq!(p.get("state"), None);
    // An empty value does not count as an occurrence.
    let p = Params::parse(&pairs(&[("state", ""), ("state", "x")])).unwrap();
    assert_eq!(p.get("state"), Some("x"));
}

#[test]
fn repeated_parameter_is_invalid_request_naming_it() {
    let err = Params::parse(&pairs(&[("state", "a"), ("state", "b")])).unwrap_err();
    assert_eq!(
        err,
        ParamsError::Repeated {
            name: "state".into()
        }
    );
    let oauth = OAuthError::from(err);
    assert_eq!(oauth.code(), OAuthErrorCode::InvalidRequest);
    assert!(oauth.description().unwrap().contains("state"));
    // Even with the same value twice.
    assert!(Params::parse(&pairs(&[("x", "1"), ("x", "1")])).is_err());
}

#[test]
fn resource_may_repeat() {
    let p = Params::parse(&pairs(&[
        ("resource", "https://a.example"),
        ("resource", "https://b.example"),
    ]))
    .unwrap();
    assert_eq!(
        p.get_all("resource").collect::<Vec<_>>(),
        ["https://a.example", "https://b.example"]
    );
}

#[test]
fn value_limits() {
    let ok = "a".repeat(MAX_VALUE_LEN);
    assert!(Params::parse(&pairs(&[("state", &ok)])).is_ok());
    let long = "a".repeat(MAX_VALUE_LEN + 1);
    let err = Params::parse(&pairs(&[("claims", &long)])).unwrap_err();
    assert_eq!(
        err,
        ParamsError::ValueTooLong {
            name: "claims".into(),
            max: MAX_VALUE_LEN
        }
    );
    assert!(OAuthError::from(err)
        .description()
        .unwrap()
        .contains("claims"));
    // JWT-carrying parameters get more room.
    assert!(Params::parse(&pairs(&[("id_token_hint", &long)])).is_ok());
    let huge = "a".repeat(MAX_JWT_VALUE_LEN + 1);
    assert!(Params::parse(&pairs(&[("client_assertion", &huge)])).is_err());
}

#[test]
fn whole_request_limit() {
    let v = "a".repeat(MAX_VALUE_LEN);
    let list: Vec<(String, String)> = (0..5).map(|i| (format!("p{i}"), v.clone())).collect();
    assert_eq!(
        Params::parse(&list).unwrap_err(),
        ParamsError::RequestTooLarge {
            max: MAX_REQUEST_LEN
        }
    );
}

#[test]
fn pair_count_limit() {
    let list: Vec<(String, String)> = (0..=MAX_PAIRS)
        .map(|i| (format!("p{i}"), "v".to_owned()))
        .collect();
    assert_eq!(
        Params::parse(&list).unwrap_err(),
        ParamsError::TooManyPairs { max: MAX_PAIRS }
    );
}

#[test]
fn long_names_are_shortened_in_errors() {
    let name = "n".repeat(5000);
    let err = Params::parse(&pairs(&[(&name, "1"), (&name, "2")])).unwrap_err();
    let text = OAuthError::from(err).description().unwrap().to_owned();
    assert!(text.len() < 200, "{text}");
}

#[test]
fn hostile_names_are_sanitised_in_descriptions() {
    let err = Params::parse(&pairs(&[("a\"\\\u{7}é", "1"), ("a\"\\\u{7}é", "2")])).unwrap_err();
    let oauth = OAuthError::from(err);
    let d = oauth.description().unwrap();
    assert!(!d.contains('"') && !d.contains('\\') && !d.contains('é'));
}

#[test]
fn single_value_reads_one_parameter() {
    let list = pairs(&[("client_id", "c"), ("state", "1"), ("state", "2")]);
    assert_eq!(single_value(&list, "client_id").unwrap(), Some("c"));
    assert_eq!(single_value(&list, "nope").unwrap(), None);
    assert!(single_value(&list, "state").is_err());
    let list = pairs(&[("client_id", ""), ("client_id", "c")]);
    assert_eq!(single_value(&list, "client_id").unwrap(), Some("c"));
    let long = "a".repeat(MAX_VALUE_LEN + 1);
    assert!(single_value(&pairs(&[("state", &long)]), "state").is_err());
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever comes in, what is kept is non-empty, single and in bounds.
        #[test]
        fn invariants(list in proptest::collection::vec(("[a-c]{0,2}", ".{0,8}"), 0..12)) {
            if let Ok(p) = Params::parse(&list) {
                let mut seen = std::collections::HashSet::new();
                for (n, v) in p.iter() {
                    prop_assert!(!n.is_empty() && !v.is_empty());
                    prop_assert!(seen.insert(n.to_owned()));
                }
            }
        }
    }
}
