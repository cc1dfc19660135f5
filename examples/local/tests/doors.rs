//! The seed's demo, scopes to routes and cache isolation through every
//! front door of the local stack: CloudFront + WAF + REST API, an HTTP API
//! with a Lambda authorizer (simple responses, cached by token and route
//! key), an HTTP API with the JWT authorizer, and Function URLs whose
//! functions verify the token themselves.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_demo_through_every_door() {
    let s = stack(config("doors-demo")).await;
    let (read, write) = (s.token("r", &["logs:read"]), s.token("w", &["logs:write"]));
    for door in doors(&s) {
        let created = post(
            door.write,
            &write,
            r#"{"type":"audit","payload":"<b>hi</b><img src=x onerror=alert(1)><script>alert(2)</script>"}"#,
            &[],
        )
        .await;
        assert_eq!(created.status, 201, "{}: {:?}", door.name, created.json());
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let listed = get(door.read, "/stats", Some(&read)).await;
        assert_eq!(listed.status, 200, "{}", door.name);
        assert_eq!(
            listed.header("cache-control"),
            Some("no-store"),
            "{}",
            door.name
        );
        assert_eq!(
            listed.header("x-content-type-options"),
            Some("nosniff"),
            "{}",
            door.name
        );
        let listed = listed.json();
        assert_eq!(listed["items"][0]["id"], id.as_str(), "{}", door.name);
        assert_eq!(listed["items"][0]["payload"], "<b>hi</b>", "{}", door.name);
    }
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scopes_decide_routes_at_every_door() {
    let s = stack(config("doors-scopes")).await;
    let read = s.token("reader", &["logs:read"]);
    let write = s.token("writer", &["logs:write"]);
    let forged = forge(&read);
    let body = r#"{"type":"t","payload":"p"}"#;
    // (door, wrong scope, no token, forged token): each door's documented answer.
    let expected = [
        (403, 401, 401), // REST: explicit deny; identity source missing; authorizer's Unauthorized
        (403, 401, 403), // HTTP API, Lambda: isAuthorized false; identity source missing; isAuthorized false
        (403, 401, 401), // HTTP API, JWT: scope missing; no token; invalid_token
        (403, 401, 401), // Function URL: insufficient_scope; RFC 6750 401s
    ];
    for (door, (scope, none, bad)) in doors(&s).into_iter().zip(expected) {
        let n = door.name;
        assert_eq!(
            post(door.write, &read, body, &[]).await.status,
            scope,
            "{n}: read token, POST"
        );
        assert_eq!(
            get(door.read, "/stats", Some(&write)).await.status,
            scope,
            "{n}: write token, GET"
        );
        assert_eq!(
            get(door.read, "/stats", None).await.status,
            none,
            "{n}: no token"
        );
        let a = get(door.read, "/stats", Some(&forged)).await;
        assert_eq!(a.status, bad, "{n}: forged token");
        assert!(a.json().is_object(), "{n}: a JSON answer");
        assert_eq!(post(door.write, &write, body, &[]).await.status, 201, "{n}");
        assert_eq!(
            get(door.read, "/stats", Some(&read)).await.status,
            200,
            "{n}"
        );
    }
    // The JWT authorizer says why, as API Gateway does.
    let jwt = doors(&s)[2];
    let a = get(jwt.read, "/stats", Some(&forged)).await;
    assert!(
        a.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer scope=\"\" error=\"invalid_token\"")),
        "{:?}",
        a.headers
    );
    // The Function URL's function answers as RFC 6750 says.
    let url = doors(&s)[3];
    let a = post(url.write, &read, body, &[]).await;
    assert_eq!(a.json()["code"], "insufficient_scope");
    assert!(
        a.header("www-authenticate")
            .is_some_and(|h| h.contains("insufficient_scope"))
    );
    s.shutdown().await;
}

/// HTTP API caches a Lambda authorizer's answer by its identity-source
/// values: the token and the route key. A decision for one route is never
/// replayed on another, nor for another token.
#[tokio::test(flavor = "multi_thread")]
async fn the_http_api_cache_keeps_tokens_and_routes_apart() {
    let s = stack(config("doors-cache")).await;
    let http = doors(&s)[1];
    let alice = s.token("alice", &["logs:read"]);
    let bob = s.token("bob", &["logs:write"]);
    let body = r#"{"type":"t","payload":"p"}"#;
    assert_eq!(get(http.read, "/stats", Some(&alice)).await.status, 200);
    assert_eq!(s.http_api_cache_entries(), 1);
    // Alice's allowed GET is cached for GET only: her POST is decided anew.
    assert_eq!(post(http.write, &alice, body, &[]).await.status, 403);
    assert_eq!(s.http_api_cache_entries(), 2);
    // Bob's token is another cache key altogether.
    assert_eq!(get(http.read, "/stats", Some(&bob)).await.status, 403);
    assert_eq!(post(http.write, &bob, body, &[]).await.status, 201);
    assert_eq!(s.http_api_cache_entries(), 4);
    // Replays come from the cache and still hold.
    assert_eq!(get(http.read, "/stats", Some(&alice)).await.status, 200);
    assert_eq!(post(http.write, &alice, body, &[]).await.status, 403);
    assert_eq!(s.http_api_cache_entries(), 4);
    // A token that fails verification is never served from someone's cache.
    let forged = forge(&alice);
    assert_eq!(get(http.read, "/stats", Some(&forged)).await.status, 403);
    assert_eq!(
        get(http.read, "/stats", Some(&alice)).await.json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    s.shutdown().await;
}

/// WebSocket: the `$connect` handshake is switched only for a token with a
/// scope of `$connect` (the route table's `connect`, here `logs:read`).
#[tokio::test(flavor = "multi_thread")]
async fn websocket_connect_needs_a_scope_of_connect() {
    let s = stack(config("doors-ws")).await;
    let read = format!("Bearer {}", s.token("r", &["logs:read"]));
    let write = format!("Bearer {}", s.token("w", &["logs:write"]));
    let ok = websocket_connect(s.websocket, Some(&read)).await;
    assert_eq!(ok.status, 101);
    // RFC 6455's sample key and its accept value.
    assert_eq!(
        ok.header("sec-websocket-accept"),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );
    let denied = websocket_connect(s.websocket, Some(&write)).await;
    assert_eq!(
        (denied.status, denied.json()),
        (403, serde_json::json!({"message": "Forbidden"}))
    );
    assert_eq!(websocket_connect(s.websocket, None).await.status, 401);
    let forged = format!("Bearer {}", forge(read.trim_start_matches("Bearer ")));
    assert_eq!(
        websocket_connect(s.websocket, Some(&forged)).await.status,
        401
    );
    s.shutdown().await;
}

/// `token` with one character in the middle of its signature changed: still
/// well-formed, so it is the signature check that refuses it.
fn forge(token: &str) -> String {
    let sig = token.rfind('.').unwrap() + 1;
    let mid = sig + (token.len() - sig) / 2;
    let mut bytes = token.as_bytes().to_vec();
    bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}
