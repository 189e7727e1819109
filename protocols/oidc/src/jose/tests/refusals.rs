//! One test per refusal of `verify`, each asserting its exact error.

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use super::fixtures::{all_keys, claims, es256, forge, key, parts, rs256};
use crate::jose::{b64, verify, verify_jws, Algorithm, JoseError, Part, MAX_TOKEN_BYTES};

fn es256_token() -> String {
    es256().sign(None, &claims()).unwrap()
}

fn check(token: &str) -> Result<(), JoseError> {
    verify(token, &all_keys(), &Algorithm::ALL).map(|_| ())
}

#[test]
fn a_token_over_16_kib_is_refused_before_parsing() {
    let junk = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(
        check(&junk),
        Err(JoseError::TooLarge {
            size: MAX_TOKEN_BYTES + 1,
            max: MAX_TOKEN_BYTES
        })
    );
    let mut big = claims();
    big["blob"] = json!("x".repeat(MAX_TOKEN_BYTES));
    let signed = es256().sign(None, &big).unwrap();
    assert!(matches!(check(&signed), Err(JoseError::TooLarge { .. })));
}

#[test]
fn anything_but_three_parts_is_refused() {
    let token = es256_token();
    let [h, p, s] = parts(&token);
    for bad in [
        String::new(),
        "abc".into(),
        format!("{h}.{p}"),
        format!("{token}."),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}.{s}.{s}"), // the shape of a JWE
    ] {
        assert_eq!(check(&bad), Err(JoseError::NotCompact), "{bad}");
    }
}

#[test]
fn bad_base64url_in_any_part_is_refused() {
    let [h, p, s] = parts(&es256_token());
    let cases = [
        (format!("{h}=.{p}.{s}"), Part::Header),
        (format!("{h}.{p}=.{s}"), Part::Payload),
        (format!("{h}.{p}.{s}=="), Part::Signature),
        (format!("{h}.+{p}.{s}"), Part::Payload),
        (format!("{h}.{p}.{s}/"), Part::Signature),
        (format!("{h} .{p}.{s}"), Part::Header),
        (format!("{h}\n.{p}.{s}"), Part::Header),
    ];
    for (token, part) in cases {
        assert_eq!(check(&token), Err(JoseError::Base64(part)), "{token}");
    }
}

#[test]
fn a_header_that_is_not_a_json_object_is_refused() {
    let [_, p, s] = parts(&es256_token());
    for header in [
        "",
        "[]",
        "\"ES256\"",
        "{\"alg\":\"ES256\"",
        "{\"alg\":\"ES256\"}x",
        "\u{feff}{}",
    ] {
        let token = format!("{}.{p}.{s}", b64::encode(header));
        assert_eq!(
            check(&token),
            Err(JoseError::NotJsonObject(Part::Header)),
            "{header}"
        );
    }
}

