//! DynamoDB Local goes away mid-run: the writer answers 503 with
//! `Retry-After` (never 502, never a panic) and recovers when it is back.
//! A test binary of its own: it freezes and restarts the shared server.

mod common;

use std::time::{Duration, Instant};

use common::{body_json, call, fixture};

use secure_serverless::cursor::CursorKey;
use secure_serverless::logs::{ListQuery, LogStore, LogStoreConfig};
use secure_serverless::repository::{Repository, client_with_timeouts};
use serde_json::{Value, json};
use writer::Writer;

fn ctl(action: &str) {
    let ctl = std::env::var("DYNAMODB_LOCAL_CTL")
        .expect("run under scripts/with-dynamodb-local (make test)");
    let status = std::process::Command::new(ctl)
        .arg(action)
        .status()
        .unwrap();
    assert!(status.success(), "dynamodb-local-ctl {action}");
}

fn post_with_key(i: usize, key: &str) -> Value {
    let mut e = post(i);
    e["headers"]["idempotency-key"] = json!(key);
    e["multiValueHeaders"]["idempotency-key"] = json!([key]);
    e
}

fn post(i: usize) -> Value {
    let mut e = fixture();
    e["body"] = json!(format!(r#"{{"type":"fault","payload":"record {i}"}}"#));
    e
}

#[tokio::test]
async fn storage_outage_is_503_then_recovers() {
    let sdk = test_support::sdk_config().await;
    let client = client_with_timeouts(
        &sdk,
        &Default::default(),
        Duration::from_millis(800),
        Duration::from_secs(3),
    );
    let table = test_support::unique_table_name("fault");
    let store = LogStore::new(Repository::new(client, table), LogStoreConfig::default());
    store.create_table().await.unwrap();
    let w = Writer::new(store, 64 * 1024);
    let acknowledged = std::cell::RefCell::new(Vec::new());
    let write = |status: i64, r: secure_serverless::apigw::HttpAnswer| {
        assert_eq!(r.status(), status, "{:?}", r.body());
        let v = body_json(&r);
        if status == 201 {
            acknowledged
                .borrow_mut()
                .push(v["id"].as_str().unwrap().to_owned());
        } else {
            assert_eq!(v["code"], "storage_unavailable");
            assert_eq!(r.headers()["retry-after"], "1");
        }
    };
    for i in 0..20 {
        write(201, call(&w, post(i)).await);
    }

    // Frozen server: connections hang; bounded timeouts turn that into 503.
    // A timed-out write has an unknown outcome (the frozen server may still
    // apply it once thawed), so clients send an Idempotency-Key and retry.
    ctl("pause");
    let started = Instant::now();
    for i in 20..23 {
        write(
            503,
            call(&w, post_with_key(i, &format!("outage-{i}"))).await,
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answers within the operation timeout"
    );
    ctl("resume");
    for i in 20..23 {
        // the client's retry with the same key: exactly one record per key
        write(
            201,
            call(&w, post_with_key(i, &format!("outage-{i}"))).await,
        );
    }
    for i in 23..30 {
        write(201, call(&w, post(i)).await);
    }
    let page = w
        .store()
        .list(
            &ListQuery {
                limit: 100,
                ..Default::default()
            },
            &CursorKey::new(&[5u8; 32]).unwrap(),
        )
        .await
        .unwrap();
    let mut stored: Vec<String> = page.items.into_iter().map(|r| r.id).collect();
    stored.sort();
    let mut expected = acknowledged.borrow().clone();
    expected.sort();
    expected.dedup();
    assert_eq!(stored.len(), 30, "20 before, 3 retried once each, 7 after");
    assert_eq!(
        stored, expected,
        "every acknowledged write exactly once, nothing else"
    );

    // Killed server: connection refused is a 503 too; a restarted (empty,
    // in-memory) server works again once the table exists.
    ctl("stop");
    write(503, call(&w, post(30)).await);
    ctl("start");
    w.store().create_table().await.unwrap();
    write(201, call(&w, post(31)).await);
}
