//! A WebSocket API `$connect` authorizer for any JWT issuer. Copy this
//! package and change [`routes`]: a token with a scope of `connect` gets a
//! policy naming exactly `.../$connect`; a token without one, a `Deny`
//! (403); a missing or invalid token, `Unauthorized` (401).
//!
//! In API Gateway: a `REQUEST` authorizer on the `$connect` route whose
//! identity source is `route.request.header.Authorization`. Browsers cannot
//! set headers on a WebSocket handshake; a token in the query string would
//! be logged by every proxy on the way, so this example keeps the header.
//!
//! | variable | meaning |
//! |---|---|
//! | `JWT_ISSUER` | accepted issuers, comma-separated (required) |
//! | `JWT_AUDIENCE` | accepted audiences, or Cognito app client ids with `JWT_TOKEN_USE=cognito-access` (required) |
//! | `JWKS_URL`, `JWKS_FILE`, `JWKS`, `JWKS_LOAD`, `JWT_TOKEN_USE`, `JWT_TYP` | see `secure_serverless::JwtVerifier::from_vars` (default: keys by OpenID discovery from the issuer) |
//!
//! A missing or malformed setting stops the function at start-up, naming
//! it: it never starts without checking tokens.

use lambda_runtime::Error;
use secure_serverless::authorizer::{self, Authorizer, RouteTable};
use secure_serverless::{JwtVerifier, lambda_log};

/// The scopes that may open a connection.
fn routes() -> RouteTable {
    RouteTable::new().connect(["logs:read"])
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let vars = lambda_log::start(env!("CARGO_CRATE_NAME"))?;
    let verifier = JwtVerifier::from_vars(&vars)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "token settings refused"))?;
    let authorizer = Authorizer::jwt_only(routes()).jwt(verifier).build()?;
    authorizer::run(&authorizer).await
}
