//! Unit tests of `idempotency` on the in-memory store (the DynamoDB store's
//! are in `tests/idempotency_dynamodb.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use super::*;

/// Counts the calls a store receives.
#[derive(Debug, Default)]
struct Counting {
    inner: MemoryStore,
    begins: AtomicUsize,
}

impl IdempotencyStore for Counting {
    async fn begin(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        now: SystemTime,
    ) -> Result<Begin, StoreError> {
        self.begins.fetch_add(1, Ordering::SeqCst);
        self.inner.begin(key, claim, now).await
    }
    async fn complete(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        response: &str,
    ) -> Result<bool, StoreError> {
        self.inner.complete(key, claim, response).await
    }
    async fn release(&self, key: &IdempotencyKey, claim: &Claim) -> Result<(), StoreError> {
        self.inner.release(key, claim).await
    }
}

fn key(k: &str, request: &[u8]) -> IdempotencyKey {
    IdempotencyKey::new(k, "alice", request).unwrap()
}

fn soon() -> SystemTime {
    SystemTime::now() + Duration::from_secs(5)
}

type Never = std::convert::Infallible;

#[test]
fn keys_are_checked_scoped_and_bound() {
    assert_eq!(
        IdempotencyKey::new("", "a", b""),
        Err(BadIdempotencyKey::Malformed)
    );
    assert!(IdempotencyKey::new("a b", "a", b"").is_err());
    // A front door that joins a repeated header makes "a,b" of two keys.
    assert!(IdempotencyKey::new("a,b", "a", b"").is_err());
    assert!(IdempotencyKey::new(&"k".repeat(129), "a", b"").is_err());
    let a = IdempotencyKey::new("k", "alice", b"x").unwrap();
    assert_eq!(a, IdempotencyKey::new("k", "alice", b"x").unwrap());
    assert_ne!(
        a.digest(),
        IdempotencyKey::new("k", "bob", b"x").unwrap().digest()
    );
    assert_eq!(
        a.digest(),
        IdempotencyKey::new("k", "alice", b"y").unwrap().digest()
    );
    assert_ne!(
        a.request_hash(),
        IdempotencyKey::new("k", "alice", b"y")
            .unwrap()
            .request_hash()
    );
    // Length prefixes: the caller/key boundary and the request parts cannot shift.
    assert_ne!(
        IdempotencyKey::new("b-k", "a", b"").unwrap().digest(),
        IdempotencyKey::new("k", "ab-", b"").unwrap().digest()
    );
    assert_ne!(
        IdempotencyKey::from_request_parts("k", "a", &[b"ab", b"c"])
            .unwrap()
            .request_hash(),
        IdempotencyKey::from_request_parts("k", "a", &[b"a", b"bc"])
            .unwrap()
            .request_hash()
    );
}

#[test]
fn json_fields_make_keys_from_the_event() {
    let keys = KeyFrom::<Value>::json_fields(&["/order", "/line"], &["/amount"], Some("/customer"));
    let e = json!({"order": 7, "line": "a", "customer": "c1", "amount": 3, "delivery": "d1"});
    let k = keys.key_of(&e).unwrap().unwrap();
    // A redelivery (another delivery id): the same key and request.
    let again = json!({"order": 7, "line": "a", "customer": "c1", "amount": 3, "delivery": "d2"});
    assert_eq!(keys.key_of(&again).unwrap().unwrap(), k);
    // Another amount: same key, another request (a conflict, not a replay).
    let e2 = json!({"order": 7, "line": "a", "customer": "c1", "amount": 4});
    let k2 = keys.key_of(&e2).unwrap().unwrap();
    assert_eq!(k.digest(), k2.digest());
    assert_ne!(k.request_hash(), k2.request_hash());
    // Another customer: another key.
    let e3 = json!({"order": 7, "line": "a", "customer": "c2", "amount": 3});
    assert_ne!(keys.key_of(&e3).unwrap().unwrap().digest(), k.digest());
    // A missing field is null, not dropped: {order: 7} and {line: 7} differ.
    let only_order = keys
        .key_of(&json!({"order": 7, "customer": "c1"}))
        .unwrap()
        .unwrap();
    let only_line = keys
        .key_of(&json!({"line": 7, "customer": "c1"}))
        .unwrap()
        .unwrap();
    assert_ne!(only_order.digest(), only_line.digest());
    // No key fields: no key; key fields without a caller: refused.
    assert_eq!(keys.key_of(&json!({"customer": "c1"})).unwrap(), None);
    assert_eq!(
        keys.key_of(&json!({"order": 7})),
        Err(BadIdempotencyKey::NoCaller)
    );
}

