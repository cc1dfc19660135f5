//! The writer handler against DynamoDB Local: statuses, idempotency, and
//! 10,000 concurrent writes.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::{body_json, call, fixture};
use secure_serverless::apigw::HttpAnswer;
use secure_serverless::cursor::CursorKey;
use secure_serverless::logs::{ListQuery, LogStore, LogStoreConfig};
use secure_serverless::repository::Repository;
use serde_json::{Value, json};
use writer::Writer;

/// The checked-in REST event with these headers and body.
fn request(content_type: Option<&str>, extra_headers: &[(&str, &str)], body: &str) -> Value {
    let mut e = fixture();
    let (mut h, mut mh) = (json!({}), json!({}));
    if let Some(ct) = content_type {
        h["Content-Type"] = json!(ct);
        mh["Content-Type"] = json!([ct]);
    }
    for (k, v) in extra_headers {
        h[*k] = json!(v);
        let list = mh
            .get(*k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut list = list;
        list.push(json!(v));
        mh[*k] = Value::Array(list);
    }
    e["headers"] = h;
    e["multiValueHeaders"] = mh;
    e["body"] = json!(body);
    e
}

async fn writer() -> (Writer, test_support::TestTable) {
    let client = test_support::client().await;
    let name = test_support::unique_table_name("writer");
    let store = LogStore::new(
        Repository::new(client.clone(), name.clone()),
        LogStoreConfig::default(),
    );
    store.create_table().await.unwrap();
    (
        Writer::new(store, 64 * 1024),
        test_support::TestTable::adopt(client, name).await,
    )
}

fn assert_json_error(r: &HttpAnswer, status: i64, code: &str) {
    assert_eq!(r.status(), status, "{:?}", body_json(r));
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let problem = body_json(r);
    assert_eq!(problem["code"], code);
    assert_eq!(problem["status"], status);
    assert_eq!(problem["type"], "about:blank");
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(problem["detail"].as_str().is_some_and(|t| !t.is_empty()));
}

const JSON: Option<&str> = Some("application/json");

/// Content type, extra headers, body, expected status, expected error code.
type Case<'a> = (
    Option<&'a str>,
    Vec<(&'a str, &'a str)>,
    &'a str,
    i64,
    &'a str,
);

