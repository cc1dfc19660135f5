//! One API Gateway Lambda authorizer for every front door, correct by
//! construction: REST `TOKEN` and `REQUEST`, HTTP API payload 1.0 and 2.0
//! (IAM policies or simple responses), WebSocket `$connect`
//! ([`Authorizer::decide_event`], [`AuthorizerEvent`]; the REST `REQUEST`
//! case alone: [`Authorizer::decide`]).
//!
//! An [`Authorizer`] owns everything a decision needs: the origin secret
//! (behind its cache), the JWT verifier and the [`RouteTable`]. It checks
//! two things:
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
//! alone would leak that decision to the others. A WebSocket policy names
//! exactly `$connect`; an HTTP API simple response, which says yes or no for
//! one route, is only given where no cache can replay it on another
//! ([`SimpleCaching`]). [`validate_response`] checks that API Gateway would
//! accept an answer (yours too).
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

mod event;
#[cfg(feature = "lambda_log")]
mod lambda;
mod response;
mod routes;

pub use event::{AuthorizerEvent, EventError, EventKind};
#[cfg(feature = "lambda_log")]
#[cfg_attr(docsrs, doc(cfg(feature = "lambda_log")))]
pub use lambda::{decide_json, handle, run};
pub use response::{AuthorizerResponse, ResponseError, ResponseFormat, validate_response};
pub use routes::{CONNECT, RouteTable};

/// The principal of a token without `sub`: every such token shares it, so
/// nothing that needs a distinct caller (idempotency keys) accepts it.
pub const NO_SUBJECT_PRINCIPAL: &str = "jwt-subject-unknown";

/// Default name of the origin-secret header CloudFront adds.
pub const DEFAULT_ORIGIN_HEADER: &str = "x-origin-verify";

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
    /// An event the authorizer cannot read.
    #[error(transparent)]
    Event(EventError),
    /// An event this authorizer's configuration cannot decide safely.
    #[error("unsupported event: {0}")]
    UnsupportedEvent(&'static str),
    /// An HTTP API answer would be cached where another route or caller can
    /// reuse it: the bearer token is not among the identity sources, or (for
    /// [`SimpleCaching::KeyedByRoute`]) `$context.routeKey` is not the last
    /// of them. Refused rather than replayed.
    #[error(
        "the identity sources would let API Gateway's cache reuse this answer for another route or caller: put the bearer token among them, and $context.routeKey last for simple responses"
    )]
    CacheUnsafe,
}

impl AuthorizerError {
    /// A fixed, short reason code for logs and metrics: `token_missing`, a
    /// token's [`JwtError::reason`], `keys_unavailable`, `secret_unavailable`,
    /// `configuration` or `bad_event`. It never holds request data.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthorizerError::Unauthorized(None) => "token_missing",
            AuthorizerError::Unauthorized(Some(e)) | AuthorizerError::KeysUnavailable(e) => {
                e.reason()
            }
            AuthorizerError::SecretUnavailable(_) => "secret_unavailable",
            AuthorizerError::CacheUnsafe | AuthorizerError::UnsupportedEvent(_) => "configuration",
            AuthorizerError::BadMethodArn(_)
            | AuthorizerError::MissingMethodArn
            | AuthorizerError::Event(_)
            | AuthorizerError::Policy(_) => "bad_event",
        }
    }
}

/// How the caller was authenticated, for logs and the context map.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// JWT accepted; no origin secret is configured ([`Authorizer::jwt_only`]).
    JwtOnly,
    /// An HTTP API caller without a valid token: everything denied (HTTP
    /// APIs have no "Unauthorized" answer). `reason` is the token's
    /// rejection reason code.
    TokenRefused {
        /// `token_missing` or a [`JwtError::reason`] code.
        reason: &'static str,
    },
}

/// Decides REST API `REQUEST` authorizer events; build it once per cold start
/// with [`Authorizer::builder`].
#[derive(Debug)]
pub struct Authorizer {
    origin_header: String,
    secrets: Option<CachedSecrets<AnySource>>,
    jwt: Option<JwtVerifier>,
    routes: RouteTable,
    http_api: HttpApiResponses,
}

