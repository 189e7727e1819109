//! Tests of the JOSE layer: round trips per algorithm, the RFC test vectors
//! (RFC 7515 A.3, RFC 7638 §3.1, RFC 8037 A.3–A.4), one test per refusal of
//! [`verify`](super::verify), JWK wire forms and the claim checks.

mod algorithm;
mod fixtures;
mod jwk;
mod key_checks;
mod refusals;
mod round_trip;
mod validate;
mod vectors;
