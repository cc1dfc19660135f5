//! How one answer's cost grows with the table: DynamoDB Local filled with
//! 10, 10,000 and 100,000 records (`SCALING_SIZES` to change), and for each
//! size, this reader's newest 25 records (latency, median of 15 after
//! 20 for warm-up; read capacity; whether they are exactly the 25 newest) beside
//! the seed's reader, one Scan (`benches/scaling/seed_scan.py`, run with
//! `SEED_PYTHON`, the bench virtualenv's Python with boto3). Writes
//! `$BENCH_OUT/scaling.json`; `benches/scaling/run` draws it.
//!
//! Needs a server: run through `benches/scaling/run` (part of `make bench`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use secure_serverless::cursor::CursorKey;
use secure_serverless::log_entry::LogEntryParser;
use secure_serverless::logs::{Appended, ListQuery, LogStore, LogStoreConfig, LogWriter};
use secure_serverless::repository::Repository;
use secure_serverless::sanitize::Sanitizer;
use serde_json::json;

const WRITERS: usize = 16;

async fn fill(writer: Arc<LogWriter<LogStore>>, records: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let writer = Arc::clone(&writer);
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for i in (w..records).step_by(WRITERS) {
                let body = format!(
                    r#"{{"type":"info","payload":"record {i}: a log line of about two hundred bytes, as an application writes them, {}"}}"#,
                    "x".repeat(100)
                );
                match writer.write("bench", body.as_bytes(), None).await.unwrap() {
                    Appended::Created(r) => ids.push(r.id),
                    other => panic!("{other:?}"),
                }
            }
            ids
        });
    }
    let mut ids = Vec::with_capacity(records);
    while let Some(done) = tasks.join_next().await {
        ids.extend(done.unwrap());
    }
    ids
}

/// A fresh 8-shard log table holding `records` records, and its newest 25 ids.
struct Filled {
    table: String,
    store: LogStore,
    newest: Vec<String>,
}

impl Filled {
    async fn new(prefix: &str, records: usize) -> Self {
        let table = test_support::unique_table_name(prefix);
        let store = LogStore::new(
            Repository::new(test_support::client().await, table.clone()),
            LogStoreConfig::default(),
        );
        store.create_table().await.unwrap();
        let writer = Arc::new(LogWriter::new(
            LogEntryParser::new(Sanitizer::default()),
            store.clone(),
        ));
        let mut newest = fill(writer, records).await;
        newest.sort_unstable_by(|a, b| b.cmp(a));
        newest.truncate(25);
        Filled {
            table,
            store,
            newest,
        }
    }

    async fn drop_table(self) {
        self.store
            .repository()
            .client()
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .unwrap();
    }
}

async fn ours(store: &LogStore, newest: &[String]) -> serde_json::Value {
    let key = CursorKey::new(&[7u8; 32]).unwrap();
    let q = ListQuery {
        limit: 25,
        ..ListQuery::default()
    };
    for _ in 0..20 {
        store.list(&q, &key).await.unwrap();
    }
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..15 {
        let t = Instant::now();
        let page = store.list(&q, &key).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(page);
    }
    times.sort_by(f64::total_cmp);
    let page = last.unwrap();
    let got: Vec<&str> = page.items.iter().map(|r| r.id.as_str()).collect();
    json!({
        "latency_ms": times[times.len() / 2],
        "capacity_units": page.read.capacity_units,
        "items_read": page.read.items_read,
        "rounds": page.read.rounds,
        "complete": got == newest.iter().map(String::as_str).collect::<Vec<_>>(),
    })
}

fn seed(table: &str, records: usize) -> serde_json::Value {
    let python = std::env::var("SEED_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scaling/seed_scan.py");
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let out = Command::new(python)
        .args([script, table, &records.to_string()])
        // boto3 reads the region from AWS_DEFAULT_REGION.
        .env("AWS_DEFAULT_REGION", region)
        .output()
        .expect("run the seed reader");
    assert!(
        out.status.success(),
        "seed reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("seed reader output")
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SCALING_SIZES")
        .unwrap_or_else(|_| "10,10000,100000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("SCALING_SIZES: numbers"))
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // DynamoDB Local is a JVM: warm it up on a throwaway table first, so the
    // first size is not measured against a cold server.
    rt.block_on(async {
        let filled = Filled::new("scaling-warmup", 500).await;
        for _ in 0..10 {
            ours(&filled.store, &filled.newest).await;
        }
        filled.drop_table().await;
    });
    let mut rows = Vec::new();
    for records in sizes {
        let row = rt.block_on(async {
            let t = Instant::now();
            let filled = Filled::new("scaling", records).await;
            let fill_s = t.elapsed().as_secs_f64();
            let ours = ours(&filled.store, &filled.newest).await;
            let seed = tokio::task::block_in_place(|| seed(&filled.table, records));
            filled.drop_table().await;
            println!("{records} records (filled in {fill_s:.0} s): ours {ours}, seed {seed}");
            json!({"records": records, "ours": ours, "seed": seed})
        });
        rows.push(row);
    }
    let out = std::env::var_os("BENCH_OUT").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("scaling.json"),
        json!({ "sizes": rows }).to_string(),
    )
    .unwrap();
}
