//! What an outside review found, through the local stack over HTTP: no
//! writer can make a page unservable or a write a 5xx, idempotency keys
//! belong to their caller, cursors expire, and the local stack keeps its
//! secrets and its per-client state to itself.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use secure_serverless::envelope::{LAMBDA_SYNC_RESPONSE_LIMIT, escaped_len};
use serde_json::{Value, json};

/// A JSON body `{"type": t, "payload": p}`.
fn body(t: &str, payload: &str) -> String {
    json!({ "type": t, "payload": payload }).to_string()
}

/// Every page of `GET /stats`, following `next_cursor`; each must be a 200
/// whose Lambda proxy response (body escaped once more) is under 6 MB.
async fn all_pages(s: &local_stack::Stack, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut target = "/stats".to_owned();
    for page_no in 0.. {
        let a = get(s.edge, &target, Some(token)).await;
        assert_eq!(
            a.status,
            200,
            "page {page_no}: {}",
            String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
        );
        let text = std::str::from_utf8(&a.body).unwrap();
        let envelope = escaped_len(text) + 512;
        assert!(
            envelope < LAMBDA_SYNC_RESPONSE_LIMIT,
            "page {page_no}: {envelope} bytes in the proxy response"
        );
        let page = a.json();
        eprintln!(
            "page {page_no}: {} items, {} bytes body, ~{envelope} bytes proxy response",
            page["items"].as_array().unwrap().len(),
            a.body.len()
        );
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => target = format!("/stats?cursor={c}"),
            None => break,
        }
    }
    items
}

