//! The binary as Lambda runs it (the Runtime API harness): the documented
//! payload 2.0 event with real tokens; simple responses for the called
//! route, refused when the cache would not be keyed by the route.

use secure_serverless::authorizer::{ResponseFormat, validate_response};
use serde_json::{Value, json};
use test_support::jwt_fixtures::{rsa_jwks_and_key, rsa_token};
use test_support::lambda::LambdaProcess;

const ISS: &str = "https://issuer.example";

/// The event for `route_key` with `authorization`, the identity sources as
/// the README says to configure them (the token, then the route key).
fn event(authorization: &str, route_key: &str) -> Value {
    let path = format!("{}/events/get-stats.json", env!("CARGO_MANIFEST_DIR"));
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (method, path) = route_key.split_once(' ').unwrap();
    e["headers"]["authorization"] = json!(authorization);
    e["identitySource"] = json!([authorization, route_key]);
    e["routeKey"] = json!(route_key);
    e["rawPath"] = json!(path);
    e["requestContext"]["routeKey"] = json!(route_key);
    e["requestContext"]["http"]["method"] = json!(method);
    e["requestContext"]["http"]["path"] = json!(path);
    e["routeArn"] = json!(format!(
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/{method}{path}"
    ));
    e
}

fn simple(out: &test_support::lambda::Invocation) -> bool {
    assert!(out.success, "{out:?}");
    let answer: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    validate_response(ResponseFormat::HttpSimple, &answer).unwrap();
    answer["isAuthorized"].as_bool().unwrap()
}

#[test]
fn a_simple_response_for_the_route_called() {
    let (jwks, key) = rsa_jwks_and_key();
    let mut f = LambdaProcess::start(
        env!("CARGO_BIN_EXE_authorizer-http-api"),
        &[
            ("JWT_ISSUER", ISS),
            ("JWT_AUDIENCE", "logs-api"),
            ("JWKS", &jwks),
        ],
    );
    let bearer = format!(
        "Bearer {}",
        rsa_token(&key, ISS, "logs-api", "alice", "logs:read")
    );
    assert!(simple(
        &f.invoke_json(&event(&bearer, "GET /stats").to_string())
    ));
    assert!(!simple(
        &f.invoke_json(&event(&bearer, "POST /log").to_string())
    ));
    // A token that does not verify: isAuthorized false (403).
    assert!(!simple(&f.invoke_json(
        &event("Bearer not.a.jwt", "GET /stats").to_string()
    )));
    // Identity sources without the route key last: no answer at all (500),
    // since API Gateway would replay a yes on every route.
    let mut unkeyed = event(&bearer, "GET /stats");
    unkeyed["identitySource"] = json!([bearer]);
    let out = f.invoke_json(&unkeyed.to_string());
    assert!(!out.success, "{out:?}");
}
