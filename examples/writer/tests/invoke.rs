//! The writer binary as Lambda runs it, against DynamoDB Local: the compiled
//! `writer` polls a local Lambda Runtime API (`cargo lambda watch
//! --only-lambda-apis`) and the checked-in events go in through `cargo lambda
//! invoke`, as in the README.

use secure_serverless::cursor::CursorKey;
use secure_serverless::logs::{ListQuery, LogStore, LogStoreConfig};
use secure_serverless::repository::Repository;
use serde_json::Value;
use test_support::lambda::LambdaProcess;

fn event_file(name: &str) -> String {
    format!("{}/events/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

fn response(stdout: &str) -> (i64, Value) {
    let r: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not a proxy response ({e}): {stdout}"));
    let body = serde_json::from_str(r["body"].as_str().expect("a string body")).unwrap();
    (r["statusCode"].as_i64().expect("a status code"), body)
}

/// A fresh log table on DynamoDB Local: its store, its name, and the guard
/// that deletes it.
async fn log_table(prefix: &str) -> (LogStore, String, test_support::TestTable) {
    let client = test_support::client().await;
    let name = test_support::unique_table_name(prefix);
    let store = LogStore::new(
        Repository::new(client.clone(), name.clone()),
        LogStoreConfig::default(),
    );
    store.create_table().await.unwrap();
    let table = test_support::TestTable::adopt(client, name.clone()).await;
    (store, name, table)
}

#[tokio::test(flavor = "multi_thread")]
async fn fixtures_through_the_runtime_api() {
    let (store, name, _table) = log_table("writer-invoke").await;

    // The endpoint, region and credentials come from the environment, as the
    // deployed function's come from Lambda's.
    let mut f = LambdaProcess::start(env!("CARGO_BIN_EXE_writer"), &[("TABLE_NAME", &name)]);

    let created = f.invoke_file(event_file("post-log"));
    assert!(created.success, "{created:?}");
    let (status, receipt) = response(&created.stdout);
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["type"], "audit");

    let invalid = f.invoke_file(event_file("post-log-invalid"));
    assert!(
        invalid.success,
        "a 4xx is a response, not a function error: {invalid:?}"
    );
    let (status, err) = response(&invalid.stdout);
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["field"], "type");

    // Exactly the one valid record is stored, sanitised.
    let page = store
        .list(
            &ListQuery {
                limit: 10,
                ..ListQuery::default()
            },
            &CursorKey::new(&[5u8; 32]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, receipt["id"].as_str().unwrap());
    assert_eq!(page.items[0].payload, "<b>hello</b>");
}

/// One binary for every front door: each door's event is answered in that
/// door's response shape, and each write is stored.
#[tokio::test(flavor = "multi_thread")]
async fn every_front_door_through_the_runtime_api() {
    let (store, name, _table) = log_table("writer-doors").await;
    let mut f = LambdaProcess::start(env!("CARGO_BIN_EXE_writer"), &[("TABLE_NAME", &name)]);
    let mut ids = Vec::new();
    for (file, door) in [
        ("post-log", "rest"),
        ("post-log-http-api", "http"),
        ("post-log-function-url", "http"),
        ("post-log-alb", "alb"),
    ] {
        let out = f.invoke_file(event_file(file));
        assert!(out.success, "{file}: {out:?}");
        let r: Value = serde_json::from_str(out.stdout.trim()).unwrap();
        let (status, receipt) = response(&out.stdout);
        assert_eq!(status, 201, "{file}: {receipt}");
        let content_type = match door {
            // API Gateway merges the two maps: every header in one of them.
            "rest" => {
                assert_eq!(r["headers"], serde_json::json!({}), "{file}: {r}");
                r["multiValueHeaders"]["content-type"][0].clone()
            }
            "http" => {
                // HTTP APIs and Function URLs have no multi-value map.
                assert!(
                    r.get("multiValueHeaders")
                        .is_none_or(|m| m == &serde_json::json!({})),
                    "{file}: {r}"
                );
                r["headers"]["content-type"].clone()
            }
            _ => {
                assert_eq!(r["statusDescription"], "201 Created", "{file}: {r}");
                r["headers"]["content-type"].clone()
            }
        };
        assert_eq!(content_type, "application/json", "{file}: {r}");
        ids.push(receipt["id"].as_str().unwrap().to_owned());
    }
    let page = store
        .list(
            &ListQuery {
                limit: 10,
                ..ListQuery::default()
            },
            &CursorKey::new(&[5u8; 32]).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    for item in &page.items {
        assert!(ids.contains(&item.id));
        assert_eq!(item.payload, "<b>hello</b>");
    }
}

/// At TRACE, neither the origin secret nor the bearer token of an event
/// reaches the log; a blank setting stops the start-up with its name.
#[tokio::test(flavor = "multi_thread")]
async fn trace_level_and_fail_closed_start_up() {
    const SECRET: &str = "writer-trace-origin-secret-value";
    const BEARER: &str =
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3cml0ZXIifQ.c2lnbmF0dXJlLW9mLXRoZS13cml0ZXI";
    let (_store, name, _table) = log_table("writer-trace").await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("writer.log");
    let mut f = LambdaProcess::start_logged(
        env!("CARGO_BIN_EXE_writer"),
        &[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("TABLE_NAME", &name)],
        &log,
    );
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(event_file("post-log")).unwrap()).unwrap();
    event["headers"]["X-Origin-Verify"] = serde_json::json!(SECRET);
    event["headers"]["Authorization"] = serde_json::json!(format!("Bearer {BEARER}"));
    let created = f.invoke_json(&event.to_string());
    let (status, receipt) = response(&created.stdout);
    assert_eq!(status, 201, "{receipt}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = LambdaProcess::output(&log);
    assert!(out.contains("record stored"), "{out}");
    for secret in [SECRET, BEARER] {
        assert!(!out.contains(secret), "{secret} in the log:\n{out}");
    }
    drop(f);

    for (setting, env) in [
        ("TABLE_NAME", vec![("LOG_SHARDS", "8")]),
        (
            "LOG_SHARDS",
            vec![("TABLE_NAME", name.as_str()), ("LOG_SHARDS", " ")],
        ),
        (
            "RETENTION_DAYS",
            vec![("TABLE_NAME", name.as_str()), ("RETENTION_DAYS", "ten")],
        ),
    ] {
        let log = dir.path().join(format!("{setting}.log"));
        let mut f = LambdaProcess::start_logged(env!("CARGO_BIN_EXE_writer"), &env, &log);
        let status = f.wait_exit(std::time::Duration::from_secs(20));
        let out = LambdaProcess::output(&log);
        assert!(status.is_some_and(|s| !s.success()), "{env:?}: {out}");
        assert!(out.contains(setting), "{setting} not named: {out}");
    }
}