#[test]
fn a_payload_that_is_not_a_json_object_is_refused() {
    for payload in [&b"[1,2]"[..], b"\"sub\"", b"Example", b""] {
        let token = forge(es256(), r#"{"alg":"ES256","kid":"es-1"}"#, payload);
        assert!(verify_jws(&token, &all_keys(), &Algorithm::ALL).is_ok());
        assert_eq!(check(&token), Err(JoseError::NotJsonObject(Part::Payload)));
    }
}

#[test]
fn duplicate_members_are_refused() {
    let token = forge(
        es256(),
        r#"{"alg":"ES256","kid":"es-1","alg":"none"}"#,
        b"{}",
    );
    assert_eq!(
        check(&token),
        Err(JoseError::DuplicateMember(Part::Header, "alg".into()))
    );
    let token = forge(
        es256(),
        r#"{"alg":"ES256","kid":"es-1"}"#,
        br#"{"sub":"alice","sub":"admin"}"#,
    );
    assert_eq!(
        check(&token),
        Err(JoseError::DuplicateMember(Part::Payload, "sub".into()))
    );
}

#[test]
fn a_missing_alg_is_refused() {
    let token = forge(es256(), r#"{"kid":"es-1"}"#, b"{}");
    assert_eq!(check(&token), Err(JoseError::MissingAlgorithm));
    let token = forge(es256(), r#"{"alg":null,"kid":"es-1"}"#, b"{}");
    assert_eq!(check(&token), Err(JoseError::InvalidHeader("alg")));
}

#[test]
fn alg_none_is_refused() {
    let payload = b64::encode(claims().to_string());
    for header in [
        r#"{"alg":"none"}"#,
        r#"{"alg":"none","kid":"es-1"}"#,
        r#"{"alg":"NONE"}"#,
    ] {
        let unsecured = format!("{}.{payload}.", b64::encode(header));
        assert_eq!(check(&unsecured), Err(JoseError::AlgorithmNone), "{header}");
    }
    // Even with a real signature in the third part.
    let token = forge(es256(), r#"{"alg":"none","kid":"es-1"}"#, b"{}");
    assert_eq!(check(&token), Err(JoseError::AlgorithmNone));
}

#[test]
fn hs256_keyed_with_the_rsa_public_key_is_refused() {
    // The classic confusion: an HMAC token whose "secret" is the verifier's
    // public key, as published (its JWK) or as raw modulus bytes.
    let jwk = rs256().public_jwk();
    let secrets = [
        serde_json::to_vec(&jwk).unwrap(),
        b64::decode(jwk.n.as_deref().unwrap()).unwrap(),
    ];
    for secret in secrets {
        for alg in ["HS256", "HS384", "HS512"] {
            let input = format!(
                "{}.{}",
                b64::encode(format!(r#"{{"alg":"{alg}","kid":"rs-1"}}"#)),
                b64::encode(claims().to_string())
            );
            let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
            mac.update(input.as_bytes());
            let token = format!("{input}.{}", b64::encode(mac.finalize().into_bytes()));
            assert_eq!(
                check(&token),
                Err(JoseError::SymmetricAlgorithm(alg.into()))
            );
        }
    }
}

#[test]
fn an_unknown_alg_is_refused() {
    for alg in ["PS256", "ES384", "RS512", "Ed25519", "es256"] {
        let token = forge(
            es256(),
            &format!(r#"{{"alg":"{alg}","kid":"es-1"}}"#),
            b"{}",
        );
        assert_eq!(
            check(&token),
            Err(JoseError::UnsupportedAlgorithm(alg.into()))
        );
    }
}

#[test]
fn an_alg_outside_the_accepted_list_is_refused() {
    let token = es256_token();
    let keys = all_keys();
    assert_eq!(
        verify(&token, &keys, &[Algorithm::Rs256, Algorithm::EdDsa]).map(|_| ()),
        Err(JoseError::AlgorithmNotAccepted(Algorithm::Es256))
    );
    assert_eq!(
        verify(&token, &keys, &[]).map(|_| ()),
        Err(JoseError::AlgorithmNotAccepted(Algorithm::Es256))
    );
}

#[test]
fn a_crit_header_is_refused() {
    for header in [
        r#"{"alg":"ES256","kid":"es-1","crit":["exp"],"exp":1}"#,
        r#"{"alg":"ES256","kid":"es-1","crit":[]}"#,
        r#"{"alg":"ES256","kid":"es-1","crit":["b64"],"b64":false}"#,
    ] {
        let token = forge(es256(), header, br#"{"sub":"alice"}"#);
        assert_eq!(check(&token), Err(JoseError::CriticalHeader), "{header}");
    }
}

#[test]
fn a_kid_or_typ_of_the_wrong_type_is_refused() {
    let token = forge(es256(), r#"{"alg":"ES256","kid":1}"#, b"{}");
    assert_eq!(check(&token), Err(JoseError::InvalidHeader("kid")));
    let token = forge(
        es256(),
        r#"{"alg":"ES256","kid":"es-1","typ":["JWT"]}"#,
        b"{}",
    );
    assert_eq!(check(&token), Err(JoseError::InvalidHeader("typ")));
}

#[test]
fn a_wrong_signature_is_refused() {
    for alg in Algorithm::ALL {
        let token = key(alg).sign(None, &claims()).unwrap();
        let [h, p, s] = parts(&token);
        let mut signature = b64::decode(&s).unwrap();
        signature[10] ^= 0x01;
        let flipped = format!("{h}.{p}.{}", b64::encode(&signature));
        assert_eq!(check(&flipped), Err(JoseError::BadSignature), "{alg}");

        let mut other_claims = claims();
        other_claims["sub"] = json!("admin");
        let [_, other_p, _] = parts(&key(alg).sign(None, &other_claims).unwrap());
        let spliced = format!("{h}.{other_p}.{s}");
        assert_eq!(check(&spliced), Err(JoseError::BadSignature), "{alg}");
    }
}

#[test]
fn a_signature_from_another_key_with_the_same_kid_is_refused() {
    let impostor = crate::jose::SigningKey::generate(Algorithm::Es256, "es-1".into()).unwrap();
    let token = impostor.sign(None, &claims()).unwrap();
    assert_eq!(check(&token), Err(JoseError::BadSignature));
}

#[test]
fn a_signature_of_the_wrong_length_is_refused() {
    let cases = [
        (Algorithm::Es256, 64),
        (Algorithm::Rs256, 256),
        (Algorithm::EdDsa, 64),
    ];
    for (alg, expected) in cases {
        let [h, p, s] = parts(&key(alg).sign(None, &claims()).unwrap());
        let signature = b64::decode(&s).unwrap();
        let shorter = &signature[..expected - 1];
        let longer = [&signature[..], &[0]].concat();
        for (bad, actual) in [
            (shorter, expected - 1),
            (&longer[..], expected + 1),
            (&[][..], 0),
        ] {
            let token = format!("{h}.{p}.{}", b64::encode(bad));
            assert_eq!(
                check(&token),
                Err(JoseError::SignatureLength { expected, actual }),
                "{alg}"
            );
        }
    }
}

#[test]
fn a_der_encoded_es256_signature_is_refused() {
    let [h, p, s] = parts(&es256_token());
    let raw = p256::ecdsa::Signature::from_slice(&b64::decode(&s).unwrap()).unwrap();
    let der = raw.to_der();
    let token = format!("{h}.{p}.{}", b64::encode(der.as_bytes()));
    assert_eq!(
        check(&token),
        Err(JoseError::SignatureLength {
            expected: 64,
            actual: der.as_bytes().len()
        })
    );
}
