//! The authorizer binary as Lambda runs it: the compiled `authorizer`
//! polls a local Lambda Runtime API (`cargo lambda watch --only-lambda-apis`)
//! and each event goes in through `cargo lambda invoke`, as in the README.
//! The policies that come back are evaluated with the library's evaluator,
//! the way API Gateway would.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_serverless::authorizer::{ResponseFormat, validate_response};
use secure_serverless::policy::{Decision, Policy};
use serde_json::{Value, json};
use test_support::lambda::LambdaProcess;

const BIN: &str = env!("CARGO_BIN_EXE_authorizer");
const CURRENT: &str = "local-origin-secret-current";
const PREVIOUS: &str = "local-origin-secret-previous";
const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod";

fn event_file(name: &str) -> String {
    format!("{}/events/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

fn policy_of(stdout: &str) -> Policy {
    let v: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("not a JSON policy ({e}): {stdout}"));
    Policy::from_response_json(&v).expect("a well-formed REST authorizer response")
}

#[test]
fn origin_only_fixtures_allow_and_deny() {
    let mut f = LambdaProcess::start(
        BIN,
        &[
            ("AUTH_MODE", "origin-secret-only"),
            ("ORIGIN_SECRET", CURRENT),
            ("ORIGIN_SECRET_PREVIOUS", PREVIOUS),
        ],
    );

    let allow = f.invoke_file(event_file("allow"));
    assert!(allow.success, "{allow:?}");
    assert!(!allow.stdout.contains(CURRENT), "secret echoed: {allow:?}");
    let p = policy_of(&allow.stdout);
    assert_eq!(p.evaluate_str(&format!("{ARN}/GET/stats")), Decision::Allow);
    assert_eq!(p.evaluate_str(&format!("{ARN}/POST/log")), Decision::Allow);
    assert_eq!(
        p.evaluate_str(&format!("{ARN}/DELETE/log")),
        Decision::ImplicitDeny
    );

    let deny = f.invoke_file(event_file("deny"));
    assert!(deny.success, "{deny:?}");
    let p = policy_of(&deny.stdout);
    assert_eq!(
        p.evaluate_str(&format!("{ARN}/GET/stats")),
        Decision::ExplicitDeny
    );

    // The previous version is still accepted during a rotation.
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(event_file("allow")).unwrap()).unwrap();
    event["headers"]["X-Origin-Verify"] = json!(PREVIOUS);
    event["multiValueHeaders"]["X-Origin-Verify"] = json!([PREVIOUS]);
    let prev = f.invoke_json(&event.to_string());
    assert_eq!(
        policy_of(&prev.stdout).evaluate_str(&format!("{ARN}/GET/stats")),
        Decision::Allow
    );

    // A missing header is a Deny, never a crash: the process keeps serving.
    event["headers"]
        .as_object_mut()
        .unwrap()
        .remove("X-Origin-Verify");
    event["multiValueHeaders"]
        .as_object_mut()
        .unwrap()
        .remove("X-Origin-Verify");
    let missing = f.invoke_json(&event.to_string());
    assert_eq!(
        policy_of(&missing.stdout).evaluate_str(&format!("{ARN}/GET/stats")),
        Decision::ExplicitDeny
    );
    let again = f.invoke_file(event_file("allow"));
    assert!(again.success, "{again:?}");
}

fn jwks_and_key() -> (String, EncodingKey) {
    test_support::jwt_fixtures::rsa_jwks_and_key()
}

fn token(key: &EncodingKey, scope: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let claims = json!({
        "iss": "https://issuer.example", "aud": "logs-api", "sub": "reader-1",
        "exp": now + 300, "iat": now, "scope": scope,
    });
    jsonwebtoken::encode(&header, &claims, key).unwrap()
}

fn with_bearer(token: &str) -> Value {
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(event_file("allow")).unwrap()).unwrap();
    let bearer = format!("Bearer {token}");
    event["headers"]["Authorization"] = json!(bearer);
    event["multiValueHeaders"]["Authorization"] = json!([bearer]);
    event
}

