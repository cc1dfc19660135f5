//! `handler-time FUNCTION EVENT_FILE`: sets up logging and builds FUNCTION's
//! state from the environment exactly as its `main.rs` does (so the handler's
//! log lines are written to stdout, as in Lambda), then, for every line read
//! on stdin, calls its `handler` once with EVENT_FILE's event and writes
//! `T handler_ns full_ns` on stderr. `full_ns` adds what the runtime does
//! around the handler in-process (deserialise the event bytes, serialise the
//! answer), without the Runtime API HTTP round trip. Ends at end of input.
//!
//! The harness drives it one call at a time, interleaved with the Runtime API
//! measurements, so both see the same machine and DynamoDB Local conditions.
use std::io::{BufRead, Write};
use std::time::Instant;

use lambda_http::service_fn;
use lambda_runtime::{Context, Error, LambdaEvent, Service as _};
use secure_serverless::apigw::Edge;
use serde::Serialize;
use serde::de::DeserializeOwned;

async fn serve<T, R, F, Fut>(event: &[u8], mut call: F) -> Result<(), Error>
where
    T: DeserializeOwned,
    R: Serialize,
    F: FnMut(LambdaEvent<T>) -> Fut,
    Fut: std::future::Future<Output = Result<R, Error>>,
{
    let stdin = std::io::stdin();
    let mut err = std::io::stderr();
    for line in stdin.lock().lines() {
        line?;
        let t0 = Instant::now();
        let payload: T = serde_json::from_slice(event)?;
        let ev = LambdaEvent::new(payload, Context::default());
        let t1 = Instant::now();
        let answer = call(ev).await?;
        let t2 = Instant::now();
        let bytes = serde_json::to_vec(&answer)?;
        let t3 = Instant::now();
        std::hint::black_box(bytes);
        writeln!(err, "T {} {}", (t2 - t1).as_nanos(), (t3 - t0).as_nanos())?;
        err.flush()?;
    }
    Ok(())
}

async fn ddb_client() -> aws_sdk_dynamodb::Client {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    secure_serverless::repository::handler_client(
        &config,
        &secure_serverless::repository::TrustRoots::default(),
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, function, event] = args.as_slice() else {
        return Err("usage: handler-time authorizer|writer|reader EVENT_FILE".into());
    };
    let event = std::fs::read(event)?;
    secure_serverless::lambda_log::init();
    match function.as_str() {
        "authorizer" => {
            let state = authorizer::Authorizer::from_env().await?;
            serve(&event, |e| authorizer::handler(&state, e)).await
        }
        "writer" => {
            let vars = secure_serverless::config::Vars::from_env();
            let state = writer::Writer::from_vars(&vars, ddb_client().await)?;
            // The edge too: what `secure_serverless::apigw::run` hands the handler.
            let mut edge = Edge::new(service_fn(|req| writer::handler(&state, req)));
            serve(&event, |e| edge.call(e)).await
        }
        "reader" => {
            let vars = secure_serverless::config::Vars::from_env();
            let state = reader::Reader::from_vars(&vars, ddb_client().await).await?;
            let mut edge = Edge::new(service_fn(|req| reader::handler(&state, req)));
            serve(&event, |e| edge.call(e)).await
        }
        other => Err(format!("unknown function {other}").into()),
    }
}
