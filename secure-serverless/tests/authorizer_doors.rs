//! One authorizer, every front door: REST `TOKEN` and `REQUEST`, HTTP API
//! payload 1.0 and 2.0 (IAM and simple responses), WebSocket `$connect`.
//! Every answer goes through `validate_response` (would API Gateway accept
//! it?) and is evaluated as API Gateway would, on the route it was decided
//! for and, replayed from the authorizer cache, on every other route.
#![cfg(feature = "authorizer")]

use std::collections::BTreeSet;
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use proptest::prelude::*;
use secrecy::SecretString;
use secure_serverless::arn::MethodArn;
use secure_serverless::authorizer::{
    Authorizer, AuthorizerConfigError, AuthorizerError, AuthorizerEvent, AuthorizerResponse,
    EventKind, HttpApiResponses, Outcome, RouteTable, SimpleCaching, validate_response,
};
use secure_serverless::jwt::{JwtConfig, JwtVerifier, KeySet};
use secure_serverless::policy::Decision;
use secure_serverless::secret_source::{AnySource, CachedSecrets, StaticSource};
use serde_json::{Value, json};

const HMAC: &[u8] = b"test-hmac-key-of-at-least-32-bytes!!";
const ORIGIN: &str = "the-origin-secret";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/events/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `value` with every "TOKEN" and "ORIGIN" placeholder replaced.
fn fill(value: Value, token: &str, origin: &str) -> Value {
    let text = value
        .to_string()
        .replace("Bearer TOKEN", &format!("Bearer {token}"))
        .replace("\"ORIGIN\"", &format!("\"{origin}\""));
    serde_json::from_str(&text).unwrap()
}

fn token(scopes: &[&str]) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("k".into());
    let claims = json!({"sub": "alice", "iss": "iss", "aud": "aud",
        "exp": jsonwebtoken::get_current_timestamp() + 300, "scope": scopes.join(" ")});
    jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(HMAC)).unwrap()
}

fn verifier() -> JwtVerifier {
    JwtVerifier::new(
        JwtConfig::new("iss", ["aud"]).unwrap(),
        KeySet::new().with_hmac("k", HMAC).unwrap(),
    )
}

fn secrets() -> CachedSecrets<AnySource> {
    CachedSecrets::new(
        AnySource::Static(StaticSource::new(SecretString::from(ORIGIN), None)),
        Duration::from_secs(60),
    )
}

fn routes() -> RouteTable {
    RouteTable::new()
        .route("GET", "/stats", ["logs:read"])
        .route("POST", "/log", ["logs:write"])
        .connect(["chat:join"])
}

fn authorizer(http_api: HttpApiResponses) -> Authorizer {
    Authorizer::builder(routes(), secrets())
        .jwt(verifier())
        .http_api_responses(http_api)
        .build()
        .unwrap()
}

fn event(name: &str, token: &str, origin: &str) -> AuthorizerEvent {
    AuthorizerEvent::from_json(fill(fixture(name), token, origin)).unwrap()
}

/// The answer, checked as API Gateway would check it.
fn checked(answer: &AuthorizerResponse, kind: EventKind) -> &AuthorizerResponse {
    let format = answer.format(kind == EventKind::WebSocketConnect);
    validate_response(format, &answer.to_json())
        .unwrap_or_else(|e| panic!("API Gateway would refuse {}: {e}", answer.to_json()));
    answer
}

fn arn(s: &str) -> MethodArn {
    s.parse().unwrap()
}

const REST: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod";
const HTTP: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default";

#[tokio::test]
async fn every_kind_is_recognised_from_the_documented_shapes() {
    for (name, kind) in [
        ("rest-token", EventKind::RestToken),
        ("rest-request", EventKind::RestRequest),
        ("http-v1", EventKind::HttpApiV1),
        ("http-v2", EventKind::HttpApiV2),
        ("websocket-connect", EventKind::WebSocketConnect),
    ] {
        assert_eq!(event(name, "t", ORIGIN).kind(), kind, "{name}");
    }
    assert!(AuthorizerEvent::from_json(json!({"type": "COOKIE"})).is_err());
    assert!(AuthorizerEvent::from_json(json!({"type": "REQUEST", "version": "3.0"})).is_err());
    assert!(AuthorizerEvent::from_json(json!([1, 2])).is_err());
}

