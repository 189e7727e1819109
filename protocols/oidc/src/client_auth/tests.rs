#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn basic(raw: &str) -> String {
    format!("Basic {}", STANDARD.encode(raw))
}

fn code(authorization: Option<&str>, list: &[(&str, &str)]) -> OAuthErrorCode {
    ClientAuthentication::extract(authorization, &pairs(list))
        .unwrap_err()
        .code()
}

#[test]
fn basic_credentials() {
    let got = ClientAuthentication::extract(Some(&basic("s6BhdRkqt3:gX1fBat3bV")), &[]).unwrap();
    assert_eq!(
        got,
        ClientAuthentication::Basic {
            client_id: "s6BhdRkqt3".into(),
            secret: "gX1fBat3bV".into()
        }
    );
    assert_eq!(got.method(), ClientAuthMethod::ClientSecretBasic);
    assert_eq!(got.client_id(), Some("s6BhdRkqt3"));
    assert!(got.used_authorization_header());
}

#[test]
fn basic_parts_are_form_urldecoded() {
    // id "a:b c", secret "p%ss+wörd:x"
    let header = basic("a%3Ab+c:p%25ss%2Bw%C3%B6rd%3Ax");
    let got = ClientAuthentication::extract(Some(&header), &[]).unwrap();
    assert_eq!(
        got,
        ClientAuthentication::Basic {
            client_id: "a:b c".into(),
            secret: "p%ss+wörd:x".into()
        }
    );
    // Only the first colon splits: a raw colon in the secret survives.
    let got = ClientAuthentication::extract(Some(&basic("id:se:cret")), &[]).unwrap();
    assert_eq!(
        got,
        ClientAuthentication::Basic {
            client_id: "id".into(),
            secret: "se:cret".into()
        }
    );
}

#[test]
fn basic_scheme_is_case_insensitive_and_padding_optional() {
    let header = format!("bAsIc {}", STANDARD_NO_PAD.encode("id:secret1"));
    assert!(ClientAuthentication::extract(Some(&header), &[]).is_ok());
}

#[test]
fn malformed_basic_is_invalid_client() {
    for header in [
        "Basic".to_owned(),
        "Basic ".to_owned(),
        "Basic !!!notbase64".to_owned(),
        basic("no-colon"),
        basic(":secret"),
        basic("id:"),
        basic("id%zz:secret"),
        basic("id:sec%2"),
        basic("id:%FF%FE"),
        format!("Basic {}", STANDARD.encode([0xff, 0xfe, b':', b'x'])),
        "Bearer abc.def.ghi".to_owned(),
        "Digest username=x".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            code(Some(&header), &[]),
            OAuthErrorCode::InvalidClient,
            "{header:?}"
        );
    }
}

#[test]
fn post_credentials() {
    let got = ClientAuthentication::extract(
        None,
        &pairs(&[
            ("grant_type", "x"),
            ("client_id", "app"),
            ("client_secret", "s3cr3t"),
        ]),
    )
    .unwrap();
    assert_eq!(
        got,
        ClientAuthentication::Post {
            client_id: "app".into(),
            secret: "s3cr3t".into()
        }
    );
    assert_eq!(got.method(), ClientAuthMethod::ClientSecretPost);
    assert!(!got.used_authorization_header());
}

