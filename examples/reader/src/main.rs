//! Wires the handler into the Lambda runtime; the DynamoDB client is built once.
use lambda_http::service_fn;
use lambda_runtime::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    secure_serverless::lambda_log::init_for(&[env!("CARGO_CRATE_NAME")]);
    secure_serverless::metrics::init_from_vars(
        &secure_serverless::config::Vars::from_env(),
        env!("CARGO_CRATE_NAME"),
    )
    .inspect_err(|e| tracing::error!(error = %e, "metrics configuration refused"))?;
    // The SDK's configuration, its credential chain included, gets the same
    // trust roots: its default HTTPS client would read the platform's store.
    let roots = secure_serverless::repository::TrustRoots::from_vars(
        &secure_serverless::config::Vars::from_env(),
    )
    .inspect_err(|e| tracing::error!(error = %e, "trust roots refused"))?;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(roots.http_client())
        .load()
        .await;
    let client = secure_serverless::repository::handler_client(&config, &roots);
    let state = reader::Reader::from_vars(&secure_serverless::config::Vars::from_env(), client)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "reader configuration refused"))?;
    let state = &state;
    secure_serverless::apigw::run(service_fn(move |req| reader::handler(state, req))).await
}
