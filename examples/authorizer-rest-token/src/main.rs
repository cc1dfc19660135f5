//! A REST API `TOKEN` authorizer for any JWT issuer. Copy this package and
//! change [`routes`]: the token's scopes become an IAM policy over every
//! route of the table (`Allow` where a scope grants the route, `Deny`
//! elsewhere), so the policy API Gateway caches for the token is right for
//! every method the caller calls next. A missing or invalid token is
//! `Unauthorized` (401).
//!
//! In API Gateway: a `TOKEN` authorizer whose identity source is
//! `method.request.header.Authorization`. A `TOKEN` event carries nothing
//! else, so no origin-secret header can be checked here; put CloudFront's
//! secret check in a `REQUEST` authorizer (`examples/authorizer`) if you
//! need it.
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

/// The routes and the scopes that may call them.
fn routes() -> RouteTable {
    RouteTable::new()
        .route("POST", "/log", ["logs:write"])
        .route("GET", "/stats", ["logs:read"])
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
