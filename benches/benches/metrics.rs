//! What a security metric costs: one count on the hot path, and the
//! once-per-invocation flush (rendering a typical invocation's EMF lines).
//! Allocations are counted by `benches/benches/metrics_alloc.rs`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use secure_serverless::metrics::{Invocation, Metric, MetricsConfig, Recorder};

fn bench(c: &mut Criterion) {
    let recorder = Recorder::new();
    c.bench_function("metrics: count one metric", |b| {
        b.iter(|| recorder.count(black_box(Metric::TokenSignature)))
    });
    let config = MetricsConfig::new("SecureServerless", "logs-authorizer").unwrap();
    let invocation = Invocation {
        request_id: "8f5a1c2e-0000-4000-8000-000000000001",
        trace_id: Some(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        ),
        timestamp_ms: 1_733_390_000_000,
    };
    // A denied request: its decision, its reason, a key refresh (3 lines).
    c.bench_function(
        "metrics: flush one invocation (3 metrics, 3 EMF lines)",
        |b| {
            b.iter(|| {
                recorder.count(Metric::DecisionUnauthorized);
                recorder.count(Metric::TokenSignature);
                recorder.count(Metric::JwksRefreshed);
                black_box(recorder.take_lines(&config, &invocation))
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
