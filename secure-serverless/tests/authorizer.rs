//! The REQUEST authorizer's decisions on API Gateway events.
#![cfg(feature = "authorizer")]

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use secure_serverless::arn::MethodArn;
use secure_serverless::authorizer::{
    Authorizer, AuthorizerConfigError, AuthorizerError, Outcome, RequestEvent, RouteTable,
};
use secure_serverless::jwt::{AnyJwks, JwksFile, JwtConfig, JwtError, JwtVerifier, KeySet};
use secure_serverless::policy::Decision;
use secure_serverless::secret::{HeaderCheck, SecretVersion};
use secure_serverless::secret_source::{AnySource, CachedSecrets, StaticSource};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/stats";
const HMAC: &[u8] = b"test-hmac-key-of-at-least-32-bytes!!";

fn event(headers: Value, multi: Option<Value>) -> RequestEvent {
    let mut e = json!({
        "type": "REQUEST", "methodArn": ARN, "resource": "/stats", "path": "/stats", "httpMethod": "GET",
        "headers": headers, "queryStringParameters": {}, "pathParameters": {}, "stageVariables": {},
        "requestContext": {"accountId": "123456789012", "apiId": "api1", "stage": "prod", "httpMethod": "GET",
            "resourcePath": "/stats", "path": "/prod/stats", "requestId": "r1", "identity": {"sourceIp": "203.0.113.9"}}
    });
    if let Some(m) = multi {
        e["multiValueHeaders"] = m;
    }
    serde_json::from_value(e).unwrap()
}

fn routes() -> RouteTable {
    RouteTable::new()
        .route("POST", "/log", ["logs:write"])
        .route("GET", "/stats", ["logs:read"])
}

fn secrets() -> CachedSecrets<AnySource> {
    let source = StaticSource::new(
        SecretString::from("current-secret"),
        Some(SecretString::from("previous-secret")),
    );
    CachedSecrets::new(
        AnySource::Static(source),
        std::time::Duration::from_secs(60),
    )
}

fn origin_only(routes: RouteTable) -> Authorizer {
    Authorizer::builder(routes, secrets())
        .origin_secret_only()
        .build()
        .unwrap()
}

fn jwt_authorizer() -> Authorizer {
    let keys = KeySet::new().with_hmac("k", HMAC).unwrap();
    Authorizer::builder(routes(), secrets())
        .jwt(JwtVerifier::new(
            JwtConfig::new("iss", ["aud"]).unwrap(),
            keys,
        ))
        .build()
        .unwrap()
}

fn bearer(scope: &str) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("k".into());
    let claims = json!({"sub": "alice", "iss": "iss", "aud": "aud", "exp": jsonwebtoken::get_current_timestamp() + 300, "scope": scope});
    format!(
        "Bearer {}",
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(HMAC)).unwrap()
    )
}

fn arn(method: &str, path: &str) -> MethodArn {
    ARN.parse::<MethodArn>().unwrap().with_route(method, path)
}

#[tokio::test]
async fn origin_secret_current_previous_wrong_missing_repeated() {
    let a = origin_only(routes());
    let (p, o) = a
        .decide(&event(json!({"X-Origin-Verify": "current-secret"}), None))
        .await
        .unwrap();
    assert_eq!(
        o,
        Outcome::OriginOnly {
            secret: SecretVersion::Current
        }
    );
    assert_eq!(p.evaluate(&arn("GET", "stats")), Decision::Allow);
    assert_eq!(p.evaluate(&arn("POST", "log")), Decision::Allow);
    assert_eq!(p.evaluate(&arn("DELETE", "log")), Decision::ImplicitDeny);

    // header names are case-insensitive
    let (_, o) = a
        .decide(&event(json!({"x-ORIGIN-verify": "previous-secret"}), None))
        .await
        .unwrap();
    assert_eq!(
        o,
        Outcome::OriginOnly {
            secret: SecretVersion::Previous
        }
    );

    for (headers, multi, check) in [
        (
            json!({"x-origin-verify": "stale-secret"}),
            None,
            HeaderCheck::Rejected,
        ),
        (json!({}), None, HeaderCheck::Missing),
        (
            json!({"x-origin-verify": "current-secret"}),
            Some(json!({"x-origin-verify": ["current-secret", "x"]})),
            HeaderCheck::Repeated,
        ),
    ] {
        let (p, o) = a.decide(&event(headers, multi)).await.unwrap();
        assert_eq!(o, Outcome::OriginRejected(check));
        assert_eq!(p.principal_id(), "anonymous");
        assert_eq!(p.evaluate(&arn("GET", "stats")), Decision::ExplicitDeny);
        assert_eq!(p.evaluate(&arn("POST", "log")), Decision::ExplicitDeny);
    }
}

