//! JWK and JWK set wire forms (RFC 7517 §4–§5), thumbprint edge cases
//! (RFC 7638), and the `typ` comparison of RFC 7515 §4.1.9.

use serde_json::json;

use super::fixtures::{all_keys, es256};
use crate::jose::{Algorithm, Header, JoseError, Jwk, JwkSet};

#[test]
fn a_jwk_set_serializes_without_absent_members() {
    let json = serde_json::to_value(all_keys()).unwrap();
    let keys = json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    let ec = keys[0].as_object().unwrap();
    let mut names: Vec<&str> = ec.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    let back: JwkSet = serde_json::from_value(json).unwrap();
    assert_eq!(back, all_keys());
}

#[test]
fn a_foreign_jwk_set_parses_and_unknown_members_are_ignored() {
    let set: JwkSet = serde_json::from_value(json!({"keys": [
        {"kty": "RSA", "kid": "a", "use": "sig", "alg": "PS256", "n": "AQAB", "e": "AQAB",
         "x5c": ["MIIC..."], "x5t#S256": "abc", "key_ops": ["verify"]},
        {"kty": "oct", "k": "c2VjcmV0"},
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "d": "private, ignored"},
    ], "extra": true}))
    .unwrap();
    assert_eq!(set.keys.len(), 3);
    assert_eq!(set.keys[0].alg.as_deref(), Some("PS256"));
    assert_eq!(set.keys[0].key_use.as_deref(), Some("sig"));
    assert_eq!(set.keys[1].kty.as_deref(), Some("oct"));
    let reserialized = serde_json::to_value(&set.keys[2]).unwrap();
    assert!(reserialized.get("d").is_none());
}

#[test]
fn thumbprints_need_the_required_members_of_a_known_type() {
    let ec = es256().public_jwk();
    let no_y = Jwk {
        y: None,
        ..ec.clone()
    };
    assert_eq!(no_y.thumbprint(), Err(JoseError::InvalidKey("y")));
    let oct = Jwk {
        kty: Some("oct".into()),
        ..Jwk::default()
    };
    assert_eq!(oct.thumbprint(), Err(JoseError::InvalidKey("kty")));
    // kid, alg and use do not change a thumbprint.
    let bare = Jwk {
        kid: None,
        alg: None,
        key_use: None,
        ..ec.clone()
    };
    assert_eq!(bare.thumbprint(), ec.thumbprint());
    assert_eq!(ec.thumbprint().unwrap().len(), 43);
}

#[test]
fn typ_compares_without_case_and_application_prefix() {
    let header = |typ: &str| Header {
        alg: Algorithm::Es256,
        kid: None,
        typ: Some(typ.into()),
    };
    assert!(header("at+jwt").typ_is("at+jwt"));
    assert!(header("application/at+jwt").typ_is("at+jwt"));
    assert!(header("AT+JWT").typ_is("application/at+JWT"));
    assert!(!header("JWT").typ_is("at+jwt"));
    assert!(!header("application/x/at+jwt").typ_is("at+jwt"));
    let none = Header {
        typ: None,
        ..header("JWT")
    };
    assert!(!none.typ_is("JWT"));
}
