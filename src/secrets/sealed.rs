//! Encryption at rest of the secrets the hub must read back — the tenants'
//! private signing keys, later upstream client secrets and LDAP bind
//! passwords (ARCHITECTURE.md rule 8). XChaCha20-Poly1305 under a key derived
//! from the master key; the associated data binds each ciphertext to its row
//! (tenant and key id), so a sealed value moved to another row fails to open.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

use super::master_key::MasterKey;

/// Version tag of the sealed format, so that the algorithm can change later.
const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error(
        "the sealed value does not open with this master key (or was moved to another record)"
    )]
    Forged,
}

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn new(master: &MasterKey) -> Self {
        let key = Zeroizing::new(master.derive("sealed-secrets"));
        Self {
            cipher: XChaCha20Poly1305::new(key.as_ref().into()),
        }
    }

    /// Encrypts `plaintext` bound to `context` (e.g. `"signing-key:<tenant>:<kid>"`).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context.as_bytes(),
        };
        // Encryption only fails for messages beyond 256 GiB.
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(out))
    }

    /// Decrypts a value made by [`SecretBox::seal`] with the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(SealError::Malformed)?;
        let raw = STANDARD_NO_PAD
            .decode(encoded)
            .map_err(|_| SealError::Malformed)?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        self.cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map(Zeroizing::new)
            .map_err(|_| SealError::Forged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(byte: u8) -> SecretBox {
        SecretBox::new(&MasterKey::from_bytes([byte; 32]))
    }

    #[test]
    fn round_trips_and_never_repeats_a_ciphertext() {
        let s = sealer(1);
        let a = s.seal(b"private key", "signing-key:t1:k1");
        let b = s.seal(b"private key", "signing-key:t1:k1");
        assert_ne!(a, b, "fresh nonce each time");
        assert!(!a.contains("private"));
        assert_eq!(
            s.open(&a, "signing-key:t1:k1").unwrap().as_slice(),
            b"private key"
        );
    }

    #[test]
    fn refuses_another_master_key_another_record_and_tampering() {
        let sealed = sealer(1).seal(b"secret", "signing-key:t1:k1");
        assert_eq!(
            sealer(2).open(&sealed, "signing-key:t1:k1"),
            Err(SealError::Forged)
        );
        assert_eq!(
            sealer(1).open(&sealed, "signing-key:t2:k1"),
            Err(SealError::Forged)
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(
            sealer(1).open(&tampered, "signing-key:t1:k1"),
            Err(SealError::Forged)
        );
        for malformed in ["", "v1.", "v2.AAAA", "v1.!!!!", "v1.AAAA"] {
            assert_eq!(
                sealer(1).open(malformed, "x"),
                Err(SealError::Malformed),
                "{malformed}"
            );
        }
    }
}
