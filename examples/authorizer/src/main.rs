//! Wires the handler into the Lambda runtime; nothing else.
use lambda_runtime::{Error, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let vars = secure_serverless::lambda_log::start(env!("CARGO_CRATE_NAME"))?;
    let state = authorizer::Authorizer::from_vars(&vars).await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event| authorizer::handler(state, event))).await
}
