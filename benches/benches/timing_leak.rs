//! Timing-leak check of the secret-header comparison, by the dudect method
//! (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", 2017):
//! time the function on two input classes drawn at random, here "equal to
//! the accepted secret" and "differs at byte 0", and run Welch's t-test on
//! the two timing distributions, raw and cropped at several percentiles
//! (the largest |t| is reported). |t| > 5 is the usual verdict "leaks".
//!
//! The same inputs go through a naive `==` to prove the harness sees a leak
//! when there is one. (The dudect-bencher crate does the same, but pulls
//! clap 2 and atty, which carry open RustSec advisories.)
//!
//!     cargo bench -p secure-serverless-benches --bench timing_leak
//!     SAMPLES=20000000 cargo bench ...   # a longer run
//!     TIMING_LEAK_SAME_CONTENT=1 cargo bench ...   # both classes equal: the noise floor
use std::hint::black_box;
use std::time::Instant;

use secure_serverless::secret::AcceptedSecrets;
use secure_serverless_benches::naive_eq;

/// Calls timed per sample, to lift each sample well above the timer's
/// resolution.
const BATCH: usize = 4;
/// Page size, for placing the two class inputs (see `main`).
const PAGE: usize = 4096;

struct XorShift(u64);
impl XorShift {
    fn bit(&mut self) -> bool {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 & 1 == 1
    }
}

#[derive(Default)]
struct Welford {
    n: f64,
    mean: f64,
    m2: f64,
}
impl Welford {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }
    fn var(&self) -> f64 {
        self.m2 / (self.n - 1.0)
    }
}

fn welch_t(a: &Welford, b: &Welford) -> f64 {
    (a.mean - b.mean) / (a.var() / a.n + b.var() / b.n).sqrt()
}

/// Max |t| over the raw samples and percentile crops, and the class means.
fn t_test(samples: &[(bool, u64)]) -> (f64, f64, f64) {
    let mut sorted: Vec<u64> = samples.iter().map(|s| s.1).collect();
    sorted.sort_unstable();
    let mut crops: Vec<u64> = [0.5, 0.75, 0.9, 0.95, 0.99]
        .iter()
        .map(|p| sorted[((sorted.len() as f64) * p) as usize])
        .collect();
    crops.push(u64::MAX);
    let mut worst = 0.0f64;
    let (mut means_a, mut means_b) = (0.0, 0.0);
    for limit in crops {
        let (mut a, mut b) = (Welford::default(), Welford::default());
        for &(class, t) in samples.iter().filter(|s| s.1 <= limit) {
            if class {
                a.push(t as f64)
            } else {
                b.push(t as f64)
            }
        }
        let t = welch_t(&a, &b);
        if t.abs() > worst.abs() || worst == 0.0 {
            worst = t;
            (means_a, means_b) = (a.mean, b.mean);
        }
    }
    (worst, means_a, means_b)
}

fn measure(
    samples: usize,
    f: impl Fn(&[u8]) -> bool,
    equal: &[u8],
    differs: &[u8],
) -> Vec<(bool, u64)> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let class = rng.bit();
        let input = if class { equal } else { differs };
        let start = Instant::now();
        for _ in 0..BATCH {
            black_box(f(black_box(input)));
        }
        out.push((class, start.elapsed().as_nanos() as u64));
    }
    out
}

fn main() {
    let samples: usize = std::env::var("SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4_000_000);
    // A long header value makes a naive comparison's early exit easy to see.
    let secret: Vec<u8> = (0..1024).map(|i| b'a' + (i % 26) as u8).collect();
    // The two class inputs sit 4 KiB apart in one buffer, page-aligned: the
    // same alignment and page offset, so an address effect (a load that
    // splits a cache line, 4K aliasing) cannot tell them apart. In separate
    // allocations they could: a control run with *identical* contents in
    // two `Vec`s reached max |t| of 69-157.
    let mut arena = vec![0u8; 3 * PAGE];
    let base = arena.as_ptr().align_offset(PAGE);
    let slot = |i: usize| base + i * PAGE..base + i * PAGE + secret.len();
    arena[slot(0)].copy_from_slice(&secret);
    arena[slot(1)].copy_from_slice(&secret);
    if std::env::var_os("TIMING_LEAK_SAME_CONTENT").is_none() {
        arena[base + PAGE] = b'#';
    }
    let (equal, differs) = (&arena[slot(0)], &arena[slot(1)]);
    let accepted = AcceptedSecrets::new(
        &String::from_utf8(secret.clone()).unwrap().into(),
        Some(&"previous-version-of-the-origin-secret".to_owned().into()),
    )
    .unwrap();

    println!(
        "timing-leak check, {samples} samples per function, classes: equal vs differs at byte 0 (1 KiB secret)"
    );
    // For benches/summary.py: timing-leak.json, `{"samples": N, "ours": t,
    // "naive": t}`, when BENCH_OUT names a directory.
    let mut results = Vec::new();
    for (name, f) in [
        (
            "AcceptedSecrets::verify (ours)",
            Box::new(|x: &[u8]| accepted.verify(x).is_some()) as Box<dyn Fn(&[u8]) -> bool>,
        ),
        (
            "naive == (control)",
            Box::new(|x: &[u8]| naive_eq(x, &secret)),
        ),
    ] {
        let s = measure(samples, f, equal, differs);
        let (t, a, b) = t_test(&s);
        let verdict = if t.abs() < 5.0 {
            "no leak detected"
        } else {
            "LEAKS"
        };
        println!(
            "  {name:34} max |t| = {:8.2}  mean ns/{BATCH} calls: equal {a:.0}, differs {b:.0}  -> {verdict}",
            t.abs()
        );
        results.push(t.abs());
    }
    if let Some(dir) = std::env::var_os("BENCH_OUT") {
        let path = std::path::Path::new(&dir).join("timing-leak.json");
        let json = format!(
            r#"{{"samples": {samples}, "ours": {:.3}, "naive": {:.3}}}"#,
            results[0], results[1]
        );
        std::fs::write(&path, json + "\n").expect("BENCH_OUT is a writable directory");
    }
}
