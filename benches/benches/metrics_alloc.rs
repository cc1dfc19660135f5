//! Allocations of the security metrics, counted by dhat's heap profiler:
//! counting must allocate nothing (it runs on the authorizer's hot path);
//! the flush allocates its lines. Writes `metrics-alloc.json` under
//! `BENCH_OUT` for the bench summary.

use secure_serverless::metrics::{Invocation, Metric, MetricsConfig, Recorder};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const COUNTS: u64 = 1_000_000;

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let recorder = Recorder::new();
    let config = MetricsConfig::new("SecureServerless", "logs-authorizer").unwrap();
    let invocation = Invocation {
        request_id: "8f5a1c2e-0000-4000-8000-000000000001",
        trace_id: Some(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        ),
        timestamp_ms: 1_733_390_000_000,
    };

    let before = dhat::HeapStats::get().total_blocks;
    for i in 0..COUNTS {
        recorder.count(if i % 2 == 0 {
            Metric::TokenSignature
        } else {
            Metric::DecisionUnauthorized
        });
    }
    let counting = dhat::HeapStats::get().total_blocks - before;

    let before = dhat::HeapStats::get().total_blocks;
    let lines = recorder.take_lines(&config, &invocation);
    let flush = dhat::HeapStats::get().total_blocks - before;
    assert_eq!(lines.lines().count(), 2);

    println!(
        "metrics: {COUNTS} counts allocated {counting} blocks; one flush (2 lines) {flush} blocks"
    );
    if let Some(dir) = std::env::var_os("BENCH_OUT") {
        let json = format!(
            "{{\"counts\": {COUNTS}, \"count_blocks\": {counting}, \"flush_blocks\": {flush}}}\n"
        );
        std::fs::write(std::path::Path::new(&dir).join("metrics-alloc.json"), json)
            .expect("write metrics-alloc.json");
    }
    assert_eq!(counting, 0, "counting a metric allocated");
}
