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

/// Up to `capacity` completed keys and [`BYTE_BUDGET`] bytes of responses,
/// each until its record expires. When full, an expired entry goes first,
/// else an arbitrary one: a miss only costs the store call the cache saves.
#[derive(Debug)]
pub(super) struct LocalCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Entry>,
    bytes: usize,
}

/// The most response bytes the cache holds (a Lambda sandbox may have 128 MB).
const BYTE_BUDGET: usize = 8 * 1024 * 1024;
/// Responses over this are never cached (they would crowd out the rest).
const LARGEST_ENTRY: usize = BYTE_BUDGET / 16;

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
            entries: Mutex::new(Entries::default()),
        }
    }

    pub(super) fn get(&self, digest: &str, now: SystemTime) -> Cached {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.map.get(digest) {
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
        let size = digest.len() + request_hash.len() + response.len();
        if self.capacity == 0 || size > LARGEST_ENTRY {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entries = &mut *entries;
        if let Some(old) = entries.map.remove(digest) {
            entries.bytes -= digest.len() + old.request_hash.len() + old.response.len();
        }
        while !entries.map.is_empty()
            && (entries.map.len() >= self.capacity || entries.bytes + size > BYTE_BUDGET)
        {
            let victim = entries
                .map
                .iter()
                .find(|(_, e)| e.expires_at <= now)
                .or_else(|| entries.map.iter().next())
                .map(|(k, _)| k.clone());
            let Some(victim) = victim else { break };
            if let Some(e) = entries.map.remove(&victim) {
                entries.bytes -= victim.len() + e.request_hash.len() + e.response.len();
            }
        }
        entries.bytes += size;
        entries.map.insert(
            digest.to_owned(),
            Entry {
                request_hash: request_hash.to_owned(),
                response: response.to_owned(),
                expires_at,
            },
        );
    }
}
