//! `Authorizer::decide` on arbitrary REQUEST events, for an
//! origin-secret-only authorizer and one that also requires a bearer JWT.
//!
//! Modes, picked by the first byte:
//! * raw JSON: the rest of the input is the event document;
//! * built: the fuzzer chooses the method ARN and the `headers` /
//!   `multiValueHeaders` members (names in any casing, repeated, single or
//!   list values; secrets current, previous, wrong, padded; bearer tokens
//!   valid with various scopes, expired, badly signed, unsigned, with odd
//!   prefixes and spacing), and a reference computes the expected answer.
//!
//! Invariants: never a panic and the future never waits; the origin secret
//! counts only when exactly one value is present and it is the current or
//! previous secret (else every route and the request itself are denied
//! explicitly); with JWTs configured, an accepted caller presented exactly one
//! `Authorization: Bearer <valid token>`, and anything else is the error whose
//! message is exactly `Unauthorized`; an accepted caller's policy allows
//! exactly the routes its scopes grant and explicitly denies the others.
#![no_main]

use std::collections::BTreeSet;
use std::sync::LazyLock;

use arbitrary::Unstructured;
use fuzz_support::{block_on, parse_arn, pick};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use secure_serverless::arn::MethodArn;
use secure_serverless::authorizer::{
    Authorizer, AuthorizerError, Outcome, RequestEvent, RouteTable,
};
use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
use secure_serverless::policy::{Decision, Policy};
use secure_serverless::secret::{HeaderCheck, SecretVersion};
use secure_serverless::secret_source::{AnySource, CachedSecrets, StaticSource};
use serde_json::json;

const HMAC: &[u8] = b"fuzz-hmac-key-of-at-least-32-bytes!!";
const CURRENT: &str = "current-secret";
const PREVIOUS: &str = "previous-secret";

/// (method, path, scopes that grant it)
const ROUTES: &[(&str, &str, &[&str])] = &[
    ("POST", "log", &["logs:write"]),
    ("GET", "stats", &["logs:read"]),
    ("DELETE", "log", &["logs:admin"]),
    ("GET", "files/report", &["logs:read", "files:read"]),
    ("GET", "a:b", &["logs:admin"]),
];

fn routes() -> RouteTable {
    ROUTES.iter().fold(RouteTable::new(), |t, (m, p, s)| {
        t.route(m, p, s.iter().copied())
    })
}

/// The origin secret, cached for the whole run (as in a warm Lambda).
fn secrets() -> CachedSecrets<AnySource> {
    let source = StaticSource::new(
        SecretString::from(CURRENT),
        Some(SecretString::from(PREVIOUS)),
    );
    CachedSecrets::new(
        AnySource::Static(source),
        std::time::Duration::from_secs(365 * 24 * 3600),
    )
}

struct Fixture {
    origin_only: Authorizer,
    with_jwt: Authorizer,
    /// (token, sub, scopes) of tokens that verify
    valid: Vec<(String, &'static str, Vec<&'static str>)>,
    /// tokens that never verify
    invalid: Vec<String>,
}

