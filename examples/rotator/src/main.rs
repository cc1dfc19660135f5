//! Wires the rotation handler into the Lambda runtime; the clients are built once.
use lambda_runtime::{Error, LambdaEvent, service_fn};
use secure_serverless::lambda_log;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_log::init_for(&[env!("CARGO_CRATE_NAME")]);
    let config = rotator::Config::from_env()?;
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let (secrets, cloudfront, waf) = rotator::sdk::clients(&sdk, config.rule.scope);
    let rotator = rotator::Rotator::new(secrets, cloudfront, waf, rotator::TokioSleep, config);
    let rotator = &rotator;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let context = event.context.clone();
        async move { lambda_log::invocation(&context, rotator::handler(rotator, event)).await }
    }))
    .await
}
