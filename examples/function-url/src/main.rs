//! Wires the layer and the handler into the Lambda runtime.
use lambda_http::tower::{ServiceBuilder, ServiceExt as _};
use lambda_http::{Error, Request, RequestExt as _, service_fn};
use secure_serverless::lambda_log;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let vars = lambda_log::start(env!("CARGO_CRATE_NAME"))?;
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