/// A missing or blank security setting stops the function at start-up with
/// its name in the log; it never starts in a weaker mode.
#[test]
fn missing_security_settings_fail_the_start_up() {
    let (jwks, _) = jwks_and_key();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("JWT_ISSUER", vec![("ORIGIN_SECRET", CURRENT)]),
        (
            "JWT_ISSUER",
            vec![("ORIGIN_SECRET", CURRENT), ("JWT_ISSUER", " ")],
        ),
        (
            "JWT_AUDIENCE",
            vec![
                ("ORIGIN_SECRET", CURRENT),
                ("JWT_ISSUER", "https://issuer.example"),
                ("JWKS", &jwks),
            ],
        ),
        (
            "ORIGIN_SECRET_ID",
            vec![("AUTH_MODE", "origin-secret-only")],
        ),
        (
            "ORIGIN_SECRET_ID",
            vec![
                ("AUTH_MODE", "origin-secret-only"),
                ("ORIGIN_SECRET_ID", ""),
            ],
        ),
        (
            "SECRET_CACHE_TTL_SECONDS",
            vec![
                ("AUTH_MODE", "origin-secret-only"),
                ("ORIGIN_SECRET", CURRENT),
                ("SECRET_CACHE_TTL_SECONDS", ""),
            ],
        ),
        (
            "AUTH_MODE",
            vec![("AUTH_MODE", "open"), ("ORIGIN_SECRET", CURRENT)],
        ),
        (
            "JWT_TOKEN_USE",
            vec![
                ("ORIGIN_SECRET", CURRENT),
                ("JWT_ISSUER", "https://issuer.example"),
                ("JWT_AUDIENCE", "logs-api"),
                ("JWT_TOKEN_USE", "access"),
                ("JWKS", &jwks),
            ],
        ),
        (
            "JWT_ISSUER",
            vec![
                ("AUTH_MODE", "origin-secret-only"),
                ("ORIGIN_SECRET", CURRENT),
                ("JWT_ISSUER", "https://issuer.example"),
            ],
        ),
        // One JWKS cannot serve two issuers: each keeps its own keys.
        (
            "JWKS_URL",
            vec![
                ("ORIGIN_SECRET", CURRENT),
                ("JWT_ISSUER", "https://a.example,https://b.example"),
                ("JWT_AUDIENCE", "logs-api"),
                ("JWKS", &jwks),
            ],
        ),
        (
            "JWKS_LOAD",
            vec![
                ("ORIGIN_SECRET", CURRENT),
                ("JWT_ISSUER", "https://issuer.example"),
                ("JWT_AUDIENCE", "logs-api"),
                ("JWKS", &jwks),
                ("JWKS_LOAD", "later"),
            ],
        ),
        // An issuer whose discovery document cannot be fetched at start-up.
        (
            "KeySetUnavailable",
            vec![
                ("ORIGIN_SECRET", CURRENT),
                ("JWT_ISSUER", "https://127.0.0.1:9/pool"),
                ("JWT_AUDIENCE", "logs-api"),
            ],
        ),
    ];
    for (i, (setting, env)) in cases.iter().enumerate() {
        let log = dir.path().join(format!("init-{i}.log"));
        let mut f = LambdaProcess::start_logged(BIN, env, &log);
        let status = f.wait_exit(std::time::Duration::from_secs(20));
        let out = LambdaProcess::output(&log);
        assert!(
            status.is_some_and(|s| !s.success()),
            "{env:?}: the authorizer kept running: {out}"
        );
        assert!(out.contains(setting), "{env:?}: {setting} not named: {out}");
        assert!(!out.contains(CURRENT), "secret in the log: {out}");
    }

    // The secret-only design starts only when asked for by name, and says so.
    let log = dir.path().join("origin-only.log");
    let mut f = LambdaProcess::start_logged(
        BIN,
        &[
            ("AUTH_MODE", "origin-secret-only"),
            ("ORIGIN_SECRET", CURRENT),
        ],
        &log,
    );
    let allow = f.invoke_file(event_file("allow"));
    assert!(allow.success, "{allow:?}");
    assert!(LambdaProcess::output(&log).contains("origin-secret-only"));
}

