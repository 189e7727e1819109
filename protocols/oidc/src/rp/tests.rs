//! Tests of the relying-party checks: every refusal of OIDC Core §3.1.3.7
//! with a token a hostile or broken provider could send.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;
use crate::jose::{Algorithm, JwkSet, SigningKey};

const ISSUER: &str = "https://idp.example.com";
const CLIENT: &str = "usso-client";
const NOW: i64 = 1_800_000_000;

fn key(kid: &str) -> SigningKey {
    SigningKey::generate(Algorithm::Es256, kid.to_owned()).unwrap()
}

fn jwks(keys: &[&SigningKey]) -> Jwks {
    let set = JwkSet {
        keys: keys.iter().map(|k| k.public_jwk()).collect(),
    };
    Jwks::parse(&serde_json::to_vec(&set).unwrap()).unwrap()
}

fn claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "user-1", "aud": CLIENT, "exp": NOW + 300, "iat": NOW - 5,
        "nonce": "n-0S6", "email": "jo@example.com", "email_verified": true,
        "groups": ["eng", "ops"],
    })
}

fn with(mut v: Value, k: &str, new: Value) -> Value {
    v[k] = new;
    v
}

fn verify(raw: &str, keys: &Jwks) -> Result<VerifiedIdToken, IdTokenError> {
    verify_with(raw, keys, ISSUER)
}

fn verify_with(raw: &str, keys: &Jwks, issuer: &str) -> Result<VerifiedIdToken, IdTokenError> {
    let rule = IssuerRule::new(issuer);
    verify_id_token(
        raw,
        keys,
        &IdTokenExpectations {
            issuer: &rule,
            client_id: CLIENT,
            nonce: "n-0S6",
            now: NOW,
        },
    )
}

#[test]
fn a_good_token_gives_its_subject_and_every_claim() {
    let k = key("k1");
    let t = k.sign(Some("JWT"), &claims()).unwrap();
    let v = verify(&t, &jwks(&[&k])).unwrap();
    assert_eq!(v.subject, "user-1");
    assert_eq!(v.claims["groups"], json!(["eng", "ops"]));
    assert_eq!(v.claims["email_verified"], json!(true));
}

#[test]
fn each_broken_claim_has_its_own_refusal() {
    let k = key("k1");
    let keys = jwks(&[&k]);
    let sign = |c: Value| k.sign(Some("JWT"), &c).unwrap();
    type Expected = fn(&IdTokenError) -> bool;
    let cases: Vec<(Value, Expected)> = vec![
        (
            with(claims(), "iss", json!("https://evil.example.com")),
            |e| matches!(e, IdTokenError::WrongIssuer(_)),
        ),
        (with(claims(), "aud", json!("another-client")), |e| {
            matches!(e, IdTokenError::WrongAudience(_))
        }),
        (with(claims(), "aud", json!([CLIENT, "untrusted"])), |e| {
            matches!(e, IdTokenError::WrongAudience(_))
        }),
        (with(claims(), "nonce", json!("replayed-nonce")), |e| {
            matches!(e, IdTokenError::WrongNonce)
        }),
        (with(claims(), "exp", json!(NOW - 1)), |e| {
            matches!(e, IdTokenError::Expired(_))
        }),
        (with(claims(), "iat", json!(NOW + 3600)), |e| {
            matches!(e, IdTokenError::IssuedInFuture(_))
        }),
    ];
    for (c, expected) in cases {
        let err = verify(&sign(c.clone()), &keys).unwrap_err();
        assert!(expected(&err), "{c} gave {err:?}");
    }
    let mut no_nonce = claims();
    no_nonce.as_object_mut().unwrap().remove("nonce");
    assert_eq!(
        verify(&sign(no_nonce), &keys).unwrap_err(),
        IdTokenError::WrongNonce
    );
}

#[test]
fn a_signature_by_another_key_with_the_same_kid_is_refused() {
    let genuine = key("k1");
    let forger = key("k1");
    let t = forger.sign(Some("JWT"), &claims()).unwrap();
    assert!(matches!(
        verify(&t, &jwks(&[&genuine])).unwrap_err(),
        IdTokenError::BadSignature(_)
    ));
}

#[test]
fn a_flipped_payload_bit_is_refused() {
    let k = key("k1");
    let t = k.sign(Some("JWT"), &claims()).unwrap();
    let parts: Vec<&str> = t.split('.').collect();
    let evil =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&with(claims(), "sub", json!("admin"))).unwrap());
    let forged = format!("{}.{}.{}", parts[0], evil, parts[2]);
    assert!(matches!(
        verify(&forged, &jwks(&[&k])).unwrap_err(),
        IdTokenError::BadSignature(_)
    ));
}

#[test]
fn an_unknown_kid_asks_for_a_jwks_refresh() {
    let old = key("old");
    let new = key("new");
    let t = new.sign(Some("JWT"), &claims()).unwrap();
    assert_eq!(
        verify(&t, &jwks(&[&old])).unwrap_err(),
        IdTokenError::UnknownKey
    );
    assert!(verify(&t, &jwks(&[&old, &new])).is_ok());
}

