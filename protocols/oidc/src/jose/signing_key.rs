//! A private signing key of the OpenID Provider with its `kid`: generation
//! (P-256, RSA 2048, Ed25519), PKCS#8 DER import and export (RFC 5208,
//! RFC 8410 for Ed25519), the public JWK it publishes (RFC 7518 §6.2–§6.3,
//! RFC 8037 §2), and compact JWS signing (RFC 7515 §5.1, §7.1). ES256
//! signatures are `R || S` (RFC 7518 §3.4) with AWS-LC's hedged nonces
//! (random, mixed with the key and the message digest); RS256 signs with RSA
//! blinding.
//!
//! Keys are read, written and published through RustCrypto (`p256`, `rsa`,
//! `ed25519-dalek`); ES256 and RS256 signatures are made by AWS-LC
//! (`aws-lc-rs`), whose key pair is built once, when the key is read or
//! generated. The RustCrypto halves are wiped when dropped; AWS-LC frees its
//! copy of the private scalar (or RSA primes) with its own cleansing free.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature;
use p256::ecdsa::signature::{RandomizedSigner as _, SignatureEncoding as _, Signer as _};
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use rand_core::{CryptoRngCore, OsRng};
use rsa::traits::PublicKeyParts as _;
use serde::Serialize;
use sha2::Sha256;
use zeroize::{Zeroize as _, Zeroizing};

use super::verifying_key::MIN_RSA_BITS;
use super::{b64, Algorithm, Header, JoseError, Jwk};

/// The modulus size of generated RSA keys.
const RSA_BITS: usize = 2048;

/// One private key, its `kid` and its algorithm. The RustCrypto key
/// material is wiped from memory when dropped (AWS-LC's copy by AWS-LC, see
/// the module doc), and `Debug` prints only the `kid` and algorithm. Clones
/// share AWS-LC's key pair.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    material: Material,
}

#[derive(Clone)]
enum Material {
    Es256(p256::ecdsa::SigningKey, Arc<signature::EcdsaKeyPair>),
    /// AWS-LC's key pair when AWS-LC takes the key (with its CRT
    /// parameters); the `rsa` crate signs otherwise.
    Rs256(
        rsa::pkcs1v15::SigningKey<Sha256>,
        Option<Arc<signature::RsaKeyPair>>,
    ),
    EdDsa(ed25519_dalek::SigningKey),
}

/// AWS-LC's ES256 key pair for a P-256 key: its private scalar and public
/// point.
fn fast_es256(key: &p256::ecdsa::SigningKey) -> Result<Material, JoseError> {
    let private = Zeroizing::new(key.to_bytes());
    let public = key.verifying_key().to_encoded_point(false);
    let pair = signature::EcdsaKeyPair::from_private_key_and_public_key(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        private.as_slice(),
        public.as_bytes(),
    )
    .map_err(|_| JoseError::Pkcs8(Algorithm::Es256))?;
    Ok(Material::Es256(key.clone(), Arc::new(pair)))
}

/// AWS-LC's RS256 key pair for an RSA key, if AWS-LC takes it.
fn fast_rs256(key: rsa::RsaPrivateKey) -> Material {
    let fast = key
        .to_pkcs8_der()
        .ok()
        .and_then(|der| signature::RsaKeyPair::from_pkcs8(der.as_bytes()).ok())
        .map(Arc::new);
    Material::Rs256(rsa::pkcs1v15::SigningKey::new(key), fast)
}

impl SigningKey {
    /// Generates a key for `alg` from the operating system's RNG. RSA key
    /// generation takes long in unoptimized builds.
    pub fn generate(alg: Algorithm, kid: String) -> Result<Self, JoseError> {
        Self::generate_with_rng(alg, kid, &mut OsRng)
    }

    /// Generates a key for `alg` from `rng`, for callers that inject their
    /// randomness.
    pub fn generate_with_rng<R: CryptoRngCore>(
        alg: Algorithm,
        kid: String,
        rng: &mut R,
    ) -> Result<Self, JoseError> {
        let material = match alg {
            Algorithm::Es256 => fast_es256(&p256::ecdsa::SigningKey::random(rng))
                .map_err(|_| JoseError::KeyGeneration)?,
            Algorithm::Rs256 => fast_rs256(
                rsa::RsaPrivateKey::new(rng, RSA_BITS).map_err(|_| JoseError::KeyGeneration)?,
            ),
            Algorithm::EdDsa => Material::EdDsa(ed25519_dalek::SigningKey::generate(rng)),
        };
        Ok(Self { kid, material })
    }