#[tokio::test(flavor = "multi_thread")]
async fn large_writes_of_every_kind_never_break_a_page() {
    let mut config = config("hardening-large");
    config.rate_limit = 0;
    let s = stack(config).await;
    let (read, write) = (s.token("r", &["logs:read"]), s.token("w", &["logs:write"]));
    let cap = secure_serverless::log_entry::DEFAULT_MAX_PAYLOAD_BYTES;
    let mixed_unit = r#"<b>x</b><i>"y"</i>&amp;<a href="https://example.com/">l</a>\"#;
    let kinds: Vec<(&str, String)> = vec![
        ("c0-controls", "\u{1}".repeat(cap)),
        ("ampersands", "&".repeat(cap)),
        ("anchor-runs", "<a>".repeat(cap / 3)),
        ("astral", "\u{1D11E}".repeat(cap / 4)),
        ("quotes-backslashes", "\"\\".repeat(cap / 2)),
        ("mixed-markup", mixed_unit.repeat(cap / mixed_unit.len())),
    ];
    let mut stored = HashSet::new();
    let mut tally = std::collections::BTreeMap::<(&str, u16), usize>::new();
    for round in 0..8 {
        for (kind, payload) in &kinds {
            let a = post(s.edge, &write, &body(kind, payload), &[]).await;
            assert!(
                a.status == 201 || (400..500).contains(&a.status),
                "round {round}, {kind}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body[..a.body.len().min(300)])
            );
            let v = a.json();
            if a.status == 201 {
                stored.insert(v["id"].as_str().unwrap().to_owned());
            } else {
                assert_eq!(v["field"], "payload", "{kind}: {v}");
            }
            *tally.entry((kind, a.status)).or_default() += 1;
        }
    }
    eprintln!("answers by kind: {tally:?}");
    // The decisions this test pins down.
    assert_eq!(tally.get(&("c0-controls", 422)), Some(&8));
    assert_eq!(tally.get(&("anchor-runs", 413)), Some(&8));
    assert_eq!(tally.get(&("ampersands", 201)), Some(&8));
    assert_eq!(tally.get(&("quotes-backslashes", 201)), Some(&8));

    let items = all_pages(&s, &read).await;
    let seen: HashSet<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen.len(), items.len(), "a record came twice");
    assert_eq!(seen, stored, "every stored record is readable, once");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_payload_that_outgrows_the_item_limit_is_413_and_writes_nothing() {
    let config = config("hardening-item");
    let table = config.table.clone();
    let s = stack(config).await;
    let write = s.token("w", &["logs:write"]);
    let t = test_support::TestTable::adopt(test_support::client().await, table).await;
    let before = t.count().await;
    // 65,535 bytes of input; sanitised, about 720 KB.
    for key in [None, Some("item-limit-1")] {
        let extra: Vec<(&str, &str)> = key.iter().map(|k| ("Idempotency-Key", *k)).collect();
        let a = post(s.edge, &write, &body("a", &"<a>".repeat(21_845)), &extra).await;
        assert_eq!(a.status, 413, "{}", String::from_utf8_lossy(&a.body));
        let v = a.json();
        assert_eq!(v["field"], "payload", "{v}");
        assert_eq!(v["code"], "payload_too_large", "{v}");
    }
    assert_eq!(t.count().await, before, "an over-large record was written");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idempotency_keys_belong_to_their_caller() {
    let s = stack(config("hardening-idem")).await;
    let alice = s.token("alice", &["logs:write"]);
    let bob = s.token("bob", &["logs:write"]);
    let key = [("Idempotency-Key", "shared-key-1")];
    let a_body = body("audit", "from alice");
    let first = post(s.edge, &alice, &a_body, &key).await;
    assert_eq!(first.status, 201);
    let alice_id = first.json()["id"].as_str().unwrap().to_owned();

    // Bob cannot block Alice's key with a 409...
    let bob_other = post(s.edge, &bob, &body("audit", "from bob"), &key).await;
    assert_eq!(
        bob_other.status,
        201,
        "{}",
        String::from_utf8_lossy(&bob_other.body)
    );
    assert_eq!(bob_other.header("idempotency-replayed"), None);
    // ...nor learn what Alice wrote: the same body is a new record of his.
    let bob_same = post(
        s.edge,
        &bob,
        &a_body,
        &[("Idempotency-Key", "shared-key-2")],
    )
    .await;
    assert_eq!(bob_same.status, 201);
    let bob_probe = post(s.edge, &bob, &a_body, &key).await;
    assert_eq!(bob_probe.status, 409, "bob's own key, another body of his");

    // Alice's own retries behave as before.
    let retry = post(s.edge, &alice, &a_body, &key).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.header("idempotency-replayed"), Some("true"));
    assert_eq!(retry.json()["id"], alice_id.as_str());
    let conflict = post(s.edge, &alice, &body("audit", "changed"), &key).await;
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.json()["field"], "idempotency-key");
    // The hash covers the body as received: the same JSON spaced otherwise
    // is another request.
    let spaced = post(s.edge, &alice, &a_body.replace(':', ": "), &key).await;
    assert_eq!(spaced.status, 409);
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cursors_expire_and_foreign_ones_are_refused() {
    let mut config = config("hardening-cursor");
    config.cursor_ttl = Duration::from_secs(1);
    let s = stack(config).await;
    let (read, write) = (s.token("r", &["logs:read"]), s.token("w", &["logs:write"]));
    for i in 0..3 {
        assert_eq!(
            post(s.edge, &write, &body("t", &i.to_string()), &[])
                .await
                .status,
            201
        );
    }
    let page = get(s.edge, "/stats?limit=1", Some(&read)).await.json();
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let fresh = get(
        s.edge,
        &format!("/stats?limit=1&cursor={cursor}"),
        Some(&read),
    )
    .await;
    assert_eq!(fresh.status, 200);

    // A cursor of another deployment (another key) is not one of this listing.
    let other = secure_serverless::cursor::CursorKey::new(&[1u8; 32])
        .unwrap()
        .seal("anything", &json!({"before": "x"}))
        .unwrap();
    let foreign = get(s.edge, &format!("/stats?cursor={other}"), Some(&read)).await;
    assert_eq!(foreign.status, 400);
    assert_eq!(foreign.json()["code"], "invalid_cursor");
    assert_eq!(foreign.json()["field"], "cursor");

    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let expired = get(
        s.edge,
        &format!("/stats?limit=1&cursor={cursor}"),
        Some(&read),
    )
    .await;
    assert_eq!(
        expired.status,
        400,
        "{}",
        String::from_utf8_lossy(&expired.body)
    );
    let v = expired.json();
    assert_eq!(v["code"], "cursor_expired", "{v}");
    assert_eq!(v["field"], "cursor");
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stack_keeps_its_secrets_and_state_to_itself() {
    let s = stack(config("hardening-local")).await;
    // A private state directory with a name no one can predict.
    let dir = s.state_dir().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
    }
    assert_ne!(dir, std::env::temp_dir().join("secure-serverless-local"));
    // Debug shows neither the origin secret nor the token-signing key.
    let debug = format!("{s:?}");
    assert!(!debug.contains(&s.origin_secret()), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");

    // The API listener called directly with ever new identities: its
    // authorizer cache stays bounded.
    let n = local_stack::bounded::MAX_ENTRIES + 500;
    let api = s.api;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..16 {
        tasks.spawn(async move {
            for i in (worker..n).step_by(16) {
                let secret = format!("guess-{i}");
                let req = request(
                    "GET",
                    "/stats",
                    &[
                        ("X-Origin-Verify", secret.as_str()),
                        ("Authorization", "Bearer x"),
                    ],
                    b"",
                );
                let a = raw(api, &req, None).await;
                assert_eq!(a.status, 403);
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let entries = s.authorizer_cache_entries();
    assert!(
        entries <= local_stack::bounded::MAX_ENTRIES,
        "{entries} cached decisions after {n} identities"
    );
    s.shutdown().await;
    assert!(!dir.exists(), "the state directory outlived the stack");

    // A state directory others can open is refused.
    let open_dir = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(open_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut c = config("hardening-open-dir");
        c.state_dir = Some(open_dir.path().to_owned());
        let err = local_stack::Stack::start(c, test_support::client().await)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("0700"), "{err}");
    }
}
