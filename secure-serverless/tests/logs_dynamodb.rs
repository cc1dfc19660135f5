//! The repository and the log store against DynamoDB Local.
#![cfg(feature = "logs")]

use std::collections::HashSet;
use std::sync::Arc;

use secure_serverless::cursor::CursorKey;
use secure_serverless::log_entry::{LogEntryParser, LogType};
use secure_serverless::logs::{
    Appended, ListQuery, LogSink, LogStore, LogStoreConfig, LogWriter, NewRecord, WriteError,
    id_millis,
};
use secure_serverless::repository::{Item, KeySchema, Query, RepoError, Repository};
use secure_serverless::sanitize::Sanitizer;
use serde::{Deserialize, Serialize};
use test_support::TestTable;

fn key() -> CursorKey {
    CursorKey::new(b"test-cursor-key-0123456789abcdef").unwrap()
}

async fn store(shards: u8) -> (LogStore, TestTable) {
    let client = test_support::client().await;
    let name = test_support::unique_table_name("logs");
    let repo = Repository::new(client.clone(), name.clone());
    let store = LogStore::new(
        repo,
        LogStoreConfig {
            shards,
            ..LogStoreConfig::default()
        },
    );
    store.create_table().await.unwrap();
    (store, TestTable::adopt(client, name).await)
}

fn writer(store: LogStore) -> LogWriter<LogStore> {
    LogWriter::new(LogEntryParser::new(Sanitizer::default()), store)
}

fn body(t: &str, payload: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"type": t, "payload": payload})).unwrap()
}

