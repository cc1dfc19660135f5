//! Sanitiser throughput, side by side with bare ammonia on the same
//! allow-list, and the nesting-bomb answer time.
use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use secure_serverless::sanitize::Sanitizer;
use secure_serverless::testing::SanitizerOracle;
use secure_serverless_benches::*;

fn sanitize(c: &mut Criterion) {
    let ours = Sanitizer::default();
    let bare = bare_ammonia_bleach_compatible();

    let text = log_text(64 * 1024);
    let mut g = c.benchmark_group("markup-free log text 64 KiB");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("ours (fast path)", |b| {
        b.iter(|| ours.clean(black_box(&text)).unwrap())
    });
    g.bench_function("ours without fast path", |b| {
        b.iter(|| ours.clean_without_fast_path(black_box(&text)).unwrap())
    });
    g.bench_function("bare ammonia", |b| {
        b.iter(|| bare.clean(black_box(&text)).to_string())
    });
    g.finish();

    let total: usize = FRAGMENTS.iter().map(|f| f.len()).sum();
    let mut g = c.benchmark_group("short mixed fragments");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("ours", |b| {
        b.iter(|| {
            for f in FRAGMENTS {
                black_box(ours.clean(black_box(f)).unwrap());
            }
        })
    });
    g.bench_function("bare ammonia", |b| {
        b.iter(|| {
            for f in FRAGMENTS {
                black_box(bare.clean(black_box(f)).to_string());
            }
        })
    });
    g.finish();

    for (name, doc) in [
        ("allowed markup", rich_document(64 * 1024)),
        ("hostile markup", hostile_document(64 * 1024)),
    ] {
        let mut g = c.benchmark_group(format!("64 KiB document, {name}"));
        g.throughput(Throughput::Bytes(doc.len() as u64));
        g.sample_size(30);
        g.bench_with_input(BenchmarkId::new("ours", doc.len()), &doc, |b, d| {
            b.iter(|| ours.clean(black_box(d)).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("bare ammonia", doc.len()), &doc, |b, d| {
            b.iter(|| bare.clean(black_box(d)).to_string())
        });
        g.finish();
    }

    let bomb = nesting_bomb(64 * 1024);
    c.bench_function(
        "64 KiB nesting bomb, ours (refused by the depth guard)",
        |b| b.iter(|| ours.clean(black_box(&bomb)).unwrap_err()),
    );
    // Bare ammonia parses the bomb: seconds, so timed once, not sampled.
    let t = Instant::now();
    black_box(bare.clean(&bomb).to_string());
    let ms = t.elapsed().as_secs_f64() * 1e3;
    println!("64 KiB nesting bomb, bare ammonia (one run): {ms:.0} ms");
    // For benches/summary.py, when BENCH_OUT names a directory.
    if let Some(dir) = std::env::var_os("BENCH_OUT") {
        let path = std::path::Path::new(&dir).join("nesting-bomb.json");
        std::fs::write(path, format!("{{\"bare_ammonia_ms\": {ms:.1}}}\n"))
            .expect("BENCH_OUT is a writable directory");
    }
}

criterion_group!(benches, sanitize);
criterion_main!(benches);
