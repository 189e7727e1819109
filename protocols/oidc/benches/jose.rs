//! Micro-benchmarks of the JOSE hot paths: signing an RFC 9068 access token
//! (ES256) and an ID token (RS256, EdDSA) with a key already open, verifying
//! an access token against a cached JWK set, and opening a key from PKCS#8
//! (what the hub's key cache saves on every grant). `cargo bench -p
//! usso-oidc`; figures only, no assertion on time.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use usso_oidc::jose::{self, Algorithm, JwkSet, SigningKey};

/// The claims of a client_credentials access token, as the hub signs them.
fn claims() -> serde_json::Value {
    serde_json::json!({
        "iss": "http://127.0.0.1:8080/t/bench",
        "sub": "01a22d31-b0ea-7626-be98-7815046e6a19",
        "aud": "https://api.bench.example",
        "client_id": "01a22d31-b0ea-7626-be98-7815046e6a19",
        "scope": "api:read",
        "jti": "01a22d31-b0ea-7626-be98-7815046e6a19.abcdefghijklmnop",
        "iat": 1_796_052_879,
        "exp": 1_796_053_179,
    })
}

fn jose_benches(c: &mut Criterion) {
    let claims = claims();
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(alg, format!("bench-{alg}")).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        let jwks = JwkSet {
            keys: vec![key.public_jwk()],
        };
        let token = key.sign(Some("at+jwt"), &claims).unwrap();
        c.bench_function(&format!("{alg} sign (key open)"), |b| {
            b.iter(|| key.sign(Some("at+jwt"), black_box(&claims)).unwrap())
        });
        c.bench_function(&format!("{alg} verify (JWK set cached)"), |b| {
            b.iter(|| jose::verify(black_box(&token), &jwks, &[alg]).unwrap())
        });
        c.bench_function(&format!("{alg} open the key (PKCS#8)"), |b| {
            b.iter(|| SigningKey::from_pkcs8_der(alg, "bench".into(), black_box(&der)).unwrap())
        });
    }
}

criterion_group!(benches, jose_benches);
criterion_main!(benches);
