//! The authorizer Lambda for every API Gateway front door (REST `TOKEN` and
//! `REQUEST`, HTTP API 1.0 and 2.0, WebSocket `$connect`): origin secret +
//! bearer JWT -> the answer that door expects.
//!
//! All decisions are made by [`secure_serverless::authorizer`]; this crate
//! only reads its configuration and logs outcomes (never a secret, a token or
//! a header value).
//!
//! | variable | meaning |
//! |---|---|
//! | `ORIGIN_SECRET_ID` | Secrets Manager id/ARN of the origin secret (deployed form, read through the Parameters and Secrets extension) |
//! | `ORIGIN_SECRET_FILE` / `ORIGIN_SECRET` (+ `ORIGIN_SECRET_PREVIOUS`) | local runs only |
//! | `ORIGIN_HEADER` | header CloudFront adds (default `x-origin-verify`) |
//! | `SECRET_CACHE_TTL_SECONDS` | how long a fetched secret is trusted (0 to 3600, default 60) |
//! | `PREVIOUS_SECRET_GRACE_SECONDS` | how long after a rotation (the new value's creation) the previous origin secret is still accepted (60 to 86400, default 1800) |
//! | `JWT_ISSUER` | accepted issuers (comma-separated); **required** unless `AUTH_MODE=origin-secret-only`. A token is checked against the keys of the issuer its `iss` names exactly |
//! | `JWT_AUDIENCE` | accepted audiences, or with `JWT_TOKEN_USE=cognito-access` the accepted app client ids (comma-separated; required) |
//! | `JWT_TOKEN_USE` | `aud` (default: `aud` must be listed), `cognito-access` (Cognito access tokens: `token_use` = `access`, `client_id` listed; they carry no `aud`) or `cognito-id` (`token_use` = `id`, `aud` listed) |
//! | `JWT_TYP` | if set, the token header's `typ` must be this (for example `at+jwt`) |
//! | `JWKS_URL` | the issuer's JWKS over HTTPS, for one issuer (default: each issuer's `jwks_uri` from its OpenID discovery document, `{issuer}/.well-known/openid-configuration`, whose `issuer` must match exactly) |
//! | `JWKS_FILE` / `JWKS` | instead: the JWKS document as a file, or the JSON itself (one issuer) |
//! | `JWKS_LOAD` | `init` (default: keys fetched at cold start, an unreachable issuer is an init error) or `first-request` (fetched by the first request that needs them) |
//! | `AUTH_MODE` | `jwt` (the default), `origin-secret-only` (every caller that carries the origin header may call every route) or `jwt-only` (no origin secret: for a REST `TOKEN` authorizer, or an API without CloudFront in front; the origin-secret settings must then be unset) |
//! | `HTTP_API_RESPONSES` | HTTP API payload 2.0 answers: `policy` (default, IAM policies over every route, safe with any cache), `simple-keyed-by-route` (simple responses; the authorizer's identity sources must include `$context.routeKey`, checked on every event) or `simple-cache-off` (simple responses; the authorizer's cache must be off) |
//!
//! The authorizer fails closed: a missing or blank security setting stops it
//! at start-up with an error naming the setting (Lambda then reports an init
//! error and API Gateway refuses every request); it never falls back to a
//! weaker mode. `origin-secret-only` must be asked for by name, and the
//! start-up log says it is on.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent};
use secure_serverless::authorizer::{
    Authorizer as Decider, HttpApiResponses, RouteTable, SimpleCaching,
};
use secure_serverless::config::{ConfigError, Vars};
use secure_serverless::jwt::JwtVerifier;
use secure_serverless::secret_source::{AnySource, CachedSecrets};
use serde_json::Value;

/// The API's routes and the scopes that may call them (`$connect` for a
/// WebSocket API that streams the logs).
pub fn routes() -> RouteTable {
    RouteTable::new()
        .route("POST", "/log", ["logs:write"])
        .route("GET", "/stats", ["logs:read"])
        .connect(["logs:read"])
}

/// Everything the handler needs, built once per cold start.
#[derive(Debug)]
pub struct Authorizer {
    decider: Decider,
}

/// How callers are authenticated, chosen by `AUTH_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Origin secret and a bearer JWT whose scopes select the routes.
    Jwt,
    /// Origin secret only: every caller through CloudFront may call every route.
    OriginSecretOnly,
    /// A bearer JWT and no origin secret: for a REST `TOKEN` authorizer (its
    /// events carry no other header) or an API without CloudFront in front.
    JwtOnly,
}

impl AuthMode {
    /// Reads `AUTH_MODE` (default `jwt`).
    ///
    /// # Errors
    /// A blank or unknown value.
    pub fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        match vars.optional("AUTH_MODE")?.as_deref() {
            None | Some("jwt") => Ok(AuthMode::Jwt),
            Some("origin-secret-only") => Ok(AuthMode::OriginSecretOnly),
            Some("jwt-only") => Ok(AuthMode::JwtOnly),
            Some(_) => Err(ConfigError::invalid(
                "AUTH_MODE",
                "jwt, origin-secret-only or jwt-only",
            )),
        }
    }
}

