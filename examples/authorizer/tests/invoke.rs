//! The authorizer binary as Lambda runs it: the compiled `authorizer`
//! polls a local Lambda Runtime API (`cargo lambda watch --only-lambda-apis`)
//! and each event goes in through `cargo lambda invoke`, as in the README.
//! The policies that come back are evaluated with the library's evaluator,
//! the way API Gateway would.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
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

fn fixture_key(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../secure-serverless/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

#[test]
fn jwt_mode_unauthorized_and_scopes() {
    let key = EncodingKey::from_rsa_pem(&fixture_key("rsa.pem")).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("k1".into());
    let jwks = serde_json::to_string(&JwkSet { keys: vec![jwk] }).unwrap();
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
    let now = jsonwebtoken::get_current_timestamp();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let claims = json!({
        "iss": "https://issuer.example", "aud": "logs-api", "sub": "reader-1",
        "exp": now + 300, "iat": now, "scope": "logs:read",
    });
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(event_file("allow")).unwrap()).unwrap();
    let bearer = format!("Bearer {token}");
    event["headers"]["Authorization"] = json!(bearer);
    event["multiValueHeaders"]["Authorization"] = json!([bearer]);
    let read = f.invoke_json(&event.to_string());
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
