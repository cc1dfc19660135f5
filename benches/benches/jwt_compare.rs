//! This crate's JWT verification beside aws-jwt-verify (Node) and PyJWT
//! (Python), on the same tokens: run by `benches/jwt/run`, which reads the
//! figures this writes and those of `benches/jwt/verify_node.mjs` and
//! `benches/jwt/verify_python.py`.
//!
//! Writes `tokens.json` (issuer, audience, JWKS and, per algorithm,
//! [`DISTINCT`] tokens that differ in `jti`, signed with the test fixture
//! keys, valid for two hours) and `rust.json` (median nanoseconds per
//! verification) into the directory given as `--out DIR` (default
//! `$BENCH_OUT/jwt-compare`).
//!
//! Every implementation times the same two things against keys loaded
//! beforehand: `new`, a full verification (key lookup by `kid`, signature,
//! `exp`, `iss`, `aud`) of the next of the distinct tokens in turn, so no
//! token repeats within the verifier's memory of recent tokens; and
//! `repeat`, the first token again and again, as a client sends its bearer
//! token on every request. Warm-up, then 15 rounds of about 50 ms; the
//! median round.
//!
//! Also written to `rust.json`: what loading the keys costs at cold start
//! against on the first request, through OpenID discovery from an HTTPS
//! issuer on loopback (two TLS connections: the discovery document, then
//! the JWKS), median of 30 fresh verifiers. On Lambda the round trips to the
//! real issuer come on top; these figures are the CPU part.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secure_serverless::jwt::{AnyJwks, JwtConfig, JwtVerifier, KeySet, OidcIssuer};
use serde_json::json;
use test_support::https_issuer::{Answer, HttpsIssuer};

