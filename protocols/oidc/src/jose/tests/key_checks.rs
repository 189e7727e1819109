//! Key selection from the JWK set and the algorithm-confusion checks
//! (RFC 8725 §2.1, §3.1), each with its exact error.

use super::fixtures::{all_keys, claims, eddsa, es256, forge, key, rs256, set};
use crate::jose::{verify, Algorithm, JoseError, Jwk, JwkSet, SigningKey};

fn check(token: &str, keys: &JwkSet) -> Result<(), JoseError> {
    verify(token, keys, &Algorithm::ALL).map(|_| ())
}

fn renamed(jwk: Jwk, kid: &str) -> Jwk {
    Jwk {
        kid: Some(kid.into()),
        ..jwk
    }
}

#[test]
fn an_unknown_kid_is_refused() {
    let token = SigningKey::generate(Algorithm::Es256, "rotated-out".into())
        .unwrap()
        .sign(None, &claims())
        .unwrap();
    assert_eq!(
        check(&token, &all_keys()),
        Err(JoseError::UnknownKid("rotated-out".into()))
    );
    assert_eq!(
        check(&token, &JwkSet::default()),
        Err(JoseError::UnknownKid("rotated-out".into()))
    );
}

#[test]
fn without_kid_the_single_fitting_key_is_used() {
    let payload = claims().to_string();
    for alg in Algorithm::ALL {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let token = forge(key(alg), &header, payload.as_bytes());
        assert_eq!(check(&token, &all_keys()), Ok(()), "{alg}");
    }
}

