//! JOSE: the JSON Web Signature layer the OpenID Provider signs its ID and
//! access tokens with, and checks signed tokens with — the compact JWS
//! serialization (RFC 7515), the ES256, RS256 and EdDSA algorithms (RFC 7518
//! §3.3–§3.4, RFC 8037), JWKs and JWK sets (RFC 7517, RFC 7518 §6, RFC 8037
//! §2, RFC 7638 thumbprints) and the JWT time and audience checks (RFC 7519
//! §4.1).
//!
//! Only asymmetric algorithms exist: `none` and the HMAC family are not
//! [`Algorithm`] variants, so no caller can accept them. Verification takes
//! its keys from the [`JwkSet`] it is given, never from the token (`jwk`,
//! `jku`, `x5u`, `x5c` headers are ignored), and refuses every `crit` header.
//! Keys are generated, read and published with RustCrypto (`p256`, `rsa`,
//! `ed25519-dalek`); ES256 and RS256 signatures are made and checked by
//! AWS-LC (`aws-lc-rs`, several times faster), EdDSA ones by `ed25519-dalek`.
//!
//! - [`Algorithm`]: the `alg` values;
//! - [`SigningKey`]: one private key, its `kid`, PKCS#8 import / export,
//!   its public [`Jwk`], and [`SigningKey::sign`];
//! - [`Jwk`], [`JwkSet`]: the public keys, as published at `jwks_uri`;
//! - [`verify`], [`verify_jws`]: the signature check of a compact JWS;
//! - [`validate_time`], [`validate_audience`]: the `exp` / `nbf` / `iat`
//!   and `aud` checks callers run on the verified claims;
//! - [`JoseError`]: every refusal, one variant each.

mod algorithm;
pub(crate) mod b64;
mod error;
mod header;
mod json;
mod jwk;
mod key_select;
mod signing_key;
mod validate;
mod verify;
mod verifying_key;

pub use algorithm::Algorithm;
pub use error::{JoseError, Part};
pub use header::Header;
pub use jwk::{Jwk, JwkSet};
pub use signing_key::SigningKey;
pub use validate::{validate_audience, validate_time};
pub use verify::{verify, verify_jws, Verified, VerifiedJws, MAX_TOKEN_BYTES};

#[cfg(test)]
mod tests;