impl Authorizer {
    /// The handler around a library authorizer (the local stack builds it
    /// this way).
    pub fn new(decider: Decider) -> Self {
        Authorizer { decider }
    }

    /// Reads the configuration described in the crate docs from the process
    /// environment.
    ///
    /// # Errors
    /// See [`from_vars`](Self::from_vars).
    pub async fn from_env() -> Result<Self, Error> {
        Self::from_vars(&Vars::from_env()).await
    }

    /// Reads the configuration described in the crate docs.
    ///
    /// # Errors
    /// A missing or blank security setting (named in the error), a bad JWT
    /// configuration or an unreadable JWKS.
    pub async fn from_vars(vars: &Vars<'_>) -> Result<Self, Error> {
        let mode = AuthMode::from_vars(vars)?;
        let mut decider = if mode == AuthMode::JwtOnly {
            // No origin secret in this mode: one configured anyway is a
            // mistake worth stopping for, not a setting to ignore.
            for name in [
                "ORIGIN_SECRET",
                "ORIGIN_SECRET_ID",
                "ORIGIN_SECRET_FILE",
                "ORIGIN_SECRET_PREVIOUS",
                "ORIGIN_HEADER",
            ] {
                if vars.raw(name).is_some() {
                    return Err(ConfigError::invalid(
                        name,
                        "unset when AUTH_MODE is jwt-only (no origin secret is checked in that mode)",
                    )
                    .into());
                }
            }
            tracing::warn!(
                auth_mode = "jwt-only",
                "AUTH_MODE=jwt-only: no origin secret is checked; the bearer token alone decides"
            );
            Decider::jwt_only(routes())
        } else {
            let source = AnySource::from_vars("ORIGIN_SECRET", vars)?;
            let ttl = vars
                .number_in::<u64>("SECRET_CACHE_TTL_SECONDS", 0..=3600)?
                .unwrap_or(60);
            let grace = vars
                .number_in::<u64>("PREVIOUS_SECRET_GRACE_SECONDS", 60..=86_400)?
                .map_or(
                    secure_serverless::secret_source::DEFAULT_PREVIOUS_GRACE,
                    Duration::from_secs,
                );
            let secrets =
                CachedSecrets::new(source, Duration::from_secs(ttl)).previous_grace(grace);
            let mut decider = Decider::builder(routes(), secrets);
            if let Some(header) = vars.optional("ORIGIN_HEADER")? {
                decider = decider.origin_header(&header);
            }
            decider
        };
        decider =
            decider.http_api_responses(match vars.optional("HTTP_API_RESPONSES")?.as_deref() {
                None | Some("policy") => HttpApiResponses::Policy,
                Some("simple-keyed-by-route") => {
                    HttpApiResponses::Simple(SimpleCaching::KeyedByRoute)
                }
                Some("simple-cache-off") => HttpApiResponses::Simple(SimpleCaching::Off),
                Some(_) => {
                    return Err(ConfigError::invalid(
                        "HTTP_API_RESPONSES",
                        "policy, simple-keyed-by-route or simple-cache-off",
                    )
                    .into());
                }
            });
        let (decider, issuers) = match mode {
            AuthMode::OriginSecretOnly => {
                for name in ["JWT_ISSUER", "JWT_AUDIENCE", "JWT_TOKEN_USE", "JWT_TYP"] {
                    if vars.raw(name).is_some() {
                        return Err(ConfigError::invalid(
                            name,
                            "unset when AUTH_MODE is origin-secret-only (no token is verified in that mode)",
                        )
                        .into());
                    }
                }
                tracing::warn!(
                    auth_mode = "origin-secret-only",
                    "AUTH_MODE=origin-secret-only: no bearer token is checked; every caller that carries the origin header may call every route"
                );
                (decider.origin_secret_only(), 0)
            }
            AuthMode::Jwt | AuthMode::JwtOnly => {
                let verifier = JwtVerifier::from_vars(vars).await?;
                let issuers = vars.list("JWT_ISSUER")?.map_or(0, |i| i.len());
                (decider.jwt(verifier), issuers)
            }
        };
        let decider = decider.build()?;
        let auth_mode = match mode {
            AuthMode::Jwt => "jwt",
            AuthMode::OriginSecretOnly => "origin-secret-only",
            AuthMode::JwtOnly => "jwt-only",
        };
        tracing::info!(auth_mode, issuers, "authorizer configured");
        Ok(Authorizer { decider })
    }

    /// Decides an event from any front door (REST `TOKEN` or `REQUEST`,
    /// HTTP API 1.0 or 2.0, WebSocket `$connect`): the answer JSON that
    /// door expects, with the library's log line of what was decided.
    ///
    /// # Errors
    /// `Unauthorized` (401) or, for an event of no known kind or no
    /// decision possible, anything else (500).
    pub async fn decide_any(&self, event: Value) -> Result<Value, Error> {
        secure_serverless::authorizer::decide_json(&self.decider, event).await
    }
}

/// The Lambda handler.
///
/// # Errors
/// See [`Authorizer::decide_any`].
pub async fn handler(state: &Authorizer, event: LambdaEvent<Value>) -> Result<Value, Error> {
    secure_serverless::authorizer::handle(&state.decider, event).await
}
