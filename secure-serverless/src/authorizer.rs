//! A REST API `REQUEST` authorizer that is correct by construction.
//!
//! An [`Authorizer`] owns everything a decision needs: the origin secret
//! (behind its cache), the JWT verifier and the [`RouteTable`].
//! [`Authorizer::decide`] checks two things:
//!
//! 1. the **origin secret** header (constant time, current or previous
//!    version) proves the request came through CloudFront; missing, repeated
//!    or wrong, the answer is a `Deny` for every route;
//! 2. a **bearer JWT** in `Authorization` proves who the caller is; missing or
//!    invalid, the answer is [`AuthorizerError::Unauthorized`], whose message
//!    is exactly `Unauthorized`, which API Gateway turns into a 401. Checking
//!    the origin secret alone must be asked for by name
//!    ([`AuthorizerBuilder::origin_secret_only`]).
//!
//! An accepted caller gets a policy for **all** routes of the [`RouteTable`]
//! (`Allow` where a granted scope permits it, `Deny` elsewhere), because API
//! Gateway caches the policy by identity source and reuses it for every method
//! the same caller calls until the TTL ends: a policy for the current method
//! alone would leak that decision to the others.
//!
//! ```
//! use secure_serverless::authorizer::RouteTable;
//! use secure_serverless::arn::MethodArn;
//! use secure_serverless::policy::Decision;
//!
//! let routes = RouteTable::new()
//!     .route("POST", "/log", ["logs:write"])
//!     .route("GET", "/stats", ["logs:read"]);
//! let arn: MethodArn = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/stats".parse()?;
//! let scopes = ["logs:read".to_string()].into_iter().collect();
//! let policy = routes.policy_for(&arn, "alice", &scopes).build()?;
//! assert_eq!(policy.evaluate(&arn), Decision::Allow);
//! assert_eq!(policy.evaluate(&arn.with_route("POST", "/log")), Decision::ExplicitDeny);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;

use crate::arn::{ArnError, MethodArn};
use crate::jwt::{JwtError, JwtVerifier};
use crate::policy::{Policy, PolicyBuilder, PolicyError};
use crate::secret::{HeaderCheck, SecretVersion};
use crate::secret_source::{AnySource, CachedSecrets, SecretSourceError};

/// The REQUEST authorizer event of a REST API (re-exported from
/// `aws_lambda_events`).
pub type RequestEvent = ApiGatewayCustomAuthorizerRequestTypeRequest;

/// Default name of the origin-secret header CloudFront adds.
pub const DEFAULT_ORIGIN_HEADER: &str = "x-origin-verify";

/// Routes and the scopes that may call them.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(String, String, BTreeSet<String>)>,
}

impl RouteTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route (`method`, `path`) that any of `scopes` may call.
    #[must_use]
    pub fn route<'a>(
        mut self,
        method: &str,
        path: &str,
        scopes: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.routes.push((
            method.to_owned(),
            path.strip_prefix('/').unwrap_or(path).to_owned(),
            scopes.into_iter().map(str::to_owned).collect(),
        ));
        self
    }

    /// The routes.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.routes.iter().map(|(m, p, _)| (m.as_str(), p.as_str()))
    }

    /// Whether `scopes` grant `method` on `path`.
    pub fn permits(&self, method: &str, path: &str, scopes: &BTreeSet<String>) -> bool {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.routes
            .iter()
            .any(|(m, p, s)| m == method && p == path && !s.is_disjoint(scopes))
    }

    /// A policy for every route of the API and stage of `arn`: `Allow` for
    /// the routes `scopes` grant, `Deny` for the others. An empty table gives
    /// an empty builder, which refuses to build.
    pub fn policy_for(
        &self,
        arn: &MethodArn,
        principal: &str,
        scopes: &BTreeSet<String>,
    ) -> PolicyBuilder {
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        for (method, path, needed) in &self.routes {
            let resource = arn.with_route(method, path).to_string();
            if needed.is_disjoint(scopes) {
                deny.push(resource)
            } else {
                allow.push(resource)
            }
        }
        let mut b = PolicyBuilder::new(principal);
        if !allow.is_empty() {
            b = b.statement(crate::policy::Effect::Allow, allow, None);
        }
        if !deny.is_empty() {
            b = b.statement(crate::policy::Effect::Deny, deny, None);
        }
        b
    }
}

