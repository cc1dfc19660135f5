//! The binary as Lambda runs it (the Runtime API harness): the documented
//! `$connect` event with real tokens; the policy names exactly `$connect`.

use secure_serverless::authorizer::{ResponseFormat, validate_response};
use secure_serverless::policy::{Decision, Policy};
use serde_json::Value;
use test_support::jwt_fixtures::{rsa_jwks_and_key, rsa_token};
use test_support::lambda::LambdaProcess;

const ISS: &str = "https://issuer.example";
const CONNECT: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/production/$connect";

fn event(authorization: Option<&str>) -> String {
    let path = format!("{}/events/connect.json", env!("CARGO_MANIFEST_DIR"));
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    test_support::jwt_fixtures::with_authorization(&mut e, authorization);
    e.to_string()
}

fn policy(out: &test_support::lambda::Invocation) -> Policy {
    assert!(out.success, "{out:?}");
    let answer: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    validate_response(ResponseFormat::WebSocketPolicy, &answer).unwrap();
    Policy::from_response_json(&answer).unwrap()
}

#[test]
fn connect_needs_a_scope_of_connect() {
    let (jwks, key) = rsa_jwks_and_key();
    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_authorizer-websocket"),
        &[
            ("JWT_ISSUER", ISS),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
    );
    let reader = format!(
        "Bearer {}",
        rsa_token(&key, ISS, "logs-api", "alice", "logs:read")
    );
    let p = policy(&f.invoke_json(&event(Some(&reader))));
    assert_eq!(p.evaluate_str(CONNECT), Decision::Allow);
    // Exactly $connect: no other route of the API.
    assert_ne!(
        p.evaluate_str(&CONNECT.replace("$connect", "$default")),
        Decision::Allow
    );
    let writer = format!(
        "Bearer {}",
        rsa_token(&key, ISS, "logs-api", "bob", "logs:write")
    );
    assert_ne!(
        policy(&f.invoke_json(&event(Some(&writer)))).evaluate_str(CONNECT),
        Decision::Allow
    );
    // No token: Unauthorized (401).
    let out = f.invoke_json(&event(None));
    assert!(
        !out.success && out.stderr.contains("Unauthorized"),
        "{out:?}"
    );
}
