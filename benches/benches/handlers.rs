//! The writer Lambda's own work per request, without the storage round trip:
//! deserialise the API Gateway event as the runtime does, pass the edge's
//! checks and `lambda_http`'s conversion, run the handler
//! (content type, idempotency key, body, parse, validate, sanitise, build the
//! record and its receipt) against a sink that stores nothing, serialise the
//! answer in the door's shape. The DynamoDB call itself is timed by the `repository` bench and,
//! end to end, by the cold-start harness (`benches/coldstart`).
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lambda_http::service_fn;
use lambda_runtime::{Context, LambdaEvent, Service as _};
use secure_serverless::apigw::{Edge, HttpEvent};
use secure_serverless::logs::{Appended, LogSink, NewRecord};
use secure_serverless::repository::RepoError;
use serde_json::{Value, json};

/// Accepts every record and stores nothing.
struct Discard;

impl LogSink for Discard {
    async fn append(
        &self,
        record: &NewRecord,
        _idempotency: Option<&secure_serverless::idempotency::IdempotencyKey>,
    ) -> Result<Appended, RepoError> {
        Ok(Appended::Created(record.receipt()))
    }
}

fn event_with(payload: &str, idempotency_key: bool) -> String {
    let path = format!(
        "{}/../examples/writer/events/post-log.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["body"] = json!(json!({"type": "deploy.finished", "payload": payload}).to_string());
    event["isBase64Encoded"] = json!(false);
    if idempotency_key {
        event["headers"]["Idempotency-Key"] = json!("bench-7f3c2a");
        event["multiValueHeaders"]["Idempotency-Key"] = json!(["bench-7f3c2a"]);
    }
    event.to_string()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let writer = writer::Writer::new(Discard, 64 * 1024);
    let mut edge = Edge::new(service_fn(|req| writer::handler(&writer, req)));
    let text = "2026-11-24T10:15:02Z level=info user=alice action=deploy status=ok\n".repeat(16)
        [..1024]
        .to_owned();
    let markup = "<b>deploy</b> finished, <i>see</i> <a href=\"https://example.com/r\">log</a>. "
        .repeat(14)[..1024]
        .to_owned();
    let mut g = c.benchmark_group("writer handler, 1 KiB payload, no storage");
    for (name, payload, key) in [
        ("text", &text, false),
        ("markup", &markup, false),
        ("markup + Idempotency-Key", &markup, true),
    ] {
        let event = event_with(payload, key);
        // The handler accepts it (and would store it).
        let req: HttpEvent = serde_json::from_str(&event).unwrap();
        let answer = rt
            .block_on(edge.call(LambdaEvent::new(req, Context::default())))
            .unwrap();
        assert_eq!(answer.status(), 201, "{name}: {:?}", answer.body());
        g.throughput(Throughput::Bytes(1024));
        g.bench_function(name, |b| {
            b.iter(|| {
                let req: HttpEvent = serde_json::from_str(black_box(&event)).unwrap();
                let answer = rt
                    .block_on(edge.call(LambdaEvent::new(req, Context::default())))
                    .unwrap();
                serde_json::to_vec(&answer).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