/// Why no policy was produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizerError {
    /// No or invalid credentials: API Gateway answers 401. The message is
    /// exactly `Unauthorized`, as API Gateway requires.
    #[error("Unauthorized")]
    Unauthorized(#[source] Option<JwtError>),
    /// The event has no usable `methodArn` (API Gateway never sends one;
    /// answering with an error makes it a 500).
    #[error("authorizer event has no valid methodArn: {0}")]
    BadMethodArn(#[from] ArnError),
    /// The event has no `methodArn`.
    #[error("authorizer event has no methodArn")]
    MissingMethodArn,
    /// The policy could not be built.
    #[error("cannot build the policy: {0}")]
    Policy(#[from] PolicyError),
    /// The origin secret could not be fetched and no cached value is left.
    #[error("origin secret unavailable: {0}")]
    SecretUnavailable(#[source] SecretSourceError),
    /// The token issuer's keys could not be fetched and none young enough
    /// are left: no token can be verified, so none is accepted (API Gateway
    /// answers 500 rather than calling the caller's credentials invalid).
    #[error("token keys unavailable: {0}")]
    KeysUnavailable(#[source] JwtError),
}

impl AuthorizerError {
    /// A fixed, short reason code for logs and metrics: `token_missing`, a
    /// token's [`JwtError::reason`], `keys_unavailable`, `secret_unavailable`
    /// or `bad_event`. It never holds request data.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthorizerError::Unauthorized(None) => "token_missing",
            AuthorizerError::Unauthorized(Some(e)) | AuthorizerError::KeysUnavailable(e) => {
                e.reason()
            }
            AuthorizerError::SecretUnavailable(_) => "secret_unavailable",
            AuthorizerError::BadMethodArn(_)
            | AuthorizerError::MissingMethodArn
            | AuthorizerError::Policy(_) => "bad_event",
        }
    }
}

/// How the caller was authenticated, for logs and the context map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Origin secret and JWT accepted.
    Jwt {
        /// Which secret version matched.
        secret: SecretVersion,
    },
    /// Origin secret accepted; no JWT is configured.
    OriginOnly {
        /// Which secret version matched.
        secret: SecretVersion,
    },
    /// Origin secret missing, repeated or wrong: everything denied.
    OriginRejected(HeaderCheck),
}

/// Decides REST API `REQUEST` authorizer events; build it once per cold start
/// with [`Authorizer::builder`].
#[derive(Debug)]
pub struct Authorizer {
    origin_header: String,
    secrets: CachedSecrets<AnySource>,
    jwt: Option<JwtVerifier>,
    routes: RouteTable,
}

/// Builds an [`Authorizer`]; see [`Authorizer::builder`].
#[derive(Debug)]
#[must_use]
pub struct AuthorizerBuilder {
    origin_header: String,
    secrets: CachedSecrets<AnySource>,
    jwt: Option<JwtVerifier>,
    origin_secret_only: bool,
    routes: RouteTable,
}

/// An authorizer configuration that would not be safe to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizerConfigError {
    /// Neither a JWT verifier nor origin-secret-only mode was chosen.
    #[error(
        "no caller check configured: give a JWT verifier, or ask for origin_secret_only explicitly"
    )]
    NoCallerCheck,
    /// A JWT verifier and origin-secret-only mode were both chosen.
    #[error("a JWT verifier and origin_secret_only exclude each other")]
    JwtAndOriginSecretOnly,
    /// The route table is empty: no policy could ever be built.
    #[error("the route table is empty")]
    NoRoutes,
    /// The origin header name is not a valid HTTP header name.
    #[error("origin header {0:?} is not a valid header name")]
    BadOriginHeader(String),
}

impl Authorizer {
    /// Starts an authorizer for `routes` that checks the origin secret held
    /// by `secrets` (for example `CachedSecrets::new(AnySource::from_env("ORIGIN_SECRET")?, ttl)`).
    pub fn builder(routes: RouteTable, secrets: CachedSecrets<AnySource>) -> AuthorizerBuilder {
        AuthorizerBuilder {
            origin_header: DEFAULT_ORIGIN_HEADER.to_owned(),
            secrets,
            jwt: None,
            origin_secret_only: false,
            routes,
        }
    }

    /// The routes this authorizer writes policies for.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    /// Decides one event: the policy to return to API Gateway and how the
    /// caller was accepted, or why not.
    ///
    /// # Errors
    /// [`AuthorizerError::Unauthorized`] without valid credentials (API
    /// Gateway answers 401); the other variants when no decision can be made
    /// (API Gateway answers 500).
    pub async fn decide(&self, event: &RequestEvent) -> Result<(Policy, Outcome), AuthorizerError> {
        let decision = self.decide_uncounted(event).await;
        #[cfg(feature = "metrics")]
        count_decision(&decision);
        decision
    }

