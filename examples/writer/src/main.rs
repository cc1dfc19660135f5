//! Wires the handler into the Lambda runtime; the DynamoDB client is built once.
// The handler future (sanitiser, transaction, metrics, log span) nests deeper
// than the compiler's default layout query depth.
#![recursion_limit = "256"]
use std::sync::Arc;

use lambda_http::service_fn;
use lambda_http::tower::Layer as _;
use lambda_runtime::Error;
use secure_serverless::repository::{TrustRoots, handler_client};
use secure_serverless::{BearerAuth, apigw, lambda_log};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let vars = lambda_log::start(env!("CARGO_CRATE_NAME"))?;
    // The SDK's configuration, its credential chain included, gets the same
    // trust roots: its default HTTPS client would read the platform's store.
    let roots = TrustRoots::from_vars(&vars)
        .inspect_err(|e| tracing::error!(error = %e, "trust roots refused"))?;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(roots.http_client())
        .load()
        .await;
    let state = writer::Writer::from_vars(&vars, handler_client(&config, &roots))
        .inspect_err(|e| tracing::error!(error = %e, "writer configuration refused"))?;
    // Behind a Function URL or ALB nothing authorizes in front: JWT_ISSUER
    // turns on the bearer check in the function (requests nothing vouched
    // for are refused either way).
    let auth = BearerAuth::from_vars(&vars, writer::routes())
        .await
        .inspect_err(|e| tracing::error!(error = %e, "bearer configuration refused"))?;
    let state = Arc::new(state);
    let handler = service_fn(move |req| {
        let state = Arc::clone(&state);
        async move { writer::handler(&state, req).await }
    });
    match auth {
        Some(auth) => apigw::run(auth.layer(handler)).await,
        None => apigw::run(handler).await,
    }
}
