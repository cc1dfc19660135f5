//! The writer binary as Lambda runs it, against DynamoDB Local: the compiled
//! `writer` polls a local Lambda Runtime API (`cargo lambda watch
//! --only-lambda-apis`) and the checked-in events go in through `cargo lambda
//! invoke`, as in the README.

use secure_serverless::cursor::CursorKey;
use secure_serverless::logs::{ListQuery, LogStore, LogStoreConfig};
use secure_serverless::repository::Repository;
use serde_json::{Value, json};
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

/// The newest ten records of `store`.
async fn newest(store: &LogStore) -> secure_serverless::logs::LogPage {
    store
        .list(
            &ListQuery {
                limit: 10,
                ..ListQuery::default()
            },
            &CursorKey::new(&[5u8; 32]).unwrap(),
        )
        .await
        .unwrap()
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
    let page = newest(&store).await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, receipt["id"].as_str().unwrap());
    assert_eq!(page.items[0].payload, "<b>hello</b>");
}

const DOORS: [(&str, &str); 4] = [
    ("post-log", "rest"),
    ("post-log-http-api", "http"),
    ("post-log-function-url", "http"),
    ("post-log-alb", "alb"),
];

/// `file`'s event with `authorization` as its bearer header.
fn door_event(file: &str, authorization: Option<&str>) -> String {
    let mut e: Value =
        serde_json::from_str(&std::fs::read_to_string(event_file(file)).unwrap()).unwrap();
    test_support::jwt_fixtures::with_authorization(&mut e, authorization);
    e.to_string()
}

/// The answer's status, its body, and the content type where the door's
/// response shape keeps headers.
fn door_answer(stdout: &str, door: &str) -> (i64, Value, Value) {
    let r: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let content_type = match door {
        // API Gateway merges the two maps: every header in one of them.
        "rest" => {
            assert_eq!(r["headers"], json!({}), "{r}");
            r["multiValueHeaders"]["content-type"][0].clone()
        }
        // HTTP APIs and Function URLs have no multi-value map.
        "http" => {
            assert!(
                r.get("multiValueHeaders").is_none_or(|m| m == &json!({})),
                "{r}"
            );
            r["headers"]["content-type"].clone()
        }
        _ => {
            assert!(r["statusDescription"].is_string(), "{r}");
            r["headers"]["content-type"].clone()
        }
    };
    let body = serde_json::from_str(r["body"].as_str().expect("a string body")).unwrap();
    (r["statusCode"].as_i64().unwrap(), body, content_type)
}

/// One binary for every front door, each answered in its own response shape.
/// REST and HTTP API events carry their authorizer's verdict; Function URL
/// and ALB events carry none, so they are refused unless the function
/// verifies the token itself (`JWT_ISSUER`, ...), which it then does for
/// every door.
#[tokio::test(flavor = "multi_thread")]
async fn every_front_door_through_the_runtime_api() {
    let (store, name, _table) = log_table("writer-doors").await;
    let mut f = LambdaProcess::start(env!("CARGO_BIN_EXE_writer"), &[("TABLE_NAME", &name)]);
    for (file, door) in DOORS {
        let out = f.invoke_json(&door_event(file, None));
        assert!(out.success, "{file}: {out:?}");
        let (status, body, content_type) = door_answer(&out.stdout, door);
        match file {
            "post-log" | "post-log-http-api" => {
                assert_eq!(
                    (status, content_type),
                    (201, json!("application/json")),
                    "{file}: {body}"
                )
            }
            _ => assert_eq!(
                (status, body["code"].as_str()),
                (401, Some("unauthenticated")),
                "{file}: nothing vouched for the caller"
            ),
        }
    }
    drop(f);

    let (jwks, key) = test_support::jwt_fixtures::rsa_jwks_and_key();
    let iss = "https://issuer.example";
    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_writer"),
        &[
            ("TABLE_NAME", &name),
            ("JWT_ISSUER", iss),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
    );
    let bearer = |scope| {
        let t = test_support::jwt_fixtures::rsa_token(&key, iss, "logs-api", "alice", scope);
        format!("Bearer {t}")
    };
    let mut ids = Vec::new();
    for (file, door) in DOORS {
        let out = f.invoke_json(&door_event(file, Some(&bearer("logs:write"))));
        let (status, receipt, content_type) = door_answer(&out.stdout, door);
        assert_eq!(
            (status, content_type),
            (201, json!("application/json")),
            "{file}: {receipt}"
        );
        ids.push(receipt["id"].as_str().unwrap().to_owned());
        let out = f.invoke_json(&door_event(file, Some(&bearer("logs:read"))));
        let (status, problem, _) = door_answer(&out.stdout, door);
        assert_eq!(
            (status, problem["code"].as_str()),
            (403, Some("insufficient_scope")),
            "{file}"
        );
        let out = f.invoke_json(&door_event(file, None));
        assert_eq!(door_answer(&out.stdout, door).0, 401, "{file}");
    }
    let page = newest(&store).await;
    assert_eq!(
        page.items.len(),
        2 + 4,
        "two before the bearer check, four with it"
    );
    for id in &ids {
        let item = page.items.iter().find(|i| &i.id == id).expect("stored");
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