#[tokio::test]
async fn a_reader_may_read_and_not_write_through_every_policy_door() {
    let a = authorizer(HttpApiResponses::Policy);
    let t = token(&["logs:read"]);
    for (name, base) in [("rest-request", REST), ("http-v1", HTTP), ("http-v2", HTTP)] {
        let e = event(name, &t, ORIGIN);
        let (answer, outcome) = a.decide_event(&e).await.unwrap();
        let answer = checked(&answer, e.kind());
        assert!(matches!(outcome, Outcome::Jwt { .. }), "{name}");
        // Decided on GET /stats; replayed from the cache on POST /log.
        assert_eq!(
            answer.evaluate(&arn(&format!("{base}/GET/stats"))),
            Decision::Allow,
            "{name}"
        );
        assert_eq!(
            answer.evaluate(&arn(&format!("{base}/POST/log"))),
            Decision::ExplicitDeny,
            "{name}"
        );
    }
}

#[tokio::test]
async fn token_events_need_a_jwt_only_authorizer() {
    let t = token(&["logs:write"]);
    let e = event("rest-token", &t, ORIGIN);
    // An origin secret cannot be checked on a TOKEN event: refused, not skipped.
    let err = authorizer(HttpApiResponses::Policy)
        .decide_event(&e)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthorizerError::UnsupportedEvent(_)),
        "{err:?}"
    );
    let jwt_only = Authorizer::jwt_only(routes())
        .jwt(verifier())
        .build()
        .unwrap();
    let (answer, outcome) = jwt_only.decide_event(&e).await.unwrap();
    assert_eq!(outcome, Outcome::JwtOnly);
    let answer = checked(&answer, EventKind::RestToken);
    assert_eq!(
        answer.evaluate(&arn(&format!("{REST}/POST/log"))),
        Decision::Allow
    );
    assert_eq!(
        answer.evaluate(&arn(&format!("{REST}/GET/stats"))),
        Decision::ExplicitDeny
    );
    // A bad token is "Unauthorized" (401).
    let bad = event("rest-token", "not.a.token", ORIGIN);
    assert!(matches!(
        jwt_only.decide_event(&bad).await,
        Err(AuthorizerError::Unauthorized(Some(_)))
    ));
    // No caller check at all does not build.
    assert_eq!(
        Authorizer::jwt_only(routes()).build().unwrap_err(),
        AuthorizerConfigError::NoCallerCheck
    );
    assert_eq!(
        Authorizer::jwt_only(routes())
            .origin_secret_only()
            .build()
            .unwrap_err(),
        AuthorizerConfigError::OriginSecretOnlyWithoutSecret
    );
}

#[tokio::test]
async fn http_api_callers_without_a_valid_token_are_denied_not_unauthorized() {
    let a = authorizer(HttpApiResponses::Policy);
    for name in ["http-v1", "http-v2"] {
        let e = event(name, "forged.token.here", ORIGIN);
        let (answer, outcome) = a.decide_event(&e).await.unwrap();
        let answer = checked(&answer, e.kind());
        assert_eq!(
            outcome,
            Outcome::TokenRefused {
                reason: "malformed"
            }
        );
        assert!(
            !answer
                .evaluate(&arn(&format!("{HTTP}/GET/stats")))
                .is_allowed()
        );
    }
    // REST and WebSocket keep API Gateway's 401.
    for name in ["rest-request", "websocket-connect"] {
        let e = event(name, "forged.token.here", ORIGIN);
        assert!(matches!(
            a.decide_event(&e).await,
            Err(AuthorizerError::Unauthorized(_))
        ));
    }
}

#[tokio::test]
async fn a_wrong_origin_secret_denies_every_door() {
    let simple = authorizer(HttpApiResponses::Simple(SimpleCaching::KeyedByRoute));
    for name in ["rest-request", "http-v1", "http-v2", "websocket-connect"] {
        let e = event(name, &token(&["logs:read", "chat:join"]), "guessed");
        let (answer, outcome) = simple.decide_event(&e).await.unwrap();
        let answer = checked(&answer, e.kind());
        assert!(matches!(outcome, Outcome::OriginRejected(_)), "{name}");
        let called = e.route_arn().unwrap();
        assert!(!answer.evaluate(&called).is_allowed(), "{name}");
    }
}

