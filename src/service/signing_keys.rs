//! A tenant's signing keys as use cases: made with the tenant (one per
//! algorithm), rotated on demand or on schedule, published as the JWKS, and
//! opened to sign. The JOSE work is `usso_oidc::jose`; the life cycle rules
//! are [`crate::core::signing_key`].
//!
//! The hot path (every token issued or checked) reads no key from the store:
//! each tenant's key list (with its parsed JWKs) and each opened private key
//! are kept in the hub's [`LookupCache`](super::lookup_cache::LookupCache)s.
//! A change made through this hub drops them at once; one made by another
//! node (rotation job, `usso keys rotate`) is seen within
//! [`LOOKUP_TTL`](super::lookup_cache::LOOKUP_TTL), well inside the
//! [`PUBLISH_AHEAD`] a new key is published before it signs. Which key signs
//! and which are published is decided on each call from the cached list and
//! the hub's clock.

use std::sync::Arc;

use serde_json::json;
use usso_oidc::jose::{Algorithm, Jwk, JwkSet, SigningKey};

use super::{record, Hub, ServiceError};
use crate::core::event::{Actor, AuditEvent};
use crate::core::signing_key::{self, KeyAlgorithm, SigningKeyInfo, PUBLISH_AHEAD};
use crate::core::tenant::Tenant;
use crate::secrets::tokens::new_token;
use crate::store::signing_keys;

/// The JOSE algorithm of a core key algorithm.
pub fn jose_algorithm(alg: KeyAlgorithm) -> Algorithm {
    match alg {
        KeyAlgorithm::Es256 => Algorithm::Es256,
        KeyAlgorithm::Rs256 => Algorithm::Rs256,
        KeyAlgorithm::EdDsa => Algorithm::EdDsa,
    }
}

/// Where new key pairs come from. The hub's default makes fresh ones; the
/// seam lets test suites that create hundreds of tenants reuse one RSA key
/// (2048-bit generation costs a large fraction of a second).
pub trait KeyGenerator: Send + Sync + std::fmt::Debug {
    fn generate(
        &self,
        alg: Algorithm,
        kid: String,
    ) -> Result<SigningKey, usso_oidc::jose::JoseError>;
}

/// Fresh key pairs from the operating system's randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct FreshKeys;

impl KeyGenerator for FreshKeys {
    fn generate(
        &self,
        alg: Algorithm,
        kid: String,
    ) -> Result<SigningKey, usso_oidc::jose::JoseError> {
        SigningKey::generate(alg, kid)
    }
}

/// A tenant's keys as read from the store, with each one's public JWK
/// parsed once.
#[derive(Debug)]
pub struct KeyList {
    keys: Vec<SigningKeyInfo>,
    jwks: Vec<Jwk>,
}

impl KeyList {
    fn new(keys: Vec<SigningKeyInfo>) -> Result<Self, ServiceError> {
        let jwks = keys
            .iter()
            .map(|k| serde_json::from_value(k.public_jwk.clone()))
            .collect::<Result<Vec<Jwk>, _>>()
            .map_err(|e| ServiceError::Internal(format!("stored jwk: {e}")))?;
        Ok(Self { keys, jwks })
    }
}

/// What binds a sealed private key to its row.
fn seal_context(tenant: &Tenant, kid: &str) -> String {
    format!("signing-key:{}:{kid}", tenant.id)
}

impl Hub {
    /// Makes a new key pair (on the blocking pool: RSA generation takes a
    /// while) and seals its private half.
    async fn new_key(
        &self,
        tenant: &Tenant,
        alg: KeyAlgorithm,
        activates_at: time::OffsetDateTime,
    ) -> Result<(SigningKeyInfo, String), ServiceError> {
        let created_at = self.now();
        // 128 random bits, URL-safe: the kid reveals nothing.
        let kid: String = new_token("").chars().take(22).collect();
        let jose_alg = jose_algorithm(alg);
        let key = {
            let kid = kid.clone();
            let keygen = self.keygen.clone();
            tokio::task::spawn_blocking(move || keygen.generate(jose_alg, kid))
                .await
                .map_err(|e| ServiceError::Internal(format!("key generation task: {e}")))?
                .map_err(|e| ServiceError::Internal(format!("key generation: {e}")))?
        };
        let der = key
            .to_pkcs8_der()
            .map_err(|e| ServiceError::Internal(format!("key export: {e}")))?;
        let sealed = self.sealer.seal(&der, &seal_context(tenant, &kid));
        let public_jwk = serde_json::to_value(key.public_jwk())
            .map_err(|e| ServiceError::Internal(format!("jwk: {e}")))?;
        let info = SigningKeyInfo {
            tenant_id: tenant.id,
            kid,
            alg,
            public_jwk,
            created_at,
            activates_at,
            retires_at: None,
            expires_at: None,
        };
        Ok((info, sealed))
    }

