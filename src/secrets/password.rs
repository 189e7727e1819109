//! Password hashing with argon2id at the OWASP parameters (m = 19 MiB,
//! t = 2, p = 1), run on the blocking pool with at most one hash per core at
//! a time, so a burst of logins cannot starve the async workers.
//! Failures cost the same whether or not the user exists. A verification
//! reuses its blocking thread's argon2 memory (19 MiB) instead of
//! allocating and zeroing it for every login.

use std::cell::RefCell;
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use thiserror::Error;
use tokio::sync::Semaphore;

#[derive(Debug, Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("the password worker stopped")]
    Worker,
}

/// OWASP Password Storage Cheat Sheet, argon2id minimum configuration.
pub fn owasp_params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    params: Params,
    /// A real hash of a random password, verified when the user is unknown.
    dummy: Arc<str>,
}

impl PasswordHasher {
    pub fn new(params: Params) -> Result<Self, PasswordError> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let dummy = hash_blocking(&params, &super::tokens::new_token(""))?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(cores)),
            params,
            dummy: dummy.into(),
        })
    }

    pub fn owasp() -> Result<Self, PasswordError> {
        Self::new(owasp_params())
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let params = self.params.clone();
        self.run(move || hash_blocking(&params, &password)).await?
    }

    /// Checks `password` against `phc`, or against a dummy hash when there is
    /// no stored hash (same cost, same answer: false).
    pub async fn verify(
        &self,
        password: String,
        phc: Option<String>,
    ) -> Result<bool, PasswordError> {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy.to_string());
        let ok = self.run(move || verify_blocking(&password, &phc)).await?;
        Ok(ok && known)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Worker)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| PasswordError::Worker)
    }
}

fn hash_blocking(params: &Params, password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

thread_local! {
    /// The argon2 memory of this thread's last verification, reused by the
    /// next one (argon2 writes every block before it reads it).
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` hashes to the PHC string `phc`, with the algorithm,
/// version and parameters the string names (so older hashes still verify);
/// the hashes are compared in constant time.
fn verify_blocking(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut computed = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let hashed = BLOCKS.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut computed,
                &mut memory[..blocks],
            )
            .is_ok()
    });
    hashed && bool::from(expected.as_bytes().ct_eq(&computed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(Params::new(64, 1, 1, None).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let h = cheap();
        let phc = h.hash("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(h
            .verify("correct horse".into(), Some(phc.clone()))
            .await
            .unwrap());
        assert!(!h.verify("wrong".into(), Some(phc)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let h = cheap();
        assert!(!h.verify("anything".into(), None).await.unwrap());
        assert!(!h
            .verify("x".into(), Some("not a phc".into()))
            .await
            .unwrap());
    }

    #[test]
    fn verification_agrees_with_the_crates_own_on_any_parameters() {
        use argon2::password_hash::PasswordVerifier;
        // Bigger then smaller memory on the same thread (the buffer is
        // reused), argon2id and argon2i, versions 0x13 and 0x10.
        let cases = [
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(512, 2, 1, None),
            ),
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(64, 1, 1, Some(16)),
            ),
            (
                Algorithm::Argon2i,
                Version::V0x10,
                Params::new(256, 3, 2, None),
            ),
            (
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(1024, 1, 4, Some(64)),
            ),
        ];
        for (algorithm, version, params) in cases {
            let salt = SaltString::generate(&mut OsRng);
            let phc = Argon2::new(algorithm, version, params.unwrap())
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&phc).unwrap();
            assert!(Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok());
            assert!(verify_blocking("correct horse", &phc), "{phc}");
            assert!(!verify_blocking("correct horsE", &phc), "{phc}");
            assert!(!verify_blocking("", &phc), "{phc}");
            // A hash with one character changed (inside it, not in the
            // last character's padding bits) does not verify.
            let mut tampered: Vec<char> = phc.chars().collect();
            let at = tampered.len() - 10;
            tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
            let tampered: String = tampered.into_iter().collect();
            assert!(PasswordHash::new(&tampered).is_ok(), "{tampered}");
            assert!(!verify_blocking("correct horse", &tampered), "{tampered}");
        }
        for broken in [
            "",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ",
            "$argon2x$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(!verify_blocking("x", broken), "{broken}");
        }
    }

    #[test]
    fn owasp_parameters() {
        let p = owasp_params();
        assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19 * 1024, 2, 1));
    }
}
