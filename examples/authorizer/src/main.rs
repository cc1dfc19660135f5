//! Wires the handler into the Lambda runtime; nothing else.
use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    secure_serverless::lambda_log::init_for(&[env!("CARGO_CRATE_NAME")]);
    secure_serverless::metrics::init_from_vars(
        &secure_serverless::config::Vars::from_env(),
        env!("CARGO_CRATE_NAME"),
    )
    .inspect_err(|e| tracing::error!(error = %e, "metrics configuration refused"))?;
    let state = authorizer::Authorizer::from_env().await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event| authorizer::handler(state, event))).await
}
