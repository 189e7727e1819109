//! Password hashing with argon2id at the OWASP parameters (m = 19 MiB,
//! t = 2, p = 1), run on the blocking pool with at most one hash per core at
//! a time, so a burst of logins cannot starve the async workers.
//! Failures cost the same whether or not the user exists.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
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

fn verify_blocking(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    // The parameters come from the stored hash, so older hashes still verify.
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
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
    fn owasp_parameters() {
        let p = owasp_params();
        assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19 * 1024, 2, 1));
    }
}