    async fn decide_uncounted(
        &self,
        event: &RequestEvent,
    ) -> Result<(Policy, Outcome), AuthorizerError> {
        let arn: MethodArn = event
            .method_arn
            .as_deref()
            .ok_or(AuthorizerError::MissingMethodArn)?
            .parse()?;
        let secrets = self
            .secrets
            .get()
            .await
            .map_err(AuthorizerError::SecretUnavailable)?;
        let check = secrets.verify_header(header_values(event, &self.origin_header));
        let HeaderCheck::Accepted(version) = check else {
            let policy = PolicyBuilder::new("anonymous")
                .deny(arn.with_route("*", "*"))
                .build()?;
            return Ok((policy, Outcome::OriginRejected(check)));
        };
        let Some(verifier) = &self.jwt else {
            let all: BTreeSet<String> = self
                .routes
                .routes
                .iter()
                .flat_map(|(_, _, s)| s.iter().cloned())
                .collect();
            let policy = self
                .routes
                .policy_for(&arn, "cloudfront-origin", &all)
                .context("auth", "origin-secret")
                .build()?;
            return Ok((policy, Outcome::OriginOnly { secret: version }));
        };
        let mut auth = header_values(event, "authorization");
        let (Some(value), None) = (auth.next(), auth.next()) else {
            return Err(AuthorizerError::Unauthorized(None));
        };
        let token = std::str::from_utf8(value)
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthorizerError::Unauthorized(None))?;
        let claims = verifier.verify(token).await.map_err(|e| match e {
            JwtError::KeySetUnavailable(_) => AuthorizerError::KeysUnavailable(e),
            e => AuthorizerError::Unauthorized(Some(e)),
        })?;
        let principal = if claims.subject().is_empty() {
            "jwt-subject-unknown"
        } else {
            claims.subject()
        };
        let scopes = claims
            .scopes()
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let policy = self
            .routes
            .policy_for(&arn, principal, claims.scopes())
            .context("auth", "jwt")
            .context("sub", claims.subject())
            .context(
                "iss",
                claims
                    .claims()
                    .get("iss")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default(),
            )
            .context("scope", scopes)
            .build()?;
        Ok((policy, Outcome::Jwt { secret: version }))
    }
}

impl AuthorizerBuilder {
    /// The header CloudFront adds (default [`DEFAULT_ORIGIN_HEADER`]).
    pub fn origin_header(mut self, name: &str) -> Self {
        self.origin_header = name.to_ascii_lowercase();
        self
    }

    /// Callers must also present a bearer JWT that `verifier` accepts; its
    /// scopes select the routes.
    pub fn jwt(mut self, verifier: JwtVerifier) -> Self {
        self.jwt = Some(verifier);
        self
    }

    /// No bearer token is checked: every caller that carries the origin
    /// secret may call every route.
    pub fn origin_secret_only(mut self) -> Self {
        self.origin_secret_only = true;
        self
    }

    /// Checks the configuration and builds the authorizer.
    ///
    /// # Errors
    /// [`AuthorizerConfigError`] naming what is missing or contradictory.
    pub fn build(self) -> Result<Authorizer, AuthorizerConfigError> {
        match (&self.jwt, self.origin_secret_only) {
            (None, false) => return Err(AuthorizerConfigError::NoCallerCheck),
            (Some(_), true) => return Err(AuthorizerConfigError::JwtAndOriginSecretOnly),
            _ => {}
        }
        if self.routes.routes.is_empty() {
            return Err(AuthorizerConfigError::NoRoutes);
        }
        if aws_lambda_events::http::HeaderName::from_bytes(self.origin_header.as_bytes()).is_err() {
            return Err(AuthorizerConfigError::BadOriginHeader(self.origin_header));
        }
        Ok(Authorizer {
            origin_header: self.origin_header,
            secrets: self.secrets,
            jwt: self.jwt,
            routes: self.routes,
        })
    }
}

/// Counts a decision in the process's security metrics: its outcome, the
/// origin-secret check, and the token's rejection reason.
#[cfg(feature = "metrics")]
fn count_decision(decision: &Result<(Policy, Outcome), AuthorizerError>) {
    use crate::metrics::{Metric, count};
    match decision {
        Ok((_, Outcome::OriginRejected(check))) => {
            count(Metric::DecisionDeny);
            count(match check {
                HeaderCheck::Missing => Metric::OriginSecretMissing,
                HeaderCheck::Repeated => Metric::OriginSecretRepeated,
                _ => Metric::OriginSecretWrong,
            });
        }
        Ok((_, Outcome::Jwt { secret } | Outcome::OriginOnly { secret })) => {
            count(Metric::DecisionAllow);
            if *secret == SecretVersion::Previous {
                count(Metric::OriginSecretPrevious);
            }
        }
        Err(e) => {
            count(match e {
                AuthorizerError::Unauthorized(_) => Metric::DecisionUnauthorized,
                _ => Metric::DecisionError,
            });
            if let Some(m) = Metric::token_rejected(e.reason()) {
                count(m);
            }
        }
    }
}

/// All values of a header, from `multiValueHeaders` when present (so a
/// repeated header is seen as repeated), else from `headers`.
fn header_values<'a>(event: &'a RequestEvent, name: &str) -> impl Iterator<Item = &'a [u8]> {
    crate::headers::all_values(&event.multi_value_headers, &event.headers, name)
        .into_iter()
        .map(aws_lambda_events::http::HeaderValue::as_bytes)
}
