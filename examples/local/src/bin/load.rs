//! A bounded load generator for the local stack (`benches/load/run`).
//!
//! `--concurrency` workers, each on one keep-alive HTTP/1.1 connection,
//! send requests until `--requests` have been sent in all or
//! `--max-seconds` have passed, whichever comes first. Writes are
//! `POST /log` with a small marked-up payload; reads are `GET /stats` (the
//! newest page). Prints one JSON object: throughput, latency percentiles,
//! answers by status, and the refusals that came without `Retry-After`
//! (a 429 or 503 must say when to come back; anything else is an error).
//! Loopback only: the target must be a `127.0.0.0/8` address.
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    Write,
    Read,
}

/// Load for the local stack's edge (or API) listener.
#[derive(Debug, Parser)]
struct Args {
    /// The listener, e.g. 127.0.0.1:8080 (loopback only).
    #[arg(long)]
    target: SocketAddr,
    /// `write` (POST /log) or `read` (GET /stats).
    #[arg(long, value_enum)]
    kind: Kind,
    /// A bearer token with the scope the kind needs.
    #[arg(long, env = "LOAD_TOKEN", hide_env_values = true)]
    token: String,
    /// Workers, each with its own connection (1 to 1024).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    concurrency: u16,
    /// Requests in all (1 to 1,000,000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    requests: u32,
    /// Stop sending after this long (1 to 600 s).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
    max_seconds: u64,
}

/// What one worker saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<u16, usize>,
    refused_without_retry_after: usize,
    transport_errors: usize,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        for (s, n) in other.statuses {
            *self.statuses.entry(s).or_default() += n;
        }
        self.refused_without_retry_after += other.refused_without_retry_after;
        self.transport_errors += other.transport_errors;
    }
}

/// The `p`-th percentile (nearest rank) of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn request(args: &Args, n: usize) -> Result<Request<Full<Bytes>>, Error> {
    let auth = format!("Bearer {}", args.token);
    let host = args.target.to_string();
    let req = match args.kind {
        Kind::Write => Request::post("/log")
            .header("host", host)
            .header("authorization", auth)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(format!(
                r#"{{"type":"load","payload":"<i>record</i> {n}"}}"#
            ))))?,
        Kind::Read => Request::get("/stats")
            .header("host", host)
            .header("authorization", auth)
            .body(Full::new(Bytes::new()))?,
    };
    Ok(req)
}

async fn connect(target: SocketAddr) -> Result<http1::SendRequest<Full<Bytes>>, Error> {
    let tcp = TcpStream::connect(target).await?;
    tcp.set_nodelay(true)?;
    let (send, conn) = http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    Ok(send)
}

async fn worker(args: Arc<Args>, next: Arc<AtomicUsize>, deadline: Instant) -> Tally {
    let mut tally = Tally::default();
    let mut conn = None;
    loop {
        let n = next.fetch_add(1, Ordering::Relaxed);
        if n >= args.requests as usize || Instant::now() >= deadline {
            return tally;
        }
        let Ok(req) = request(&args, n) else {
            tally.transport_errors += 1;
            continue;
        };
        let started = Instant::now();
        if conn.is_none() {
            conn = connect(args.target).await.ok();
        }
        let Some(send) = conn.as_mut() else {
            tally.transport_errors += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let answer = match send.send_request(req).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp.headers().contains_key("retry-after");
                let close = resp
                    .headers()
                    .get("connection")
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
                match resp.into_body().collect().await {
                    Ok(_) => Some((status, retry_after, close)),
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        let took = started.elapsed();
        match answer {
            Some((status, retry_after, close)) => {
                tally.latencies_us.push(took.as_micros() as u64);
                *tally.statuses.entry(status).or_default() += 1;
                if matches!(status, 429 | 503) && !retry_after {
                    tally.refused_without_retry_after += 1;
                }
                if close {
                    conn = None;
                }
            }
            None => {
                tally.transport_errors += 1;
                conn = None;
            }
        }
    }
}

/// CPU seconds this process has used (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): state is the 3rd.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux.
    Some((utime + stime) / 100.0)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Arc::new(Args::parse());
    if !args.target.ip().is_loopback() {
        return Err(format!("--target {} is not a loopback address", args.target).into());
    }
    let deadline = Instant::now() + Duration::from_secs(args.max_seconds);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency {
        workers.spawn(worker(args.clone(), next.clone(), deadline));
    }
    let mut tally = Tally::default();
    while let Some(t) = workers.join_next().await {
        tally.merge(t?);
    }
    let seconds = started.elapsed().as_secs_f64();
    tally.latencies_us.sort_unstable();
    let answered = tally.latencies_us.len();
    let l = &tally.latencies_us;
    let statuses: BTreeMap<String, usize> = tally
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    let out = serde_json::json!({
        "kind": format!("{:?}", args.kind).to_lowercase(),
        "concurrency": args.concurrency,
        "requests": answered + tally.transport_errors,
        "answered": answered,
        "seconds": seconds,
        "per_second": answered as f64 / seconds,
        "p50_us": percentile(l, 50.0),
        "p90_us": percentile(l, 90.0),
        "p99_us": percentile(l, 99.0),
        "max_us": l.last().copied().unwrap_or(0),
        "statuses": statuses,
        "refused_without_retry_after": tally.refused_without_retry_after,
        "transport_errors": tally.transport_errors,
        "generator_cpu_seconds": cpu_seconds(),
    });
    println!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 1.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }
}
