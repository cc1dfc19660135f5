//! The authorizer Lambda: origin secret + optional bearer JWT -> IAM policy.
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
//! | `SECRET_CACHE_TTL_SECONDS` | how long a fetched secret is trusted (default 60) |
//! | `JWT_ISSUER` | accepted issuers (comma-separated); unset = origin-secret-only mode |
//! | `JWT_AUDIENCE` | accepted audiences (comma-separated) |
//! | `COGNITO_CLIENT_IDS` | instead of `JWT_AUDIENCE`: Cognito access tokens of these app clients |
//! | `JWKS_URL` | the issuer's JWKS over HTTPS (default: `{JWT_ISSUER}/.well-known/jwks.json`) |
//! | `JWKS_FILE` / `JWKS` | instead: the JWKS document as a file, or the JSON itself |

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent};
use secure_serverless::authorizer::{
    AuthorizerError, Outcome, RequestAuthorizer, RequestEvent, RouteTable,
};
use secure_serverless::jwt::{AnyJwks, JwksEnv, JwksFile, JwksUrl, JwtConfig, JwtVerifier};
use secure_serverless::secret_source::{AnySource, CachedSecrets};
use serde_json::Value;

/// The API's routes and the scopes that may call them.
pub fn routes() -> RouteTable {
    RouteTable::new()
        .route("POST", "/log", ["logs:write"])
        .route("GET", "/stats", ["logs:read"])
}

/// Everything the handler needs, built once per cold start.
#[derive(Debug)]
pub struct Authorizer {
    decider: RequestAuthorizer<AnyJwks>,
    secrets: CachedSecrets<AnySource>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Authorizer {
    /// An authorizer from parts (the local stack builds it this way).
    pub fn new(decider: RequestAuthorizer<AnyJwks>, secrets: CachedSecrets<AnySource>) -> Self {
        Authorizer { decider, secrets }
    }

    /// Reads the configuration described in the crate docs.
    ///
    /// # Errors
    /// A missing secret source, a bad JWT configuration or an unreadable JWKS.
    pub async fn from_env() -> Result<Self, Error> {
        let source = AnySource::from_env("ORIGIN_SECRET")?;
        let ttl = env("SECRET_CACHE_TTL_SECONDS").map_or(Ok(60), |v| v.parse::<u64>())?;
        let secrets = CachedSecrets::new(source, Duration::from_secs(ttl));
        let mut decider = match env("JWT_ISSUER") {
            None => {
                tracing::warn!(
                    "JWT_ISSUER is not set: origin-secret-only mode, every caller through CloudFront may use every route"
                );
                RequestAuthorizer::without_jwt(routes())
            }
            Some(issuers) => {
                let config =
                    match (env("COGNITO_CLIENT_IDS"), env("JWT_AUDIENCE")) {
                        (Some(clients), _) => {
                            JwtConfig::cognito_access(list(&issuers), list(&clients))?
                        }
                        (None, Some(aud)) => JwtConfig::new(list(&issuers), list(&aud))?,
                        (None, None) => return Err(
                            "JWT_ISSUER is set but neither JWT_AUDIENCE nor COGNITO_CLIENT_IDS is"
                                .into(),
                        ),
                    };
                let jwks = match (env("JWKS_FILE"), env("JWKS"), env("JWKS_URL")) {
                    (Some(path), _, _) => AnyJwks::File(JwksFile(path.into())),
                    (None, Some(_), _) => AnyJwks::Env(JwksEnv("JWKS".into())),
                    (None, None, Some(url)) => AnyJwks::Url(JwksUrl::new(&url)?),
                    (None, None, None) => match list(&issuers).as_slice() {
                        [issuer] => AnyJwks::Url(JwksUrl::new(&format!(
                            "{}/.well-known/jwks.json",
                            issuer.trim_end_matches('/')
                        ))?),
                        _ => {
                            return Err(
                                "several JWT issuers: set JWKS_URL, JWKS_FILE or JWKS".into()
                            );
                        }
                    },
                };
                RequestAuthorizer::with_jwt(routes(), JwtVerifier::load(config, jwks).await?)
            }
        };
        if let Some(header) = env("ORIGIN_HEADER") {
            decider = decider.origin_header(&header);
        }
        Ok(Authorizer { decider, secrets })
    }

    /// Decides one REQUEST event: the policy JSON for API Gateway, or an
    /// error whose message is `Unauthorized` (401) or anything else (500).
    ///
    /// # Errors
    /// As described above.
    pub async fn decide(&self, event: &RequestEvent) -> Result<Value, Error> {
        let secrets = self.secrets.get().await.inspect_err(|e| {
            tracing::error!(error = %e, "origin secret unavailable");
        })?;
        match self.decider.decide(&secrets, event).await {
            Ok((policy, outcome)) => {
                match &outcome {
                    Outcome::OriginRejected(check) => {
                        tracing::info!(decision = "deny", origin = ?check, "origin secret not accepted")
                    }
                    Outcome::Jwt { secret } | Outcome::OriginOnly { secret } => {
                        tracing::info!(decision = "policy", principal = policy.principal_id(), secret_version = ?secret, "caller accepted");
                    }
                }
                Ok(serde_json::to_value(policy.rest_response())?)
            }
            Err(e @ AuthorizerError::Unauthorized(_)) => {
                let reason = match &e {
                    AuthorizerError::Unauthorized(Some(jwt)) => jwt.to_string(),
                    _ => "no bearer token".to_owned(),
                };
                tracing::info!(
                    decision = "unauthorized",
                    reason,
                    "caller not authenticated"
                );
                Err(e.into())
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot decide");
                Err(e.into())
            }
        }
    }
}

/// The Lambda handler.
///
/// # Errors
/// See [`Authorizer::decide`].
pub async fn handler(state: &Authorizer, event: LambdaEvent<RequestEvent>) -> Result<Value, Error> {
    state.decide(&event.payload).await
}
