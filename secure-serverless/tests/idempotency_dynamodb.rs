//! The idempotency layer on DynamoDB Local, line by line of its guarantees
//! (the table in `secure_serverless::idempotency`): concurrency, a handler
//! that panics or times out, and a store that fails around the handler.
//! Each "sandbox" is its own `Idempotent` (its own memory), as concurrent
//! Lambda invocations are.
#![cfg(all(feature = "idempotency", feature = "repository", feature = "apigw"))]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use lambda_runtime::tower::{Layer, Service, ServiceExt, service_fn};
use lambda_runtime::{Context, LambdaEvent};
#[cfg(feature = "idempotency_http")]
use secure_serverless::apigw::json_response;
use secure_serverless::idempotency::{
    Begin, Claim, DynamoStore, IdempotencyConfig, IdempotencyError, IdempotencyKey,
    IdempotencyLayer, IdempotencyStore, Idempotent, KeyFrom, Outcome, RunError, StoreError,
};
use secure_serverless::repository::Repository;
use serde_json::{Value, json};
use test_support::TestTable;

type Never = std::convert::Infallible;

async fn store() -> (DynamoStore, TestTable) {
    let client = test_support::client().await;
    let name = test_support::unique_table_name("idem");
    let store = DynamoStore::new(Repository::new(client.clone(), name.clone()));
    store.create_table().await.unwrap();
    (store, TestTable::adopt(client, name).await)
}

fn sandbox<St: IdempotencyStore>(store: St) -> Idempotent<St> {
    Idempotent::new(store, IdempotencyConfig::default())
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k, "alice", b"{\"amount\":3}").unwrap()
}

fn in_secs(s: f64) -> SystemTime {
    SystemTime::now() + Duration::from_secs_f64(s)
}

/// An invocation context whose deadline is five seconds away.
fn deadline_in_5s() -> Context {
    let mut context = Context::default();
    context.deadline = u64::try_from(
        in_secs(5.0)
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    context
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_run_the_handler_once_and_share_its_response() {
    let (store, _table) = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..100 {
        let (store, runs) = (store.clone(), runs.clone());
        tasks.spawn(async move {
            let idem = sandbox(store);
            idem.run(&key("k-100"), in_secs(20.0), || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(300)).await;
                Ok::<_, Never>(json!({"charged": 3, "by": i}))
            })
            .await
            .unwrap()
        });
    }
    let outcomes: Vec<Outcome<Value>> = tasks.join_all().await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let executed: Vec<&Outcome<Value>> = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Executed(_)))
        .collect();
    assert_eq!(executed.len(), 1);
    let first = executed[0].clone().into_response();
    for o in outcomes {
        assert_eq!(o.into_response(), first);
    }
}

/// A call that crashed (panic or timeout) left its claim; until the claim's
/// deadline no other call runs, after it exactly one of many does.
async fn exactly_one_retry_after_the_claim_lapses(store: &DynamoStore, k: &IdempotencyKey) {
    let runs = Arc::new(AtomicUsize::new(0));
    // Before the lapse: a call whose own deadline is near gives up, nothing runs.
    let early = sandbox(store.clone())
        .run(k, in_secs(0.7), || async {
            Ok::<_, Never>(json!("too early"))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            early,
            RunError::Idempotency(IdempotencyError::InProgress { .. })
        ),
        "{early:?}"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, runs, k) = (store.clone(), runs.clone(), k.clone());
        tasks.spawn(async move {
            sandbox(store)
                .run(&k, in_secs(10.0), || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok::<_, Never>(json!("retried"))
                })
                .await
                .unwrap()
                .into_response()
        });
    }
    let answers = tasks.join_all().await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(answers.iter().all(|a| *a == json!("retried")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_panics_leaves_a_claim_that_lapses_then_one_retry_runs() {
    let (store, _table) = store().await;
    let k = key("k-panic");
    let crashed = {
        let (store, k) = (store.clone(), k.clone());
        tokio::spawn(async move {
            sandbox(store)
                .run(&k, in_secs(1.5), || async {
                    if true {
                        panic!("handler crashed");
                    }
                    Ok::<_, Never>(json!("never"))
                })
                .await
        })
    };
    assert!(crashed.await.unwrap_err().is_panic());
    exactly_one_retry_after_the_claim_lapses(&store, &k).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_times_out_leaves_a_claim_that_lapses_then_one_retry_runs() {
    let (store, _table) = store().await;
    let k = key("k-timeout");
    let idem = sandbox(store.clone());
    let timed_out = tokio::time::timeout(
        Duration::from_millis(200),
        idem.run(&k, in_secs(1.5), || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, Never>(json!("never"))
        }),
    )
    .await;
    assert!(timed_out.is_err());
    exactly_one_retry_after_the_claim_lapses(&store, &k).await;
}

/// A DynamoDB store whose `begin` or `complete` fails a set number of times.
#[derive(Debug, Clone)]
struct Faulty {
    inner: DynamoStore,
    failing_begins: Arc<AtomicUsize>,
    failing_completes: Arc<AtomicUsize>,
    completes: Arc<AtomicUsize>,
}

impl Faulty {
    fn new(inner: DynamoStore, begins: usize, completes: usize) -> Self {
        Faulty {
            inner,
            failing_begins: Arc::new(AtomicUsize::new(begins)),
            failing_completes: Arc::new(AtomicUsize::new(completes)),
            completes: Arc::new(AtomicUsize::new(0)),
        }
    }
}

fn take_one(n: &AtomicUsize) -> bool {
    n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1))
        .is_ok()
}

