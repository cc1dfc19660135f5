//! The authorizer's per-call work: the secret check, JWT verification per
//! algorithm, and the full decision (parse the REQUEST event, check, build
//! the policy, serialise it).
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_serverless::authorizer::{Authorizer, RequestEvent, RouteTable};
use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
use secure_serverless::secret::AcceptedSecrets;
use secure_serverless::secret_source::{AnySource, CachedSecrets, StaticSource};
use serde_json::{Value, json};

const ISS: &str = "https://issuer.example";
const AUD: &str = "logs-api";
const HMAC: &[u8] = b"bench-hmac-secret-of-at-least-32-bytes!!";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn key(alg: Algorithm) -> EncodingKey {
    let k = |f: &str| fixture(&format!("secure-serverless/tests/fixtures/keys/{f}"));
    match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&k("rsa.pem")).unwrap(),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&k("ec.pem")).unwrap(),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&k("ed.pem")).unwrap(),
        _ => EncodingKey::from_secret(HMAC),
    }
}

fn token(alg: Algorithm, kid: &str, scope: &str) -> String {
    token_n(alg, kid, scope, 0)
}

/// Token `n` of a series that differ only in `jti`.
fn token_n(alg: Algorithm, kid: &str, scope: &str, n: usize) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let mut h = Header::new(alg);
    h.kid = Some(kid.into());
    let claims = json!({"iss": ISS, "aud": AUD, "sub": "alice", "exp": now + 3600, "iat": now, "scope": scope, "jti": format!("t{n}")});
    jsonwebtoken::encode(&h, &claims, &key(alg)).unwrap()
}

fn keys() -> KeySet {
    let mut jwks = Vec::new();
    for (kid, alg) in [
        ("rsa", Algorithm::RS256),
        ("ec", Algorithm::ES256),
        ("ed", Algorithm::EdDSA),
    ] {
        let mut jwk = Jwk::from_encoding_key(&key(alg), alg).unwrap();
        jwk.common.key_id = Some(kid.into());
        jwks.push(jwk);
    }
    KeySet::from_jwks_json(&serde_json::to_string(&JwkSet { keys: jwks }).unwrap())
        .unwrap()
        .with_hmac("hmac", HMAC)
        .unwrap()
}

fn routes() -> RouteTable {
    RouteTable::new()
        .route("POST", "/log", ["logs:write"])
        .route("GET", "/stats", ["logs:read"])
}

fn bench(c: &mut Criterion) {
    let secrets = AcceptedSecrets::new(
        &"local-origin-secret-current".to_owned().into(),
        Some(&"local-origin-secret-previous".to_owned().into()),
    )
    .unwrap();
    c.bench_function("secret check (current + previous, constant time)", |b| {
        b.iter(|| secrets.verify_header([black_box(b"local-origin-secret-previous".as_slice())]))
    });

    let verifier = JwtVerifier::new(JwtConfig::new(ISS, [AUD]).unwrap(), keys());
    for (alg, kid) in [
        (Algorithm::HS256, "hmac"),
        (Algorithm::RS256, "rsa"),
        (Algorithm::ES256, "ec"),
        (Algorithm::EdDSA, "ed"),
    ] {
        // Twice as many distinct tokens as the verifier remembers, in turn:
        // every verification checks a signature.
        let series: Vec<String> = (0..512)
            .map(|n| token_n(alg, kid, "logs:read", n))
            .collect();
        let mut next = 0;
        c.bench_function(&format!("JWT verify {alg:?}"), |b| {
            b.iter(|| {
                let t = &series[next % series.len()];
                next += 1;
                verifier.verify_with_cached_keys(black_box(t)).unwrap()
            })
        });
        // One token again and again, as a client sends its bearer token.
        let t = &series[0];
        c.bench_function(&format!("JWT verify {alg:?}, repeated token"), |b| {
            b.iter(|| verifier.verify_with_cached_keys(black_box(t)).unwrap())
        });
    }

    let event_json = String::from_utf8(fixture("examples/authorizer/events/allow.json")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // The secret cache holds its value for the whole run, as in a warm Lambda.
    let cached = || {
        let source = StaticSource::new(
            "local-origin-secret-current".into(),
            Some("local-origin-secret-previous".into()),
        );
        CachedSecrets::new(
            AnySource::Static(source),
            std::time::Duration::from_secs(3600),
        )
    };
    let origin_only = Authorizer::builder(routes(), cached())
        .origin_secret_only()
        .build()
        .unwrap();
    c.bench_function(
        "authorizer decision, origin secret only (parse, check, build, serialise)",
        |b| {
            b.iter(|| {
                let event: RequestEvent = serde_json::from_str(black_box(&event_json)).unwrap();
                let (policy, _) = rt.block_on(origin_only.decide(&event)).unwrap();
                serde_json::to_string(&policy.rest_response()).unwrap()
            })
        },
    );

    let with_jwt = Authorizer::builder(routes(), cached())
        .jwt(JwtVerifier::new(
            JwtConfig::new(ISS, [AUD]).unwrap(),
            keys(),
        ))
        .build()
        .unwrap();
    let mut event: Value = serde_json::from_str(&event_json).unwrap();
    let bearer = format!("Bearer {}", token(Algorithm::HS256, "hmac", "logs:read"));
    event["headers"]["Authorization"] = json!(bearer);
    event["multiValueHeaders"]["Authorization"] = json!([bearer]);
    let event_json = event.to_string();
    c.bench_function("authorizer decision, origin secret + HS256 JWT", |b| {
        b.iter(|| {
            let event: RequestEvent = serde_json::from_str(black_box(&event_json)).unwrap();
            let (policy, _) = rt.block_on(with_jwt.decide(&event)).unwrap();
            serde_json::to_string(&policy.rest_response()).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
