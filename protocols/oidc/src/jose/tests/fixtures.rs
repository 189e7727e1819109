//! Shared keys and token builders. The RSA key is generated once per test
//! binary: RSA key generation is slow in unoptimized builds.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::jose::{b64, Algorithm, JwkSet, SigningKey};

pub(super) fn es256() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::Es256, "es-1".into()).unwrap())
}

pub(super) fn rs256() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::Rs256, "rs-1".into()).unwrap())
}

pub(super) fn eddsa() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate(Algorithm::EdDsa, "ed-1".into()).unwrap())
}

pub(super) fn key(alg: Algorithm) -> &'static SigningKey {
    match alg {
        Algorithm::Es256 => es256(),
        Algorithm::Rs256 => rs256(),
        Algorithm::EdDsa => eddsa(),
    }
}

/// The JWK set publishing the three shared keys.
pub(super) fn all_keys() -> JwkSet {
    set(&[es256(), rs256(), eddsa()])
}

pub(super) fn set(keys: &[&SigningKey]) -> JwkSet {
    JwkSet {
        keys: keys.iter().map(|k| k.public_jwk()).collect(),
    }
}

pub(super) fn claims() -> Value {
    json!({"iss": "https://idp.example", "sub": "alice", "aud": "app", "exp": 2_000_000_000})
}

/// A compact JWS over exactly `header` and `payload`, signed by `key`.
pub(super) fn forge(key: &SigningKey, header: &str, payload: &[u8]) -> String {
    let input = format!("{}.{}", b64::encode(header), b64::encode(payload));
    let signature = key.signature(input.as_bytes()).unwrap();
    format!("{input}.{}", b64::encode(signature))
}

/// The three parts of a compact JWS.
pub(super) fn parts(token: &str) -> [String; 3] {
    let parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts.try_into().unwrap()
}
