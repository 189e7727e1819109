//! A tenant's token-signing keys and their life cycle. A key is *published*
//! (listed in the JWKS) from its creation until `expires_at`; it *signs*
//! from `activates_at` until `retires_at`. Rotation publishes the next key
//! before it signs (so relying parties that cache the JWKS already know it)
//! and keeps the retired key published until every token it signed has
//! expired. The key material itself is sealed in the store, never here.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::error::CoreError;
use super::TenantId;

/// The JWS algorithms a tenant holds keys for (RFC 7518, RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    #[serde(rename = "ES256")]
    Es256,
    #[serde(rename = "RS256")]
    Rs256,
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl KeyAlgorithm {
    /// Every tenant holds one signing key of each.
    pub const ALL: [KeyAlgorithm; 3] = [Self::Es256, Self::Rs256, Self::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
            Self::EdDsa => "EdDSA",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, CoreError> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or_else(|| CoreError::invalid("alg", "must be ES256, RS256 or EdDSA"))
    }
}

impl std::fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far ahead of signing a new key is published: longer than relying
/// parties cache the JWKS (its `Cache-Control: max-age`).
pub const PUBLISH_AHEAD: Duration = Duration::minutes(10);

/// How long a retired key stays published: longer than any token it signed
/// lives (access and ID tokens live at most a day).
pub const KEEP_AFTER_RETIRING: Duration = Duration::days(1);

/// What the hub knows of a key without opening it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyInfo {
    pub tenant_id: TenantId,
    /// The JWS `kid`; unique within the tenant.
    pub kid: String,
    pub alg: KeyAlgorithm,
    /// The public JWK as published.
    pub public_jwk: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub activates_at: OffsetDateTime,
    pub retires_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Where a key is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Published, not signing yet.
    Next,
    Active,
    /// Published, no longer signing.
    Retired,
    /// Gone from the JWKS; about to be deleted.
    Expired,
}

impl SigningKeyInfo {
    pub fn status(&self, now: OffsetDateTime) -> KeyStatus {
        if self.expires_at.is_some_and(|e| e <= now) {
            KeyStatus::Expired
        } else if self.retires_at.is_some_and(|r| r <= now) {
            KeyStatus::Retired
        } else if self.activates_at > now {
            KeyStatus::Next
        } else {
            KeyStatus::Active
        }
    }

    pub fn is_published(&self, now: OffsetDateTime) -> bool {
        self.status(now) != KeyStatus::Expired
    }
}

/// The key that signs with `alg` at `now`: of the active ones, the newest.
pub fn signer(
    keys: &[SigningKeyInfo],
    alg: KeyAlgorithm,
    now: OffsetDateTime,
) -> Option<&SigningKeyInfo> {
    keys.iter()
        .filter(|k| k.alg == alg && k.status(now) == KeyStatus::Active)
        .max_by_key(|k| k.activates_at)
}

/// The retirement of the keys a rotation replaces: each key of `alg` that
/// is active or next at `now` retires when the new key activates, and leaves
/// the JWKS a day later (at once if it never signed). Returns `(kid, retires_at, expires_at)` for each.
pub fn retirements(
    keys: &[SigningKeyInfo],
    alg: KeyAlgorithm,
    now: OffsetDateTime,
    new_activates_at: OffsetDateTime,
) -> Vec<(String, OffsetDateTime, OffsetDateTime)> {
    keys.iter()
        .filter(|k| k.alg == alg && matches!(k.status(now), KeyStatus::Active | KeyStatus::Next))
        .map(|k| {
            let retires = k
                .retires_at
                .map_or(new_activates_at, |r| r.min(new_activates_at));
            // A key that never signed has no tokens to outlive: it leaves at once.
            let expires = if k.activates_at >= retires {
                retires
            } else {
                retires + KEEP_AFTER_RETIRING
            };
            (k.kid.clone(), retires, expires)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(
        kid: &str,
        activates: i64,
        retires: Option<i64>,
        expires: Option<i64>,
    ) -> SigningKeyInfo {
        let at = |s: i64| OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).unwrap();
        SigningKeyInfo {
            tenant_id: TenantId::new(at(0)),
            kid: kid.into(),
            alg: KeyAlgorithm::Es256,
            public_jwk: serde_json::json!({}),
            created_at: at(0),
            activates_at: at(activates),
            retires_at: retires.map(at),
            expires_at: expires.map(at),
        }
    }

    fn at(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn a_key_goes_next_active_retired_expired() {
        let k = key("a", 10, Some(20), Some(30));
        assert_eq!(k.status(at(5)), KeyStatus::Next);
        assert_eq!(k.status(at(10)), KeyStatus::Active);
        assert_eq!(k.status(at(20)), KeyStatus::Retired);
        assert!(k.is_published(at(29)));
        assert_eq!(k.status(at(30)), KeyStatus::Expired);
        assert!(!k.is_published(at(30)));
    }

    #[test]
    fn the_newest_active_key_signs_and_a_published_next_key_does_not() {
        let keys = [key("old", 0, None, None), key("new", 100, None, None)];
        assert_eq!(
            signer(&keys, KeyAlgorithm::Es256, at(50)).unwrap().kid,
            "old"
        );
        assert_eq!(
            signer(&keys, KeyAlgorithm::Es256, at(100)).unwrap().kid,
            "new"
        );
        assert!(signer(&keys, KeyAlgorithm::Rs256, at(100)).is_none());
    }

    #[test]
    fn rotation_retires_the_current_key_when_the_next_activates() {
        let keys = [key("old", 0, None, None), key("gone", 0, Some(5), Some(6))];
        let plan = retirements(&keys, KeyAlgorithm::Es256, at(50), at(50) + PUBLISH_AHEAD);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].0, "old");
        assert_eq!(plan[0].1, at(50) + PUBLISH_AHEAD);
        assert_eq!(plan[0].2, at(50) + PUBLISH_AHEAD + KEEP_AFTER_RETIRING);
    }

    #[test]
    fn a_next_key_superseded_before_it_signed_leaves_at_once() {
        let keys = [key("next", 100, None, None)];
        let plan = retirements(&keys, KeyAlgorithm::Es256, at(50), at(50));
        assert_eq!(plan, vec![("next".to_owned(), at(50), at(50))]);
    }
}
