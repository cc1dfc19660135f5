//! Log-entry parse + validate + sanitise, and policy build + serialise +
//! evaluate.
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secure_serverless::arn::MethodArn;
use secure_serverless::log_entry::LogEntryParser;
use secure_serverless::policy::PolicyBuilder;
use secure_serverless::sanitize::Sanitizer;

fn bench(c: &mut Criterion) {
    let parser = LogEntryParser::new(Sanitizer::default());
    let mut g = c.benchmark_group("log entry parse + validate + sanitise");
    for (name, payload) in [
        ("1 KiB text", "x".repeat(1024)),
        (
            "1 KiB markup",
            "<b>deploy</b> finished, <i>see</i> <a href=\\\"https://example.com\\\">log</a>. "
                .repeat(14),
        ),
    ] {
        let body = format!(r#"{{"type":"deploy.finished","payload":"{payload}"}}"#);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| parser.parse(black_box(body.as_bytes())).unwrap())
        });
    }
    g.finish();

    let base: MethodArn = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/stats"
        .parse()
        .unwrap();
    let write = base.with_route("POST", "/log");
    c.bench_function("policy build + serialise (2 statements, context)", |b| {
        b.iter(|| {
            let p = PolicyBuilder::new("alice")
                .allow(black_box(&base))
                .deny(black_box(&write))
                .context("scope", "logs:read")
                .build()
                .unwrap();
            serde_json::to_string(&p.rest_response()).unwrap()
        })
    });
    let policy = PolicyBuilder::new("alice")
        .allow("arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/*")
        .deny(&write)
        .build()
        .unwrap();
    c.bench_function("policy evaluate (wildcards, explicit deny)", |b| {
        b.iter(|| policy.evaluate(black_box(&base)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
