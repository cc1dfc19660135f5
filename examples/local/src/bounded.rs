//! Keeping the listeners' per-client maps (the authorizer cache, the
//! rate-based rule's counters) bounded when the API is called directly with
//! ever new identities or addresses.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

/// Most entries either map holds.
pub const MAX_ENTRIES: usize = 10_000;

/// Makes room for one more entry in `map` when it holds `cap` or more: first
/// drops the entries `live` says are over, then, if still full, the older
/// half by `stamp` (the least recently useful entries). Runs in linear time,
/// at most once per `cap / 2` inserts, so an insert costs O(1) amortised.
pub fn make_room<K: Eq + Hash, V>(
    map: &mut HashMap<K, V>,
    cap: usize,
    live: impl Fn(&V) -> bool,
    stamp: impl Fn(&V) -> Instant,
) {
    if map.len() < cap {
        return;
    }
    map.retain(|_, v| live(v));
    if map.len() < cap {
        return;
    }
    let mut stamps: Vec<Instant> = map.values().map(&stamp).collect();
    let mid = stamps.len() / 2;
    let (_, median, _) = stamps.select_nth_unstable(mid);
    let median = *median;
    map.retain(|_, v| stamp(v) > median);
}

/// The key a cache of identity-source values is keyed by: SHA-256 of the
/// values (length-prefixed), so a key costs 32 bytes however long the
/// client's tokens are.
pub fn digest_key(values: &[String]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for v in values {
        ctx.update(&(v.len() as u64).to_be_bytes());
        ctx.update(v.as_bytes());
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(ctx.finish().as_ref());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stays_under_its_cap_and_keeps_the_newest() {
        let t0 = Instant::now();
        let mut m = HashMap::new();
        for i in 0..50_000u64 {
            make_room(&mut m, 1_000, |_| true, |v: &Instant| *v);
            m.insert(i, t0 + Duration::from_millis(i));
            assert!(m.len() <= 1_000);
        }
        assert!(m.contains_key(&49_999));
        // Entries that are over go first.
        let mut m: HashMap<u64, Instant> = (0..1_000).map(|i| (i, t0)).collect();
        m.insert(5_000, t0 + Duration::from_secs(1));
        make_room(&mut m, 1_000, |v| *v > t0, |v| *v);
        assert_eq!(m.len(), 1);
    }
}
