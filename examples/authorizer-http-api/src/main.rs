//! An HTTP API Lambda authorizer (payload format 2.0, simple responses) for
//! any JWT issuer. Copy this package and change [`routes`].
//!
//! A simple response says yes or no for one route, and HTTP APIs cache it
//! by the identity-source values: configure the identity sources as
//! `$request.header.Authorization` then `$context.routeKey` (last), so the
//! cache is keyed by token and route and a yes for one route is never
//! replayed on another. The authorizer checks that on every event and
//! refuses any other set (API Gateway answers 500). A missing or invalid
//! token is `isAuthorized: false` (403).
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
use secure_serverless::authorizer::{
    self, Authorizer, HttpApiResponses, RouteTable, SimpleCaching,
};
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
    let authorizer = Authorizer::jwt_only(routes())
        .jwt(verifier)
        .http_api_responses(HttpApiResponses::Simple(SimpleCaching::KeyedByRoute))
        .build()?;
    authorizer::run(&authorizer).await
}
