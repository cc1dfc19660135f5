//! The authorizer as a Lambda function: [`run`] and [`handle`] answer each
//! invocation with the answer its front door expects, and log what was
//! decided in one line (never a secret, a token or a header value).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

use super::{Authorizer, AuthorizerError, AuthorizerEvent, AuthorizerResponse, Outcome};

/// Decides one event of any front door (see [`AuthorizerEvent`]) and logs
/// the outcome; metrics are flushed per invocation with the `metrics`
/// feature.
///
/// # Errors
/// [`AuthorizerError::Unauthorized`] (its message is exactly
/// `Unauthorized`: a 401 where the door has one), or an error that makes
/// API Gateway answer 500: an event of no known kind, or no decision
/// possible (keys or secret unavailable, an unsafe cache configuration).
pub async fn handle(authorizer: &Authorizer, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    crate::lambda_log::invocation(&context, decide_json(authorizer, payload)).await
}

/// Runs `authorizer` as the Lambda function, until the runtime stops.
///
/// ```no_run
/// use secure_serverless::authorizer::{self, Authorizer, RouteTable};
/// use secure_serverless::{JwtVerifier, Vars};
///
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), lambda_runtime::Error> {
///     let routes = RouteTable::new().route("GET", "/stats", ["logs:read"]);
///     let verifier = JwtVerifier::from_vars(&Vars::from_env()).await?;
///     let authorizer = Authorizer::jwt_only(routes).jwt(verifier).build()?;
///     authorizer::run(&authorizer).await
/// }
/// ```
///
/// # Errors
/// The runtime's (the Runtime API unreachable, ...).
pub async fn run(authorizer: &Authorizer) -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event| handle(authorizer, event))).await
}

/// The answer JSON for `event`, with the log line.
pub async fn decide_json(authorizer: &Authorizer, event: Value) -> Result<Value, Error> {
    let event = AuthorizerEvent::from_json(event).inspect_err(|e| {
        tracing::error!(error = %e, reason = "bad_event", "not an authorizer event");
    })?;
    logged(authorizer.decide_event(&event).await)
}

/// The answer JSON, with one log line saying what was decided.
fn logged(
    decision: Result<(AuthorizerResponse, Outcome), AuthorizerError>,
) -> Result<Value, Error> {
    match decision {
        Ok((answer, outcome)) => {
            let principal = match &answer {
                AuthorizerResponse::Policy(p) => p.principal_id().to_owned(),
                _ => String::new(),
            };
            match &outcome {
                Outcome::OriginRejected(check) => {
                    tracing::info!(decision = "deny", origin = ?check, "origin secret not accepted")
                }
                Outcome::TokenRefused { reason } => {
                    tracing::info!(decision = "deny", reason, "caller not authenticated")
                }
                Outcome::Jwt { secret } | Outcome::OriginOnly { secret } => {
                    tracing::info!(decision = "policy", principal, secret_version = ?secret, "caller accepted");
                }
                other => {
                    tracing::info!(decision = "policy", principal, outcome = ?other, "caller accepted");
                }
            }
            Ok(answer.to_json())
        }
        Err(e @ AuthorizerError::Unauthorized(_)) => {
            let reason = e.reason();
            let detail = match &e {
                AuthorizerError::Unauthorized(Some(jwt)) => jwt.to_string(),
                _ => "no bearer token".to_owned(),
            };
            tracing::info!(
                decision = "unauthorized",
                reason,
                detail,
                "caller not authenticated"
            );
            Err(e.into())
        }
        Err(e) => {
            tracing::error!(error = %e, reason = e.reason(), "cannot decide");
            Err(e.into())
        }
    }
}
