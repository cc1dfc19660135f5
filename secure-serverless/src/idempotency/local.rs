//! The sandbox's memory of completed keys, so a hot key's replay costs no
//! store call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

#[derive(Debug)]
struct Entry {
    request_hash: String,
    response: String,
    expires_at: SystemTime,
}

/// Up to `capacity` completed keys, each until its record expires. When
/// full, an expired entry goes first, else an arbitrary one: a miss only
/// costs the store call the cache saves.
#[derive(Debug)]
pub(super) struct LocalCache {
    capacity: usize,
    entries: Mutex<HashMap<String, Entry>>,
}

/// What the cache knows of a key.
pub(super) enum Cached {
    /// Completed with this response for this request hash.
    Completed {
        request_hash: String,
        response: String,
    },
    /// Nothing (never seen here, expired, or caching off).
    Unknown,
}

impl LocalCache {
    pub(super) fn new(capacity: usize) -> Self {
        LocalCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn get(&self, digest: &str, now: SystemTime) -> Cached {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(digest) {
            Some(e) if e.expires_at > now => Cached::Completed {
                request_hash: e.request_hash.clone(),
                response: e.response.clone(),
            },
            _ => Cached::Unknown,
        }
    }

    pub(super) fn put(
        &self,
        digest: &str,
        request_hash: &str,
        response: &str,
        expires_at: SystemTime,
        now: SystemTime,
    ) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(digest) {
            let victim = entries
                .iter()
                .find(|(_, e)| e.expires_at <= now)
                .or_else(|| entries.iter().next())
                .map(|(k, _)| k.clone());
            if let Some(victim) = victim {
                entries.remove(&victim);
            }
        }
        entries.insert(
            digest.to_owned(),
            Entry {
                request_hash: request_hash.to_owned(),
                response: response.to_owned(),
                expires_at,
            },
        );
    }
}
