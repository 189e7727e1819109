//! A public key read from a JWK, ready to check one signature: P-256 from
//! `x`/`y` (RFC 7518 §6.2.1), RSA from `n`/`e` (RFC 7518 §6.3.1, at least
//! 2048 bits per §3.3), Ed25519 from `x` (RFC 8037 §2). Signature formats:
//! ES256 is the 64-byte `R || S` (RFC 7518 §3.4), RS256 exactly the modulus
//! length (RFC 8017 §8.2.2), Ed25519 64 bytes checked strictly (RFC 8032
//! §5.1.7, rejecting non-canonical and small-order inputs).
//!
//! The key is read and checked with RustCrypto (`p256`, `rsa`); the ES256
//! and RS256 signatures are checked by AWS-LC (`aws-lc-rs`: faster P-256
//! and RSA).

use aws_lc_rs::signature;
use rsa::traits::PublicKeyParts as _;
use rsa::{BigUint, RsaPublicKey};

use super::{b64, Algorithm, JoseError, Jwk};

/// The shortest RSA modulus accepted, in bits (RFC 7518 §3.3).
pub(crate) const MIN_RSA_BITS: usize = 2048;
/// The longest RSA modulus accepted, in bits.
const MAX_RSA_BITS: usize = 8192;
/// The length of an ES256 or Ed25519 signature.
const FIXED_SIGNATURE_LEN: usize = 64;

/// A public key for one algorithm, in the form AWS-LC checks signatures with.
pub(crate) enum VerifyingKey {
    /// The uncompressed SEC1 point (`04 || x || y`), known to be on P-256.
    Es256(Vec<u8>),
    /// The modulus and exponent, big-endian without leading zeros, and the
    /// modulus length in bytes.
    Rs256 {
        n: Vec<u8>,
        e: Vec<u8>,
        len: usize,
    },
    EdDsa(ed25519_dalek::VerifyingKey),
}

impl VerifyingKey {
    /// Reads the public key of `jwk` for `alg`; the caller has checked that
    /// the key's type fits the algorithm.
    pub(crate) fn from_jwk(jwk: &Jwk, alg: Algorithm) -> Result<Self, JoseError> {
        match alg {
            Algorithm::Es256 => {
                let x = fixed::<32>(&jwk.x, "x")?;
                let y = fixed::<32>(&jwk.y, "y")?;
                let point =
                    p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
                p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map(|_| Self::Es256(point.as_bytes().to_vec()))
                    .map_err(|_| JoseError::InvalidKey("the point is not on P-256"))
            }
            Algorithm::Rs256 => {
                let n = BigUint::from_bytes_be(&member(&jwk.n, "n")?);
                let e = BigUint::from_bytes_be(&member(&jwk.e, "e")?);
                let bits = n.bits();
                if bits < MIN_RSA_BITS {
                    return Err(JoseError::WeakKey(bits));
                }
                let key = RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS).map_err(|_| {
                    JoseError::InvalidKey("the RSA modulus or exponent is out of range")
                })?;
                Ok(Self::Rs256 {
                    n: key.n().to_bytes_be(),
                    e: key.e().to_bytes_be(),
                    len: key.size(),
                })
            }
            Algorithm::EdDsa => {
                let x = fixed::<32>(&jwk.x, "x")?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(Self::EdDsa)
                    .map_err(|_| JoseError::InvalidKey("x is not an Ed25519 public key"))
            }
        }
    }

    /// Checks `signature` over the JWS signing input (RFC 7515 §5.2 step 8).
    pub(crate) fn verify(&self, signing_input: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        let expected = match self {
            Self::Es256(_) | Self::EdDsa(_) => FIXED_SIGNATURE_LEN,
            Self::Rs256 { len, .. } => *len,
        };
        if signature.len() != expected {
            return Err(JoseError::SignatureLength {
                expected,
                actual: signature.len(),
            });
        }
        let valid = match self {
            Self::Es256(point) => {
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(signing_input, signature)
                    .is_ok()
            }
            Self::Rs256 { n, e, .. } => signature::RsaPublicKeyComponents { n, e }
                .verify(
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    signing_input,
                    signature,
                )
                .is_ok(),
            Self::EdDsa(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify_strict(signing_input, &sig).is_ok()),
        };
        if valid {
            Ok(())
        } else {
            Err(JoseError::BadSignature)
        }
    }
}

/// A required base64url member, decoded.
fn member(value: &Option<String>, name: &'static str) -> Result<Vec<u8>, JoseError> {
    value
        .as_deref()
        .and_then(b64::decode)
        .ok_or(JoseError::InvalidKey(name))
}

/// A required base64url member of exactly `N` bytes (RFC 7518 §6.2.1.2:
/// coordinates are full length; RFC 8037 §2: the Ed25519 key is 32 bytes).
fn fixed<const N: usize>(value: &Option<String>, name: &'static str) -> Result<[u8; N], JoseError> {
    <[u8; N]>::try_from(member(value, name)?).map_err(|_| JoseError::InvalidKey(name))
}