#[tokio::test]
async fn created_with_receipt_and_sanitised_payload() {
    let (w, _t) = writer().await;
    let r = call(
        &w,
        request(
            JSON,
            &[],
            r#"{"type":"audit","payload":"<b>hi</b><img src=x onerror=alert(1)>"}"#,
        ),
    )
    .await;
    assert_eq!(r.status(), 201);
    let receipt = body_json(&r);
    assert_eq!(receipt["type"], "audit");
    assert!(
        receipt["id"].as_str().unwrap().len() == 36
            && receipt["timestamp"].as_str().unwrap().ends_with('Z')
    );
    assert_eq!(
        receipt.as_object().unwrap().len(),
        3,
        "exactly {{id, timestamp, type}}"
    );
    let page = w
        .store()
        .list(
            &ListQuery {
                limit: 10,
                ..Default::default()
            },
            &CursorKey::new(&[3u8; 32]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].payload, "<b>hi</b>");
    // The checked-in fixture works too.
    let r = call(&w, fixture()).await;
    assert_eq!(r.status(), 201);
    // charset parameter accepted
    assert_eq!(
        call(
            &w,
            request(
                Some("application/json; charset=UTF-8"),
                &[],
                r#"{"type":"a","payload":""}"#
            )
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn every_failure_is_a_json_4xx_and_writes_nothing() {
    let (w, table) = writer().await;
    let big = format!(
        r#"{{"type":"t","payload":"{}"}}"#,
        "x".repeat(64 * 1024 + 1)
    );
    let huge = "x".repeat(2 * 1024 * 1024);
    let deep = format!(r#"{{"type":"t","payload":"{}"}}"#, "<i>".repeat(1000));
    let cases: Vec<Case> = vec![
        (JSON, vec![], "", 400, "empty_body"),
        (JSON, vec![], "{", 400, "malformed_json"),
        (JSON, vec![], "[]", 400, "not_an_object"),
        (JSON, vec![], r#"{"type":"t"}"#, 400, "missing_field"),
        (
            JSON,
            vec![],
            r#"{"type":"t","payload":"p","x":1}"#,
            400,
            "unknown_field",
        ),
        (
            JSON,
            vec![],
            r#"{"type":"t","type":"u","payload":"p"}"#,
            400,
            "duplicate_field",
        ),
        (
            JSON,
            vec![],
            r#"{"type":1,"payload":"p"}"#,
            400,
            "wrong_type",
        ),
        (
            JSON,
            vec![],
            r#"{"type":"a b","payload":"p"}"#,
            422,
            "invalid_type",
        ),
        (JSON, vec![], &big, 413, "payload_too_large"),
        (JSON, vec![], &huge, 413, "body_too_large"),
        (JSON, vec![], &deep, 422, "payload_rejected"),
        (
            None,
            vec![],
            r#"{"type":"t","payload":"p"}"#,
            415,
            "unsupported_media_type",
        ),
        (
            Some("text/plain"),
            vec![],
            r#"{"type":"t","payload":"p"}"#,
            415,
            "unsupported_media_type",
        ),
        (
            Some("application/json; charset=latin1"),
            vec![],
            r#"{"type":"t","payload":"p"}"#,
            415,
            "unsupported_media_type",
        ),
        (
            JSON,
            vec![("Idempotency-Key", "has space")],
            r#"{"type":"t","payload":"p"}"#,
            400,
            "invalid_idempotency_key",
        ),
        (
            JSON,
            vec![("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
            r#"{"type":"t","payload":"p"}"#,
            400,
            "duplicate_header",
        ),
    ];
    for (ct, headers, body, status, code) in cases {
        let r = call(&w, request(ct, &headers, body)).await;
        assert_json_error(&r, status, code);
    }
    let mut invalid_utf8 = request(JSON, &[], "");
    invalid_utf8["body"] = json!("/w==");
    invalid_utf8["isBase64Encoded"] = json!(true);
    assert_json_error(&call(&w, invalid_utf8.clone()).await, 400, "invalid_utf8");
    invalid_utf8["body"] = json!("not base64!");
    assert_json_error(
        &call(&w, invalid_utf8.clone()).await,
        400,
        "invalid_body_encoding",
    );
    let mut get = request(JSON, &[], "{}");
    get["httpMethod"] = json!("GET");
    assert_json_error(&call(&w, get).await, 405, "method_not_allowed");
    assert_eq!(table.count().await, 0, "nothing was written");
}

#[tokio::test]
async fn idempotency_replay_and_conflict() {
    let (w, _t) = writer().await;
    let body = r#"{"type":"t","payload":"once"}"#;
    let first = call(&w, request(JSON, &[("Idempotency-Key", "order-1")], body)).await;
    assert_eq!(first.status(), 201);
    let again = call(&w, request(JSON, &[("Idempotency-Key", "order-1")], body)).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    assert_eq!(body_json(&again), body_json(&first));
    let conflict = call(
        &w,
        request(
            JSON,
            &[("Idempotency-Key", "order-1")],
            r#"{"type":"t","payload":"other"}"#,
        ),
    )
    .await;
    assert_json_error(&conflict, 409, "idempotency_conflict");
    let page = w
        .store()
        .list(
            &ListQuery {
                limit: 10,
                ..Default::default()
            },
            &CursorKey::new(&[3u8; 32]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn ten_thousand_concurrent_writes_are_all_stored_and_readable() {
    let (w, table) = writer().await;
    let w = Arc::new(w);
    let mut tasks = tokio::task::JoinSet::new();
    const TASKS: usize = 32;
    const TOTAL: usize = 10_000;
    for t in 0..TASKS {
        let w = Arc::clone(&w);
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for i in (t..TOTAL).step_by(TASKS) {
                let r = call(
                    &w,
                    request(
                        JSON,
                        &[],
                        &format!(r#"{{"type":"load","payload":"record {i}"}}"#),
                    ),
                )
                .await;
                assert_eq!(r.status(), 201, "{:?}", r.body());
                ids.push(body_json(&r)["id"].as_str().unwrap().to_owned());
            }
            ids
        });
    }
    let mut acknowledged = HashSet::new();
    while let Some(ids) = tasks.join_next().await {
        acknowledged.extend(ids.unwrap());
    }
    assert_eq!(acknowledged.len(), TOTAL);
    assert_eq!(table.count().await, TOTAL);
    let mut q = ListQuery {
        limit: 100,
        ..Default::default()
    };
    let mut read = HashSet::new();
    loop {
        let page = w
            .store()
            .list(&q, &CursorKey::new(&[3u8; 32]).unwrap())
            .await
            .unwrap();
        for item in page.items {
            assert!(read.insert(item.id), "a record was returned twice");
        }
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(read, acknowledged, "every acknowledged id is readable");
}

/// The request `request` builds, with the authorizer context replaced.
fn with_authorizer(mut event: Value, context: Value) -> Value {
    event["requestContext"]["authorizer"] = context;
    event
}

/// Keys are scoped to issuer and subject; without a principal a key cannot
/// be used at all.
#[tokio::test]
async fn idempotency_keys_need_a_caller_and_are_scoped_to_issuer_and_subject() {
    let (w, _t) = writer().await;
    let body = r#"{"type":"audit","payload":"x"}"#;
    let key = [("Idempotency-Key", "scoped-1")];
    let as_caller = |iss: &str, sub: &str| {
        with_authorizer(
            request(JSON, &key, body),
            json!({"principalId": sub, "iss": iss}),
        )
    };
    let first = call(&w, as_caller("https://a.example", "u-1")).await;
    assert_eq!(first.status(), 201);
    // The same subject at another issuer is another caller: a new record.
    let other = call(&w, as_caller("https://b.example", "u-1")).await;
    assert_eq!(other.status(), 201);
    assert_ne!(body_json(&first)["id"], body_json(&other)["id"]);
    // A replay by the first caller returns its own record.
    let again = call(&w, as_caller("https://a.example", "u-1")).await;
    assert_eq!(body_json(&again)["id"], body_json(&first)["id"]);
    // An authorizer that names no principal: a key is refused, nothing written.
    let no_principal = json!({"scope": "logs:write"});
    let anonymous = call(
        &w,
        with_authorizer(request(JSON, &key, body), no_principal.clone()),
    )
    .await;
    assert_json_error(&anonymous, 400, "idempotency_key_needs_caller");
    assert_eq!(body_json(&anonymous)["field"], "idempotency-key");
    // Without a key, such a write is still a write.
    let plain = call(&w, with_authorizer(request(JSON, &[], body), no_principal)).await;
    assert_eq!(plain.status(), 201);
    // No authorizer at all (a door with nothing in front): refused.
    let nobody = call(&w, with_authorizer(request(JSON, &[], body), json!({}))).await;
    assert_json_error(&nobody, 401, "unauthenticated");
}