/// Builds an [`Authorizer`]; see [`Authorizer::builder`].
#[derive(Debug)]
#[must_use]
pub struct AuthorizerBuilder {
    origin_header: String,
    secrets: Option<CachedSecrets<AnySource>>,
    jwt: Option<JwtVerifier>,
    origin_secret_only: bool,
    routes: RouteTable,
    http_api: HttpApiResponses,
}

/// How an [`Authorizer`] answers HTTP API payload 2.0 events.
///
/// API Gateway caches an HTTP API authorizer's answer by the identity
/// sources and reuses it for **every route** that shares the authorizer. An
/// IAM policy covers every route of the [`RouteTable`], so its reuse is
/// always right; a simple response says yes or no for the route it was
/// decided on, so it is only safe when it is never reused for another route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HttpApiResponses {
    /// IAM policies over every route (the default; safe with any cache).
    #[default]
    Policy,
    /// Simple responses (`enableSimpleResponses: true`); say how they stay
    /// cache-safe.
    Simple(SimpleCaching),
}

/// Why a simple response cannot be replayed on another route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleCaching {
    /// The authorizer's cache is off (`authorizerResultTtlInSeconds: 0`).
    /// The event cannot show it: this is your promise about the API.
    Off,
    /// `$context.routeKey` is the **last** identity source, so each route
    /// has its own cache entry. Checked on every event: one whose last
    /// identity-source value is not its route key is refused
    /// ([`AuthorizerError::CacheUnsafe`]). The answer is decided for the
    /// route key (`GET /items/{id}`), which must be a route of the table
    /// exactly; the catch-all `$default` route is never authorized by a
    /// simple response.
    KeyedByRoute,
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
    /// A route with a path template or `ANY`: policies name concrete
    /// routes (templates are for the `bearer` layer).
    #[error("route {0} has a path template or ANY; an authorizer's policies need concrete routes")]
    TemplateRoute(String),
    /// Origin-secret-only mode without an origin secret.
    #[error("origin_secret_only needs an origin secret (use Authorizer::builder)")]
    OriginSecretOnlyWithoutSecret,
}

impl Authorizer {
    /// Starts an authorizer for `routes` that checks the origin secret held
    /// by `secrets` (for example `CachedSecrets::new(AnySource::from_env("ORIGIN_SECRET")?, ttl)`).
    pub fn builder(routes: RouteTable, secrets: CachedSecrets<AnySource>) -> AuthorizerBuilder {
        AuthorizerBuilder {
            origin_header: DEFAULT_ORIGIN_HEADER.to_owned(),
            secrets: Some(secrets),
            jwt: None,
            origin_secret_only: false,
            routes,
            http_api: HttpApiResponses::default(),
        }
    }

    /// Starts an authorizer for `routes` that checks a bearer JWT only, with
    /// no origin secret: for front doors without CloudFront in front, and for
    /// REST `TOKEN` authorizers, whose events carry no other header. The
    /// builder refuses to build without [`AuthorizerBuilder::jwt`].
    pub fn jwt_only(routes: RouteTable) -> AuthorizerBuilder {
        AuthorizerBuilder {
            origin_header: DEFAULT_ORIGIN_HEADER.to_owned(),
            secrets: None,
            jwt: None,
            origin_secret_only: false,
            routes,
            http_api: HttpApiResponses::default(),
        }
    }

    /// The routes this authorizer writes policies for.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    /// Decides one REST API `REQUEST` event: the policy to return to API
    /// Gateway and how the caller was accepted, or why not.
    ///
    /// # Errors
    /// [`AuthorizerError::Unauthorized`] without valid credentials (API
    /// Gateway answers 401); the other variants when no decision can be made
    /// (API Gateway answers 500).
    pub async fn decide(&self, event: &RequestEvent) -> Result<(Policy, Outcome), AuthorizerError> {
        let arn: MethodArn = event
            .method_arn
            .as_deref()
            .ok_or(AuthorizerError::MissingMethodArn)?
            .parse()?;
        let view = View {
            kind: EventKind::RestRequest,
            origin: header_values(event, &self.origin_header).collect(),
            authorization: header_values(event, "authorization").collect(),
            cache_key: None,
        };
        match self.decide_counted(view, arn).await? {
            (AuthorizerResponse::Policy(p), o) => Ok((p, o)),
            (AuthorizerResponse::Simple { .. }, _) => {
                unreachable!("a REST event is always answered with a policy")
            }
        }
    }