static FIX: LazyLock<Fixture> = LazyLock::new(|| {
    let keys = KeySet::new().with_hmac("k", HMAC).unwrap();
    let verifier = JwtVerifier::new(JwtConfig::new("iss", ["aud"]).unwrap(), keys);
    // Valid for long after any fuzzing run: the fixture is built once per process.
    let exp = jsonwebtoken::get_current_timestamp() + 7 * 24 * 3600;
    let sign = |kid: &str, alg: Algorithm, key: &[u8], claims: serde_json::Value| {
        let mut h = Header::new(alg);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(key)).unwrap()
    };
    let mut valid = Vec::new();
    for (sub, scopes) in [
        ("alice", vec!["logs:read"]),
        ("bob", vec!["logs:write"]),
        ("root", vec!["logs:read", "logs:write", "logs:admin"]),
        ("files", vec!["files:read"]),
        ("", vec![]),
    ] {
        let claims =
            json!({"sub": sub, "iss": "iss", "aud": "aud", "exp": exp, "scope": scopes.join(" ")});
        valid.push((sign("k", Algorithm::HS256, HMAC, claims), sub, scopes));
    }
    let good =
        json!({"sub": "mallory", "iss": "iss", "aud": "aud", "exp": exp, "scope": "logs:admin"});
    let expired = json!({"sub": "mallory", "iss": "iss", "aud": "aud", "exp": 1_000_000, "scope": "logs:admin"});
    let unsigned = {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","kid":"k"}"#),
            b64.encode(good.to_string())
        )
    };
    let invalid = vec![
        sign(
            "k",
            Algorithm::HS256,
            b"wrong-hmac-key-of-at-least-32-bytes!",
            good.clone(),
        ),
        sign("k", Algorithm::HS256, HMAC, expired),
        sign("other", Algorithm::HS256, HMAC, good.clone()),
        sign("k", Algorithm::HS384, HMAC, good),
        unsigned,
        "not-a-token".into(),
        String::new(),
    ];
    Fixture {
        origin_only: Authorizer::builder(routes(), secrets())
            .origin_secret_only()
            .build()
            .unwrap(),
        with_jwt: Authorizer::builder(routes(), secrets())
            .jwt(verifier)
            .build()
            .unwrap(),
        valid,
        invalid,
    }
});

fuzz_target!(|data: &[u8]| {
    let fix = &*FIX;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 4 == 0 {
        if let Ok(event) = serde_json::from_slice::<RequestEvent>(rest) {
            for (jwt, a) in [(false, &fix.origin_only), (true, &fix.with_jwt)] {
                let result = block_on(a.decide(&event));
                check_safety(fix, jwt, &event, &result);
            }
        }
        return;
    }
    built(fix, &mut Unstructured::new(rest));
});

/// A header entry as written in the event: a single string or a list.
#[derive(Debug, Clone)]
enum Val {
    One(String),
    Many(Vec<String>),
}

fn header_name(u: &mut Unstructured<'_>) -> String {
    pick(
        u,
        &[
            "x-origin-verify",
            "X-Origin-Verify",
            "X-ORIGIN-VERIFY",
            "authorization",
            "Authorization",
            "AUTHORIZATION",
            "x-other",
            "x-origin-verify2",
            "x-origin-verify ",
        ],
    )
    .to_string()
}

fn header_value(fix: &Fixture, u: &mut Unstructured<'_>) -> String {
    match u.int_in_range(0..=9).unwrap_or(0) {
        0 | 1 => pick(
            u,
            &[
                CURRENT,
                PREVIOUS,
                "wrong",
                "",
                "current-secret ",
                "Current-Secret",
                "current-secret\t",
            ],
        )
        .to_string(),
        2 => u.arbitrary::<String>().unwrap_or_default(),
        _ => {
            let token = if u.ratio(2, 3).unwrap_or(true) {
                pick(u, &fix.valid).0.clone()
            } else {
                pick(u, &fix.invalid).clone()
            };
            let prefix = pick(
                u,
                &[
                    "Bearer ",
                    "bearer ",
                    "BEARER ",
                    "Bearer  ",
                    "Bearer\t",
                    "Basic ",
                    "",
                    "Bearer \u{a0}",
                ],
            );
            let suffix = pick(u, &["", "", " ", "\t", "x"]);
            format!("{prefix}{token}{suffix}")
        }
    }
}

fn entries(fix: &Fixture, u: &mut Unstructured<'_>, multi: bool) -> Vec<(String, Val)> {
    (0..u.int_in_range(0..=3).unwrap_or(0))
        .map(|_| {
            let name = header_name(u);
            let val = if multi && u.ratio(3, 4).unwrap_or(true) {
                Val::Many(
                    (0..u.int_in_range(0..=2).unwrap_or(1))
                        .map(|_| header_value(fix, u))
                        .collect(),
                )
            } else {
                Val::One(header_value(fix, u))
            };
            (name, val)
        })
        .collect()
}

/// What `http::HeaderMap` holds for `name` after the event's deserialiser
/// ran over `entries` in order: a single string replaces, a list appends.
fn fold(entries: &[(String, Val)], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, v) in entries {
        if n.eq_ignore_ascii_case(name) {
            match v {
                Val::One(s) => out = vec![s.clone()],
                Val::Many(vs) => out.extend(vs.iter().cloned()),
            }
        }
    }
    out
}

