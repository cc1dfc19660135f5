//! Tokens verified recently, so that a caller who sends the same bearer token
//! on every request pays for its signature once per key set.
//!
//! An entry is the exact token text, the issuer that accepted it, the key
//! set it was verified with (weakly held) and its claims. It is used only
//! while that same key set is the issuer's current, fresh one: a rotation, a
//! refetch or keys growing stale turn every entry of the issuer into a miss,
//! and the token is verified again from scratch. On a hit the time-bound
//! and application checks run again (`exp` passes while an entry waits);
//! only the signature and the parse are skipped, which for identical bytes
//! and an identical key give the identical answer. Only accepted tokens are
//! stored, so a forged token never shortens its own path.
//!
//! Bounded: at most [`CAPACITY`] entries; when full, an arbitrary entry
//! makes room. Entries are keyed by the token's 64-bit SipHash under this
//! process's random keys (so the victim is a `u64`, evicted without a scan
//! or a copy of its token; measured, a scan per insert cost every new token
//! 1.4 µs and clearing the whole memory at once 0.8 µs), and the stored
//! token must equal the one presented. With tokens of at most the 8 KiB
//! default cap, the tokens take 2 MiB at worst, and each entry's claims
//! about as much again as its token.
//! Measured in the README (`make bench-jwt`): a repeated token costs about
//! 0.5 µs, against 18 to 56 µs for a signature.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::claims::VerifiedClaims;
use super::keys::KeySet;

/// Most tokens remembered.
pub(super) const CAPACITY: usize = 256;

pub(super) struct Remembered {
    token: Box<str>,
    /// Index of the issuer that accepted the token.
    pub(super) issuer: usize,
    /// The key set it was verified with.
    pub(super) keys: Weak<KeySet>,
    pub(super) claims: VerifiedClaims,
}

#[derive(Default)]
pub(super) struct RecentTokens {
    hasher: RandomState,
    entries: Mutex<HashMap<u64, Remembered>>,
}

impl RecentTokens {
    /// The remembered verification of exactly `token`, if any: its issuer,
    /// whether it was verified with `keys_of(issuer)`, and its claims.
    pub(super) fn get(
        &self,
        token: &str,
        current_keys: impl FnOnce(usize) -> Option<Arc<KeySet>>,
    ) -> Option<(usize, VerifiedClaims)> {
        let key = self.hasher.hash_one(token);
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let hit = entries.get(&key).filter(|r| *r.token == *token)?;
        let current = current_keys(hit.issuer)?;
        Weak::ptr_eq(&hit.keys, &Arc::downgrade(&current)).then(|| (hit.issuer, hit.claims.clone()))
    }

    /// Remembers that `token` was accepted by `issuer` with `keys`.
    pub(super) fn insert(
        &self,
        token: &str,
        issuer: usize,
        keys: &Arc<KeySet>,
        claims: &VerifiedClaims,
    ) {
        let key = self.hasher.hash_one(token);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY
            && !entries.contains_key(&key)
            && let Some(&victim) = entries.keys().next()
        {
            entries.remove(&victim);
        }
        entries.insert(
            key,
            Remembered {
                token: token.into(),
                issuer,
                keys: Arc::downgrade(keys),
                claims: claims.clone(),
            },
        );
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_is_bounded_and_tied_to_a_key_set() {
        let recent = RecentTokens::default();
        let keys = Arc::new(KeySet::new());
        let claims = VerifiedClaims {
            subject: String::new(),
            scopes: Default::default(),
            groups: Default::default(),
            claims: Default::default(),
        };
        for i in 0..CAPACITY + 50 {
            recent.insert(&format!("token-{i}"), 0, &keys, &claims);
        }
        assert_eq!(recent.len(), CAPACITY);
        let last = format!("token-{}", CAPACITY + 49);
        assert!(recent.get(&last, |_| Some(keys.clone())).is_some());
        // Another key set (even an equal one) is a miss; so is no key set.
        assert!(
            recent
                .get(&last, |_| Some(Arc::new(KeySet::new())))
                .is_none()
        );
        assert!(recent.get(&last, |_| None).is_none());
        assert!(recent.get("never-seen", |_| Some(keys.clone())).is_none());
        // Entries of a dropped key set never match again.
        drop(keys);
        assert!(
            recent
                .get(&last, |_| Some(Arc::new(KeySet::new())))
                .is_none()
        );
    }
}