    /// Decides an event from any front door (see [`AuthorizerEvent`]): the
    /// answer in the format that front door expects, and how the caller was
    /// accepted. Answers are cache-safe as far as the event can show: an IAM
    /// policy covers every route of the table (WebSocket: exactly
    /// `$connect`); for HTTP API 2.0 the bearer token must be among the
    /// identity sources (or the cache declared off), and a simple response
    /// only goes out under [`SimpleCaching`]'s rules.
    ///
    /// | event | accepted | refused token | origin secret wrong |
    /// |---|---|---|---|
    /// | REST `TOKEN`, `REQUEST` | policy over every route | `Unauthorized` (401) | deny-all policy (403) |
    /// | HTTP API 1.0, 2.0 (IAM) | policy over every route | deny-all policy (403) | deny-all policy (403) |
    /// | HTTP API 2.0 (simple) | `isAuthorized` for this route | `isAuthorized: false` (403) | `isAuthorized: false` (403) |
    /// | WebSocket `$connect` | policy for `$connect` | `Unauthorized` (401) | deny policy (403) |
    ///
    /// # Errors
    /// [`AuthorizerError::Unauthorized`] as in the table; the other variants
    /// when no decision can be made (API Gateway answers 500).
    pub async fn decide_event(
        &self,
        event: &AuthorizerEvent,
    ) -> Result<(AuthorizerResponse, Outcome), AuthorizerError> {
        let arn = event.route_arn().map_err(AuthorizerError::Event)?;
        let view = View {
            kind: event.kind(),
            origin: event.header_values(&self.origin_header),
            authorization: event.authorization(),
            cache_key: event.http_api_cache_key(),
        };
        self.decide_counted(view, arn).await
    }

    async fn decide_counted(
        &self,
        view: View<'_>,
        arn: MethodArn,
    ) -> Result<(AuthorizerResponse, Outcome), AuthorizerError> {
        let decision = self.decide_view(view, arn).await;
        #[cfg(feature = "metrics")]
        count_decision(&decision);
        decision.map(|(answer, outcome, _)| (answer, outcome))
    }