#[tokio::test]
async fn a_repeat_gets_the_first_response_and_runs_nothing() {
    let idem = Idempotent::new(
        Counting::default(),
        IdempotencyConfig::default().local_cache(0),
    );
    let runs = AtomicUsize::new(0);
    let k = key("k1", b"req");
    let handler = || async {
        let n = runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Never>(json!({"run": n, "text": "é\u{1F600}"}))
    };
    let first = idem.run(&k, soon(), handler).await.unwrap();
    let second = idem.run(&k, soon(), handler).await.unwrap();
    assert!(matches!(first, Outcome::Executed(_)));
    assert_eq!(second, Outcome::Replayed(first.clone().into_response()));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // Same key, another request: a conflict, nothing runs.
    let other = key("k1", b"other");
    let err = idem.run(&other, soon(), handler).await.unwrap_err();
    assert!(matches!(
        err,
        RunError::Idempotency(IdempotencyError::Conflict)
    ));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_sandbox_remembers_completed_keys() {
    let idem = Idempotent::new(Counting::default(), IdempotencyConfig::default());
    let k = key("hot", b"req");
    for _ in 0..5 {
        idem.run(&k, soon(), || async { Ok::<_, Never>(json!(1)) })
            .await
            .unwrap();
    }
    assert_eq!(idem.store().begins.load(Ordering::SeqCst), 1);
    // A conflicting request is refused from memory too.
    let err = idem
        .run(&key("hot", b"x"), soon(), || async {
            Ok::<_, Never>(json!(2))
        })
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RunError::Idempotency(IdempotencyError::Conflict)
    ));
}

#[tokio::test]
async fn failures_release_the_key() {
    let idem = Idempotent::new(MemoryStore::new(), IdempotencyConfig::default());
    let k = key("k", b"r");
    let err = idem
        .run(&k, soon(), || async { Err::<Value, _>("boom") })
        .await
        .unwrap_err();
    assert!(matches!(err, RunError::Handler("boom")));
    let second = idem
        .run(&k, soon(), || async { Ok::<_, Never>(json!("ran")) })
        .await
        .unwrap();
    assert_eq!(second, Outcome::Executed(json!("ran")));
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Status(u16);

impl IdempotentResponse for Status {
    fn is_final(&self) -> bool {
        self.0 < 500
    }
}

#[tokio::test]
async fn a_response_that_is_not_final_is_not_stored() {
    let idem = Idempotent::new(MemoryStore::new(), IdempotencyConfig::default());
    let k = key("k", b"r");
    let first = idem
        .run(&k, soon(), || async { Ok::<_, Never>(Status(503)) })
        .await
        .unwrap();
    assert_eq!(first, Outcome::Executed(Status(503)));
    let second = idem
        .run(&k, soon(), || async { Ok::<_, Never>(Status(201)) })
        .await
        .unwrap();
    assert_eq!(second, Outcome::Executed(Status(201)));
}

#[tokio::test]
async fn a_waiting_call_gets_the_running_calls_response() {
    let idem = Arc::new(Idempotent::new(
        MemoryStore::new(),
        IdempotencyConfig::default().local_cache(0),
    ));
    let k = key("k", b"r");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let first = {
        let (idem, k) = (idem.clone(), k.clone());
        tokio::spawn(async move {
            idem.run(&k, soon(), || async move {
                rx.await.unwrap();
                Ok::<_, Never>(json!("first"))
            })
            .await
            .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(30)).await;
    let second = {
        let (idem, k) = (idem.clone(), k.clone());
        tokio::spawn(async move {
            idem.run(&k, soon(), || async { Ok::<_, Never>(json!("second")) })
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    tx.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Outcome::Executed(json!("first")));
    assert_eq!(second.await.unwrap(), Outcome::Replayed(json!("first")));
}

#[tokio::test]
async fn a_call_whose_own_deadline_comes_first_gets_in_progress() {
    let idem = Idempotent::new(MemoryStore::new(), IdempotencyConfig::default());
    let k = key("k", b"r");
    let claim = Claim {
        token: "someone-else".into(),
        in_progress_until: SystemTime::now() + Duration::from_secs(60),
        expires_at: SystemTime::now() + Duration::from_secs(3600),
    };
    assert_eq!(
        idem.store()
            .begin(&k, &claim, SystemTime::now())
            .await
            .unwrap(),
        Begin::Started
    );
    let err = idem
        .run(
            &k,
            SystemTime::now() + Duration::from_millis(600),
            || async { Ok::<_, Never>(json!(1)) },
        )
        .await
        .unwrap_err();
    let RunError::Idempotency(IdempotencyError::InProgress { retry_after }) = err else {
        panic!("{err:?}");
    };
    assert!(retry_after >= Duration::from_secs(59), "{retry_after:?}");
}

#[tokio::test]
async fn a_lapsed_claim_lets_exactly_the_next_call_run() {
    let idem = Idempotent::new(MemoryStore::new(), IdempotencyConfig::default());
    let k = key("k", b"r");
    // A call that crashed: its claim ran until a deadline now past.
    let crashed = Claim {
        token: "crashed".into(),
        in_progress_until: SystemTime::now() - Duration::from_millis(1),
        expires_at: SystemTime::now() + Duration::from_secs(3600),
    };
    idem.store()
        .begin(&k, &crashed, SystemTime::now() - Duration::from_secs(1))
        .await
        .unwrap();
    let out = idem
        .run(&k, soon(), || async { Ok::<_, Never>(json!("retried")) })
        .await
        .unwrap();
    assert_eq!(out, Outcome::Executed(json!("retried")));
    // The crashed call can no longer complete over it.
    assert!(
        !idem
            .store()
            .complete(&k, &crashed, "\"late\"")
            .await
            .unwrap()
    );
}