    /// Reads a PKCS#8 DER private key (as [`to_pkcs8_der`](Self::to_pkcs8_der)
    /// writes it) for `alg`. RSA keys under 2048 bits are refused.
    pub fn from_pkcs8_der(alg: Algorithm, kid: String, der: &[u8]) -> Result<Self, JoseError> {
        let invalid = |_| JoseError::Pkcs8(alg);
        let material = match alg {
            Algorithm::Es256 => {
                fast_es256(&p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)?
            }
            Algorithm::Rs256 => {
                let key = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(invalid)?;
                key.validate().map_err(|_| JoseError::Pkcs8(alg))?;
                let bits = key.size() * 8;
                if bits < MIN_RSA_BITS {
                    return Err(JoseError::WeakKey(bits));
                }
                fast_rs256(key)
            }
            Algorithm::EdDsa => {
                Material::EdDsa(ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
        };
        Ok(Self { kid, material })
    }

    /// The private key as PKCS#8 DER, in a buffer wiped when dropped. Encrypt
    /// it before it is stored.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, JoseError> {
        let document = match &self.material {
            Material::Es256(key, _) => p256::SecretKey::from(key).to_pkcs8_der(),
            Material::Rs256(key, _) => key.to_pkcs8_der(),
            Material::EdDsa(key) => ed25519_v1_pkcs8(key),
        }
        .map_err(|_| JoseError::Pkcs8(self.alg()))?;
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// The key identifier, published as the JWK `kid` and put in every header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> Algorithm {
        match self.material {
            Material::Es256(..) => Algorithm::Es256,
            Material::Rs256(..) => Algorithm::Rs256,
            Material::EdDsa(_) => Algorithm::EdDsa,
        }
    }

    /// The public JWK to publish, with `kid`, `alg` and `use: "sig"`.
    pub fn public_jwk(&self) -> Jwk {
        let alg = self.alg();
        let mut jwk = Jwk {
            kty: Some(alg.key_type().to_owned()),
            kid: Some(self.kid.clone()),
            key_use: Some("sig".to_owned()),
            alg: Some(alg.as_str().to_owned()),
            crv: alg.curve().map(str::to_owned),
            ..Jwk::default()
        };
        match &self.material {
            Material::Es256(key, _) => {
                let point = key.verifying_key().to_encoded_point(false);
                jwk.x = point.x().map(b64::encode);
                jwk.y = point.y().map(b64::encode);
            }
            Material::Rs256(key, _) => {
                let key: &rsa::RsaPrivateKey = key.as_ref();
                jwk.n = Some(b64::encode(key.n().to_bytes_be()));
                jwk.e = Some(b64::encode(key.e().to_bytes_be()));
            }
            Material::EdDsa(key) => jwk.x = Some(b64::encode(key.verifying_key().as_bytes())),
        }
        jwk
    }

    /// Signs `claims` (a JSON object) as a compact JWS whose protected header
    /// is `{"alg", "kid", "typ"?}`.
    /// `claims` is anything serialized as a JSON object: a `serde_json`
    /// value, or a struct (no map of owned strings built per token).
    pub fn sign<C: Serialize + ?Sized>(
        &self,
        typ: Option<&str>,
        claims: &C,
    ) -> Result<String, JoseError> {
        let payload = serde_json::to_vec(claims).map_err(|_| JoseError::Signing)?;
        if payload.first() != Some(&b'{') {
            return Err(JoseError::NotJsonObject(super::Part::Payload));
        }
        let header = Header {
            alg: self.alg(),
            kid: Some(self.kid.clone()),
            typ: typ.map(str::to_owned),
        };
        let header = serde_json::to_vec(&header).map_err(|_| JoseError::Signing)?;
        let mut token = format!("{}.{}", b64::encode(header), b64::encode(payload));
        let signature = self.signature(token.as_bytes())?;
        token.push('.');
        token.push_str(&b64::encode(signature));
        Ok(token)
    }

    /// The raw JWS signature of `signing_input` (RFC 7515 §5.1 step 5).
    pub(crate) fn signature(&self, signing_input: &[u8]) -> Result<Vec<u8>, JoseError> {
        match &self.material {
            Material::Es256(_, pair) => pair
                .sign(&SystemRandom::new(), signing_input)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| JoseError::Signing),
            Material::Rs256(_, Some(pair)) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    signing_input,
                    &mut signature,
                )
                .map_err(|_| JoseError::Signing)?;
                Ok(signature)
            }
            Material::Rs256(key, None) => key
                .try_sign_with_rng(&mut OsRng, signing_input)
                .map(|signature| signature.to_vec())
                .map_err(|_| JoseError::Signing),
            Material::EdDsa(key) => key
                .try_sign(signing_input)
                .map(|signature| signature.to_bytes().to_vec())
                .map_err(|_| JoseError::Signing),
        }
    }
}

/// The RFC 8410 §7 form, PKCS#8 v1 without the public key: ed25519-dalek
/// writes v2 (RFC 5958) with the public key, which OpenSSL 3 and Python's
/// `cryptography` do not read.
fn ed25519_v1_pkcs8(
    key: &ed25519_dalek::SigningKey,
) -> p256::pkcs8::Result<p256::pkcs8::SecretDocument> {
    let mut pair = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    let document = pair.to_pkcs8_der();
    pair.secret_key.zeroize();
    document
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}
