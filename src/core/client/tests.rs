//! Tests of the client model's validation rules.

use super::*;

fn web(name: &str) -> ClientFields {
    ClientFields {
        name: name.into(),
        redirect_uris: vec!["https://app.example.com/cb".into()],
        ..ClientFields::default()
    }
}

#[test]
fn defaults_are_filled_in() {
    let s = web("App").validate().unwrap();
    assert_eq!(
        s.grant_types,
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(s.scopes, DEFAULT_SCOPES);
    assert_eq!(
        s.token_endpoint_auth_method,
        TokenEndpointAuthMethod::ClientSecretBasic
    );
    assert_eq!(s.id_token_signed_response_alg, SigningAlg::RS256);
    assert_eq!(s.subject_type, SubjectType::Public);
    let public = ClientFields {
        public: true,
        ..web("SPA")
    };
    assert_eq!(
        public.validate().unwrap().token_endpoint_auth_method,
        TokenEndpointAuthMethod::None
    );
}

#[test]
fn redirect_uris_follow_rfc_6749_and_8252() {
    for good in [
        "https://app.example.com/cb?x=1",
        "http://127.0.0.1:8080/cb",
        "http://[::1]/cb",
        "com.example.app:/oauth2redirect",
    ] {
        assert!(
            parse_redirect_uris(&[good], "redirect_uris").is_ok(),
            "{good} refused"
        );
    }
    for bad in [
        "/relative",
        "app.example.com/cb",
        "https://app.example.com/cb#frag",
        "https://user:pw@app.example.com/cb",
        "https://user@app.example.com/cb",
        "myapp:/cb",
        "javascript:alert(1)",
        "data:text/html,x",
        "https://app.example.com/c b",
        "https://app.example.com/cb\n",
        "",
    ] {
        let err = parse_redirect_uris(&[bad], "redirect_uris").unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::Invalid {
                    field: "redirect_uris",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(
        parse_redirect_uris(&["https://a.example/cb", "https://a.example/cb"], "x").unwrap(),
        ["https://a.example/cb"]
    );
}

#[test]
fn scope_tokens_follow_rfc_6749() {
    assert_eq!(
        parse_scopes(&["openid profile", "email", "openid"]).unwrap(),
        ["openid", "profile", "email"]
    );
    assert!(parse_scopes(&["api:read"]).is_ok());
    for bad in ["a\"b", "a\\b", "é", "tab\there"] {
        assert!(parse_scopes(&[bad]).is_err(), "{bad:?} accepted");
    }
    assert!(parse_scopes::<&str>(&[]).is_err());
    assert!(parse_scopes(&[" "]).is_err());
}

fn field_of(fields: ClientFields) -> &'static str {
    match fields.validate() {
        Err(CoreError::Invalid { field, .. }) => field,
        Ok(s) => panic!("accepted: {s:?}"),
    }
}

#[test]
fn rules_between_fields_are_enforced() {
    let public_cc = ClientFields {
        public: true,
        grant_types: Some(vec!["client_credentials".into()]),
        ..web("x")
    };
    assert_eq!(field_of(public_cc), "grant_types");
    let no_redirect = ClientFields {
        redirect_uris: vec![],
        ..web("x")
    };
    assert_eq!(field_of(no_redirect), "redirect_uris");
    let machine = ClientFields {
        redirect_uris: vec![],
        grant_types: Some(vec!["client_credentials".into()]),
        ..web("x")
    };
    assert!(machine.validate().is_ok());
    let refresh_alone = ClientFields {
        grant_types: Some(vec!["refresh_token".into(), "client_credentials".into()]),
        ..web("x")
    };
    assert_eq!(field_of(refresh_alone), "grant_types");
    let public_with_secret = ClientFields {
        public: true,
        token_endpoint_auth_method: Some("client_secret_post".into()),
        ..web("x")
    };
    assert_eq!(field_of(public_with_secret), "token_endpoint_auth_method");
    let confidential_none = ClientFields {
        token_endpoint_auth_method: Some("none".into()),
        ..web("x")
    };
    assert_eq!(field_of(confidential_none), "token_endpoint_auth_method");
    let jwt_without_keys = ClientFields {
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        ..web("x")
    };
    assert_eq!(field_of(jwt_without_keys), "jwks_uri");
    let jwt = ClientFields {
        token_endpoint_auth_method: Some("private_key_jwt".into()),
        jwks: Some(serde_json::json!({ "keys": [{ "kty": "EC" }] })),
        ..web("x")
    };
    assert!(jwt.validate().is_ok());
    let both = ClientFields {
        jwks_uri: Some("https://app.example.com/jwks".into()),
        jwks: Some(serde_json::json!({ "keys": [{ "kty": "EC" }] })),
        ..web("x")
    };
    assert_eq!(field_of(both), "jwks");
    let bad_jwks = ClientFields {
        jwks: Some(serde_json::json!({ "keys": [] })),
        ..web("x")
    };
    assert_eq!(field_of(bad_jwks), "jwks");
    assert_eq!(field_of(web("")), "name");
    assert_eq!(field_of(web(&"n".repeat(201))), "name");
    let bad_alg = ClientFields {
        id_token_signed_response_alg: Some("none".into()),
        ..web("x")
    };
    assert_eq!(field_of(bad_alg), "id_token_signed_response_alg");
    let bad_subject = ClientFields {
        subject_type: Some("secret".into()),
        ..web("x")
    };
    assert_eq!(field_of(bad_subject), "subject_type");
    let bad_logout = ClientFields {
        backchannel_logout_uri: Some("com.example.app:/logout".into()),
        ..web("x")
    };
    assert_eq!(field_of(bad_logout), "backchannel_logout_uri");
}

#[test]
fn fields_of_a_client_give_it_back() {
    let now = OffsetDateTime::UNIX_EPOCH;
    let settings = ClientFields {
        grant_types: Some(vec![
            "client_credentials".into(),
            "authorization_code".into(),
        ]),
        token_endpoint_auth_method: Some("client_secret_post".into()),
        subject_type: Some("pairwise".into()),
        ..web("App")
    }
    .validate()
    .unwrap();
    let client = Client::new(
        ClientId::new(now),
        TenantId::new(now),
        settings.clone(),
        now,
    );
    assert_eq!(ClientFields::from(&client).validate().unwrap(), settings);
}

#[test]
fn a_secret_does_not_print_itself() {
    let s = ClientSecret::new("usso_cs_topsecret".into());
    assert!(!format!("{s:?}").contains("topsecret"));
    assert_eq!(s.expose(), "usso_cs_topsecret");
}