#[test]
fn private_key_jwt() {
    let got = ClientAuthentication::extract(
        None,
        &pairs(&[
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", "eyJ.a.b"),
        ]),
    )
    .unwrap();
    assert_eq!(
        got,
        ClientAuthentication::PrivateKeyJwt {
            client_id: None,
            assertion: "eyJ.a.b".into()
        }
    );
    assert_eq!(got.client_id(), None);
    let got = ClientAuthentication::extract(
        None,
        &pairs(&[
            ("client_id", "app"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", "eyJ.a.b"),
        ]),
    )
    .unwrap();
    assert_eq!(got.client_id(), Some("app"));
    assert_eq!(got.method(), ClientAuthMethod::PrivateKeyJwt);
}

#[test]
fn assertion_refusals() {
    assert_eq!(
        code(
            None,
            &[
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
                ),
                ("client_assertion", "x")
            ]
        ),
        OAuthErrorCode::InvalidClient
    );
    assert_eq!(
        code(None, &[("client_assertion", "eyJ.a.b")]),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(
            None,
            &[("client_assertion_type", JWT_BEARER_ASSERTION_TYPE)]
        ),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn public_client() {
    let got = ClientAuthentication::extract(None, &pairs(&[("client_id", "spa")])).unwrap();
    assert_eq!(
        got,
        ClientAuthentication::None {
            client_id: "spa".into()
        }
    );
    assert_eq!(got.method(), ClientAuthMethod::None);
}

#[test]
fn no_identification_is_invalid_client() {
    assert_eq!(code(None, &[]), OAuthErrorCode::InvalidClient);
    assert_eq!(
        code(None, &[("client_id", "")]),
        OAuthErrorCode::InvalidClient
    );
    assert_eq!(
        code(None, &[("client_secret", "s")]),
        OAuthErrorCode::InvalidClient
    );
}

#[test]
fn several_methods_are_invalid_request() {
    let header = basic("app:secret");
    assert_eq!(
        code(Some(&header), &[("client_secret", "secret")]),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(
            Some(&header),
            &[
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                ("client_assertion", "x")
            ]
        ),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(
            None,
            &[
                ("client_id", "app"),
                ("client_secret", "s"),
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                ("client_assertion", "x")
            ]
        ),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn basic_with_body_client_id() {
    let header = basic("app:secret");
    assert!(ClientAuthentication::extract(Some(&header), &pairs(&[("client_id", "app")])).is_ok());
    assert_eq!(
        code(Some(&header), &[("client_id", "other")]),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn repeated_parameters_are_invalid_request() {
    assert_eq!(
        code(None, &[("client_id", "a"), ("client_id", "b")]),
        OAuthErrorCode::InvalidRequest
    );
    assert_eq!(
        code(
            None,
            &[
                ("client_id", "a"),
                ("client_secret", "x"),
                ("client_secret", "y")
            ]
        ),
        OAuthErrorCode::InvalidRequest
    );
}

#[test]
fn debug_hides_secrets() {
    let got = ClientAuthentication::extract(Some(&basic("app:hunter2hunter2")), &[]).unwrap();
    let text = format!("{got:?}");
    assert!(text.contains("app") && !text.contains("hunter2"), "{text}");
    let got = ClientAuthentication::extract(
        None,
        &pairs(&[
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", "eyJsecret"),
        ]),
    )
    .unwrap();
    assert!(!format!("{got:?}").contains("eyJsecret"));
}

#[test]
fn www_authenticate_value() {
    assert_eq!(
        www_authenticate_basic("acme"),
        "Basic realm=\"acme\", charset=\"UTF-8\""
    );
    assert_eq!(
        www_authenticate_basic("a\"b\\c\r\nX: y"),
        "Basic realm=\"a\\\"b\\\\cX: y\", charset=\"UTF-8\""
    );
}

#[test]
fn method_names() {
    for m in ClientAuthMethod::ALL {
        assert_eq!(ClientAuthMethod::from_name(m.as_str()), Some(m));
    }
    assert_eq!(ClientAuthMethod::from_name("client_secret_jwt"), None);
}

#[test]
fn form_decoding() {
    assert_eq!(form_decode("a+b%20c%2B").as_deref(), Some("a b c+"));
    assert_eq!(form_decode("%"), None);
    assert_eq!(form_decode("%4"), None);
    assert_eq!(form_decode("%g0"), None);
    assert_eq!(form_decode("%C3"), None);
    assert_eq!(form_decode("%c3%a9").as_deref(), Some("é"));
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn encode(text: &str) -> String {
        form_urlencoded::byte_serialize(text.as_bytes()).collect()
    }

    proptest! {
        /// Any identifier and secret, encoded as RFC 6749 §2.3.1 says,
        /// come back unchanged.
        #[test]
        fn basic_round_trip(id in ".{1,30}", secret in ".{1,30}") {
            let header = basic(&format!("{}:{}", encode(&id), encode(&secret)));
            let got = ClientAuthentication::extract(Some(&header), &[]).unwrap();
            prop_assert_eq!(got, ClientAuthentication::Basic { client_id: id, secret });
        }

        /// Arbitrary headers never panic.
        #[test]
        fn arbitrary_headers(header in ".{0,60}") {
            let _ = ClientAuthentication::extract(Some(&header), &[]);
        }
    }
}