fn outage() -> StoreError {
    StoreError::Unavailable("injected outage".into())
}

impl IdempotencyStore for Faulty {
    async fn begin(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        now: SystemTime,
    ) -> Result<Begin, StoreError> {
        if take_one(&self.failing_begins) {
            return Err(outage());
        }
        self.inner.begin(key, claim, now).await
    }
    async fn complete(
        &self,
        key: &IdempotencyKey,
        claim: &Claim,
        response: &str,
    ) -> Result<bool, StoreError> {
        self.completes.fetch_add(1, Ordering::SeqCst);
        if take_one(&self.failing_completes) {
            return Err(outage());
        }
        self.inner.complete(key, claim, response).await
    }
    async fn release(&self, key: &IdempotencyKey, claim: &Claim) -> Result<(), StoreError> {
        self.inner.release(key, claim).await
    }
}

#[tokio::test]
async fn a_store_down_before_the_claim_runs_nothing() {
    let (store, _table) = store().await;
    let runs = AtomicUsize::new(0);
    let err = sandbox(Faulty::new(store, 1, 0))
        .run(&key("k"), in_secs(5.0), || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Never>(json!(1))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, RunError::Idempotency(IdempotencyError::Store(ref e)) if e.is_retryable())
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_store_that_fails_once_when_the_response_is_stored_loses_nothing() {
    let (store, _table) = store().await;
    let runs = AtomicUsize::new(0);
    let faulty = Faulty::new(store.clone(), 0, 1);
    let k = key("k-flaky");
    let handler = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Never>(json!({"n": 1}))
    };
    let first = sandbox(faulty.clone())
        .run(&k, in_secs(5.0), handler)
        .await
        .unwrap();
    assert_eq!(first, Outcome::Executed(json!({"n": 1})));
    assert_eq!(faulty.completes.load(Ordering::SeqCst), 2, "retried once");
    // Another sandbox: the stored response, no second execution.
    let second = sandbox(store).run(&k, in_secs(5.0), handler).await.unwrap();
    assert_eq!(second, Outcome::Replayed(json!({"n": 1})));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_store_down_after_the_handler_returns_the_response_and_holds_the_key_until_the_deadline()
{
    let (store, _table) = store().await;
    let runs = AtomicUsize::new(0);
    let k = key("k-down");
    let handler = || async {
        let n = runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Never>(json!({"run": n}))
    };
    // 1. The caller gets the handler's response: it is not lost.
    let first = sandbox(Faulty::new(store.clone(), 0, usize::MAX))
        .run(&k, in_secs(1.5), handler)
        .await
        .unwrap();
    assert_eq!(first, Outcome::Unrecorded(json!({"run": 0})));
    // 2. Until the claim's deadline, no other call runs the handler.
    let early = sandbox(store.clone())
        .run(&k, in_secs(0.7), handler)
        .await
        .unwrap_err();
    assert!(matches!(
        early,
        RunError::Idempotency(IdempotencyError::InProgress { .. })
    ));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // 3. After it, the next call runs the handler again (the documented limit
    //    of a layer whose store is down after the effect).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let later = sandbox(store).run(&k, in_secs(5.0), handler).await.unwrap();
    assert_eq!(later, Outcome::Executed(json!({"run": 1})));
}

#[tokio::test]
async fn a_completed_key_is_forgotten_when_it_expires() {
    let (store, _table) = store().await;
    let idem = Idempotent::new(
        store,
        IdempotencyConfig::default()
            .expires_after(Duration::from_secs(1))
            .local_cache(0),
    );
    let runs = AtomicUsize::new(0);
    let handler = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Never>(json!(1))
    };
    idem.run(&key("k-exp"), in_secs(5.0), handler)
        .await
        .unwrap();
    idem.run(&key("k-exp"), in_secs(5.0), handler)
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // TTL deletes late; the store treats an expired record as absent.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    idem.run(&key("k-exp"), in_secs(5.0), handler)
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// A REST API request as the runtime hands it to a `lambda_http` handler:
/// the event JSON through `lambda_http`'s conversion, the caller as a REST
/// Lambda authorizer names it (`principalId`).
#[cfg(feature = "idempotency_http")]
fn rest_request(
    key: Option<&str>,
    body: &str,
    principal: Option<&str>,
    query: &[(&str, &str)],
) -> lambda_http::Request {
    let mut multi_query = serde_json::Map::new();
    for (k, v) in query {
        multi_query
            .entry(k.to_string())
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .unwrap()
            .push(json!(v));
    }
    let headers = match key {
        Some(k) => json!({"idempotency-key": [k]}),
        None => json!({}),
    };
    let authorizer = match principal {
        Some(p) => json!({"principalId": p}),
        None => json!({}),
    };
    let event = json!({
        "resource": "/orders", "path": "/orders", "httpMethod": "POST",
        "headers": {}, "multiValueHeaders": headers,
        "queryStringParameters": null, "multiValueQueryStringParameters": multi_query,
        "requestContext": {"stage": "prod", "httpMethod": "POST", "resourcePath": "/orders", "authorizer": authorizer},
        "body": body, "isBase64Encoded": false
    });
    let mut req = lambda_http::request::from_str(&event.to_string()).unwrap();
    let context = deadline_in_5s();
    req.extensions_mut().insert(context);
    req
}

#[cfg(feature = "idempotency_http")]
#[tokio::test]
async fn the_http_layer_replays_a_rest_answer_byte_for_byte() {
    use lambda_http::Request;
    use secure_serverless::idempotency::HttpIdempotencyLayer;

    let (store, _table) = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let inner = {
        let runs = runs.clone();
        service_fn(move |req: Request| {
            let runs = runs.clone();
            async move {
                let n = runs.fetch_add(1, Ordering::SeqCst);
                let body = String::from_utf8_lossy(req.body().as_ref()).into_owned();
                let mut r = json_response(201, &json!({"order": n, "body": body}));
                r.headers_mut()
                    .insert("x-order", n.to_string().parse().unwrap());
                Ok::<_, std::convert::Infallible>(r)
            }
        })
    };
    let layer = HttpIdempotencyLayer::new(
        store,
        IdempotencyConfig::default().local_cache(0),
        KeyFrom::<Request>::http_header("Idempotency-Key"),
    );
    let svc = layer.layer(inner);
    let call = |req: Request| {
        let svc = svc.clone();
        async move { svc.oneshot(req).await.unwrap() }
    };

    let first = call(rest_request(Some("o-1"), "{\"n\":1}", Some("alice"), &[])).await;
    let again = call(rest_request(Some("o-1"), "{\"n\":1}", Some("alice"), &[])).await;
    assert_eq!(first.status(), 201);
    assert_eq!(
        (again.status(), again.headers(), again.body()),
        (first.status(), first.headers(), first.body())
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Same key, another body: 409 naming the header, nothing runs.
    let conflict = call(rest_request(Some("o-1"), "{\"n\":2}", Some("alice"), &[])).await;
    assert_eq!(conflict.status(), 409);
    assert!(format!("{:?}", conflict.body()).contains("idempotency_conflict"));
    // Another caller's same key is another key.
    let bob = call(rest_request(Some("o-1"), "{\"n\":1}", Some("bob"), &[])).await;
    assert_eq!(bob.status(), 201);
    // A key without a caller: 400; no key: runs as usual.
    let anonymous = call(rest_request(Some("o-1"), "{}", None, &[])).await;
    assert_eq!(anonymous.status(), 400);
    assert!(format!("{:?}", anonymous.body()).contains("idempotency_key_needs_caller"));
    call(rest_request(None, "{}", None, &[])).await;
    call(rest_request(None, "{}", None, &[])).await;
    assert_eq!(runs.load(Ordering::SeqCst), 4);
}

/// The `lambda_runtime` layer on any event: the key from JSON fields, the
/// caller from another, replayed from DynamoDB.
#[tokio::test]
async fn the_runtime_layer_replays_a_json_event_answer() {
    let (store, _table) = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let inner = {
        let runs = runs.clone();
        service_fn(move |e: LambdaEvent<Value>| {
            let runs = runs.clone();
            async move {
                let n = runs.fetch_add(1, Ordering::SeqCst);
                Ok::<_, lambda_runtime::Error>(json!({"charge": n, "amount": e.payload["amount"]}))
            }
        })
    };
    let layer = IdempotencyLayer::new(
        store,
        IdempotencyConfig::default().local_cache(0),
        KeyFrom::json_fields(&["/order_id"], &["/amount"], Some("/customer")),
        |e| json!({"error": e.to_string()}),
    );
    let mut svc = layer.layer(inner);
    let mut call = async |payload: Value| {
        let context = deadline_in_5s();
        svc.ready()
            .await
            .unwrap()
            .call(LambdaEvent::new(payload, context))
            .await
            .unwrap()
    };
    let order = json!({"order_id": "o-9", "amount": 5, "customer": "alice"});
    let first = call(order.clone()).await;
    assert_eq!(call(order).await, first);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let other = call(json!({"order_id": "o-9", "amount": 500, "customer": "alice"})).await;
    assert!(
        other["error"].as_str().unwrap().contains("different"),
        "{other}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// The effect an atomic commit writes: any item of the store's table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Order {
    pk: String,
    sk: String,
    amount: u32,
}

impl secure_serverless::repository::Item for Order {
    const KEYS: secure_serverless::repository::KeySchema =
        secure_serverless::idempotency::IDEMPOTENCY_TABLE.keys;
}

#[tokio::test]
async fn an_atomic_commit_writes_its_effect_once_and_restores_a_lost_one() {
    let (store, table) = store().await;
    let repo = store.repository().clone();
    let idem = Idempotent::new(store, IdempotencyConfig::default().local_cache(0));
    let order = Order {
        pk: "ORDER#17".into(),
        sk: "ORDER".into(),
        amount: 3,
    };
    let k = key("k-atomic");
    let first = idem
        .commit(&k, &json!({"order": 17}), &order)
        .await
        .unwrap();
    assert_eq!(first, Outcome::Executed(json!({"order": 17})));
    // A retry writes nothing: the first response; a second effect would be
    // refused anyway (create-only), and none is attempted.
    let again = idem
        .commit(&k, &json!({"order": "other"}), &order)
        .await
        .unwrap();
    assert_eq!(again, Outcome::Replayed(json!({"order": 17})));
    // Another request with the key: a conflict, nothing written.
    let other = IdempotencyKey::new("k-atomic", "alice", b"{\"amount\":4}").unwrap();
    let conflict = idem.commit(&other, &json!(0), &order).await.unwrap_err();
    assert!(matches!(
        conflict,
        secure_serverless::idempotency::CommitError::Idempotency(IdempotencyError::Conflict)
    ));
    // A store that lost the effect (not atomic: DynamoDB Local killed
    // mid-transaction): the replay puts it back before answering.
    table
        .client
        .delete_item()
        .table_name(&table.name)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("ORDER#17".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("ORDER".into()),
        )
        .send()
        .await
        .unwrap();
    let replay = idem.commit(&k, &json!(null), &order).await.unwrap();
    assert_eq!(replay, Outcome::Replayed(json!({"order": 17})));
    let back: Order = repo.get("ORDER#17", Some("ORDER")).await.unwrap();
    assert_eq!(back, order);
}

#[tokio::test]
async fn a_sandbox_forgets_a_replayed_key_when_its_record_expires() {
    let (store, _table) = store().await;
    let config = IdempotencyConfig::default().expires_after(Duration::from_secs(2));
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = || {
        let runs = runs.clone();
        async move {
            let n = runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Never>(json!({"run": n}))
        }
    };
    let start = std::time::Instant::now();
    let a = Idempotent::new(store.clone(), config);
    let b = Idempotent::new(store, config);
    let k = key("k-forget");
    assert_eq!(
        a.run(&k, in_secs(5.0), handler).await.unwrap(),
        Outcome::Executed(json!({"run": 0}))
    );
    // Sandbox B learns the key from the store 1.5 s later...
    tokio::time::sleep(Duration::from_millis(1500).saturating_sub(start.elapsed())).await;
    assert_eq!(
        b.run(&k, in_secs(5.0), handler).await.unwrap(),
        Outcome::Replayed(json!({"run": 0}))
    );
    // ...and forgets it with the record (2 s after the first run, DynamoDB's
    // whole seconds rounding included), not 2 s after its own replay.
    tokio::time::sleep(Duration::from_millis(3200).saturating_sub(start.elapsed())).await;
    assert_eq!(
        b.run(&k, in_secs(5.0), handler).await.unwrap(),
        Outcome::Executed(json!({"run": 1}))
    );
}

#[cfg(feature = "idempotency_http")]
#[tokio::test]
async fn the_query_string_is_part_of_the_request() {
    use lambda_http::Request;
    use secure_serverless::idempotency::HttpIdempotencyLayer;

    let (store, _table) = store().await;
    let layer = HttpIdempotencyLayer::new(
        store,
        IdempotencyConfig::default().local_cache(0),
        KeyFrom::<Request>::http_header("idempotency-key"),
    );
    let svc = layer.layer(service_fn(|_: Request| async {
        Ok::<_, std::convert::Infallible>(json_response(201, &json!({"ok": true})))
    }));
    let call = |q: &[(&str, &str)]| {
        let svc = svc.clone();
        let req = rest_request(Some("pay-1"), "{}", Some("alice"), q);
        async move { svc.oneshot(req).await.unwrap().status() }
    };
    assert_eq!(call(&[("amount", "5"), ("to", "bob")]).await, 201);
    // The same parameters in another order: the same request, a replay.
    assert_eq!(call(&[("to", "bob"), ("amount", "5")]).await, 201);
    // Another amount with the same key and body: a conflict, never a replay.
    assert_eq!(call(&[("amount", "500"), ("to", "bob")]).await, 409);
}

/// The lambda_http layer: a handler's status, headers and body come back
/// byte for byte; the caller comes from the request's authorizer claims.
#[cfg(feature = "idempotency_http")]
#[tokio::test]
async fn the_http_layer_replays_a_lambda_http_answer_byte_for_byte() {
    use aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
        ApiGatewayV2httpRequestContext,
    };
    use lambda_http::request::RequestContext;
    use lambda_http::{Body, Request, RequestExt as _, Response};
    use secure_serverless::idempotency::HttpIdempotencyLayer;

    let (store, _table) = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = {
        let runs = runs.clone();
        service_fn(move |req: Request| {
            let runs = runs.clone();
            async move {
                let n = runs.fetch_add(1, Ordering::SeqCst);
                let body = match req.body() {
                    Body::Text(t) => t.clone(),
                    _ => String::new(),
                };
                Ok::<_, std::convert::Infallible>(
                    Response::builder()
                        .status(201)
                        .header("x-order", n.to_string())
                        .header("content-type", "application/json")
                        .body(Body::Text(format!("{{\"order\":{n},\"echo\":{body}}}")))
                        .unwrap(),
                )
            }
        })
    };
    let layer = HttpIdempotencyLayer::new(
        store,
        IdempotencyConfig::default().local_cache(0),
        KeyFrom::<Request>::http_header("Idempotency-Key"),
    );
    let svc = layer.layer(handler);
    let request = |key: Option<&str>, body: &str, sub: Option<&str>| -> Request {
        let mut b = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/orders?x=1");
        if let Some(k) = key {
            b = b.header("idempotency-key", k);
        }
        let req = b.body(Body::Text(body.to_owned())).unwrap();
        let Some(sub) = sub else { return req };
        let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
        jwt.claims.insert("sub".into(), sub.into());
        jwt.claims
            .insert("iss".into(), "https://issuer.example".into());
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(jwt);
        let mut ctx = ApiGatewayV2httpRequestContext::default();
        ctx.authorizer = Some(authorizer);
        req.with_request_context(RequestContext::ApiGatewayV2(ctx))
    };
    let call = |req: Request| {
        let svc = svc.clone();
        async move { svc.oneshot(req).await.unwrap() }
    };
    let first = call(request(Some("o-1"), "{\"n\":1}", Some("alice"))).await;
    let again = call(request(Some("o-1"), "{\"n\":1}", Some("alice"))).await;
    assert_eq!(first.status(), 201);
    assert_eq!(
        (again.status(), again.headers(), again.body()),
        (first.status(), first.headers(), first.body())
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // Another body with the key: 409; another caller: another key.
    assert_eq!(
        call(request(Some("o-1"), "{\"n\":2}", Some("alice")))
            .await
            .status(),
        409
    );
    assert_eq!(
        call(request(Some("o-1"), "{\"n\":1}", Some("bob")))
            .await
            .status(),
        201
    );
    // No caller: 400; no key: runs as usual.
    assert_eq!(call(request(Some("o-1"), "{}", None)).await.status(), 400);
    call(request(None, "{}", None)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}
