use serde_json::json;

use super::fixtures::{all_keys, claims, key, parts, set};
use crate::jose::{b64, verify, Algorithm, Header, JoseError, Part, SigningKey};

#[test]
fn each_algorithm_signs_what_it_verifies() {
    for alg in Algorithm::ALL {
        let token = key(alg).sign(Some("JWT"), &claims()).unwrap();
        let verified = verify(&token, &all_keys(), &Algorithm::ALL).unwrap();
        assert_eq!(
            verified.header,
            Header {
                alg,
                kid: Some(key(alg).kid().to_owned()),
                typ: Some("JWT".into())
            }
        );
        assert_eq!(serde_json::Value::Object(verified.claims), claims());
    }
}

#[test]
fn the_protected_header_is_alg_kid_typ() {
    let [header, _, _] = parts(
        &key(Algorithm::Es256)
            .sign(Some("at+jwt"), &claims())
            .unwrap(),
    );
    assert_eq!(
        b64::decode(&header).unwrap(),
        br#"{"alg":"ES256","kid":"es-1","typ":"at+jwt"}"#
    );
    let [header, _, _] = parts(&key(Algorithm::EdDsa).sign(None, &claims()).unwrap());
    assert_eq!(
        b64::decode(&header).unwrap(),
        br#"{"alg":"EdDSA","kid":"ed-1"}"#
    );
}

#[test]
fn signatures_have_their_jwa_lengths() {
    // ES256 is R || S, 64 bytes, not DER (RFC 7518 §3.4); RS256 is the modulus length.
    for (alg, len) in [
        (Algorithm::Es256, 64),
        (Algorithm::Rs256, 256),
        (Algorithm::EdDsa, 64),
    ] {
        let [_, _, signature] = parts(&key(alg).sign(None, &claims()).unwrap());
        assert_eq!(b64::decode(&signature).unwrap().len(), len, "{alg}");
    }
}

#[test]
fn only_json_objects_are_signed_as_claims() {
    let refused = key(Algorithm::Es256).sign(None, &json!(["not", "claims"]));
    assert_eq!(refused, Err(JoseError::NotJsonObject(Part::Payload)));
}

#[test]
fn a_key_reloaded_from_pkcs8_signs_what_the_original_jwk_verifies() {
    for alg in Algorithm::ALL {
        let original = key(alg);
        let der = original.to_pkcs8_der().unwrap();
        let reloaded = SigningKey::from_pkcs8_der(alg, original.kid().to_owned(), &der).unwrap();
        assert_eq!(reloaded.public_jwk(), original.public_jwk());
        assert_eq!(*reloaded.to_pkcs8_der().unwrap(), *der);
        let token = reloaded.sign(None, &claims()).unwrap();
        let keys = set(&[original]);
        assert_eq!(verify(&token, &keys, &[alg]).unwrap().header.alg, alg);
    }
}

#[test]
fn pkcs8_of_another_key_type_is_refused() {
    let ec = key(Algorithm::Es256).to_pkcs8_der().unwrap();
    let ed = key(Algorithm::EdDsa).to_pkcs8_der().unwrap();
    let kid = || "k".to_owned();
    assert_eq!(
        SigningKey::from_pkcs8_der(Algorithm::Rs256, kid(), &ec).unwrap_err(),
        JoseError::Pkcs8(Algorithm::Rs256)
    );
    assert_eq!(
        SigningKey::from_pkcs8_der(Algorithm::EdDsa, kid(), &ec).unwrap_err(),
        JoseError::Pkcs8(Algorithm::EdDsa)
    );
    assert_eq!(
        SigningKey::from_pkcs8_der(Algorithm::Es256, kid(), &ed).unwrap_err(),
        JoseError::Pkcs8(Algorithm::Es256)
    );
    assert_eq!(
        SigningKey::from_pkcs8_der(Algorithm::Es256, kid(), b"not DER").unwrap_err(),
        JoseError::Pkcs8(Algorithm::Es256)
    );
}

#[test]
fn public_jwks_have_the_members_of_their_key_type() {
    let ec = key(Algorithm::Es256).public_jwk();
    assert_eq!(
        (ec.kty.as_deref(), ec.crv.as_deref(), ec.alg.as_deref()),
        (Some("EC"), Some("P-256"), Some("ES256"))
    );
    assert_eq!((ec.x.unwrap().len(), ec.y.unwrap().len()), (43, 43));
    assert_eq!((ec.n, ec.e), (None, None));

    let rsa = key(Algorithm::Rs256).public_jwk();
    assert_eq!(
        (rsa.kty.as_deref(), rsa.crv.as_deref(), rsa.alg.as_deref()),
        (Some("RSA"), None, Some("RS256"))
    );
    assert_eq!(rsa.n.unwrap().len(), 342); // 256 bytes, base64url without padding
    assert_eq!(rsa.e.as_deref(), Some("AQAB"));
    assert_eq!((rsa.x, rsa.y), (None, None));

    let ed = key(Algorithm::EdDsa).public_jwk();
    assert_eq!(
        (ed.kty.as_deref(), ed.crv.as_deref(), ed.alg.as_deref()),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"))
    );
    assert_eq!(ed.x.unwrap().len(), 43);
    assert_eq!((ed.y, ed.n, ed.e), (None, None, None));

    for alg in Algorithm::ALL {
        let jwk = key(alg).public_jwk();
        assert_eq!(jwk.key_use.as_deref(), Some("sig"));
        assert_eq!(jwk.kid.as_deref(), Some(key(alg).kid()));
        let json = serde_json::to_value(&jwk).unwrap();
        assert_eq!(json["use"], "sig");
        assert!(json.get("d").is_none());
    }
}

#[test]
fn debug_prints_no_key_material() {
    for alg in Algorithm::ALL {
        let printed = format!("{:?}", key(alg));
        assert_eq!(
            printed,
            format!(
                "SigningKey {{ kid: {:?}, alg: {alg:?}, .. }}",
                key(alg).kid()
            )
        );
    }
}
