//! The published test vectors. Sources: RFC 7515 Appendix A.3 (ES256 JWS and
//! its key), RFC 7638 §3.1 (RSA thumbprint), RFC 8037 Appendix A.1–A.4
//! (Ed25519 key, thumbprint and JWS).

use crate::jose::{b64, verify, verify_jws, Algorithm, JoseError, Jwk, JwkSet, Part, SigningKey};

const RFC7515_A3_JWK: &str = r#"{"kty":"EC","crv":"P-256",
    "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
    "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
const RFC7515_A3_JWS: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA",
    "pmWQxfKTUJqPP3-Kg6NU1Q",
);

const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const RFC8037_A4_INPUT: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const RFC8037_A4_SIGNATURE: &str =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

const RFC7638_N: &str =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

fn rfc8037_public() -> Jwk {
    Jwk {
        kty: Some("OKP".into()),
        crv: Some("Ed25519".into()),
        x: Some(RFC8037_X.into()),
        ..Jwk::default()
    }
}

#[test]
fn rfc7515_a3_es256_verifies_with_its_public_jwk() {
    let keys = JwkSet {
        keys: vec![serde_json::from_str(RFC7515_A3_JWK).unwrap()],
    };
    let verified = verify(RFC7515_A3_JWS, &keys, &[Algorithm::Es256]).unwrap();
    assert_eq!(verified.header.alg, Algorithm::Es256);
    assert_eq!(verified.claims["iss"], "joe");
    assert_eq!(verified.claims["exp"], 1_300_819_380);
    assert_eq!(verified.claims["http://example.com/is_root"], true);
}

#[test]
fn rfc8037_a4_ed25519_verifies() {
    let keys = JwkSet {
        keys: vec![rfc8037_public()],
    };
    let token = format!("{RFC8037_A4_INPUT}.{RFC8037_A4_SIGNATURE}");
    let verified = verify_jws(&token, &keys, &[Algorithm::EdDsa]).unwrap();
    assert_eq!(verified.payload, b"Example of Ed25519 signing");
    assert_eq!(
        (verified.header.alg, verified.header.kid),
        (Algorithm::EdDsa, None)
    );
    // Its payload is text, not a claims set.
    assert_eq!(
        verify(&token, &keys, &[Algorithm::EdDsa]),
        Err(JoseError::NotJsonObject(Part::Payload))
    );
}

#[test]
fn rfc8037_a4_ed25519_signature_is_reproduced_byte_for_byte() {
    // The RFC 8037 A.1 seed wrapped as an RFC 8410 PKCS#8 v1 document.
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend(b64::decode(RFC8037_D).unwrap());
    let key = SigningKey::from_pkcs8_der(Algorithm::EdDsa, "rfc8037".into(), &der).unwrap();
    assert_eq!(key.public_jwk().x.as_deref(), Some(RFC8037_X));
    let signature = key.signature(RFC8037_A4_INPUT.as_bytes()).unwrap();
    assert_eq!(b64::encode(signature), RFC8037_A4_SIGNATURE);
    // Exported as it came: the v1 form OpenSSL and Python read.
    assert_eq!(*key.to_pkcs8_der().unwrap(), der);
}

#[test]
fn ed25519_pkcs8_v2_with_the_public_key_is_read_too() {
    use ed25519_dalek::pkcs8::EncodePrivateKey as _;
    let seed: [u8; 32] = b64::decode(RFC8037_D).unwrap().try_into().unwrap();
    let v2 = ed25519_dalek::SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .unwrap();
    let key = SigningKey::from_pkcs8_der(Algorithm::EdDsa, "v2".into(), v2.as_bytes()).unwrap();
    assert_eq!(key.public_jwk().x.as_deref(), Some(RFC8037_X));
}

#[test]
fn rfc8037_a3_ed25519_thumbprint() {
    assert_eq!(
        rfc8037_public().thumbprint().unwrap(),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}

#[test]
fn rfc7638_rsa_thumbprint_ignores_optional_members() {
    let jwk = Jwk {
        kty: Some("RSA".into()),
        n: Some(RFC7638_N.into()),
        e: Some("AQAB".into()),
        alg: Some("RS256".into()),
        kid: Some("2011-04-29".into()),
        ..Jwk::default()
    };
    assert_eq!(
        jwk.thumbprint().unwrap(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn ec_thumbprint_of_the_rfc7515_key() {
    // Computed with Python: sha256 of the sorted, whitespace-free
    // {"crv","kty","x","y"} object (RFC 7638 §3.2).
    let jwk: Jwk = serde_json::from_str(RFC7515_A3_JWK).unwrap();
    assert_eq!(
        jwk.thumbprint().unwrap(),
        "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"
    );
}