    /// A new tenant's first keys, one per algorithm, active at once; the
    /// caller stores them in the tenant's own transaction.
    pub(crate) async fn first_signing_keys(
        &self,
        tenant: &Tenant,
        algs: &[KeyAlgorithm],
    ) -> Result<Vec<(SigningKeyInfo, String)>, ServiceError> {
        let now = self.now();
        let mut made = Vec::new();
        for &alg in algs {
            made.push(self.new_key(tenant, alg, now).await?);
        }
        Ok(made)
    }

    /// Gives the tenant a signing key for every algorithm that has none
    /// active (at tenant creation, and for tenants older than keys).
    pub async fn ensure_signing_keys(
        &self,
        tenant: &Tenant,
    ) -> Result<Vec<SigningKeyInfo>, ServiceError> {
        Ok(self.key_list(tenant).await?.keys.clone())
    }

    /// The tenant's key list, from the cache when it is fresh and has an
    /// active key of every algorithm; otherwise read (and completed with
    /// the missing keys) and cached.
    async fn key_list(&self, tenant: &Tenant) -> Result<Arc<KeyList>, ServiceError> {
        let now = self.now();
        let complete = |keys: &[SigningKeyInfo]| {
            KeyAlgorithm::ALL
                .into_iter()
                .all(|alg| signing_key::signer(keys, alg, now).is_some())
        };
        if let Some(list) = self.signing_key_lists.get(&tenant.id, now) {
            if complete(&list.keys) {
                return Ok(list);
            }
        }
        let existing = {
            let mut conn = self.store.conn().await?;
            signing_keys::list(&mut conn, tenant.id).await?
        };
        let keys = if complete(&existing) {
            existing
        } else {
            self.add_missing_keys(tenant, &existing).await?
        };
        let list = Arc::new(KeyList::new(keys)?);
        self.signing_key_lists
            .put(tenant.id, Arc::clone(&list), now);
        Ok(list)
    }

