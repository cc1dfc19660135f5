//! Round trips to DynamoDB Local through the typed repository: create-only
//! put and a newest-first page. Needs a server: `make bench` (or
//! `scripts/with-dynamodb-local cargo bench -p secure-serverless-benches --bench repository`).
//!
//! First, what pages cost to read: every 25-record page of 400 records over
//! 8 shards, spread evenly (the writer's own sharding) and with about 90% of
//! them in one shard (written through a one-shard store into the same
//! table); items read, rounds and read capacity per page, written to
//! `$BENCH_OUT/read-cost.json` for `benches/summary.py`.
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use secure_serverless::cursor::CursorKey;
use secure_serverless::log_entry::LogEntryParser;
use secure_serverless::logs::{ListQuery, LogStore, LogStoreConfig, LogWriter};
use secure_serverless::repository::{Item, KeySchema, Query, Repository};
use secure_serverless::sanitize::Sanitizer;
use serde_json::json;

/// A log record's keys only, to query a shard the way the previous design
/// did.
#[derive(serde::Serialize, serde::Deserialize)]
struct Keys {
    pk: String,
    sk: String,
}

impl Item for Keys {
    const KEYS: KeySchema = KeySchema {
        partition: "pk",
        sort: Some("sk"),
    };
}

/// What the newest page cost in the previous design: every shard asked for a
/// full page (8 queries of 25).
async fn previous_design(repo: &Repository) -> serde_json::Value {
    let key = CursorKey::new(&[7u8; 32]).unwrap();
    let (mut read, mut rcu) = (0, 0.0);
    for shard in 0..8 {
        let page = repo
            .query::<Keys>(&Query::partition(format!("LOG#{shard:02}"), 25), &key)
            .await
            .unwrap();
        read += page.items.len();
        rcu += page.capacity_units.unwrap_or(0.0);
    }
    json!({"items_read": read, "capacity_units": rcu})
}

/// Average items read, rounds and capacity units per 25-record page over a
/// walk of every page.
async fn walk(store: &LogStore) -> serde_json::Value {
    let key = CursorKey::new(&[7u8; 32]).unwrap();
    let mut q = ListQuery {
        limit: 25,
        ..ListQuery::default()
    };
    let (mut pages, mut full, mut read, mut rounds, mut rcu, mut max_read) = (0, 0, 0, 0, 0.0, 0);
    loop {
        let page = store.list(&q, &key).await.unwrap();
        pages += 1;
        // The last page may be short; the figures are per full page.
        if page.items.len() == 25 {
            full += 1;
            read += page.read.items_read;
            rounds += page.read.rounds;
            rcu += page.read.capacity_units;
            max_read = max_read.max(page.read.items_read);
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    let full = f64::from(full);
    json!({
        "previous_design_first_page": previous_design(store.repository()).await,
        "pages": pages,
        "items_read_per_page": read as f64 / full,
        "max_items_read": max_read,
        "rounds_per_page": rounds as f64 / full,
        "capacity_units_per_page": rcu / full,
    })
}

async fn read_cost() {
    let client = test_support::client().await;
    let table = || Repository::new(client.clone(), test_support::unique_table_name("readcost"));
    let eight = LogStoreConfig {
        shards: 8,
        ..LogStoreConfig::default()
    };
    let parser = || LogEntryParser::new(Sanitizer::default());
    // 1 KiB payloads, as in the write bench: DynamoDB charges reads by the
    // 4 KB, so items read and capacity paid move together at this size.
    let filler = "x".repeat(1000);
    let body = |i: usize| format!(r#"{{"type":"bench","payload":"record {i} {filler}"}}"#);

    let even = LogStore::new(table(), eight);
    even.create_table().await.unwrap();
    let w = LogWriter::new(parser(), even.clone());
    for i in 0..400 {
        w.write("bench", body(i).as_bytes(), None).await.unwrap();
    }

    let repo = table();
    let skewed = LogStore::new(repo.clone(), eight);
    skewed.create_table().await.unwrap();
    let one_shard = LogStore::new(
        repo,
        LogStoreConfig {
            shards: 1,
            ..LogStoreConfig::default()
        },
    );
    let (hot, spread) = (
        LogWriter::new(parser(), one_shard),
        LogWriter::new(parser(), skewed.clone()),
    );
    for i in 0..400 {
        let w = if i % 10 == 9 { &spread } else { &hot };
        w.write("bench", body(i).as_bytes(), None).await.unwrap();
    }
    let result = json!({"even": walk(&even).await, "skewed_90": walk(&skewed).await});
    println!("read cost per 25-record page: {result}");
    let out =
        std::env::var_os("BENCH_OUT").map_or_else(|| "target".into(), std::path::PathBuf::from);
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("read-cost.json"), result.to_string()).unwrap();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(read_cost());
    let store = rt.block_on(async {
        let store = LogStore::new(
            Repository::new(
                test_support::client().await,
                test_support::unique_table_name("bench"),
            ),
            LogStoreConfig::default(),
        );
        store.create_table().await.unwrap();
        store
    });
    let writer = LogWriter::new(LogEntryParser::new(Sanitizer::default()), store.clone());
    let body = format!(r#"{{"type":"bench","payload":"{}"}}"#, "x".repeat(1024));
    c.bench_function(
        "DynamoDB Local: validate + sanitise + create-only put (1 KiB)",
        |b| {
            b.iter(|| {
                rt.block_on(writer.write("bench", black_box(body.as_bytes()), None))
                    .unwrap()
            })
        },
    );
    c.bench_function(
        "DynamoDB Local: newest 25 records (8 shards, adaptive rounds + merge)",
        |b| {
            b.iter(|| {
                rt.block_on(store.list(
                    &ListQuery {
                        limit: 25,
                        ..ListQuery::default()
                    },
                    &CursorKey::new(&[7u8; 32]).unwrap(),
                ))
                .unwrap()
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
