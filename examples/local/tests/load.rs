//! A small load run through the whole stack: 5,000 writes at concurrency 32
//! through the edge, then every acknowledged record read back exactly once
//! through the edge. Prints requests/s and latency percentiles (measured,
//! never asserted: figures in the README come from
//! `scripts/with-dynamodb-local cargo test --release -p local-stack --test load -- --nocapture`).

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

const WRITES: usize = 5_000;
const CONCURRENCY: usize = 32;

#[tokio::test(flavor = "multi_thread")]
async fn five_thousand_writes_at_concurrency_32() {
    let mut c = config("load");
    c.rate_limit = 0;
    let s = Arc::new(stack(c).await);
    let write = Arc::new(s.token("w", &["logs:write"]));
    let read = s.token("r", &["logs:read"]);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..CONCURRENCY {
        let (s, write) = (s.clone(), write.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            for i in (t..WRITES).step_by(CONCURRENCY) {
                let body = format!(r#"{{"type":"load","payload":"<i>record</i> {i}"}}"#);
                let t0 = Instant::now();
                let r = post(s.edge, &write, &body, &[]).await;
                let took = t0.elapsed();
                assert_eq!(r.status, 201, "{:?}", r.json());
                out.push((r.json()["id"].as_str().unwrap().to_owned(), took));
            }
            out
        });
    }
    let mut ids = BTreeSet::new();
    let mut latencies: Vec<Duration> = Vec::with_capacity(WRITES);
    while let Some(r) = tasks.join_next().await {
        for (id, took) in r.unwrap() {
            assert!(ids.insert(id), "an id was acknowledged twice");
            latencies.push(took);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    let mut read_back = Vec::new();
    let mut target = "/stats?limit=100&type=load".to_owned();
    loop {
        let page = get(s.edge, &target, Some(&read)).await;
        assert_eq!(page.status, 200);
        let page = page.json();
        read_back.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => target = format!("/stats?limit=100&type=load&cursor={c}"),
            None => break,
        }
    }
    let unique: BTreeSet<_> = read_back.iter().cloned().collect();
    assert_eq!(read_back.len(), unique.len(), "a record was read twice");
    let lost = ids.difference(&unique).count();
    let extra = unique.difference(&ids).count();
    assert_eq!(
        (lost, extra),
        (0, 0),
        "acknowledged but not read back, read back but never acknowledged"
    );
    eprintln!(
        "load: {WRITES} writes at concurrency {CONCURRENCY} through edge + API + writer + DynamoDB Local: \
         {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms; all {WRITES} read back once",
        WRITES as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
    );
}
