//! Wires the handler into the Lambda runtime; the DynamoDB client is built once.
use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    secure_serverless::lambda_log::init_for(&[env!("CARGO_CRATE_NAME")]);
    secure_serverless::metrics::init_from_vars(
        &secure_serverless::config::Vars::from_env(),
        env!("CARGO_CRATE_NAME"),
    )
    .inspect_err(|e| tracing::error!(error = %e, "metrics configuration refused"))?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = secure_serverless::repository::handler_client(&config);
    let state = reader::Reader::from_vars(&secure_serverless::config::Vars::from_env(), client)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "reader configuration refused"))?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event| reader::handler(state, event))).await
}