#[test]
fn unsigned_and_hmac_tokens_are_refused() {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    let none = format!("{header}.{body}.");
    assert!(verify(&none, &jwks(&[&key("k1")])).is_err());

    use hmac::{Hmac, Mac};
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","kid":"k1"}"#);
    let input = format!("{header}.{body}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"client-secret").unwrap();
    mac.update(input.as_bytes());
    let hs = format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    assert!(matches!(
        verify(&hs, &jwks(&[&key("k1")])).unwrap_err(),
        IdTokenError::DisallowedAlgorithm(_) | IdTokenError::UnknownKey
    ));
}

#[test]
fn a_multi_tenant_issuer_is_filled_with_the_token_tid() {
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    let k = key("k1");
    let keys = jwks(&[&k]);
    let good = json!({
        "iss": "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
        "tid": "9188040d-6c67-4c5b-b112-36a304b66dad",
        "sub": "s", "aud": CLIENT, "exp": NOW + 60, "iat": NOW, "nonce": "n-0S6",
    });
    assert!(verify_with(&k.sign(None, &good).unwrap(), &keys, template).is_ok());
    let other_tid = with(
        good.clone(),
        "tid",
        json!("00000000-0000-0000-0000-000000000000"),
    );
    assert!(matches!(
        verify_with(&k.sign(None, &other_tid).unwrap(), &keys, template).unwrap_err(),
        IdTokenError::WrongIssuer(_)
    ));
    let no_tid = {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove("tid");
        c
    };
    assert!(verify_with(&k.sign(None, &no_tid).unwrap(), &keys, template).is_err());
    let evil_iss = with(good, "iss", json!("https://evil.example.com/9188040d/v2.0"));
    assert!(verify_with(&k.sign(None, &evil_iss).unwrap(), &keys, template).is_err());
}

#[test]
fn metadata_must_name_the_issuer_asked_for() {
    let doc = |iss: &str| {
        serde_json::to_vec(&json!({
            "issuer": iss, "authorization_endpoint": format!("{iss}/auth"),
            "token_endpoint": format!("{iss}/token"), "jwks_uri": format!("{iss}/jwks"),
        }))
        .unwrap()
    };
    let rule = IssuerRule::new(ISSUER);
    assert_eq!(
        ProviderMetadata::parse(&doc(ISSUER), &rule)
            .unwrap()
            .jwks_uri,
        "https://idp.example.com/jwks"
    );
    assert!(matches!(
        ProviderMetadata::parse(&doc("https://evil.example.com"), &rule).unwrap_err(),
        RpError::IssuerMismatch { .. }
    ));
    assert!(ProviderMetadata::parse(b"{not json", &rule).is_err());
    let bad_scheme = serde_json::to_vec(&json!({
        "issuer": ISSUER, "authorization_endpoint": "javascript:alert(1)",
        "token_endpoint": "https://x/t", "jwks_uri": "https://x/j",
    }))
    .unwrap();
    assert!(ProviderMetadata::parse(&bad_scheme, &rule).is_err());
}

#[test]
fn the_request_carries_fresh_state_nonce_and_s256_challenge() {
    let scopes = vec!["openid".to_owned(), "email".to_owned()];
    let params = RequestParams {
        authorization_endpoint: "https://idp.example.com/auth?tenant=1",
        client_id: CLIENT,
        redirect_uri: "https://usso.example/t/acme/login/idp/corp/callback",
        scopes: &scopes,
        openid: true,
        extra: &[],
    };
    let a = authorization_request(&params).unwrap();
    let b = authorization_request(&params).unwrap();
    assert_ne!(a.state, b.state);
    assert_ne!(a.nonce, b.nonce);
    let url = Url::parse(&a.url).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["tenant"], "1");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["scope"], "openid email");
    assert_eq!(q["state"], a.state);
    assert_eq!(q["nonce"], a.nonce);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["code_challenge"],
        crate::pkce::s256_challenge(&a.pkce_verifier)
    );
    assert!(a.state.len() >= 43 && a.pkce_verifier.len() >= 43);
}

#[test]
fn token_errors_and_userinfo_subjects_are_checked() {
    assert_eq!(
        parse_token_response(br#"{"error":"invalid_grant","error_description":"used"}"#)
            .unwrap_err(),
        RpError::Provider {
            error: "invalid_grant".into(),
            description: Some("used".into())
        }
    );
    assert!(parse_token_response(br#"{"token_type":"Bearer"}"#).is_err());
    let ok =
        parse_token_response(br#"{"access_token":"at","token_type":"Bearer","id_token":"x.y.z"}"#)
            .unwrap();
    assert_eq!(ok.id_token.as_deref(), Some("x.y.z"));
    assert!(matches!(
        parse_userinfo(br#"{"sub":"someone-else"}"#, Some("user-1")).unwrap_err(),
        RpError::SubjectMismatch { .. }
    ));
    assert!(parse_userinfo(br#"{"sub":"user-1","email":"a@b"}"#, Some("user-1")).is_ok());
}

#[test]
fn a_signed_client_secret_is_an_es256_jwt_for_the_provider() {
    let key = key("ABC123DEFG");
    let der = key.to_pkcs8_der().unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&*der)
    );
    let jwt = signed_client_secret(&SignedSecret {
        pkcs8_pem: &pem,
        key_id: "ABC123DEFG",
        issuer: "TEAM123456",
        client_id: "com.example.web",
        audience: "https://appleid.apple.com",
        now: NOW,
    })
    .unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], "ABC123DEFG");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["iss"], "TEAM123456");
    assert_eq!(claims["sub"], "com.example.web");
    assert_eq!(claims["aud"], "https://appleid.apple.com");
    assert_eq!(claims["exp"], NOW + SIGNED_SECRET_LIFETIME_SECONDS);
    let set = JwkSet {
        keys: vec![key.public_jwk()],
    };
    assert!(
        crate::jose::verify(&jwt, &set, &[Algorithm::Es256]).is_ok(),
        "verifies with the key's public half"
    );
    let bad = SignedSecret {
        pkcs8_pem: "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----",
        key_id: "k",
        issuer: "t",
        client_id: "c",
        audience: "a",
        now: NOW,
    };
    assert!(signed_client_secret(&bad).is_err());
}