async fn list_all(store: &LogStore, q: ListQuery) -> Vec<secure_serverless::logs::LogRecord> {
    let mut out = Vec::new();
    let mut q = q;
    loop {
        let page = store.list(&q, &key()).await.unwrap();
        assert!(page.items.len() <= q.limit as usize);
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn two_writes_in_the_same_millisecond_both_survive() {
    let (store, table) = store(4).await;
    let t = LogType::new("same-ms").unwrap();
    let (a, b) = loop {
        let a = NewRecord::new(t.clone(), "first".into());
        let b = NewRecord::new(t.clone(), "second".into());
        if id_millis(&a.id) == id_millis(&b.id) {
            break (a, b);
        }
    };
    assert_eq!(a.timestamp, b.timestamp, "same millisecond");
    assert!(matches!(
        store.append(&a, None).await.unwrap(),
        Appended::Created(_)
    ));
    assert!(matches!(
        store.append(&b, None).await.unwrap(),
        Appended::Created(_)
    ));
    assert_eq!(table.count().await, 2);
    let all = list_all(
        &store,
        ListQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        all.iter().map(|r| r.payload.as_str()).collect::<Vec<_>>(),
        ["second", "first"]
    );
    // And the same record twice is refused, never overwritten.
    assert!(matches!(
        store.append(&a, None).await,
        Err(RepoError::AlreadyExists)
    ));
}

#[tokio::test]
async fn idempotent_retries_write_once_and_conflicts_write_nothing() {
    let (store, table) = store(2).await;
    let w = writer(store.clone());
    let first = w
        .write("tester", &body("audit", "<b>x</b>"), Some("key-1"))
        .await
        .unwrap();
    let Appended::Created(receipt) = first else {
        panic!("{first:?}")
    };
    for _ in 0..3 {
        assert_eq!(
            w.write("tester", &body("audit", "<b>x</b>"), Some("key-1"))
                .await
                .unwrap(),
            Appended::Replayed(receipt.clone())
        );
    }
    assert_eq!(
        w.write("tester", &body("audit", "other"), Some("key-1"))
            .await
            .unwrap(),
        Appended::Conflict
    );
    assert!(matches!(
        w.write("tester", &body("audit", "x"), Some("bad key"))
            .await,
        Err(WriteError::IdempotencyKey(_))
    ));
    let records = list_all(
        &store,
        ListQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, receipt.id);
    // one record plus its guard item
    assert_eq!(table.count().await, 2);
    // concurrent retries of one new key: exactly one record
    let w = Arc::new(w);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let w = Arc::clone(&w);
        tasks.spawn(async move {
            w.write("tester", &body("audit", "race"), Some("key-2"))
                .await
        });
    }
    let mut created = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(Appended::Created(_)) => created += 1,
            Ok(Appended::Replayed(_)) | Err(WriteError::Storage(RepoError::Unavailable(_))) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(
        list_all(
            &store,
            ListQuery {
                limit: 10,
                ..Default::default()
            }
        )
        .await
        .len(),
        2
    );
}

#[tokio::test]
async fn invalid_input_writes_nothing() {
    let (store, table) = store(2).await;
    let w = writer(store);
    for bad in [
        &b"{}"[..],
        b"[]",
        b"{\"type\":\"a b\",\"payload\":\"\"}",
        b"\xff",
    ] {
        assert!(matches!(
            w.write("tester", bad, None).await,
            Err(WriteError::Invalid(_))
        ));
    }
    assert_eq!(table.count().await, 0);
}

/// A page reads about what it returns: 25-record pages over 8 shards read
/// far fewer items than 8 shards x 25 (what asking every shard for a full
/// page read), never fewer than they return, in at most two rounds when
/// every shard holds its share.
#[tokio::test]
async fn pages_read_about_what_they_return() {
    let (store, _table) = store(8).await;
    let w = writer(store.clone());
    for i in 0..200 {
        w.write("tester", &body("info", &format!("record {i}")), None)
            .await
            .unwrap();
    }
    let mut q = ListQuery {
        limit: 25,
        ..Default::default()
    };
    let (mut pages, mut read, mut returned) = (0, 0, 0);
    loop {
        let page = store.list(&q, &key()).await.unwrap();
        assert!(page.read.items_read >= page.items.len());
        assert!(page.read.rounds >= 1);
        if pages == 0 {
            // Every shard holds a share of the page (200 records spread
            // over 8): the first round reads a page, the second is bounded
            // by its cut and ends the page.
            assert!(page.read.rounds <= 2, "{} rounds", page.read.rounds);
        }
        pages += 1;
        read += page.read.items_read;
        returned += page.items.len();
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(returned, 200);
    assert!(pages >= 8);
    assert!(
        read <= 2 * returned,
        "{read} items read for {returned} returned over {pages} pages"
    );
}

#[tokio::test]
async fn pages_return_every_record_once_newest_first_across_1mb_truncation() {
    // 12 KiB payloads: 100 of them exceed DynamoDB's 1 MB page, so shard
    // answers are cut short and the merge must stop at the cutoff.
    let (store, _table) = store(2).await;
    let w = Arc::new(writer(store.clone()));
    let payload = "p".repeat(12 * 1024);
    let mut tasks = tokio::task::JoinSet::new();
    let ids = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    for task in 0..16 {
        let (w, ids, payload) = (Arc::clone(&w), Arc::clone(&ids), payload.clone());
        tasks.spawn(async move {
            for _ in 0..(600 / 16 + usize::from(task < 600 % 16)) {
                match w
                    .write("tester", &body("bulk", &payload), None)
                    .await
                    .unwrap()
                {
                    Appended::Created(r) => ids.lock().await.push(r.id),
                    other => panic!("{other:?}"),
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let written: HashSet<String> = ids.lock().await.iter().cloned().collect();
    assert_eq!(written.len(), 600);
    // Prove the premise: one shard's page of 100 is cut short by the 1 MB limit.
    let raw = store
        .repository()
        .query::<RawLog>(&Query::partition("LOG#00", 100), &key())
        .await
        .unwrap();
    assert!(
        raw.items.len() < 100 && raw.cursor.is_some(),
        "{} items",
        raw.items.len()
    );
    let got = list_all(
        &store,
        ListQuery {
            limit: 100,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(got.len(), 600, "every record exactly once");
    assert_eq!(
        got.iter().map(|r| r.id.clone()).collect::<HashSet<_>>(),
        written
    );
    assert!(got.windows(2).all(|w| w[0].id > w[1].id), "newest first");
}

#[tokio::test]
async fn type_filter_time_range_and_cursor_tampering() {
    let (store, _table) = store(3).await;
    let w = writer(store.clone());
    for i in 0..30 {
        w.write(
            "tester",
            &body(if i % 3 == 0 { "alpha" } else { "beta" }, &format!("{i}")),
            None,
        )
        .await
        .unwrap();
    }
    let alpha = list_all(
        &store,
        ListQuery {
            log_type: Some(LogType::new("alpha").unwrap()),
            limit: 4,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(alpha.len(), 10);
    assert!(alpha.iter().all(|r| r.log_type == "alpha"));
    let all = list_all(
        &store,
        ListQuery {
            limit: 7,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(all.len(), 30);
    // time range: between the 10th and 20th newest record's milliseconds (inclusive)
    let ms = |r: &secure_serverless::logs::LogRecord| {
        secure_serverless::logs::parse_rfc3339_millis(&r.timestamp).unwrap()
    };
    let (to, from) = (ms(&all[10]), ms(&all[20]));
    let ranged = list_all(
        &store,
        ListQuery {
            from_ms: Some(from),
            to_ms: Some(to),
            limit: 3,
            ..Default::default()
        },
    )
    .await;
    let expected: Vec<_> = all
        .iter()
        .filter(|r| (from..=to).contains(&ms(r)))
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(
        ranged.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        expected
    );

    let page = store
        .list(
            &ListQuery {
                limit: 5,
                ..Default::default()
            },
            &key(),
        )
        .await
        .unwrap();
    let cursor = page.next_cursor.unwrap();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] ^= 1;
    let tampered = String::from_utf8_lossy(&tampered).into_owned();
    assert!(matches!(
        store
            .list(
                &ListQuery {
                    limit: 5,
                    cursor: Some(tampered),
                    ..Default::default()
                },
                &key()
            )
            .await,
        Err(RepoError::Cursor(_))
    ));
    // a cursor of one listing is refused by another
    let other = ListQuery {
        log_type: Some(LogType::new("beta").unwrap()),
        limit: 5,
        cursor: Some(cursor.clone()),
        ..Default::default()
    };
    assert!(matches!(
        store.list(&other, &key()).await,
        Err(RepoError::Cursor(_))
    ));
    // a cursor sealed under another key is refused
    let foreign = Repository::new(test_support::client().await, store.repository().table());
    let foreign = LogStore::new(
        foreign,
        LogStoreConfig {
            shards: 3,
            ..LogStoreConfig::default()
        },
    );
    assert!(matches!(
        foreign
            .list(
                &ListQuery {
                    limit: 5,
                    cursor: Some(cursor),
                    ..Default::default()
                },
                &CursorKey::new(&[9u8; 32]).unwrap()
            )
            .await,
        Err(RepoError::Cursor(_))
    ));
}

/// The stored shape of a log record, as seen through the generic repository.
#[derive(Debug, Deserialize, Serialize)]
struct RawLog {
    pk: String,
    sk: String,
}

impl Item for RawLog {
    const KEYS: KeySchema = KeySchema {
        partition: "pk",
        sort: Some("sk"),
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    pk: String,
    sk: String,
    text: String,
}

impl Item for Note {
    const KEYS: KeySchema = KeySchema {
        partition: "pk",
        sort: Some("sk"),
    };
}

#[tokio::test]
async fn generic_repository_create_only_get_batch_and_query_pages() {
    let table = TestTable::create(
        "notes",
        test_support::Key::string("pk"),
        Some(test_support::Key::string("sk")),
    )
    .await;
    let repo = Repository::new(table.client.clone(), table.name.clone());
    let n = Note {
        pk: "a".into(),
        sk: "001".into(),
        text: "one".into(),
    };
    repo.put_new(&n).await.unwrap();
    let changed = Note {
        text: "changed".into(),
        ..n.clone()
    };
    assert!(matches!(
        repo.put_new(&changed).await,
        Err(RepoError::AlreadyExists)
    ));
    assert_eq!(repo.get::<Note>("a", Some("001")).await.unwrap(), n);
    assert!(matches!(
        repo.get::<Note>("a", Some("002")).await,
        Err(RepoError::NotFound)
    ));

    let many: Vec<Note> = (0..60)
        .map(|i| Note {
            pk: "b".into(),
            sk: format!("{i:03}"),
            text: "x".into(),
        })
        .collect();
    repo.batch_put(&many).await.unwrap();
    let mut q = Query::partition("b", 7);
    let mut seen = Vec::new();
    loop {
        let page = repo.query::<Note>(&q, &key()).await.unwrap();
        seen.extend(page.items.into_iter().map(|n| n.sk));
        match page.cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..60).rev().map(|i| format!("{i:03}")).collect();
    assert_eq!(seen, expected);
    // A cursor for partition "b" cannot read partition "a".
    let page = repo
        .query::<Note>(&Query::partition("b", 5), &key())
        .await
        .unwrap();
    let mut other = Query::partition("a", 5);
    other.cursor = page.cursor;
    assert!(matches!(
        repo.query::<Note>(&other, &key()).await,
        Err(RepoError::Cursor(_))
    ));
}
