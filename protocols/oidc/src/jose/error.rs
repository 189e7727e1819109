//! Every way signing, key handling, JWS verification (RFC 7515 §5.2) and the
//! JWT claim checks (RFC 7519 §7.2) can fail, one variant per reason so that
//! callers, tests and logs can tell them apart. On the wire all of them
//! become a single `invalid_token` / `invalid_grant` / `invalid_request`:
//! never send these details to the client.

use std::fmt;

use super::Algorithm;

/// A part of a compact JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The JWS Protected Header, the first part.
    Header,
    /// The JWS Payload (the JWT claims set), the second part.
    Payload,
    /// The JWS Signature, the third part.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "protected header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a JOSE operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    // --- the compact serialization (RFC 7515 §7.1) ---
    /// The token is longer than [`MAX_TOKEN_BYTES`](super::MAX_TOKEN_BYTES).
    #[error("the token is {size} bytes, over the {max}-byte limit")]
    TooLarge {
        /// The token's length in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The token is not three dot-separated parts (a JWE has five).
    #[error("a compact JWS has exactly three dot-separated parts")]
    NotCompact,
    /// A part is not base64url without padding.
    #[error("the {0} is not base64url without padding")]
    Base64(Part),
    /// The header or the payload is not a JSON object.
    #[error("the {0} is not a JSON object")]
    NotJsonObject(Part),
    /// The header or the payload repeats a member name (RFC 7515 §5.2 step 4).
    #[error("the {0} repeats the member {1:?}")]
    DuplicateMember(Part, String),

    // --- the protected header (RFC 7515 §4.1) ---
    /// The header has no `alg`.
    #[error("the header has no alg")]
    MissingAlgorithm,
    /// `alg` is `none`: unsecured JWS are never accepted.
    #[error("alg none is never accepted")]
    AlgorithmNone,
    /// `alg` is an HMAC algorithm (`HS256`…): never accepted, whatever the key.
    #[error("symmetric alg {0:?} is never accepted")]
    SymmetricAlgorithm(String),
    /// `alg` is not one this crate implements.
    #[error("unsupported alg {0:?}")]
    UnsupportedAlgorithm(String),
    /// `alg` is implemented but not in the caller's accepted list.
    #[error("alg {0} is not accepted here")]
    AlgorithmNotAccepted(Algorithm),
    /// The header has a `crit` member: no extension is understood here.
    #[error("the header has a crit member")]
    CriticalHeader,
    /// A header member has the wrong JSON type.
    #[error("the header member {0} has the wrong type")]
    InvalidHeader(&'static str),

    // --- key selection and key checks (RFC 7517 §4, RFC 8725 §3.1) ---
    /// No key in the set has the header's `kid`.
    #[error("no key has kid {0:?}")]
    UnknownKid(String),
    /// The header has no `kid` and no key in the set fits the algorithm.
    #[error("no key fits the token's alg")]
    NoMatchingKey,
    /// Several keys fit and nothing tells them apart.
    #[error("several keys fit the token and none is named")]
    AmbiguousKey,
    /// The key's `kty` / `crv` does not belong to the header's `alg`
    /// (algorithm confusion, RFC 8725 §2.1).
    #[error("a {key_type} key cannot verify alg {alg}")]
    KeyTypeMismatch {
        /// The header's algorithm.
        alg: Algorithm,
        /// The key's `kty`, with its `crv` if it has one.
        key_type: String,
    },
    /// The key's own `alg` member names another algorithm than the header.
    #[error("the key is for alg {key:?}, the token says {header}")]
    KeyAlgorithmMismatch {
        /// The header's algorithm.
        header: Algorithm,
        /// The key's `alg` member.
        key: String,
    },
    /// The key's `use` member is not `sig`.
    #[error("the key's use is {0:?}, not sig")]
    KeyUse(String),
    /// A key member is missing or malformed, or the key is not a valid point
    /// or modulus.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// An RSA key is shorter than 2048 bits (RFC 7518 §3.3).
    #[error("an RSA key of {0} bits is too short")]
    WeakKey(usize),

    // --- the signature (RFC 7515 §5.2 step 8) ---
    /// The signature is not the length the algorithm and key produce.
    #[error("the signature is {actual} bytes, {expected} expected")]
    SignatureLength {
        /// The length this algorithm and key produce.
        expected: usize,
        /// The length found.
        actual: usize,
    },
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,

    // --- signing keys ---
    /// The random number generator failed, or RSA key generation did.
    #[error("key generation failed")]
    KeyGeneration,
    /// The PKCS#8 document is malformed, or holds another kind of key.
    #[error("the PKCS#8 document is not a valid {0} key")]
    Pkcs8(Algorithm),
    /// The signature or the encoding of a token failed.
    #[error("signing failed")]
    Signing,

    // --- JWT claims (RFC 7519 §4.1) ---
    /// A required claim is absent.
    #[error("the claim {0} is missing")]
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type.
    #[error("the claim {0} has the wrong type")]
    InvalidClaim(&'static str),
    /// `exp` is past (RFC 7519 §4.1.4).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future (RFC 7519 §4.1.5).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iat` is in the future (RFC 7519 §4.1.6).
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// `aud` does not name the expected audience (RFC 7519 §4.1.3).
    #[error("the token is for another audience")]
    AudienceMismatch,
}