const ISS: &str = "https://issuer.example/pool";
const AUD: &str = "bench-api";
const ROUNDS: usize = 15;
const ROUND_TIME: Duration = Duration::from_millis(50);
/// Distinct tokens per algorithm (more than the verifier remembers).
const DISTINCT: usize = 1000;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../secure-serverless/tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Median nanoseconds per call of `f` over the rounds.
fn median_ns(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut warm = 0u32;
    while start.elapsed() < Duration::from_millis(200) || warm < 100 {
        f();
        warm += 1;
    }
    let per_op = start.elapsed() / warm;
    let n = (ROUND_TIME.as_nanos() / per_op.as_nanos().max(1)).max(100) as u32;
    let mut rounds: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_nanos() as f64 / f64::from(n)
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

fn main() {
    let mut out = std::env::var_os("BENCH_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("jwt-compare");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--out" {
            out = PathBuf::from(args.next().expect("--out DIR"));
        }
    }
    std::fs::create_dir_all(&out).unwrap();

    let algs = [
        (
            "RS256",
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(&fixture("rsa.pem")).unwrap(),
        ),
        (
            "ES256",
            Algorithm::ES256,
            EncodingKey::from_ec_pem(&fixture("ec.pem")).unwrap(),
        ),
        (
            "EdDSA",
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(&fixture("ed.pem")).unwrap(),
        ),
    ];
    let exp = jsonwebtoken::get_current_timestamp() + 7200;
    let mut jwks = Vec::new();
    let mut tokens = serde_json::Map::new();
    for (name, alg, key) in &algs {
        let kid = format!("{}-key", name.to_lowercase());
        let mut jwk = Jwk::from_encoding_key(key, *alg).unwrap();
        jwk.common.key_id = Some(kid.clone());
        jwks.push(jwk);
        let mut header = Header::new(*alg);
        header.kid = Some(kid);
        let list: Vec<serde_json::Value> = (0..DISTINCT)
            .map(|i| {
                let claims = json!({
                    "iss": ISS, "aud": AUD, "sub": "bench-user", "exp": exp,
                    "iat": exp - 7200, "scope": "logs:read logs:write", "jti": format!("t{i}"),
                });
                jsonwebtoken::encode(&header, &claims, key).unwrap().into()
            })
            .collect();
        tokens.insert((*name).to_owned(), list.into());
    }
    let jwks = JwkSet { keys: jwks };
    let doc = json!({"issuer": ISS, "audience": AUD, "jwks": jwks, "tokens": tokens});
    std::fs::write(out.join("tokens.json"), doc.to_string()).unwrap();

    let keys = KeySet::from_jwks_json(&serde_json::to_string(&jwks).unwrap()).unwrap();
    let verifier = JwtVerifier::new(JwtConfig::new(ISS, [AUD]).unwrap(), keys);
    let mut ns = serde_json::Map::new();
    for (name, _, _) in &algs {
        let list: Vec<&str> = tokens[*name]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let mut next = 0;
        let new = median_ns(|| {
            let token = list[next % list.len()];
            next += 1;
            std::hint::black_box(verifier.verify_with_cached_keys(std::hint::black_box(token)))
                .unwrap();
        });
        let repeat = median_ns(|| {
            std::hint::black_box(verifier.verify_with_cached_keys(std::hint::black_box(list[0])))
                .unwrap();
        });
        println!(
            "secure-serverless {name}: new token {:.1} µs, repeated token {:.1} µs per verification",
            new / 1e3,
            repeat / 1e3
        );
        ns.insert((*name).to_owned(), json!({"new": new, "repeat": repeat}));
    }
    let (key, alg) = (&algs[0].2, algs[0].1);
    let hydration = hydration(&serde_json::to_string(&jwks).unwrap(), key, alg);
    let result = json!({
        "implementation": "secure-serverless",
        "version": env!("CARGO_PKG_VERSION"),
        "ns_per_verification": ns,
        "hydration_ns": hydration,
    });
    std::fs::write(out.join("rust.json"), result.to_string()).unwrap();
}

/// Median nanoseconds of: building a discovery verifier and loading its keys
/// (`load`), then its first verification; building a lazy one (`lazy`), then
/// its first verification, which fetches.
fn hydration(jwks: &str, key: &EncodingKey, alg: Algorithm) -> serde_json::Value {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let s = HttpsIssuer::start().await;
        let issuer = s.url("/pool");
        s.answer(
            "/pool/.well-known/openid-configuration",
            Answer::ok(json!({"issuer": issuer, "jwks_uri": s.url("/pool/keys")}).to_string()),
        );
        s.answer("/pool/keys", Answer::ok(jwks));
        let mut header = Header::new(alg);
        header.kid = Some("rs256-key".into());
        let exp = jsonwebtoken::get_current_timestamp() + 600;
        let token = jsonwebtoken::encode(
            &header,
            &json!({"iss": issuer, "aud": AUD, "sub": "bench-user", "exp": exp}),
            key,
        )
        .unwrap();
        let config = JwtConfig::new(&issuer, [AUD]).unwrap();
        let source = || AnyJwks::Oidc(OidcIssuer::with_roots(&issuer, s.roots()).unwrap());
        let mut m: [Vec<f64>; 4] = Default::default();
        for _ in 0..30 {
            let t = Instant::now();
            let eager = JwtVerifier::load(config.clone(), source()).await.unwrap();
            m[0].push(t.elapsed().as_nanos() as f64);
            let t = Instant::now();
            eager.verify(&token).await.unwrap();
            m[1].push(t.elapsed().as_nanos() as f64);
            let t = Instant::now();
            let lazy = JwtVerifier::lazy(config.clone(), source());
            m[2].push(t.elapsed().as_nanos() as f64);
            let t = Instant::now();
            lazy.verify(&token).await.unwrap();
            m[3].push(t.elapsed().as_nanos() as f64);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let [a, b, c, d] = &mut m;
        let (load, first_after_load, lazy, first_lazy) = (median(a), median(b), median(c), median(d));
        println!(
            "secure-serverless keys by discovery: at cold start {:.2} ms + first request {:.1} µs; lazily {:.1} µs + first request {:.2} ms",
            load / 1e6,
            first_after_load / 1e3,
            lazy / 1e3,
            first_lazy / 1e6
        );
        json!({
            "init_load": load, "first_request_after_load": first_after_load,
            "init_lazy": lazy, "first_request_lazy": first_lazy,
        })
    })
}