    /// The answer, how the caller was accepted, and whether the call at
    /// hand goes through (for the metrics, without evaluating the answer).
    async fn decide_view(
        &self,
        view: View<'_>,
        arn: MethodArn,
    ) -> Result<(AuthorizerResponse, Outcome, bool), AuthorizerError> {
        let simple = match (view.kind, self.http_api) {
            (EventKind::HttpApiV2, HttpApiResponses::Simple(caching)) => {
                if caching == SimpleCaching::KeyedByRoute {
                    // API Gateway lists identity-source values in the
                    // configured order; the route key must be the last, where
                    // no header or query value of the caller's can stand in
                    // for it.
                    let keyed = view.cache_key.is_some_and(|(sources, route)| {
                        route.is_some_and(|r| sources.last().is_some_and(|s| s == r))
                    });
                    if !keyed {
                        return Err(AuthorizerError::CacheUnsafe);
                    }
                }
                Some(caching)
            }
            _ => None,
        };
        let websocket = view.kind == EventKind::WebSocketConnect;
        if websocket && (arn.method() != CONNECT || arn.path().is_some()) {
            return Err(AuthorizerError::UnsupportedEvent(
                "a WebSocket authorizer event must be for the $connect route",
            ));
        }
        let simple_caching = simple;
        let simple = simple.is_some();
        let deny = |principal: &str| -> Result<AuthorizerResponse, AuthorizerError> {
            Ok(if simple {
                AuthorizerResponse::Simple {
                    is_authorized: false,
                    context: Default::default(),
                }
            } else {
                let everything = if websocket {
                    arn.clone()
                } else {
                    arn.with_route("*", "*")
                };
                AuthorizerResponse::Policy(PolicyBuilder::new(principal).deny(everything).build()?)
            })
        };
        let secret = match &self.secrets {
            None => None,
            Some(_) if view.kind == EventKind::RestToken => {
                return Err(AuthorizerError::UnsupportedEvent(
                    "a TOKEN event carries no headers, so the origin secret cannot be checked: \
                     use a REQUEST authorizer with the origin header as an identity source, \
                     or Authorizer::jwt_only",
                ));
            }
            Some(secrets) => {
                let secrets = secrets
                    .get()
                    .await
                    .map_err(AuthorizerError::SecretUnavailable)?;
                match secrets.verify_header(view.origin.iter().copied()) {
                    HeaderCheck::Accepted(version) => Some(version),
                    check => {
                        return Ok((deny("anonymous")?, Outcome::OriginRejected(check), false));
                    }
                }
            }
        };
        // HTTP API caches an answer per identity-source values: unless the
        // bearer token is one of them, one caller's answer would serve others.
        if let (Some(_), Some((sources, _)), [token]) =
            (&self.jwt, view.cache_key, view.authorization.as_slice())
        {
            let cache_off = simple_caching == Some(SimpleCaching::Off);
            let keyed_by_token = sources.iter().any(|s| s.as_bytes() == *token);
            if !sources.is_empty() && !keyed_by_token && !cache_off {
                return Err(AuthorizerError::CacheUnsafe);
            }
        }
        let caller = match (&self.jwt, secret) {
            (None, Some(secret)) => Caller {
                principal: "cloudfront-origin".to_owned(),
                scopes: self.routes.scopes(),
                context: vec![("auth", "origin-secret".to_owned())],
                outcome: Outcome::OriginOnly { secret },
            },
            (None, None) => unreachable!("the builder refuses an authorizer with no caller check"),
            (Some(verifier), secret) => {
                match self.verify_bearer(verifier, &view.authorization).await {
                    Ok((principal, scopes, context)) => Caller {
                        principal,
                        scopes,
                        context,
                        outcome: match secret {
                            Some(secret) => Outcome::Jwt { secret },
                            None => Outcome::JwtOnly,
                        },
                    },
                    // HTTP APIs give "Unauthorized" no meaning: their
                    // answer for a caller without credentials is a denial.
                    Err(AuthorizerError::Unauthorized(e))
                        if matches!(view.kind, EventKind::HttpApiV1 | EventKind::HttpApiV2) =>
                    {
                        let reason = e.as_ref().map_or("token_missing", JwtError::reason);
                        return Ok((deny("anonymous")?, Outcome::TokenRefused { reason }, false));
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let allowed;
        let answer = if simple {
            // The answer is cached per route key (the route's template, such
            // as `GET /items/{id}`), so it is decided for the route key, never
            // for the one concrete path that happened to come first.
            let route_key = view.cache_key.and_then(|(_, r)| r).unwrap_or_default();
            let is_authorized = match route_key.split_once(' ') {
                Some((method, template)) => self.routes.permits(method, template, &caller.scopes),
                // `$default`: one answer for every route, so never yes.
                None => false,
            };
            allowed = is_authorized;
            AuthorizerResponse::Simple {
                is_authorized,
                context: caller
                    .context
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.into()))
                    .collect(),
            }
        } else {
            let builder = if websocket {
                let connect = self.routes.permits(CONNECT, "", &caller.scopes);
                allowed = connect;
                let b = PolicyBuilder::new(&caller.principal);
                if connect {
                    b.allow(arn.clone())
                } else {
                    b.deny(arn.clone())
                }
            } else {
                allowed = self.routes.permits(
                    arn.method(),
                    arn.path().unwrap_or_default(),
                    &caller.scopes,
                );
                self.routes
                    .policy_for(&arn, &caller.principal, &caller.scopes)
            };
            let builder = caller
                .context
                .into_iter()
                .fold(builder, |b, (k, v)| b.context(k, v));
            AuthorizerResponse::Policy(builder.build()?)
        };
        Ok((answer, caller.outcome, allowed))
    }

    /// The bearer token's principal, scopes and context entries.
    async fn verify_bearer(
        &self,
        verifier: &JwtVerifier,
        authorization: &[&[u8]],
    ) -> Result<(String, BTreeSet<String>, Vec<(&'static str, String)>), AuthorizerError> {
        let [value] = authorization else {
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
            NO_SUBJECT_PRINCIPAL
        } else {
            claims.subject()
        };
        let scopes = claims.scopes().clone();
        let scope_text = scopes.iter().cloned().collect::<Vec<_>>().join(" ");
        let iss = claims
            .claims()
            .get("iss")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let context = vec![
            ("auth", "jwt".to_owned()),
            ("sub", claims.subject().to_owned()),
            ("iss", iss),
            ("scope", scope_text),
        ];
        Ok((principal.to_owned(), scopes, context))
    }
}

/// What the decision needs from an event, whatever its front door.
struct View<'a> {
    kind: EventKind,
    origin: Vec<&'a [u8]>,
    authorization: Vec<&'a [u8]>,
    cache_key: Option<(&'a [String], Option<&'a str>)>,
}

/// A caller the checks accepted.
struct Caller {
    principal: String,
    scopes: BTreeSet<String>,
    context: Vec<(&'static str, String)>,
    outcome: Outcome,
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

    /// How HTTP API payload 2.0 events are answered (default: IAM policies
    /// over every route, safe with any cache; see [`HttpApiResponses`]).
    pub fn http_api_responses(mut self, responses: HttpApiResponses) -> Self {
        self.http_api = responses;
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
        match (&self.jwt, self.origin_secret_only, &self.secrets) {
            (None, false, _) => return Err(AuthorizerConfigError::NoCallerCheck),
            (Some(_), true, _) => return Err(AuthorizerConfigError::JwtAndOriginSecretOnly),
            (None, true, None) => return Err(AuthorizerConfigError::OriginSecretOnlyWithoutSecret),
            _ => {}
        }
        if self.routes.is_empty() {
            return Err(AuthorizerConfigError::NoRoutes);
        }
        // Policies name concrete method ARNs; a template or ANY written into
        // one would never match (and widening it to `*`, which spans `/` in
        // IAM, could match routes the table does not know).
        if let Some((m, p)) = self
            .routes
            .routes()
            .find(|(m, p)| *m == "ANY" || *m == "*" || p.contains('{'))
        {
            return Err(AuthorizerConfigError::TemplateRoute(format!("{m} /{p}")));
        }
        if aws_lambda_events::http::HeaderName::from_bytes(self.origin_header.as_bytes()).is_err() {
            return Err(AuthorizerConfigError::BadOriginHeader(self.origin_header));
        }
        Ok(Authorizer {
            origin_header: self.origin_header,
            secrets: self.secrets,
            jwt: self.jwt,
            routes: self.routes,
            http_api: self.http_api,
        })
    }
}

/// Counts a decision in the process's security metrics: its outcome, the
/// origin-secret check, and the token's rejection reason.
#[cfg(feature = "metrics")]
fn count_decision(decision: &Result<(AuthorizerResponse, Outcome, bool), AuthorizerError>) {
    use crate::metrics::{Metric, count};
    match decision {
        Ok((_, Outcome::OriginRejected(check), _)) => {
            count(Metric::DecisionDeny);
            count(match check {
                HeaderCheck::Missing => Metric::OriginSecretMissing,
                HeaderCheck::Repeated => Metric::OriginSecretRepeated,
                _ => Metric::OriginSecretWrong,
            });
        }
        Ok((_, Outcome::TokenRefused { reason }, _)) => {
            count(Metric::DecisionUnauthorized);
            if let Some(m) = Metric::token_rejected(reason) {
                count(m);
            }
        }
        Ok((_, outcome, allowed)) => {
            // Whether the call at hand goes through; a valid token that does
            // not grant this route is an insufficient scope.
            if *allowed {
                count(Metric::DecisionAllow);
            } else {
                count(Metric::DecisionDeny);
                if matches!(outcome, Outcome::Jwt { .. } | Outcome::JwtOnly) {
                    count(Metric::TokenInsufficientScope);
                }
            }
            if let Outcome::Jwt {
                secret: SecretVersion::Previous,
            }
            | Outcome::OriginOnly {
                secret: SecretVersion::Previous,
            } = outcome
            {
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