#[tokio::test]
async fn simple_responses_are_only_given_when_no_cache_can_replay_them_elsewhere() {
    let t = token(&["logs:read"]);
    let keyed = authorizer(HttpApiResponses::Simple(SimpleCaching::KeyedByRoute));
    let e = event("http-v2", &t, ORIGIN);
    let (answer, _) = keyed.decide_event(&e).await.unwrap();
    let answer = checked(&answer, EventKind::HttpApiV2);
    assert!(matches!(
        answer,
        AuthorizerResponse::Simple {
            is_authorized: true,
            ..
        }
    ));
    // The same caller on POST /log (its own cache entry, keyed by route): false.
    let mut v = fill(fixture("http-v2"), &t, ORIGIN);
    v["routeArn"] = json!(format!("{HTTP}/POST/log"));
    v["routeKey"] = json!("POST /log");
    v["identitySource"] = json!([format!("Bearer {t}"), "POST /log"]);
    let post = AuthorizerEvent::from_json(v.clone()).unwrap();
    let (answer, _) = keyed.decide_event(&post).await.unwrap();
    assert!(matches!(
        checked(&answer, EventKind::HttpApiV2),
        AuthorizerResponse::Simple {
            is_authorized: false,
            ..
        }
    ));
    // Identity sources without the route key: one answer would serve every
    // route from the cache, so none is given.
    v["identitySource"] = json!([format!("Bearer {t}")]);
    let unkeyed = AuthorizerEvent::from_json(v).unwrap();
    assert!(matches!(
        keyed.decide_event(&unkeyed).await,
        Err(AuthorizerError::CacheUnsafe)
    ));
    // With the cache declared off, the same event is answered.
    let off = authorizer(HttpApiResponses::Simple(SimpleCaching::Off));
    let (answer, _) = off.decide_event(&unkeyed).await.unwrap();
    checked(&answer, EventKind::HttpApiV2);
}

#[tokio::test]
async fn websocket_policies_name_connect_exactly() {
    let a = authorizer(HttpApiResponses::Policy);
    let connect = arn("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/production/$connect");
    let e = event("websocket-connect", &token(&["chat:join"]), ORIGIN);
    let (answer, _) = a.decide_event(&e).await.unwrap();
    let AuthorizerResponse::Policy(p) = checked(&answer, EventKind::WebSocketConnect) else {
        panic!("a WebSocket answer is a policy");
    };
    let resources: Vec<&str> = p
        .document()
        .statements()
        .iter()
        .flat_map(|s| s.resources().iter().map(String::as_str))
        .collect();
    assert_eq!(resources, [connect.to_string().as_str()]);
    assert_eq!(p.evaluate(&connect), Decision::Allow);
    // A token without the scope: a Deny for $connect.
    let e = event("websocket-connect", &token(&["logs:read"]), ORIGIN);
    let (answer, _) = a.decide_event(&e).await.unwrap();
    assert_eq!(
        checked(&answer, EventKind::WebSocketConnect).evaluate(&connect),
        Decision::ExplicitDeny
    );
}

#[test]
fn the_validator_refuses_what_api_gateway_refuses() {
    use secure_serverless::authorizer::ResponseFormat::{HttpSimple, Policy, WebSocketPolicy};
    let good = json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:1:api/prod/GET/x"}]}, "context": {"n": 1}});
    assert_eq!(validate_response(Policy, &good), Ok(()));
    let with = |path: &str, v: Value| {
        let mut x = good.clone();
        *x.pointer_mut(path).unwrap() = v;
        x
    };
    for bad in [
        with("/principalId", json!("")),
        with("/policyDocument/Version", json!("2008-10-17")),
        with("/policyDocument/Statement/0/Effect", json!("allow")),
        with("/policyDocument/Statement/0/Action", json!("s3:GetObject")),
        with(
            "/policyDocument/Statement/0/Resource",
            json!("arn:aws:s3:::bucket"),
        ),
        with("/policyDocument/Statement", json!([])),
        with("/context", json!({"nested": {"a": 1}})),
        json!({"isAuthorized": true}),
    ] {
        assert!(validate_response(Policy, &bad).is_err(), "{bad}");
    }
    let mut unknown = good.clone();
    unknown["extra"] = json!(1);
    assert!(validate_response(Policy, &unknown).is_err());
    assert!(validate_response(HttpSimple, &json!({"isAuthorized": "yes"})).is_err());
    assert!(
        validate_response(
            HttpSimple,
            &json!({"isAuthorized": false, "context": {"a": [1]}})
        )
        .is_ok()
    );
    let mut big = good.clone();
    big["context"] = json!({"k": "x".repeat(9000)});
    assert!(validate_response(Policy, &big).is_ok());
    assert!(validate_response(WebSocketPolicy, &big).is_err());
}

