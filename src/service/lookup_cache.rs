//! A short-lived, in-process cache of a read nearly every request makes (a
//! tenant by its slug). Entries live [`LOOKUP_TTL`] by the hub's clock; a
//! change made through this hub drops them at once, a change made by
//! another node (or the CLI) is seen within the TTL. Only hits are kept, so
//! a new tenant is found at once everywhere. API keys are not cached: a
//! revoked key must stop working at once on every node.
//!
//! Entries put with a change epoch ([`LookupCache::put_at`], the store's
//! [`Epoch`]) are also dropped as soon as the epoch moves: a marked change
//! made by any process on the database counts at once
//! ([`crate::store::changes`]). Clients and grants are cached that way.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::store::changes::Epoch;

/// How long a cached read is trusted.
pub const LOOKUP_TTL: Duration = Duration::seconds(5);
/// Most entries kept; past it the cache is emptied (cheap, and rare).
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
pub struct LookupCache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
}

#[derive(Debug)]
struct Entry<V> {
    at: OffsetDateTime,
    epoch: Option<Epoch>,
    value: V,
}

impl<V> Entry<V> {
    /// Younger than [`LOOKUP_TTL`] by the hub's clock (and not from its
    /// future).
    fn fresh(&self, now: OffsetDateTime) -> bool {
        now - self.at < LOOKUP_TTL && self.at <= now
    }
}

impl<K: Eq + Hash, V: Clone> Default for LookupCache<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V: Clone> LookupCache<K, V> {
    /// The value cached for `key`, if it is younger than [`LOOKUP_TTL`].
    pub fn get(&self, key: &K, now: OffsetDateTime) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.fresh(now))
            .map(|e| e.value.clone())
    }

    pub fn put(&self, key: K, value: V, now: OffsetDateTime) {
        self.insert(key, value, now, None);
    }

    /// The value cached for `key` if it is younger than [`LOOKUP_TTL`] and
    /// was read in the change epoch `epoch` (`None`: nothing is current).
    pub fn get_at(&self, key: &K, now: OffsetDateTime, epoch: Option<Epoch>) -> Option<V> {
        let epoch = epoch?;
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.epoch == Some(epoch) && e.fresh(now))
            .map(|e| e.value.clone())
    }

    /// Keeps `value`, read in the change epoch `epoch` (taken before the
    /// read); nothing is kept when `epoch` is `None`.
    pub fn put_at(&self, key: K, value: V, now: OffsetDateTime, epoch: Option<Epoch>) {
        if epoch.is_some() {
            self.insert(key, value, now, epoch);
        }
    }

    fn insert(&self, key: K, value: V, at: OffsetDateTime, epoch: Option<Epoch>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, Entry { at, epoch, value });
        }
    }

    /// Forgets everything (after a change this hub made).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let cache: LookupCache<String, u32> = LookupCache::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        cache.put("a".into(), 1, t0);
        assert_eq!(cache.get(&"a".into(), t0 + Duration::seconds(4)), Some(1));
        assert_eq!(cache.get(&"a".into(), t0 + LOOKUP_TTL), None);
        assert_eq!(cache.get(&"a".into(), t0 - Duration::seconds(1)), None);
        cache.clear();
        assert_eq!(cache.get(&"a".into(), t0), None);
    }
}
