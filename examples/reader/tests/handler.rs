//! The reader handler against DynamoDB Local.

use std::collections::HashSet;
use std::sync::Arc;

use lambda_http::service_fn;
use lambda_runtime::{Context, LambdaEvent, Service as _};
use reader::Reader;
use secure_serverless::apigw::{Edge, HttpAnswer, HttpEvent};
use secure_serverless::cursor::CursorKey;
use secure_serverless::logs::{LogStore, LogStoreConfig};
use secure_serverless::repository::Repository;
use serde_json::{Value, json};

fn event(file: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    )
    .unwrap()
}

fn get(params: &[(&str, &str)]) -> Value {
    let mut e = event("reader/events/get-stats.json");
    let (mut single, mut multi) = (json!({}), json!({}));
    for (k, v) in params {
        single[*k] = json!(v);
        let mut list = multi
            .get(*k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        list.push(json!(v));
        multi[*k] = Value::Array(list);
    }
    e["queryStringParameters"] = single;
    e["multiValueQueryStringParameters"] = multi;
    e
}

fn post(body: &str) -> Value {
    let mut e = event("writer/events/post-log.json");
    e["body"] = json!(body);
    e
}

fn json_of(r: &HttpAnswer) -> Value {
    serde_json::from_slice(r.body().unwrap().as_ref()).unwrap()
}

fn http_event(event: Value) -> LambdaEvent<HttpEvent> {
    let event = HttpEvent::from_json(&event.to_string()).expect("an HTTP event");
    LambdaEvent::new(event, Context::default())
}

/// `event` through the edge and the reader, as the Lambda runtime runs them.
async fn read(r: &Reader, event: Value) -> HttpAnswer {
    Edge::new(service_fn(|req| reader::handler(r, req)))
        .call(http_event(event))
        .await
        .unwrap()
}

/// `event` through the edge and the writer.
async fn write(w: &writer::Writer, event: Value) -> HttpAnswer {
    Edge::new(service_fn(|req| writer::handler(w, req)))
        .call(http_event(event))
        .await
        .unwrap()
}

async fn stack() -> (writer::Writer, Reader) {
    let client = test_support::client().await;
    let table = test_support::unique_table_name("reader");
    let key = CursorKey::new(b"reader-test-cursor-key-32-bytes!").unwrap();
    let store = LogStore::new(Repository::new(client, table), LogStoreConfig::default());
    store.create_table().await.unwrap();
    (
        writer::Writer::new(store.clone(), 64 * 1024),
        Reader::new(store, key),
    )
}

#[tokio::test]
async fn reads_2500_records_of_10_kib_once_each_newest_first() {
    let (w, r) = stack().await;
    let w = Arc::new(w);
    let payload = "x".repeat(10 * 1024);
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..16usize {
        let (w, payload) = (Arc::clone(&w), payload.clone());
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for i in (t..2500).step_by(16) {
                let resp = write(
                    &w,
                    post(&format!(r#"{{"type":"big","payload":"{i} {payload}"}}"#)),
                )
                .await;
                assert_eq!(resp.status(), 201);
                ids.push(json_of(&resp)["id"].as_str().unwrap().to_owned());
            }
            ids
        });
    }
    let mut written = HashSet::new();
    while let Some(ids) = tasks.join_next().await {
        written.extend(ids.unwrap());
    }
    assert_eq!(written.len(), 2500);

    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("limit", "100")];
        if let Some(c) = &cursor {
            params.push(("cursor", c.as_str()));
        }
        let resp = read(&r, get(&params)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/json");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let body = json_of(&resp);
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 100);
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        2500,
        "no record twice, none missing ({pages} pages)"
    );
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), written);
    assert!(seen.windows(2).all(|p| p[0] > p[1]), "newest first");
}

#[tokio::test]
async fn bad_parameters_and_modified_cursors_are_400_with_json_errors() {
    let (w, r) = stack().await;
    for i in 0..12 {
        let t = if i % 2 == 0 { "even" } else { "odd" };
        assert_eq!(
            write(&w, post(&format!(r#"{{"type":"{t}","payload":"{i}"}}"#)))
                .await
                .status(),
            201
        );
    }
    let first = json_of(&read(&r, get(&[("limit", "5")])).await);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let mut flipped = cursor.clone().into_bytes();
    flipped[0] = if flipped[0] == b'e' { b'f' } else { b'e' };
    let flipped = String::from_utf8(flipped).unwrap();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("limit", "0")], "invalid_limit"),
        (vec![("limit", "101")], "invalid_limit"),
        (vec![("limit", "ten")], "invalid_limit"),
        (vec![("limit", "-1")], "invalid_limit"),
        (vec![("limit", "1"), ("limit", "2")], "duplicate_parameter"),
        (vec![("offset", "5")], "unknown_parameter"),
        (vec![("type", "a b")], "invalid_type"),
        (vec![("type", "")], "invalid_type"),
        (vec![("from", "yesterday")], "invalid_time"),
        (
            vec![
                ("from", "2026-01-02T00:00:00Z"),
                ("to", "2026-01-01T00:00:00Z"),
            ],
            "invalid_time_range",
        ),
        (vec![("cursor", flipped.as_str())], "invalid_cursor"),
        (vec![("cursor", "garbage")], "invalid_cursor"),
        (
            vec![("cursor", cursor.as_str()), ("type", "odd")],
            "invalid_cursor",
        ),
    ];
    for (params, code) in cases {
        let resp = read(&r, get(&params)).await;
        assert_eq!(resp.status(), 400, "{params:?}");
        assert_eq!(json_of(&resp)["code"], code, "{params:?}");
    }
    // The type filter and an empty result are fine.
    let odd = json_of(&read(&r, get(&[("type", "odd"), ("limit", "100")])).await);
    assert_eq!(odd["items"].as_array().unwrap().len(), 6);
    let none = json_of(&read(&r, get(&[("type", "missing")])).await);
    assert_eq!(none, json!({"items": [], "next_cursor": null}));
    // The checked-in fixtures.
    assert_eq!(
        read(&r, event("reader/events/get-stats.json"))
            .await
            .status(),
        200
    );
    assert_eq!(
        read(&r, event("reader/events/get-stats-invalid.json"))
            .await
            .status(),
        400
    );
}