#[test]
fn without_kid_no_fitting_key_is_refused() {
    let token = forge(es256(), r#"{"alg":"ES256"}"#, b"{}");
    assert_eq!(
        check(&token, &set(&[rs256(), eddsa()])),
        Err(JoseError::NoMatchingKey)
    );
    // A key for another algorithm or another use does not fit either.
    let mut jwk = es256().public_jwk();
    jwk.key_use = Some("enc".into());
    assert_eq!(
        check(&token, &JwkSet { keys: vec![jwk] }),
        Err(JoseError::NoMatchingKey)
    );
}

#[test]
fn without_kid_several_fitting_keys_are_refused() {
    let token = forge(es256(), r#"{"alg":"ES256"}"#, b"{}");
    let other = SigningKey::generate(Algorithm::Es256, "es-2".into()).unwrap();
    assert_eq!(
        check(&token, &set(&[es256(), &other])),
        Err(JoseError::AmbiguousKey)
    );
}

#[test]
fn a_kid_shared_by_keys_of_several_types_picks_the_fitting_one() {
    let keys = JwkSet {
        keys: vec![
            renamed(rs256().public_jwk(), "shared"),
            renamed(es256().public_jwk(), "shared"),
        ],
    };
    let token = forge(es256(), r#"{"alg":"ES256","kid":"shared"}"#, b"{}");
    assert_eq!(check(&token, &keys), Ok(()));
    let other = SigningKey::generate(Algorithm::Es256, "shared".into()).unwrap();
    let both_ec = JwkSet {
        keys: vec![renamed(es256().public_jwk(), "shared"), other.public_jwk()],
    };
    assert_eq!(check(&token, &both_ec), Err(JoseError::AmbiguousKey));
}

#[test]
fn an_rs256_token_against_an_ec_key_is_refused() {
    let token = forge(rs256(), r#"{"alg":"RS256","kid":"k"}"#, b"{}");
    let keys = JwkSet {
        keys: vec![renamed(es256().public_jwk(), "k")],
    };
    assert_eq!(
        check(&token, &keys),
        Err(JoseError::KeyTypeMismatch {
            alg: Algorithm::Rs256,
            key_type: "EC/P-256".into()
        })
    );
}

#[test]
fn every_other_type_confusion_is_refused() {
    let cases = [
        (Algorithm::Es256, rs256().public_jwk(), "RSA"),
        (Algorithm::Es256, eddsa().public_jwk(), "OKP/Ed25519"),
        (Algorithm::EdDsa, es256().public_jwk(), "EC/P-256"),
        (Algorithm::Rs256, eddsa().public_jwk(), "OKP/Ed25519"),
    ];
    for (alg, jwk, key_type) in cases {
        let token = forge(key(alg), &format!(r#"{{"alg":"{alg}","kid":"k"}}"#), b"{}");
        let keys = JwkSet {
            keys: vec![Jwk {
                alg: None,
                ..renamed(jwk, "k")
            }],
        };
        assert_eq!(
            check(&token, &keys),
            Err(JoseError::KeyTypeMismatch {
                alg,
                key_type: key_type.into()
            })
        );
    }
    // An EC key on another curve is another type too.
    let mut p384 = es256().public_jwk();
    p384.crv = Some("P-384".into());
    let token = es256().sign(None, &claims()).unwrap();
    assert_eq!(
        check(&token, &JwkSet { keys: vec![p384] }),
        Err(JoseError::KeyTypeMismatch {
            alg: Algorithm::Es256,
            key_type: "EC/P-384".into()
        })
    );
}

#[test]
fn a_key_whose_alg_differs_from_the_header_is_refused() {
    let token = es256().sign(None, &claims()).unwrap();
    let mut jwk = es256().public_jwk();
    jwk.alg = Some("ES384".into());
    assert_eq!(
        check(&token, &JwkSet { keys: vec![jwk] }),
        Err(JoseError::KeyAlgorithmMismatch {
            header: Algorithm::Es256,
            key: "ES384".into()
        })
    );
    let token = rs256().sign(None, &claims()).unwrap();
    let mut jwk = rs256().public_jwk();
    jwk.alg = Some("PS256".into());
    assert_eq!(
        check(&token, &JwkSet { keys: vec![jwk] }),
        Err(JoseError::KeyAlgorithmMismatch {
            header: Algorithm::Rs256,
            key: "PS256".into()
        })
    );
}

#[test]
fn an_encryption_key_is_refused() {
    let token = es256().sign(None, &claims()).unwrap();
    let mut jwk = es256().public_jwk();
    jwk.key_use = Some("enc".into());
    assert_eq!(
        check(&token, &JwkSet { keys: vec![jwk] }),
        Err(JoseError::KeyUse("enc".into()))
    );
}

#[test]
fn a_key_without_alg_or_use_still_verifies() {
    for alg in Algorithm::ALL {
        let token = key(alg).sign(None, &claims()).unwrap();
        let jwk = Jwk {
            alg: None,
            key_use: None,
            ..key(alg).public_jwk()
        };
        assert_eq!(check(&token, &JwkSet { keys: vec![jwk] }), Ok(()), "{alg}");
    }
}

#[test]
fn malformed_public_keys_are_refused() {
    let token = es256().sign(None, &claims()).unwrap();
    let ec = es256().public_jwk();
    let short_x = Jwk {
        x: Some("AAAA".into()),
        ..ec.clone()
    };
    assert_eq!(
        check(
            &token,
            &JwkSet {
                keys: vec![short_x]
            }
        ),
        Err(JoseError::InvalidKey("x"))
    );
    let no_y = Jwk {
        y: None,
        ..ec.clone()
    };
    assert_eq!(
        check(&token, &JwkSet { keys: vec![no_y] }),
        Err(JoseError::InvalidKey("y"))
    );
    // (x, x) is not a point of P-256 (but for a negligible chance).
    let off_curve = Jwk {
        y: ec.x.clone(),
        ..ec.clone()
    };
    assert!(matches!(
        check(
            &token,
            &JwkSet {
                keys: vec![off_curve]
            }
        ),
        Err(JoseError::InvalidKey(_))
    ));

    let token = rs256().sign(None, &claims()).unwrap();
    let weak = Jwk {
        n: Some(crate::jose::b64::encode([0xff; 128])),
        ..rs256().public_jwk()
    };
    assert_eq!(
        check(&token, &JwkSet { keys: vec![weak] }),
        Err(JoseError::WeakKey(1024))
    );
    let padded_n = Jwk {
        n: Some(format!("{}=", rs256().public_jwk().n.unwrap())),
        ..rs256().public_jwk()
    };
    assert_eq!(
        check(
            &token,
            &JwkSet {
                keys: vec![padded_n]
            }
        ),
        Err(JoseError::InvalidKey("n"))
    );
    let no_e = Jwk {
        e: None,
        ..rs256().public_jwk()
    };
    assert_eq!(
        check(&token, &JwkSet { keys: vec![no_e] }),
        Err(JoseError::InvalidKey("e"))
    );
}
