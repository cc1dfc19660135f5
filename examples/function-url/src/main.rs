//! Wires the layer and the handler into the Lambda runtime.
use lambda_http::tower::{ServiceBuilder, ServiceExt as _};
use lambda_http::{Error, Request, RequestExt as _, service_fn};
use secure_serverless::{Vars, lambda_log, metrics};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_log::init_for(&[env!("CARGO_CRATE_NAME")]);
    let vars = Vars::from_env();
    metrics::init_from_vars(&vars, env!("CARGO_CRATE_NAME"))
        .inspect_err(|e| tracing::error!(error = %e, "metrics configuration refused"))?;
    let auth = function_url::auth_from_vars(&vars)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "configuration refused"))?;
    let service = ServiceBuilder::new()
        .layer(auth)
        .service(service_fn(function_url::me));
    lambda_http::run(service_fn(move |req: Request| {
        let context = req.lambda_context();
        let service = service.clone();
        async move { lambda_log::invocation(&context, service.oneshot(req)).await }
    }))
    .await
}