#[tokio::test]
async fn jwt_scopes_select_routes_for_the_whole_api() {
    let a = jwt_authorizer();
    let ev = event(
        json!({"x-origin-verify": "current-secret", "authorization": bearer("logs:read")}),
        None,
    );
    let (p, o) = a.decide(&ev).await.unwrap();
    assert_eq!(
        o,
        Outcome::Jwt {
            secret: SecretVersion::Current
        }
    );
    assert_eq!(p.principal_id(), "alice");
    assert_eq!(p.evaluate(&arn("GET", "stats")), Decision::Allow);
    // The cached policy must deny the other route explicitly.
    assert_eq!(p.evaluate(&arn("POST", "log")), Decision::ExplicitDeny);
    let json = serde_json::to_string(&p.rest_response()).unwrap();
    assert!(json.contains(r#""scope":"logs:read""#));
    assert!(!json.contains("current-secret") && !json.contains("Bearer"));

    let ev = event(
        json!({"x-origin-verify": "current-secret", "authorization": bearer("logs:read logs:write")}),
        None,
    );
    let (p, _) = a.decide(&ev).await.unwrap();
    assert!(
        p.evaluate(&arn("POST", "log")).is_allowed()
            && p.evaluate(&arn("GET", "stats")).is_allowed()
    );

    let ev = event(
        json!({"x-origin-verify": "current-secret", "authorization": bearer("profile")}),
        None,
    );
    let (p, _) = a.decide(&ev).await.unwrap();
    assert_eq!(p.evaluate(&arn("GET", "stats")), Decision::ExplicitDeny);
}

#[tokio::test]
async fn missing_or_bad_jwt_is_unauthorized_with_that_exact_message() {
    let a = jwt_authorizer();
    for auth in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
        Some("Bearer not.a.jwt"),
        Some("bearer x.y.z"),
    ] {
        let mut h = json!({"x-origin-verify": "current-secret"});
        if let Some(v) = auth {
            h["authorization"] = json!(v);
        }
        let err = a.decide(&event(h, None)).await.unwrap_err();
        assert!(matches!(err, AuthorizerError::Unauthorized(_)), "{auth:?}");
        assert_eq!(err.to_string(), "Unauthorized");
    }
    let mut expired_claims = json!({"sub": "a", "iss": "iss", "aud": "aud", "exp": 1000});
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("k".into());
    expired_claims["scope"] = json!("logs:read");
    let t = jsonwebtoken::encode(&h, &expired_claims, &EncodingKey::from_secret(HMAC)).unwrap();
    let ev = event(
        json!({"x-origin-verify": "current-secret", "authorization": format!("Bearer {t}")}),
        None,
    );
    match a.decide(&ev).await.unwrap_err() {
        AuthorizerError::Unauthorized(Some(JwtError::Expired)) => {}
        e => panic!("{e:?}"),
    }
    // Two Authorization headers: which one would count? Unauthorized.
    let ev = event(
        json!({"x-origin-verify": "current-secret"}),
        Some(
            json!({"x-origin-verify": ["current-secret"], "authorization": [bearer("logs:read"), bearer("logs:write")]}),
        ),
    );
    assert!(matches!(
        a.decide(&ev).await,
        Err(AuthorizerError::Unauthorized(None))
    ));
    // The origin check comes first: a wrong secret with a valid token is a deny.
    let ev = event(
        json!({"x-origin-verify": "nope", "authorization": bearer("logs:read")}),
        None,
    );
    let (p, _) = a.decide(&ev).await.unwrap();
    assert_eq!(p.evaluate(&arn("GET", "stats")), Decision::ExplicitDeny);
}

/// Keys that cannot be had are neither an Allow nor a 401: the decision
/// fails (API Gateway answers 500) until the issuer is reachable again.
#[tokio::test]
async fn unavailable_keys_fail_closed_and_are_not_called_bad_credentials() {
    let missing = std::env::temp_dir().join("secure-serverless-no-such-jwks.json");
    let a = Authorizer::builder(routes(), secrets())
        .jwt(JwtVerifier::lazy(
            JwtConfig::new("iss", ["aud"]).unwrap(),
            AnyJwks::File(JwksFile(missing)),
        ))
        .build()
        .unwrap();
    let ev = event(
        json!({"x-origin-verify": "current-secret", "authorization": bearer("logs:read")}),
        None,
    );
    match a.decide(&ev).await.unwrap_err() {
        AuthorizerError::KeysUnavailable(e) => assert_eq!(e.reason(), "keys_unavailable"),
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn events_api_gateway_would_never_send_are_errors_not_panics() {
    let a = origin_only(routes());
    let mut e = event(json!({"x-origin-verify": "current-secret"}), None);
    e.method_arn = None;
    assert!(matches!(
        a.decide(&e).await,
        Err(AuthorizerError::MissingMethodArn)
    ));
    e.method_arn = Some("arn:aws:lambda:x".into());
    assert!(matches!(
        a.decide(&e).await,
        Err(AuthorizerError::BadMethodArn(_))
    ));
}

#[test]
fn unsafe_or_incomplete_configurations_are_refused_at_build() {
    let err = |b: secure_serverless::authorizer::AuthorizerBuilder| b.build().unwrap_err();
    assert_eq!(
        err(Authorizer::builder(routes(), secrets())),
        AuthorizerConfigError::NoCallerCheck
    );
    assert_eq!(
        err(Authorizer::builder(RouteTable::new(), secrets()).origin_secret_only()),
        AuthorizerConfigError::NoRoutes
    );
    let keys = KeySet::new().with_hmac("k", HMAC).unwrap();
    let verifier = JwtVerifier::new(JwtConfig::new("iss", ["aud"]).unwrap(), keys);
    assert_eq!(
        err(Authorizer::builder(routes(), secrets())
            .jwt(verifier)
            .origin_secret_only()),
        AuthorizerConfigError::JwtAndOriginSecretOnly
    );
    assert!(matches!(
        err(Authorizer::builder(routes(), secrets())
            .origin_secret_only()
            .origin_header("bad header")),
        AuthorizerConfigError::BadOriginHeader(_)
    ));
}
