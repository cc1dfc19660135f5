//! End to end over real HTTP: client -> edge (CloudFront + WAF) -> API
//! (API Gateway REST semantics, the authorizer) -> writer/reader handlers ->
//! DynamoDB Local.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_demo() {
    let s = stack(config("e2e-demo")).await;
    let (read, write) = (s.token("r", &["logs:read"]), s.token("w", &["logs:write"]));

    // The API URL alone: no identity source, the authorizer is not even called.
    let direct = get(s.api, "/stats", None).await;
    assert_eq!(direct.status, 401);
    assert_eq!(direct.json(), json!({"message": "Unauthorized"}));
    // Even a valid token does not open the direct path: no origin secret.
    let direct = get(s.api, "/stats", Some(&read)).await;
    assert_eq!(direct.status, 401);

    // Through the edge: the empty list.
    let empty = get(s.edge, "/stats", Some(&read)).await;
    assert_eq!(empty.status, 200, "{:?}", empty);
    assert_eq!(empty.json(), json!({"items": [], "next_cursor": null}));
    assert_eq!(empty.header("x-frame-options"), Some("DENY"));
    assert_eq!(empty.header("cache-control"), Some("no-store"));

    // A POST stores a sanitised record that the next GET shows.
    let created = post(
        s.edge,
        &write,
        r#"{"type":"audit","payload":"<b>hi</b><img src=x onerror=alert(1)><script>alert(2)</script>"}"#,
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.json());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let listed = get(s.edge, "/stats", Some(&read)).await.json();
    assert_eq!(listed["items"][0]["id"], id.as_str());
    assert_eq!(listed["items"][0]["payload"], "<b>hi</b>");

    // A listed Tor exit is blocked before anything else runs.
    let tor = raw(
        s.edge,
        &request("GET", "/stats", &[], b""),
        Some("127.0.0.66".parse().unwrap()),
    )
    .await;
    assert_eq!(tor.status, 403);
    assert_eq!(tor.json()["rule"], "AWSManagedRulesAnonymousIpList");
    // ... and any other loopback address is not.
    let other = raw(
        s.edge,
        &request(
            "GET",
            "/stats",
            &[("Authorization", &format!("Bearer {read}"))],
            b"",
        ),
        Some("127.0.0.67".parse().unwrap()),
    )
    .await;
    assert_eq!(other.status, 200);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scopes_decide_routes() {
    let s = stack(config("e2e-scopes")).await;
    let read = s.token("reader", &["logs:read"]);
    let write = s.token("writer", &["logs:write"]);
    let denied = post(s.edge, &read, r#"{"type":"t","payload":"p"}"#, &[]).await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.json(),
        json!({"Message": "User is not authorized to access this resource with an explicit deny"})
    );
    assert_eq!(get(s.edge, "/stats", Some(&write)).await.status, 403);
    assert_eq!(get(s.edge, "/stats", None).await.status, 401, "no token");
    let expired_or_forged = format!("{}x", &read[..read.len() - 1]);
    let forged = get(s.edge, "/stats", Some(&expired_or_forged)).await;
    assert_eq!(forged.status, 401);
    assert_eq!(forged.json(), json!({"message": "Unauthorized"}));
    assert_eq!(
        post(s.edge, &write, r#"{"type":"t","payload":"p"}"#, &[])
            .await
            .status,
        201
    );
    s.shutdown().await;
}

async fn get_with_secret(s: &local_stack::Stack, secret: &str, token: &str) -> u16 {
    let auth = format!("Bearer {token}");
    let req = request(
        "GET",
        "/stats",
        &[("X-Origin-Verify", secret), ("Authorization", &auth)],
        b"",
    );
    raw(s.api, &req, None).await.status
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_keeps_the_previous_secret_until_it_is_retired() {
    let mut c = config("e2e-rotation");
    c.authorizer_cache_ttl = Duration::ZERO;
    let s = stack(c).await;
    let read = s.token("r", &["logs:read"]);
    let v1 = s.origin_secret();
    assert_eq!(get_with_secret(&s, &v1, &read).await, 200);
    assert_eq!(get_with_secret(&s, "guessed", &read).await, 403);

    let v2 = s.rotate_origin_secret().await.unwrap();
    assert_ne!(v1, v2);
    assert_eq!(get_with_secret(&s, &v2, &read).await, 200, "new current");
    assert_eq!(
        get_with_secret(&s, &v1, &read).await,
        200,
        "previous, during rotation"
    );
    assert_eq!(
        get(s.edge, "/stats", Some(&read)).await.status,
        200,
        "edge sends v2"
    );

    s.retire_previous_secret().await.unwrap();
    assert_eq!(
        get_with_secret(&s, &v1, &read).await,
        403,
        "stale after retirement"
    );
    assert_eq!(get_with_secret(&s, &v2, &read).await, 200);
    assert_eq!(get(s.edge, "/stats", Some(&read)).await.status, 200);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn authorizer_cache_never_leaks_a_decision_between_tokens() {
    let mut c = config("e2e-cache");
    c.authorizer_cache_ttl = Duration::from_secs(300);
    let s = stack(c).await;
    let a = s.token("alice", &["logs:read"]);
    let b = s.token("bob", &["logs:write"]);
    // Alice's Allow on GET is cached under her identity values only.
    assert_eq!(get(s.edge, "/stats", Some(&a)).await.status, 200);
    assert_eq!(get(s.edge, "/stats", Some(&b)).await.status, 403);
    assert_eq!(
        post(s.edge, &b, r#"{"type":"t","payload":"p"}"#, &[])
            .await
            .status,
        201
    );
    // Alice's cached policy covers every route, so her POST is still denied.
    assert_eq!(
        post(s.edge, &a, r#"{"type":"t","payload":"p"}"#, &[])
            .await
            .status,
        403
    );
    // A cached Allow survives the TTL's use across methods, not across tokens:
    // a token that fails verification is never served from someone's cache.
    let forged = format!("{a}x");
    assert_eq!(get(s.edge, "/stats", Some(&forged)).await.status, 401);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_are_api_gateway_403s_without_calling_the_authorizer() {
    let s = stack(config("e2e-routes")).await;
    for (method, path) in [
        ("GET", "/log"),
        ("DELETE", "/stats"),
        ("GET", "/"),
        ("GET", "/stats/x"),
    ] {
        let r = raw(s.api, &request(method, path, &[], b""), None).await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.json(), json!({"message": "Missing Authentication Token"}));
    }
    s.shutdown().await;
}