// ---------------------------------------------------------------- properties

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE"];
const PATHS: &[&str] = &["/log", "/stats", "/items/mine", "/a/b"];
const SCOPES: &[&str] = &["s:a", "s:b", "s:c", "s:d"];

/// Routes as indexes: method, path, the scopes that may call it.
type Routes = Vec<(usize, usize, Vec<usize>)>;

/// A route table (distinct routes, each with 1 to 3 scopes), the caller's
/// scopes, and which route is called.
fn case() -> impl Strategy<Value = (Routes, Vec<usize>, usize)> {
    prop::collection::btree_map(
        (0..METHODS.len(), 0..PATHS.len()),
        prop::collection::vec(0..SCOPES.len(), 1..=3),
        1..=6,
    )
    .prop_flat_map(|routes| {
        let routes: Routes = routes.into_iter().map(|((m, p), s)| (m, p, s)).collect();
        let n = routes.len();
        (
            Just(routes),
            prop::collection::vec(0..SCOPES.len(), 0..=3),
            0..n,
        )
    })
}

fn table(routes: &[(usize, usize, Vec<usize>)]) -> RouteTable {
    routes.iter().fold(RouteTable::new(), |t, (m, p, s)| {
        t.route(METHODS[*m], PATHS[*p], s.iter().map(|i| SCOPES[*i]))
    })
}

