//! The reader binary as Lambda runs it, against DynamoDB Local: the compiled
//! `reader` polls a local Lambda Runtime API (`cargo lambda watch
//! --only-lambda-apis`) and events go in through `cargo lambda invoke`, as in
//! the README. Records are written first through the writer's handler.

use secure_serverless::cursor::CursorKey;
use secure_serverless::logs::{LogStore, LogStoreConfig};
use secure_serverless::repository::Repository;
use serde_json::{Value, json};
use test_support::lambda::LambdaProcess;

const CURSOR_KEY: &str = "reader-invoke-cursor-key-of-32-bytes";

fn event(file: &str) -> Value {
    let path = format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn response(stdout: &str) -> (i64, Value) {
    let r: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not a proxy response ({e}): {stdout}"));
    // A REST answer: every header in multiValueHeaders (API Gateway merges the two maps).
    assert_eq!(
        r["multiValueHeaders"]["cache-control"],
        json!(["no-store"]),
        "{r}"
    );
    let body = serde_json::from_str(r["body"].as_str().expect("a string body")).unwrap();
    (r["statusCode"].as_i64().expect("a status code"), body)
}

/// A fresh log table on DynamoDB Local whose cursors are sealed under
/// `CURSOR_KEY`: its store, its name, and the guard that deletes it.
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

/// Writes records `record 0` .. `record {n-1}` through the writer's handler.
async fn write_records(store: LogStore, n: usize) {
    let w = writer::Writer::new(store, 64 * 1024);
    let mut post = event("writer/events/post-log.json");
    for i in 0..n {
        post["body"] = json!(format!(r#"{{"type":"audit","payload":"record {i}"}}"#));
        let req = lambda_http::request::from_str(&post.to_string()).unwrap();
        assert_eq!(w.handle(&req).await.status(), 201);
    }
}

/// `file`'s event with `authorization` as its bearer header.
fn door_event(file: &str, authorization: Option<&str>) -> String {
    let mut e = event(&format!("reader/events/{file}.json"));
    test_support::jwt_fixtures::with_authorization(&mut e, authorization);
    e.to_string()
}

/// One binary for every front door: the same page in each door's shape;
/// Function URL and ALB requests only with the function's own bearer check.
#[tokio::test(flavor = "multi_thread")]
async fn every_front_door_through_the_runtime_api() {
    let (store, name, _table) = log_table("reader-doors").await;
    write_records(store, 3).await;
    let doors = [
        ("get-stats", "multiValueHeaders", true),
        ("get-stats-http-api", "headers", true),
        ("get-stats-function-url", "headers", false),
        ("get-stats-alb", "statusDescription", false),
    ];
    let page_of = |out: &test_support::lambda::Invocation, file: &str, shape: &str| {
        assert!(out.success, "{file}: {out:?}");
        let r: Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert!(!r[shape].is_null(), "{file} answers with {shape}: {r}");
        let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        (r["statusCode"].as_i64().unwrap(), body)
    };
    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_reader"),
        &[("TABLE_NAME", &name), ("CURSOR_KEY", CURSOR_KEY)],
    );
    for (file, shape, authorized_in_front) in doors {
        let (status, body) = page_of(&f.invoke_json(&door_event(file, None)), file, shape);
        if authorized_in_front {
            assert_eq!(status, 200, "{file}: {body}");
            assert_eq!(body["items"].as_array().unwrap().len(), 3, "{file}: {body}");
        } else {
            assert_eq!(
                (status, body["code"].as_str()),
                (401, Some("unauthenticated")),
                "{file}"
            );
        }
    }
    drop(f);
    let (jwks, key) = test_support::jwt_fixtures::rsa_jwks_and_key();
    let iss = "https://issuer.example";
    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_reader"),
        &[
            ("TABLE_NAME", &name),
            ("CURSOR_KEY", CURSOR_KEY),
            ("JWT_ISSUER", iss),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
    );
    let token = test_support::jwt_fixtures::rsa_token(&key, iss, "logs-api", "bob", "logs:read");
    for (file, shape, _) in doors {
        let out = f.invoke_json(&door_event(file, Some(&format!("Bearer {token}"))));
        let (status, body) = page_of(&out, file, shape);
        assert_eq!(status, 200, "{file}: {body}");
        assert_eq!(body["items"].as_array().unwrap().len(), 3, "{file}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_through_the_runtime_api() {
    let (store, name, _table) = log_table("reader-invoke").await;
    write_records(store, 12).await;

    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_reader"),
        &[("TABLE_NAME", &name), ("CURSOR_KEY", CURSOR_KEY)],
    );
    let first = f.invoke_file(format!(
        "{}/events/get-stats.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    assert!(first.success, "{first:?}");
    let (status, page) = response(&first.stdout);
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(items[0]["payload"], "record 11", "newest first");
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();

    let mut next = event("reader/events/get-stats.json");
    next["queryStringParameters"] = json!({"limit": "10", "cursor": cursor});
    next["multiValueQueryStringParameters"] = json!({"limit": ["10"], "cursor": [cursor]});
    let second = f.invoke_json(&next.to_string());
    let (status, page) = response(&second.stdout);
    assert_eq!(status, 200, "{page}");
    let payloads: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["payload"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(payloads, ["record 1", "record 0"]);
    assert!(page["next_cursor"].is_null());

    let invalid = f.invoke_file(format!(
        "{}/events/get-stats-invalid.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    assert!(
        invalid.success,
        "a 4xx is a response, not a function error: {invalid:?}"
    );
    let (status, err) = response(&invalid.stdout);
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["field"], "limit");
}

const NEW_CURSOR_KEY: &str = "reader-invoke-cursor-key-after-rotation";
const ORIGIN_SECRET: &str = "reader-trace-origin-secret-value";
const BEARER: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWFkZXIifQ.c2lnbmF0dXJlLW9mLXRoZS1yZWFkZXI";

/// After a rotation of the cursor key, cursors sealed under the previous
/// key still open; at TRACE, neither header secrets nor keys reach the log;
/// a missing key stops the start-up with its name.
#[tokio::test(flavor = "multi_thread")]
async fn rotated_cursor_key_trace_level_and_fail_closed_start_up() {
    let (old, name, _table) = log_table("reader-rotation").await;
    write_records(old.clone(), 3).await;
    let cursor = old
        .list(
            &secure_serverless::logs::ListQuery {
                limit: 1,
                ..Default::default()
            },
            &CursorKey::new(CURSOR_KEY.as_bytes()).unwrap(),
        )
        .await
        .unwrap()
        .next_cursor
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("reader.log");
    let mut f = LambdaProcess::start_logged(
        env!("CARGO_BIN_EXE_reader"),
        &[
            ("AWS_LAMBDA_LOG_LEVEL", "TRACE"),
            ("TABLE_NAME", &name),
            ("CURSOR_KEY", NEW_CURSOR_KEY),
            ("CURSOR_KEY_PREVIOUS", CURSOR_KEY),
        ],
        &log,
    );
    let mut next = event("reader/events/get-stats.json");
    next["queryStringParameters"] = json!({"limit": "10", "cursor": cursor});
    next["multiValueQueryStringParameters"] = json!({"limit": ["10"], "cursor": [cursor]});
    next["headers"]["X-Origin-Verify"] = json!(ORIGIN_SECRET);
    next["headers"]["Authorization"] = json!(format!("Bearer {BEARER}"));
    let second = f.invoke_json(&next.to_string());
    let (status, page) = response(&second.stdout);
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = LambdaProcess::output(&log);
    assert!(out.contains("page served"), "{out}");
    for secret in [ORIGIN_SECRET, BEARER, CURSOR_KEY, NEW_CURSOR_KEY] {
        assert!(!out.contains(secret), "{secret} in the log:\n{out}");
    }
    drop(f);

    for (setting, env) in [
        ("CURSOR_KEY_ID", vec![("TABLE_NAME", name.as_str())]),
        (
            "CURSOR_TTL_SECONDS",
            vec![
                ("TABLE_NAME", name.as_str()),
                ("CURSOR_KEY", NEW_CURSOR_KEY),
                ("CURSOR_TTL_SECONDS", ""),
            ],
        ),
        (
            "MAX_PAGE_BYTES",
            vec![
                ("TABLE_NAME", name.as_str()),
                ("CURSOR_KEY", NEW_CURSOR_KEY),
                ("MAX_PAGE_BYTES", "9000000"),
            ],
        ),
    ] {
        let log = dir.path().join(format!("{setting}.log"));
        let mut f = LambdaProcess::start_logged(env!("CARGO_BIN_EXE_reader"), &env, &log);
        let status = f.wait_exit(std::time::Duration::from_secs(20));
        let out = LambdaProcess::output(&log);
        assert!(status.is_some_and(|s| !s.success()), "{env:?}: {out}");
        assert!(out.contains(setting), "{setting} not named: {out}");
    }
}
