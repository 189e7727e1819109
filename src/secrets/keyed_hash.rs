//! Keyed hashes (HMAC-SHA256) of high-entropy secrets — API keys, session
//! tokens, later client secrets and refresh tokens. Fast enough for the hot
//! path, useless to whoever steals the database without the master key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::master_key::{hex, MasterKey};

#[derive(Clone)]
pub struct SecretHasher {
    key: [u8; 32],
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHasher(..)")
    }
}

impl SecretHasher {
    pub fn new(master: &MasterKey) -> Self {
        Self {
            key: master.derive("secret-hash"),
        }
    }

    /// The hex HMAC of `secret`; equal secrets give equal hashes, so the
    /// hash is the lookup key (compared by the database's index).
    pub fn hash(&self, secret: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(secret.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_by_the_master_key() {
        let a = SecretHasher::new(&MasterKey::from_bytes([1; 32]));
        let b = SecretHasher::new(&MasterKey::from_bytes([2; 32]));
        assert_eq!(a.hash("t"), a.hash("t"));
        assert_ne!(a.hash("t"), b.hash("t"));
        assert_ne!(a.hash("t"), a.hash("u"));
        assert_eq!(a.hash("t").len(), 64);
    }
}
