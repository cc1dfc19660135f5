//! The rotator binary as Lambda runs it, at TRACE: the AWS SDK writes
//! request and response bodies at that level, and Secrets Manager's
//! `GetSecretValue` and `GetRandomPassword` answers carry secret values.
//! The function talks to a loopback Secrets Manager that serves the recorded
//! answers of `tests/fixtures/secretsmanager` (`AWS_ENDPOINT_URL_SECRETS_MANAGER`),
//! runs the `createSecret` step, and neither value may reach its output.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use serde_json::Value;
use test_support::lambda::LambdaProcess;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/secretsmanager/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn secret_of(name: &str, field: &str) -> String {
    let v: Value = serde_json::from_str(&fixture(name)).unwrap();
    v[field].as_str().unwrap().to_owned()
}

/// Answers each request by its `X-Amz-Target` with a recorded answer; one
/// request per connection. Returns the address; the thread ends with the test.
fn serve_secrets_manager() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let mut reader = BufReader::new(stream);
            let (mut target, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    match k.trim().to_ascii_lowercase().as_str() {
                        "x-amz-target" => target = v.trim().to_owned(),
                        "content-length" => length = v.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let (status, answer) = match target.as_str() {
                "secretsmanager.DescribeSecret" => {
                    (200, fixture("describe-secret-rotation-started"))
                }
                "secretsmanager.GetSecretValue" if request["VersionStage"] == "AWSCURRENT" => {
                    (200, fixture("get-secret-value-current"))
                }
                "secretsmanager.GetSecretValue" => (400, fixture("error-resource-not-found")),
                "secretsmanager.GetRandomPassword" => (200, fixture("get-random-password")),
                "secretsmanager.PutSecretValue" => (200, fixture("put-secret-value")),
                _ => (
                    400,
                    r#"{"__type":"InvalidRequestException","Message":"unexpected"}"#.to_owned(),
                ),
            };
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\n\
                 x-amzn-RequestId: 6c1f3a5e-8b2d-4f7a-9e0c-1d3b5f7a9c2e\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    addr
}

#[test]
fn trace_level_logs_no_secret_value() {
    let current = secret_of("get-secret-value-current", "SecretString");
    let random = secret_of("get-random-password", "RandomPassword");
    let addr = serve_secrets_manager();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("rotator.log");
    let endpoint = format!("http://{addr}");
    let mut f = LambdaProcess::start_logged(
        env!("CARGO_BIN_EXE_rotator"),
        &[
            ("AWS_LAMBDA_LOG_LEVEL", "TRACE"),
            ("RUST_LOG", "trace"),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint.as_str()),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
        ]
        .into_iter()
        .chain(common::FIXTURE_SETTINGS.iter().copied())
        .collect::<Vec<_>>(),
        &log,
    );
    let created = f.invoke_file(format!(
        "{}/events/create-secret.json",
        env!("CARGO_MANIFEST_DIR")
    ));
    assert!(
        created.success,
        "{created:?}\n{}",
        LambdaProcess::output(&log)
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = LambdaProcess::output(&log);
    assert!(!out.trim().is_empty(), "the rotator logged nothing");
    for secret in [&current, &random] {
        assert!(
            !out.contains(secret.as_str()),
            "a secret value in the log:\n{out}"
        );
        assert!(
            !created.stdout.contains(secret.as_str()) && !created.stderr.contains(secret.as_str()),
            "{created:?}"
        );
    }
}
