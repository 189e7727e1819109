//! Throttling of failed logins, per account and per client IP, over a
//! sliding window (the limits are tenant settings). Kept in this node's
//! memory: each node of a cluster counts on its own, so a cluster allows at
//! most `nodes × limit` attempts per window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// Stop tracking new keys past this many (memory stays bounded under a
/// flood of distinct usernames); old windows are pruned first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<OffsetDateTime>>>,
}

impl Throttle {
    /// Seconds until `key` may try again, if it has `limit` failures within `window`.
    pub fn blocked_for(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Option<u64> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let times = map.get(key)?;
        let recent: Vec<_> = times.iter().filter(|t| now - **t < window).collect();
        if recent.len() < limit as usize {
            return None;
        }
        let oldest = recent.first()?;
        let wait = (**oldest + window - now).whole_seconds().max(1);
        Some(u64::try_from(wait).unwrap_or(1))
    }

    pub fn record_failure(&self, key: &str, window: Duration, now: OffsetDateTime) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, times| times.back().is_some_and(|t| now - *t < window));
            if map.len() >= MAX_KEYS {
                return;
            }
        }
        let times = map.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| now - *t >= window) {
            times.pop_front();
        }
        times.push_back(now);
        if times.len() > 1000 {
            times.pop_front();
        }
    }

    pub fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_passes() {
        let t = Throttle::default();
        let w = Duration::minutes(15);
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        for i in 0..3 {
            assert!(t.blocked_for("k", 3, w, t0).is_none());
            t.record_failure("k", w, t0 + Duration::seconds(i));
        }
        assert_eq!(
            t.blocked_for("k", 3, w, t0 + Duration::seconds(3)),
            Some(897)
        );
        assert!(t
            .blocked_for("k", 3, w, t0 + w + Duration::seconds(1))
            .is_none());
        assert!(t.blocked_for("other", 3, w, t0).is_none());
        t.clear("k");
        assert!(t
            .blocked_for("k", 3, w, t0 + Duration::seconds(3))
            .is_none());
    }
}
