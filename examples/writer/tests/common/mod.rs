//! What the writer's tests share: the checked-in REST event, and a call
//! through the edge as the Lambda runtime makes it.
#![allow(dead_code)]

use lambda_http::service_fn;
use lambda_runtime::{Context, LambdaEvent, Service as _};
use secure_serverless::apigw::{Edge, HttpAnswer, HttpEvent};
use secure_serverless::logs::LogSink;
use serde_json::Value;
use writer::Writer;

/// `events/post-log.json`.
pub fn fixture() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/events/post-log.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap()
}

/// `event` through the edge and the handler, as the Lambda runtime runs them.
pub async fn call<S: LogSink>(w: &Writer<S>, event: Value) -> HttpAnswer {
    let event = HttpEvent::from_json(&event.to_string()).expect("an HTTP event");
    Edge::new(service_fn(|req| writer::handler(w, req)))
        .call(LambdaEvent::new(event, Context::default()))
        .await
        .expect("the writer always answers")
}

/// The answer's body as JSON.
pub fn body_json(r: &HttpAnswer) -> Value {
    serde_json::from_slice(r.body().expect("every answer has a body").as_ref()).unwrap()
}
