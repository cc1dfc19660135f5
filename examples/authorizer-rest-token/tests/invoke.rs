//! The binary as Lambda runs it (the Runtime API harness): the documented
//! `TOKEN` event with real tokens; each policy checked as API Gateway would
//! accept it and evaluated on every route, as its cache would replay it.

use secure_serverless::authorizer::{ResponseFormat, validate_response};
use secure_serverless::policy::{Decision, Policy};
use serde_json::Value;
use test_support::jwt_fixtures::{rsa_jwks_and_key, rsa_token};
use test_support::lambda::LambdaProcess;

const ISS: &str = "https://issuer.example";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod";

fn event(authorization: &str) -> String {
    let path = format!("{}/events/get-stats.json", env!("CARGO_MANIFEST_DIR"));
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    e["authorizationToken"] = Value::from(authorization);
    e.to_string()
}

#[test]
fn scopes_become_a_policy_over_every_route() {
    let (jwks, key) = rsa_jwks_and_key();
    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_authorizer-rest-token"),
        &[
            ("JWT_ISSUER", ISS),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
    );
    let token = rsa_token(&key, ISS, "logs-api", "alice", "logs:read");
    let out = f.invoke_json(&event(&format!("Bearer {token}")));
    assert!(out.success, "{out:?}");
    let answer: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    validate_response(ResponseFormat::Policy, &answer).unwrap();
    let p = Policy::from_response_json(&answer).unwrap();
    assert_eq!(p.principal_id(), "alice");
    assert_eq!(p.evaluate_str(&format!("{ARN}/GET/stats")), Decision::Allow);
    assert_eq!(
        p.evaluate_str(&format!("{ARN}/POST/log")),
        Decision::ExplicitDeny
    );

    // No token, or a token that does not verify: Unauthorized (401).
    for bad in ["", "Bearer not.a.jwt"] {
        let out = f.invoke_json(&event(bad));
        assert!(!out.success, "{bad:?}: {out:?}");
        assert!(
            out.stderr.contains("Unauthorized"),
            "{bad:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn missing_settings_stop_the_start() {
    let dir = std::env::temp_dir().join(format!("authorizer-rest-token-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let log = dir.join("start.log");
    let mut f = LambdaProcess::start_logged(
        env!("CARGO_BIN_EXE_authorizer-rest-token"),
        &[("JWT_AUDIENCE", "logs-api")],
        &log,
    );
    let status = f.wait_exit(std::time::Duration::from_secs(20));
    let out = LambdaProcess::output(&log);
    assert!(status.is_some_and(|s| !s.success()), "{out}");
    assert!(out.contains("JWT_ISSUER"), "{out}");
}
