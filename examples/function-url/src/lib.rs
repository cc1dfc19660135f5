//! A Lambda Function URL that authorizes inside the handler: the
//! `secure_serverless::bearer` layer verifies the bearer JWT, checks the
//! route's scopes and answers 401/403/503 as RFC 6750 says; the handler only
//! runs for a caller the route allows, and finds that caller in the request.
//! `lambda_http` reads ALB and API Gateway proxy events too; routes are
//! matched on the raw path the function receives, so behind a REST custom
//! domain with a base path or an HTTP API stage other than `$default`, list
//! them with that prefix.
//!
//! | variable | meaning |
//! |---|---|
//! | `JWT_ISSUER`, `JWT_AUDIENCE`, ... | the token settings (`JwtVerifier::from_vars`: issuers, audiences, token use, keys) |
//! | `REALM` | the realm named in `WWW-Authenticate` (default `api`) |
//!
//! | route | scope |
//! |---|---|
//! | `GET /me` | `profile:read` |

use lambda_http::{Body, Error, Request, Response};
use secure_serverless::bearer::{BearerAuth, Caller};
use secure_serverless::{ConfigError, RouteTable, Vars};
use serde_json::json;

/// The routes and the scopes that may call them.
pub fn routes() -> RouteTable {
    RouteTable::new().route("GET", "/me", ["profile:read"])
}

/// The authorization layer, from the settings in the crate docs.
///
/// # Errors
/// A missing or malformed setting (named), or keys that cannot be loaded.
pub async fn auth_from_vars(vars: &Vars<'_>) -> Result<BearerAuth, Error> {
    // This function has nothing in front of it: the token settings are required.
    BearerAuth::from_vars(vars, routes())
        .await?
        .ok_or_else(|| ConfigError::Missing("JWT_ISSUER".into()).into())
}

/// `GET /me`: who the caller is, as the verified token says.
///
/// # Errors
/// Never: the layer has already refused every caller it does not allow.
pub async fn me(req: Request) -> Result<Response<Body>, Error> {
    let Some(caller) = req.extensions().get::<Caller>() else {
        // Only reachable if the layer is left out: fail closed.
        return Ok(Response::builder().status(500).body(Body::Empty)?);
    };
    tracing::info!(subject = caller.subject(), "caller served");
    let body = json!({"sub": caller.subject(), "scopes": caller.scopes()});
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::Text(body.to_string()))?)
}
