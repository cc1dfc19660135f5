//! The handler on the checked-in event fixtures (the same files the Lambda
//! Runtime API test feeds the release binary).

use std::time::Duration;

use authorizer::{Authorizer, routes};
use secure_serverless::authorizer::Authorizer as Decider;
use secure_serverless::jwt::{AnyJwks, JwksEnv, JwtConfig, JwtVerifier, KeySet};
use secure_serverless::secret_source::{AnySource, CachedSecrets, StaticSource};

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn secrets() -> CachedSecrets<AnySource> {
    let s = StaticSource::new(
        "local-origin-secret-current".into(),
        Some("local-origin-secret-previous".into()),
    );
    CachedSecrets::new(AnySource::Static(s), Duration::from_secs(60))
}

#[tokio::test]
async fn allow_deny_and_unauthorized_fixtures() {
    let origin_only = Authorizer::new(
        Decider::builder(routes(), secrets())
            .origin_secret_only()
            .build()
            .unwrap(),
    );
    let allow = origin_only.decide_any(fixture("allow")).await.unwrap();
    assert_eq!(allow["principalId"], "cloudfront-origin");
    assert_eq!(allow["policyDocument"]["Statement"][0]["Effect"], "Allow");
    assert!(!allow.to_string().contains("local-origin-secret"));

    let deny = origin_only.decide_any(fixture("deny")).await.unwrap();
    assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert_eq!(
        deny["policyDocument"]["Statement"][0]["Resource"][0],
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*"
    );

    let keys = KeySet::new()
        .with_hmac("k", b"0123456789abcdef0123456789abcdef")
        .unwrap();
    let verifier = JwtVerifier::with_source(
        JwtConfig::new("iss", ["aud"]).unwrap(),
        keys,
        AnyJwks::Env(JwksEnv("UNUSED".into())),
    );
    let with_jwt = Authorizer::new(
        Decider::builder(routes(), secrets())
            .jwt(verifier)
            .build()
            .unwrap(),
    );
    let err = with_jwt
        .decide_any(fixture("unauthorized"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Unauthorized");
}