fn door_event(kind: EventKind, base: &str, method: &str, path: &str, token: &str) -> Value {
    let arn = format!("{base}/{method}{path}");
    match kind {
        EventKind::RestToken => {
            json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"), "methodArn": arn})
        }
        EventKind::HttpApiV2 => {
            let mut v = fill(fixture("http-v2"), token, ORIGIN);
            v["routeArn"] = json!(arn);
            v["routeKey"] = json!(format!("{method} {path}"));
            v["identitySource"] = json!([format!("Bearer {token}"), format!("{method} {path}")]);
            v
        }
        EventKind::HttpApiV1 => {
            let mut v = fill(fixture("http-v1"), token, ORIGIN);
            v["methodArn"] = json!(arn);
            v
        }
        _ => {
            let mut v = fill(fixture("rest-request"), token, ORIGIN);
            v["methodArn"] = json!(arn);
            v
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For every door, the answer allows exactly the routes the token's
    /// scopes grant: the called route at once, and every other route when
    /// the cache replays the answer there (for simple responses, which are
    /// keyed by route, the called route alone).
    #[test]
    fn answers_allow_exactly_the_granted_routes((routes, granted, called) in case()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let scopes: Vec<&str> = granted.iter().map(|i| SCOPES[*i]).collect();
        let granted_set: BTreeSet<String> = scopes.iter().map(|s| s.to_string()).collect();
        let t = token(&scopes);
        let table = table(&routes);
        let (cm, cp, _) = &routes[called];
        for (kind, responses) in [
            (EventKind::RestToken, HttpApiResponses::Policy),
            (EventKind::RestRequest, HttpApiResponses::Policy),
            (EventKind::HttpApiV1, HttpApiResponses::Policy),
            (EventKind::HttpApiV2, HttpApiResponses::Policy),
            (EventKind::HttpApiV2, HttpApiResponses::Simple(SimpleCaching::KeyedByRoute)),
        ] {
            let a = if kind == EventKind::RestToken {
                Authorizer::jwt_only(table.clone()).jwt(verifier()).build().unwrap()
            } else {
                Authorizer::builder(table.clone(), secrets())
                    .jwt(verifier())
                    .http_api_responses(responses)
                    .build()
                    .unwrap()
            };
            let base = if matches!(kind, EventKind::HttpApiV1 | EventKind::HttpApiV2) { HTTP } else { REST };
            let e = AuthorizerEvent::from_json(door_event(kind, base, METHODS[*cm], PATHS[*cp], &t)).unwrap();
            let (answer, _) = rt.block_on(a.decide_event(&e)).unwrap();
            let answer = checked(&answer, kind);
            let simple = matches!(answer, AuthorizerResponse::Simple { .. });
            for (m, p, _) in &routes {
                if simple && (m, p) != (cm, cp) {
                    continue; // never replayed on another route: keyed by route
                }
                let r = arn(&format!("{base}/{}{}", METHODS[*m], PATHS[*p]));
                let expect = table.permits(METHODS[*m], PATHS[*p], &granted_set);
                prop_assert_eq!(answer.evaluate(&r).is_allowed(), expect, "{:?} {} {}", kind, METHODS[*m], PATHS[*p]);
            }
        }
    }

    /// WebSocket: `$connect` is allowed exactly when a scope of its route is
    /// granted, and the policy names nothing else.
    #[test]
    fn websocket_connect_follows_its_scopes(needed in prop::collection::vec(0..SCOPES.len(), 1..=3), granted in prop::collection::vec(0..SCOPES.len(), 0..=3)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let table = RouteTable::new().connect(needed.iter().map(|i| SCOPES[*i]));
        let a = Authorizer::builder(table, secrets()).jwt(verifier()).build().unwrap();
        let scopes: Vec<&str> = granted.iter().map(|i| SCOPES[*i]).collect();
        let e = event("websocket-connect", &token(&scopes), ORIGIN);
        let (answer, _) = rt.block_on(a.decide_event(&e)).unwrap();
        let answer = checked(&answer, EventKind::WebSocketConnect);
        let expect = needed.iter().any(|n| granted.contains(n));
        let connect = e.route_arn().unwrap();
        prop_assert_eq!(answer.evaluate(&connect).is_allowed(), expect);
        let AuthorizerResponse::Policy(p) = answer else { panic!("a policy") };
        for s in p.document().statements() {
            prop_assert_eq!(s.resources(), &[connect.to_string()]);
        }
    }
}

#[tokio::test]
async fn what_a_cache_could_replay_elsewhere_is_refused() {
    let t = token(&["logs:read"]);
    // IAM answers too: without the token among the identity sources, one
    // caller's policy would serve the next caller.
    let a = authorizer(HttpApiResponses::Policy);
    let mut v = fill(fixture("http-v2"), &t, ORIGIN);
    v["identitySource"] = json!([ORIGIN, "GET /stats"]);
    assert!(matches!(
        a.decide_event(&AuthorizerEvent::from_json(v).unwrap())
            .await,
        Err(AuthorizerError::CacheUnsafe)
    ));
    // Simple responses keyed by route: the route key must be the last
    // identity source, where no caller-chosen value can stand in for it.
    let keyed = authorizer(HttpApiResponses::Simple(SimpleCaching::KeyedByRoute));
    let mut v = fill(fixture("http-v2"), &t, ORIGIN);
    v["identitySource"] = json!(["GET /stats", format!("Bearer {t}")]);
    assert!(matches!(
        keyed
            .decide_event(&AuthorizerEvent::from_json(v).unwrap())
            .await,
        Err(AuthorizerError::CacheUnsafe)
    ));
    // The catch-all route: one cached answer would serve every path, so no.
    let mut v = fill(fixture("http-v2"), &t, ORIGIN);
    v["routeKey"] = json!("$default");
    v["identitySource"] = json!([format!("Bearer {t}"), "$default"]);
    let (answer, _) = keyed
        .decide_event(&AuthorizerEvent::from_json(v).unwrap())
        .await
        .unwrap();
    assert!(matches!(
        answer,
        AuthorizerResponse::Simple {
            is_authorized: false,
            ..
        }
    ));
}

#[tokio::test]
async fn a_rest_path_ending_in_connect_is_not_a_websocket_connection() {
    let t = token(&["chat:join"]);
    let mut v = fill(fixture("rest-request"), &t, ORIGIN);
    v["methodArn"] = json!(format!("{REST}/GET/anything/$connect"));
    let e = AuthorizerEvent::from_json(v).unwrap();
    assert_eq!(e.kind(), EventKind::RestRequest);
    let (answer, _) = authorizer(HttpApiResponses::Policy)
        .decide_event(&e)
        .await
        .unwrap();
    assert!(!answer.evaluate(&e.route_arn().unwrap()).is_allowed());
}

#[test]
fn an_authorizer_table_names_concrete_routes() {
    for table in [
        RouteTable::new().route("GET", "/items/{id}", ["s"]),
        RouteTable::new().route("ANY", "/items", ["s"]),
    ] {
        assert!(matches!(
            Authorizer::builder(table, secrets())
                .jwt(verifier())
                .build(),
            Err(AuthorizerConfigError::TemplateRoute(_))
        ));
    }
}