fn object_text(entries: &[(String, Val)]) -> String {
    let members: Vec<String> = entries
        .iter()
        .map(|(n, v)| {
            let v = match v {
                Val::One(s) => json!(s),
                Val::Many(vs) => json!(vs),
            };
            format!("{}:{}", json!(n), v)
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

fn built(fix: &Fixture, u: &mut Unstructured<'_>) {
    let arn: Option<String> = match u.int_in_range(0..=9).unwrap_or(0) {
        0 => None,
        1 => Some(u.arbitrary::<String>().unwrap_or_default()),
        2 => Some("arn:aws:execute-api:us-east-1:123456789012:api1/prod".into()),
        3 => Some("arn:aws:execute-api:us-east-1:123456789012:api1/prod/POST/log".into()),
        4 => Some("arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/files/a/b".into()),
        5 => Some("arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/a:b".into()),
        6 => Some("arn:aws:execute-api:us-east-1:123456789012:api1/$default/$default".into()),
        _ => Some("arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/stats".into()),
    };
    let headers = entries(fix, u, false);
    let multi = entries(fix, u, true);
    let mut doc = String::from("{\"type\":\"REQUEST\",\"requestContext\":{}");
    if let Some(a) = &arn {
        doc.push_str(&format!(",\"methodArn\":{}", json!(a)));
    }
    if !headers.is_empty() || u.ratio(1, 4).unwrap_or(false) {
        doc.push_str(&format!(",\"headers\":{}", object_text(&headers)));
    }
    if !multi.is_empty() || u.ratio(1, 4).unwrap_or(false) {
        doc.push_str(&format!(",\"multiValueHeaders\":{}", object_text(&multi)));
    }
    doc.push('}');
    let event: RequestEvent = match serde_json::from_str(&doc) {
        Ok(e) => e,
        // names or values http refuses: API Gateway never sends those
        Err(_) => return,
    };

    let values = |name: &str| {
        let m = fold(&multi, name);
        if m.is_empty() {
            fold(&headers, name)
        } else {
            m
        }
    };
    let origin = values("x-origin-verify");
    let expected_check = match origin.as_slice() {
        [] => HeaderCheck::Missing,
        [v] if v == CURRENT => HeaderCheck::Accepted(SecretVersion::Current),
        [v] if v == PREVIOUS => HeaderCheck::Accepted(SecretVersion::Previous),
        [_] => HeaderCheck::Rejected,
        _ => HeaderCheck::Repeated,
    };
    let auth = values("authorization");
    let caller = match auth.as_slice() {
        [v] => v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .map(str::trim)
            .and_then(|t| fix.valid.iter().find(|(tok, _, _)| tok == t)),
        _ => None,
    };

    for (jwt, a) in [(false, &fix.origin_only), (true, &fix.with_jwt)] {
        let result = block_on(a.decide(&event));
        check_safety(fix, jwt, &event, &result);
        let Some(arn_text) = &arn else {
            assert!(
                matches!(result, Err(AuthorizerError::MissingMethodArn)),
                "{result:?}"
            );
            continue;
        };
        let Some(parsed) = parse_arn(arn_text) else {
            assert!(
                matches!(result, Err(AuthorizerError::BadMethodArn(_))),
                "{result:?}"
            );
            continue;
        };
        let request: MethodArn = arn_text.parse().unwrap();
        let scopes: Option<BTreeSet<&str>> = match expected_check {
            HeaderCheck::Accepted(_) if !jwt => {
                Some(ROUTES.iter().flat_map(|r| r.2.iter().copied()).collect())
            }
            HeaderCheck::Accepted(_) => caller.map(|c| c.2.iter().copied().collect()),
            _ => None,
        };
        match (&result, expected_check) {
            (Ok((_, Outcome::OriginRejected(check))), _) => {
                assert_eq!(*check, expected_check);
                assert!(!expected_check.is_accepted());
            }
            (Ok((policy, Outcome::OriginOnly { secret })), HeaderCheck::Accepted(v)) => {
                assert!(!jwt);
                assert_eq!(*secret, v);
                assert_eq!(policy.principal_id(), "cloudfront-origin");
            }
            (Ok((policy, Outcome::Jwt { secret })), HeaderCheck::Accepted(v)) => {
                assert!(jwt);
                assert_eq!(*secret, v);
                let (_, sub, _) = caller.expect("accepted a caller without a valid bearer token");
                let principal = if sub.is_empty() {
                    "jwt-subject-unknown"
                } else {
                    sub
                };
                assert_eq!(policy.principal_id(), principal);
            }
            (Err(AuthorizerError::Unauthorized(_)), HeaderCheck::Accepted(_)) => {
                assert!(jwt && caller.is_none(), "refused a valid caller");
            }
            _ => panic!("unexpected answer {result:?} for origin {expected_check:?}"),
        }
        let Ok((policy, _)) = &result else { continue };
        // Per route: granted routes allowed, the others explicitly denied.
        for (m, p, needed) in ROUTES {
            let expected = match &scopes {
                Some(s) if needed.iter().any(|n| s.contains(n)) => Decision::Allow,
                _ => Decision::ExplicitDeny,
            };
            assert_eq!(
                policy.evaluate(&request.with_route(m, p)),
                expected,
                "route {m} {p}"
            );
        }
        // The request itself, when its ARN has no wildcard characters of its
        // own (API Gateway never sends any).
        let prefix = [
            &parsed.partition,
            &parsed.region,
            &parsed.account,
            &parsed.api_id,
            &parsed.stage,
        ];
        // (An origin-rejected policy was checked by check_safety.)
        if scopes.is_some() && !prefix.iter().any(|s| s.contains(['*', '?'])) {
            let route = ROUTES
                .iter()
                .find(|(m, p, _)| *m == parsed.method && Some(*p) == parsed.path.as_deref());
            let granted = |needed: &[&str]| {
                scopes
                    .as_ref()
                    .is_some_and(|s| needed.iter().any(|n| s.contains(n)))
            };
            let expected = match route {
                None => Decision::ImplicitDeny,
                Some((_, _, needed)) if granted(needed) => Decision::Allow,
                Some(_) => Decision::ExplicitDeny,
            };
            assert_eq!(policy.evaluate(&request), expected, "request {arn_text}");
        }
    }
}

/// What holds for any event, however it was made.
fn check_safety(
    fix: &Fixture,
    jwt: bool,
    event: &RequestEvent,
    result: &Result<(Policy, Outcome), AuthorizerError>,
) {
    let _ = fix;
    match result {
        Err(e @ AuthorizerError::Unauthorized(_)) => {
            assert!(jwt, "Unauthorized without a JWT verifier");
            assert_eq!(e.to_string(), "Unauthorized");
        }
        Err(AuthorizerError::MissingMethodArn) => assert!(event.method_arn.is_none()),
        Err(AuthorizerError::BadMethodArn(_)) => {
            assert!(parse_arn(event.method_arn.as_deref().unwrap()).is_none())
        }
        Err(e) => panic!("unexpected error {e:?}"),
        Ok((policy, outcome)) => {
            let arn: MethodArn = event.method_arn.as_deref().unwrap().parse().unwrap();
            let json = serde_json::to_value(policy.rest_response()).unwrap();
            assert_eq!(Policy::from_response_json(&json).as_ref(), Ok(policy));
            match outcome {
                Outcome::OriginRejected(check) => {
                    assert!(!check.is_accepted());
                    // ExplicitDeny, or ImplicitDeny for an ARN without a path
                    // (`*/*` needs one): denied either way.
                    assert!(!policy.evaluate(&arn).is_allowed());
                    for (m, p, _) in ROUTES {
                        assert_eq!(
                            policy.evaluate(&arn.with_route(m, p)),
                            Decision::ExplicitDeny
                        );
                    }
                }
                Outcome::OriginOnly { .. } => assert!(!jwt),
                Outcome::Jwt { .. } => assert!(jwt),
                other => panic!("a REST REQUEST event gave {other:?}"),
            }
        }
    }
}
