//! Round trips to DynamoDB Local through the typed repository: create-only
//! put and a newest-first page. Needs a server: `make bench` (or
//! `scripts/with-dynamodb-local cargo bench -p secure-serverless-benches --bench repository`).
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use secure_serverless::cursor::CursorKey;
use secure_serverless::log_entry::LogEntryParser;
use secure_serverless::logs::{ListQuery, LogStore, LogStoreConfig, LogWriter};
use secure_serverless::repository::Repository;
use secure_serverless::sanitize::Sanitizer;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
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
        "DynamoDB Local: newest 25 records (8 shard queries + merge)",
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
