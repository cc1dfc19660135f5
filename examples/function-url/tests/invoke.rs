//! The Function URL binary as Lambda runs it (the Runtime API harness): the
//! documented Function URL event, answered by the bearer layer as RFC 6750
//! says, the handler reached only by a caller the route allows.

use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};
use test_support::lambda::LambdaProcess;

const BIN: &str = env!("CARGO_BIN_EXE_function-url");

fn keys() -> (String, EncodingKey) {
    test_support::jwt_fixtures::rsa_jwks_and_key()
}

fn token(key: &EncodingKey, scope: &str) -> String {
    test_support::jwt_fixtures::rsa_token(
        key,
        "https://issuer.example",
        "profile-api",
        "user-7",
        scope,
    )
}

fn event(authorization: Option<&str>) -> String {
    let path = format!("{}/events/get-me.json", env!("CARGO_MANIFEST_DIR"));
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match authorization {
        Some(a) => v["headers"]["authorization"] = json!(a),
        None => {
            v["headers"]
                .as_object_mut()
                .unwrap()
                .remove("authorization");
        }
    }
    v.to_string()
}

fn answer(out: &test_support::lambda::Invocation) -> Value {
    assert!(out.success, "{out:?}");
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn the_documented_event_through_the_runtime_api() {
    let (jwks, key) = keys();
    let mut f = LambdaProcess::start(
        BIN,
        &[
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "profile-api"),
            ("JWKS", &jwks),
            ("REALM", "profile"),
        ],
    );
    // Allowed: the handler answers with the verified caller.
    let ok = answer(&f.invoke_json(&event(Some(&format!(
        "Bearer {}",
        token(&key, "profile:read")
    )))));
    assert_eq!(ok["statusCode"], 200, "{ok}");
    let body: Value = serde_json::from_str(ok["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"sub": "user-7", "scopes": ["profile:read"]}));
    // No token: 401 with a bare challenge.
    let none = answer(&f.invoke_json(&event(None)));
    assert_eq!(none["statusCode"], 401);
    assert_eq!(
        none["headers"]["www-authenticate"],
        "Bearer realm=\"profile\""
    );
    // A forged token: 401 invalid_token, the reason code and nothing of the token.
    let mut forged = token(&key, "profile:read");
    forged.replace_range(forged.len() - 4.., "AAAA");
    let bad = answer(&f.invoke_json(&event(Some(&format!("Bearer {forged}")))));
    assert_eq!(bad["statusCode"], 401);
    assert_eq!(
        bad["headers"]["www-authenticate"],
        "Bearer realm=\"profile\", error=\"invalid_token\", error_description=\"signature\""
    );
    assert!(!bad.to_string().contains(&forged));
    // A valid token without the scope: 403 insufficient_scope.
    let scope = answer(&f.invoke_json(&event(Some(&format!("Bearer {}", token(&key, "other"))))));
    assert_eq!(scope["statusCode"], 403);
    assert_eq!(
        scope["headers"]["www-authenticate"],
        "Bearer realm=\"profile\", error=\"insufficient_scope\", scope=\"profile:read\""
    );
    assert_eq!(scope["headers"]["content-type"], "application/problem+json");
}

#[test]
fn a_missing_token_setting_stops_the_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("start.log");
    let mut f = LambdaProcess::start_logged(BIN, &[("JWT_AUDIENCE", "profile-api")], &log);
    let status = f.wait_exit(std::time::Duration::from_secs(20));
    let out = LambdaProcess::output(&log);
    assert!(status.is_some_and(|s| !s.success()), "kept running: {out}");
    assert!(out.contains("JWT_ISSUER"), "{out}");
}