    /// Makes and stores a key for every algorithm of `existing` that has
    /// none active; returns the tenant's keys after it.
    async fn add_missing_keys(
        &self,
        tenant: &Tenant,
        existing: &[SigningKeyInfo],
    ) -> Result<Vec<SigningKeyInfo>, ServiceError> {
        let now = self.now();
        let missing: Vec<KeyAlgorithm> = KeyAlgorithm::ALL
            .into_iter()
            .filter(|alg| signing_key::signer(existing, *alg, now).is_none())
            .collect();
        let mut made = Vec::new();
        for alg in missing {
            made.push(self.new_key(tenant, alg, now).await?);
        }
        let mut tx = self.store.begin().await?;
        for (info, sealed) in &made {
            signing_keys::insert(&mut tx, info, sealed).await?;
        }
        let kids: Vec<&str> = made.iter().map(|(info, _)| info.kid.as_str()).collect();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, Actor::System, "signing_keys.created")
                .details(json!({ "kids": kids })),
        )
        .await?;
        tx.commit().await?;
        self.forget_signing_keys();
        let mut conn = self.store.conn().await?;
        Ok(signing_keys::list(&mut conn, tenant.id).await?)
    }

    /// Drops the cached key lists and opened keys (after a change this hub
    /// made).
    fn forget_signing_keys(&self) {
        self.signing_key_lists.clear();
        self.verified_access_tokens.clear();
        self.opened_signing_keys.clear();
    }

    /// Rotates every algorithm's key: the new keys are published now and
    /// sign after [`PUBLISH_AHEAD`] (at once with `immediately`, for a
    /// compromised key); the old ones retire then and leave the JWKS a day
    /// later.
    pub async fn rotate_signing_keys(
        &self,
        actor: Actor,
        tenant: &Tenant,
        immediately: bool,
    ) -> Result<Vec<SigningKeyInfo>, ServiceError> {
        let now = self.now();
        let activates_at = if immediately {
            now
        } else {
            now + PUBLISH_AHEAD
        };
        let existing = {
            let mut conn = self.store.conn().await?;
            signing_keys::list(&mut conn, tenant.id).await?
        };
        let mut made = Vec::new();
        for alg in KeyAlgorithm::ALL {
            made.push(self.new_key(tenant, alg, activates_at).await?);
        }
        let mut tx = self.store.begin().await?;
        let mut retired = Vec::new();
        for alg in KeyAlgorithm::ALL {
            for (kid, retires_at, expires_at) in
                signing_key::retirements(&existing, alg, now, activates_at)
            {
                signing_keys::retire(&mut tx, tenant.id, &kid, retires_at, expires_at).await?;
                retired.push(kid);
            }
        }
        for (info, sealed) in &made {
            signing_keys::insert(&mut tx, info, sealed).await?;
        }
        let kids: Vec<&str> = made.iter().map(|(info, _)| info.kid.as_str()).collect();
        record(
            &mut tx,
            &AuditEvent::new(tenant.id, now, actor, "signing_keys.rotated").details(json!({
                "new": kids,
                "retiring": retired,
                "activates_at": activates_at.unix_timestamp(),
                "immediately": immediately,
            })),
        )
        .await?;
        tx.commit().await?;
        self.forget_signing_keys();
        let mut conn = self.store.conn().await?;
        Ok(signing_keys::list(&mut conn, tenant.id).await?)
    }

    /// Every key of the tenant with its status, oldest first.
    pub async fn signing_keys(&self, tenant: &Tenant) -> Result<Vec<SigningKeyInfo>, ServiceError> {
        let mut conn = self.store.conn().await?;
        Ok(signing_keys::list(&mut conn, tenant.id).await?)
    }

    /// The tenant's published keys (RFC 7517 JWK Set).
    pub async fn jwks(&self, tenant: &Tenant) -> Result<JwkSet, ServiceError> {
        let now = self.now();
        let list = self.key_list(tenant).await?;
        let keys = list
            .keys
            .iter()
            .zip(&list.jwks)
            .filter(|(k, _)| k.is_published(now))
            .map(|(_, jwk)| jwk.clone())
            .collect();
        Ok(JwkSet { keys })
    }

    /// The key that signs with `alg` now, opened (once per
    /// [`LOOKUP_TTL`](super::lookup_cache::LOOKUP_TTL), then from the cache).
    pub async fn signing_key(
        &self,
        tenant: &Tenant,
        alg: KeyAlgorithm,
    ) -> Result<Arc<SigningKey>, ServiceError> {
        let now = self.now();
        let list = self.key_list(tenant).await?;
        let info = signing_key::signer(&list.keys, alg, now)
            .ok_or_else(|| ServiceError::Internal(format!("no active {alg} key")))?;
        let cache_key = (tenant.id, info.kid.clone());
        if let Some(key) = self.opened_signing_keys.get(&cache_key, now) {
            return Ok(key);
        }
        let sealed = {
            let mut conn = self.store.conn().await?;
            signing_keys::sealed_private(&mut conn, tenant.id, &info.kid).await?
        };
        let der = self
            .sealer
            .open(&sealed, &seal_context(tenant, &info.kid))
            .map_err(|e| ServiceError::Internal(format!("signing key {}: {e}", info.kid)))?;
        let key = SigningKey::from_pkcs8_der(jose_algorithm(alg), info.kid.clone(), &der)
            .map(Arc::new)
            .map_err(|e| ServiceError::Internal(format!("signing key {}: {e}", info.kid)))?;
        self.opened_signing_keys
            .put(cache_key, Arc::clone(&key), now);
        Ok(key)
    }

    /// Every published key of `alg`, opened (PKCS#8 DER): the one that signs
    /// now first, then the others (next and retiring), newest first. For
    /// protocols that publish certificates rather than a JWKS (SAML).
    pub async fn published_private_keys(
        &self,
        tenant: &Tenant,
        alg: KeyAlgorithm,
    ) -> Result<Vec<(SigningKeyInfo, zeroize::Zeroizing<Vec<u8>>)>, ServiceError> {
        let now = self.now();
        let keys = self.ensure_signing_keys(tenant).await?;
        let signer = signing_key::signer(&keys, alg, now)
            .map(|k| k.kid.clone())
            .ok_or_else(|| ServiceError::Internal(format!("no active {alg} key")))?;
        let mut published: Vec<&SigningKeyInfo> = keys
            .iter()
            .filter(|k| k.alg == alg && k.is_published(now))
            .collect();
        published.sort_by_key(|k| (k.kid != signer, std::cmp::Reverse(k.activates_at)));
        let mut conn = self.store.conn().await?;
        let mut opened = Vec::with_capacity(published.len());
        for info in published {
            let sealed = signing_keys::sealed_private(&mut conn, tenant.id, &info.kid).await?;
            let der = self
                .sealer
                .open(&sealed, &seal_context(tenant, &info.kid))
                .map_err(|e| ServiceError::Internal(format!("signing key {}: {e}", info.kid)))?;
            opened.push((info.clone(), der));
        }
        Ok(opened)
    }

    /// Drops the keys that left every tenant's JWKS (the key sweep job).
    pub async fn delete_expired_signing_keys(&self) -> Result<u64, ServiceError> {
        let mut conn = self.store.conn().await?;
        let deleted = signing_keys::delete_expired(&mut conn, self.now()).await?;
        if deleted > 0 {
            self.forget_signing_keys();
        }
        Ok(deleted)
    }
}
