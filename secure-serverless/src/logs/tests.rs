//! Unit tests of `logs`.

use super::*;

#[test]
fn ids_and_timestamps_agree_and_sort() {
    let a = NewRecord::new(LogType::new("t").unwrap(), String::new());
    let b = NewRecord::new(LogType::new("t").unwrap(), String::new());
    assert!(a.id.to_string() < b.id.to_string());
    assert_eq!(
        parse_rfc3339_millis(&a.timestamp).unwrap(),
        id_millis(&a.id)
    );
    assert!(
        a.timestamp.ends_with('Z') && a.timestamp.len() == 24,
        "{}",
        a.timestamp
    );
    let ms = id_millis(&a.id);
    assert!(id_floor(ms) <= a.id.to_string() && a.id.to_string() <= id_ceiling(ms));
    assert!(id_ceiling(ms - 1) < a.id.to_string() && a.id.to_string() < id_floor(ms + 1));
    let p = id_predecessor(&b.id).unwrap();
    assert!(p < b.id.to_string() && p.len() == 36);
    assert_eq!(id_predecessor(&Uuid::nil()), None);
}

#[test]
fn a_window_between_two_ids_is_exclusive_at_both_ends() {
    let id = |n: u128| Uuid::from_u128(n).to_string();
    // Strictly above 5 and strictly below 9: 6 to 8.
    let window = below(&SortRange::All, &id(9)).and_then(|r| above(&r, &id(5)));
    assert_eq!(window, Some(SortRange::Within(id(6), id(8))));
    assert_eq!(above(&SortRange::All, &id(5)), Some(SortRange::From(id(6))));
    assert_eq!(
        above(&SortRange::From(id(7)), &id(5)),
        Some(SortRange::From(id(7)))
    );
    // Nothing strictly between neighbours, or above the largest id.
    assert_eq!(above(&SortRange::Below(id(6)), &id(5)), None);
    assert_eq!(above(&SortRange::Within(id(1), id(5)), &id(5)), None);
    assert_eq!(
        above(&SortRange::Within(id(1), id(9)), &id(5)),
        Some(SortRange::Within(id(6), id(9)))
    );
    assert_eq!(above(&SortRange::All, &id(u128::MAX)), Some(SortRange::All));
    // A key that is no id leaves the range whole (reads more, never less).
    assert_eq!(above(&SortRange::All, "x"), Some(SortRange::All));
}

#[test]
fn idempotency_keys() {
    assert!(IdempotencyKey::new("", "alice", b"").is_err());
    assert!(IdempotencyKey::new("a b", "alice", b"").is_err());
    assert!(IdempotencyKey::new(&"k".repeat(129), "alice", b"").is_err());
    let a = IdempotencyKey::new("k-1", "alice", b"x").unwrap();
    assert_eq!(a, IdempotencyKey::new("k-1", "alice", b"x").unwrap());
    // The hash covers the body as received, byte for byte.
    assert_ne!(
        a.request_hash,
        IdempotencyKey::new("k-1", "alice", b"x ")
            .unwrap()
            .request_hash
    );
    // Keys are the caller's own: same key, other caller, other guard.
    let b = IdempotencyKey::new("k-1", "bob", b"x").unwrap();
    assert_ne!(a.key_digest, b.key_digest);
    assert_eq!(a.request_hash, b.request_hash);
    // The caller and key cannot be shifted into each other.
    assert_ne!(
        IdempotencyKey::new("b-k", "a", b"").unwrap().key_digest,
        IdempotencyKey::new("k", "ab-", b"").unwrap().key_digest
    );
}

#[test]
fn settings_fail_closed_and_bound_the_page() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        Vars::from_lookup(move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        })
    };
    assert_eq!(
        LogStoreConfig::from_vars(&vars(&[])).unwrap(),
        LogStoreConfig::default()
    );
    for bad in [
        &[("LOG_SHARDS", "")][..],
        &[("LOG_SHARDS", "0")],
        &[("RETENTION_DAYS", "x")],
        &[("MAX_PAGE_BYTES", "1000000")],
        &[("MAX_PAGE_BYTES", "7000000")],
        &[("IDEMPOTENCY_WINDOW_SECONDS", "5")],
    ] {
        let e = LogStoreConfig::from_vars(&vars(bad)).unwrap_err();
        assert_eq!(e.variable(), bad[0].0, "{e}");
    }
    // The largest record fits the smallest budget, and the default is
    // well under Lambda's limit.
    const { assert!(MIN_PAGE_BYTES <= DEFAULT_PAGE_BYTES) };
    const { assert!(DEFAULT_PAGE_BYTES <= LAMBDA_SYNC_RESPONSE_LIMIT * 2 / 3) };
    let worst = LogRecord {
        id: Uuid::now_v7().to_string(),
        timestamp: rfc3339_millis(0),
        log_type: LogType::new("t".repeat(64)).unwrap(),
        payload: "\u{1}".repeat(crate::repository::MAX_ITEM_BYTES - 36 - 24 - 64),
    };
    assert!(response_bytes(&worst) <= MAX_RECORD_RESPONSE_BYTES);
}