/// Whatever the level, neither the origin secret nor a bearer token reaches
/// the function's output (lambda_runtime writes raw events at TRACE).
#[test]
fn trace_level_logs_neither_the_secret_nor_the_token() {
    let (jwks, key) = jwks_and_key();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("trace.log");
    let mut f = LambdaProcess::start_logged(
        BIN,
        &[
            ("AWS_LAMBDA_LOG_LEVEL", "TRACE"),
            ("RUST_LOG", "trace"),
            ("ORIGIN_SECRET", CURRENT),
            ("ORIGIN_SECRET_PREVIOUS", PREVIOUS),
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
        &log,
    );
    let good = token(&key, "logs:read");
    let allowed = f.invoke_json(&with_bearer(&good).to_string());
    assert!(allowed.success, "{allowed:?}");
    let mut forged = good.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    let refused = f.invoke_json(&with_bearer(&forged).to_string());
    assert!(!refused.success, "{refused:?}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let out = LambdaProcess::output(&log);
    assert!(out.contains("caller accepted"), "no log at all? {out}");
    let signature = good.rsplit('.').next().unwrap();
    for secret in [CURRENT, PREVIOUS, good.as_str(), signature, forged.as_str()] {
        assert!(!out.contains(secret), "{secret} in the log:\n{out}");
    }
}

#[test]
fn jwt_mode_unauthorized_and_scopes() {
    let (jwks, key) = jwks_and_key();
    let mut f = LambdaProcess::start(
        BIN,
        &[
            ("ORIGIN_SECRET", CURRENT),
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
    );

    // No bearer token: the error API Gateway turns into 401.
    let unauth = f.invoke_file(event_file("unauthorized"));
    assert!(!unauth.success, "{unauth:?}");
    assert!(
        unauth.stdout.contains("Unauthorized") || unauth.stderr.contains("Unauthorized"),
        "{unauth:?}"
    );

    // A logs:read token may GET /stats and nothing else.
    let token = token(&key, "logs:read");
    let read = f.invoke_json(&with_bearer(&token).to_string());
    assert!(read.success, "{read:?}");
    assert!(!read.stdout.contains(&token), "token echoed: {read:?}");
    let p = policy_of(&read.stdout);
    assert_eq!(p.principal_id(), "reader-1");
    assert_eq!(p.evaluate_str(&format!("{ARN}/GET/stats")), Decision::Allow);
    assert_eq!(
        p.evaluate_str(&format!("{ARN}/POST/log")),
        Decision::ExplicitDeny
    );
}

/// Cognito access tokens carry no `aud`: `JWT_TOKEN_USE=cognito-access` checks
/// `token_use` and `client_id` against `JWT_AUDIENCE` instead.
#[test]
fn cognito_access_tokens() {
    let (jwks, key) = jwks_and_key();
    let mut f = LambdaProcess::start(
        BIN,
        &[
            ("ORIGIN_SECRET", CURRENT),
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "app-client-1"),
            ("JWT_TOKEN_USE", "cognito-access"),
            ("JWKS", &jwks),
        ],
    );
    let now = jsonwebtoken::get_current_timestamp();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let sign = |claims: Value| jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let access = sign(json!({
        "iss": "https://issuer.example", "sub": "u-1", "client_id": "app-client-1",
        "token_use": "access", "scope": "logs:read", "exp": now + 300, "iat": now,
    }));
    let ok = f.invoke_json(&with_bearer(&access).to_string());
    assert!(ok.success, "{ok:?}");
    assert_eq!(
        policy_of(&ok.stdout).evaluate_str(&format!("{ARN}/GET/stats")),
        Decision::Allow
    );
    // Another app client, or an ID token, is not accepted.
    for claims in [
        json!({"iss": "https://issuer.example", "sub": "u-1", "client_id": "other",
               "token_use": "access", "exp": now + 300}),
        json!({"iss": "https://issuer.example", "sub": "u-1", "aud": "app-client-1",
               "token_use": "id", "exp": now + 300}),
    ] {
        let refused = f.invoke_json(&with_bearer(&sign(claims)).to_string());
        assert!(!refused.success, "{refused:?}");
    }
}

/// Every line the handler logs carries the invocation's request id and trace
/// id; every invocation ends with valid CloudWatch EMF lines counting its
/// decision, with the same ids and only fixed dimension values.
#[test]
fn log_lines_and_metrics_carry_the_invocation() {
    let (jwks, key) = jwks_and_key();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("json.log");
    let mut f = LambdaProcess::start_logged(
        BIN,
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_FUNCTION_NAME", "logs-authorizer"),
            ("ORIGIN_SECRET", CURRENT),
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
        &log,
    );
    let good = token(&key, "logs:read");
    let mut forged = good.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    assert!(f.invoke_json(&with_bearer(&good).to_string()).success);
    assert!(!f.invoke_json(&with_bearer(&forged).to_string()).success);
    assert!(!f.invoke_file(event_file("unauthorized")).success);
    assert!(f.invoke_file(event_file("deny")).success);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out = LambdaProcess::output(&log);

    let mut handler_lines = 0;
    let mut request_ids = std::collections::BTreeSet::new();
    let mut metrics = Vec::new();
    for line in out.lines().filter(|l| l.starts_with('{')) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if v.get("_aws").is_some() {
            let extracted =
                test_support::emf::check(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert!(
                v["requestId"].as_str().is_some_and(|id| !id.is_empty()),
                "{line}"
            );
            assert!(v.get("xrayTraceId").is_some(), "no trace id: {line}");
            metrics.extend(extracted);
            continue;
        }
        let message = v["fields"]["message"].as_str().unwrap_or_default();
        if message == "authorizer configured" {
            continue; // start-up, before any invocation
        }
        handler_lines += 1;
        let id = v["span"]["requestId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "no request id: {line}");
        assert!(
            v["span"]["xrayTraceId"]
                .as_str()
                .is_some_and(|t| t.starts_with("Root=")),
            "no trace id: {line}"
        );
        request_ids.insert(id.to_owned());
    }
    assert!(handler_lines >= 4, "{out}");
    assert_eq!(request_ids.len(), 4, "{out}");
    let count = |name: &str, dim: (&str, &str)| -> f64 {
        metrics
            .iter()
            .filter(|(ns, dims, n, _)| {
                ns == "SecureServerless"
                    && n == name
                    && dims.contains(&("Service".to_owned(), "logs-authorizer".to_owned()))
                    && dims.contains(&(dim.0.to_owned(), dim.1.to_owned()))
            })
            .map(|m| m.3)
            .sum()
    };
    assert_eq!(count("AuthorizerDecision", ("Outcome", "allow")), 1.0);
    assert_eq!(
        count("AuthorizerDecision", ("Outcome", "unauthorized")),
        2.0
    );
    assert_eq!(count("AuthorizerDecision", ("Outcome", "deny")), 1.0);
    assert_eq!(count("TokenRejected", ("Reason", "signature")), 1.0);
    assert_eq!(count("TokenRejected", ("Reason", "token_missing")), 1.0);
    assert_eq!(count("OriginSecret", ("Check", "wrong")), 1.0);
    assert_eq!(count("ColdStart", ("Service", "logs-authorizer")), 1.0);
    // Dimension values come from fixed sets: short lower-case codes and the
    // function's name, never request data.
    for (_, dims, _, _) in &metrics {
        for (_, value) in dims {
            assert!(
                value == "logs-authorizer"
                    || (value.len() <= 20
                        && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')),
                "{value}"
            );
        }
    }
}

/// A door's event with the placeholders filled.
fn door_event(name: &str, token: &str, origin: &str) -> String {
    std::fs::read_to_string(event_file(name))
        .unwrap()
        .replace("Bearer TOKEN", &format!("Bearer {token}"))
        .replace("\"ORIGIN\"", &format!("\"{origin}\""))
}

fn checked(stdout: &str, format: ResponseFormat) -> Value {
    let v: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    validate_response(format, &v).unwrap_or_else(|e| panic!("API Gateway would refuse {v}: {e}"));
    v
}

/// Every front door's documented event through the Runtime API: the answer
/// is the format that door expects, API Gateway would accept it, and it
/// allows exactly what the token's scopes grant.
#[test]
fn every_front_door_through_the_runtime_api() {
    let (jwks, key) = jwks_and_key();
    let jwt_env = [
        ("JWT_ISSUER", "https://issuer.example"),
        ("JWT_AUDIENCE", "logs-api"),
        ("JWKS", jwks.as_str()),
    ];
    let reader = token(&key, "logs:read");
    let http = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default";

    let mut env = vec![("ORIGIN_SECRET", CURRENT)];
    env.extend(jwt_env);
    let mut f = LambdaProcess::start(BIN, &env);
    for name in ["http-v1", "http-v2"] {
        let out = f.invoke_json(&door_event(name, &reader, CURRENT));
        assert!(out.success, "{name}: {out:?}");
        let p = Policy::from_response_json(&checked(&out.stdout, ResponseFormat::Policy)).unwrap();
        assert_eq!(
            p.evaluate_str(&format!("{http}/GET/stats")),
            Decision::Allow,
            "{name}"
        );
        assert_eq!(
            p.evaluate_str(&format!("{http}/POST/log")),
            Decision::ExplicitDeny,
            "{name}"
        );
        // A forged token: HTTP APIs get a denial (403), not an error.
        let out = f.invoke_json(&door_event(name, "forged.token.value", CURRENT));
        assert!(out.success, "{name}: {out:?}");
        let p = Policy::from_response_json(&checked(&out.stdout, ResponseFormat::Policy)).unwrap();
        assert!(!p.evaluate_str(&format!("{http}/GET/stats")).is_allowed());
    }
    let connect = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/production/$connect";
    let out = f.invoke_json(&door_event("websocket-connect", &reader, CURRENT));
    let v = checked(&out.stdout, ResponseFormat::WebSocketPolicy);
    assert_eq!(
        v["policyDocument"]["Statement"][0]["Resource"],
        json!([connect])
    );
    assert_eq!(
        Policy::from_response_json(&v)
            .unwrap()
            .evaluate_str(connect),
        Decision::Allow
    );
    let writer = token(&key, "logs:write");
    let out = f.invoke_json(&door_event("websocket-connect", &writer, CURRENT));
    let v = checked(&out.stdout, ResponseFormat::WebSocketPolicy);
    assert_eq!(
        Policy::from_response_json(&v)
            .unwrap()
            .evaluate_str(connect),
        Decision::ExplicitDeny
    );
    // A TOKEN event cannot carry the origin secret: this configuration refuses it.
    assert!(
        !f.invoke_json(&door_event("rest-token", &reader, CURRENT))
            .success
    );
    drop(f);

    // Simple responses, keyed by route.
    let mut env = vec![
        ("ORIGIN_SECRET", CURRENT),
        ("HTTP_API_RESPONSES", "simple-keyed-by-route"),
    ];
    env.extend(jwt_env);
    let mut f = LambdaProcess::start(BIN, &env);
    let out = f.invoke_json(&door_event("http-v2", &reader, CURRENT));
    let v = checked(&out.stdout, ResponseFormat::HttpSimple);
    assert_eq!(v["isAuthorized"], json!(true));
    let mut unkeyed: Value =
        serde_json::from_str(&door_event("http-v2", &reader, CURRENT)).unwrap();
    unkeyed["identitySource"] = json!([format!("Bearer {reader}")]);
    assert!(
        !f.invoke_json(&unkeyed.to_string()).success,
        "a simple response the cache could replay elsewhere"
    );
    drop(f);

    // REST TOKEN with AUTH_MODE=jwt-only.
    let mut env = vec![("AUTH_MODE", "jwt-only")];
    env.extend(jwt_env);
    let mut f = LambdaProcess::start(BIN, &env);
    let rest = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod";
    let out = f.invoke_json(&door_event("rest-token", &reader, CURRENT));
    let p = Policy::from_response_json(&checked(&out.stdout, ResponseFormat::Policy)).unwrap();
    assert_eq!(
        p.evaluate_str(&format!("{rest}/GET/stats")),
        Decision::Allow
    );
    assert_eq!(
        p.evaluate_str(&format!("{rest}/POST/log")),
        Decision::ExplicitDeny
    );
    let out = f.invoke_json(&door_event("rest-token", "forged.token.value", CURRENT));
    assert!(
        !out.success && out.stderr.contains("Unauthorized"),
        "{out:?}"
    );
}

/// jwt-only mode with an origin secret configured anyway stops at start-up.
#[test]
fn jwt_only_refuses_an_origin_secret_setting() {
    let (jwks, _) = jwks_and_key();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("jwt-only.log");
    let mut f = LambdaProcess::start_logged(
        BIN,
        &[
            ("AUTH_MODE", "jwt-only"),
            ("ORIGIN_SECRET", CURRENT),
            ("JWT_ISSUER", "https://issuer.example"),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
        &log,
    );
    let status = f.wait_exit(std::time::Duration::from_secs(20));
    let out = LambdaProcess::output(&log);
    assert!(status.is_some_and(|s| !s.success()), "kept running: {out}");
    assert!(out.contains("ORIGIN_SECRET"), "{out}");
}
