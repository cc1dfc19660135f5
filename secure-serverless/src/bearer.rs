//! Authorization inside the handler, for front doors without an authorizer
//! Lambda (Function URLs, ALB targets) and for HTTP API routes behind API
//! Gateway's built-in JWT authorizer: a tower layer for `lambda_http`.
//!
//! [`BearerAuth`] finds the caller (a bearer JWT it verifies itself, the
//! claims API Gateway's JWT authorizer verified, or an ALB's
//! `x-amzn-oidc-data` header it verifies), checks the route's scopes
//! in a [`RouteTable`], puts the [`Caller`] in the request's extensions
//! (never in a global) and calls the handler; otherwise it answers as
//! RFC 6750 says (<https://www.rfc-editor.org/rfc/rfc6750#section-3>), with
//! an RFC 9457 problem body:
//!
//! | situation | answer |
//! |---|---|
//! | a repeated `Authorization` header, or a path with `.`, `..`, empty segments or `%` escapes | 400, `WWW-Authenticate: Bearer realm="…", error="invalid_request"` |
//! | no bearer token | 401, `WWW-Authenticate: Bearer realm="…"` |
//! | a token that is not valid (malformed, expired, bad signature, …) | 401, `WWW-Authenticate: Bearer realm="…", error="invalid_token", error_description="<reason code>"` |
//! | a valid token without a scope of the route, or a route not in the table | 403, `WWW-Authenticate: Bearer realm="…", error="insufficient_scope", scope="<the route's scopes, any one of which grants it>"` (no `scope` for an unknown route) |
//! | the issuer's keys cannot be had | 503, `Retry-After: 5` |
//!
//! ```no_run
//! use lambda_http::{Body, Error, Request, Response, service_fn, tower::ServiceBuilder};
//! use secure_serverless::bearer::{BearerAuth, Caller};
//! use secure_serverless::{JwtVerifier, RouteTable};
//!
//! async fn stats(req: Request) -> Result<Response<Body>, Error> {
//!     let caller = req.extensions().get::<Caller>().expect("the layer ran");
//!     Ok(Response::new(Body::from(format!("hello {}", caller.subject()))))
//! }
//!
//! # async fn run(verifier: JwtVerifier) -> Result<(), Error> {
//! let routes = RouteTable::new().route("GET", "/stats", ["logs:read"]);
//! let auth = BearerAuth::verifying(verifier, routes, "logs-api")?;
//! lambda_http::run(ServiceBuilder::new().layer(auth).service(service_fn(stats))).await
//! # }
//! ```
//!
//! The reason codes in `error_description` and in the logs are
//! [`JwtError::reason`]'s: never the token or any part of it. Routes are
//! matched on the request's raw path as the function receives it: behind a
//! REST API custom domain with a base path, or an HTTP API stage other than
//! `$default`, list the routes with that prefix. Claims of API Gateway's
//! JWT authorizer are only as good as the function's invoke permissions: a
//! principal allowed to invoke it directly can put anything in an event.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use lambda_http::request::RequestContext;
use lambda_http::tower::{Layer, Service};
use lambda_http::{Body, Request, RequestExt as _, Response};
use serde_json::{Map, Value};

use crate::authorizer::RouteTable;
use crate::config::{ConfigError, Vars};
use crate::jwt::{AlbVerifier, JwtError, JwtSettingsError, JwtVerifier};

/// The authenticated caller, in the request's extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    subject: String,
    scopes: BTreeSet<String>,
    claims: Map<String, Value>,
}

impl Caller {
    /// `sub` (empty when the token has none).
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The granted scopes.
    pub fn scopes(&self) -> &BTreeSet<String> {
        &self.scopes
    }
    /// Every claim (from API Gateway's JWT authorizer: as strings).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
}

/// Where the caller's identity comes from.
#[derive(Debug)]
enum Source {
    /// A bearer JWT in `Authorization`, verified here.
    Verify(JwtVerifier),
    /// The claims HTTP API's JWT authorizer verified
    /// (`requestContext.authorizer.jwt`).
    GatewayJwtAuthorizer,
    /// An Application Load Balancer's `x-amzn-oidc-data`, verified here.
    Alb(AlbVerifier),
}

/// A [`BearerAuth`] that would not be safe to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerConfigError {
    /// A realm that cannot be written inside a quoted `WWW-Authenticate` value.
    #[error("realm {0:?} must be 1 to 64 printable ASCII characters without quotes or backslashes")]
    Realm(String),
    /// No route to allow: every request would be refused.
    #[error("the route table has no route")]
    NoRoutes,
}

/// Why [`BearerAuth::from_vars`] could not configure the layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BearerSettingsError {
    /// The token settings (see [`JwtVerifier::from_vars`]).
    #[error(transparent)]
    Jwt(#[from] JwtSettingsError),
    /// `REALM` is blank or malformed.
    #[error(transparent)]
    Setting(#[from] ConfigError),
    /// The layer would not be safe to run.
    #[error(transparent)]
    Config(#[from] BearerConfigError),
}

/// The layer (see the module docs).
#[derive(Debug, Clone)]
pub struct BearerAuth {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    source: Source,
    routes: RouteTable,
    realm: String,
}

impl BearerAuth {
    /// In-handler verification from settings when `JWT_ISSUER` is set: the
    /// token settings of [`JwtVerifier::from_vars`] and `REALM` (the realm
    /// of `WWW-Authenticate`, default `api`). `Ok(None)` when `JWT_ISSUER`
    /// is unset: the function then relies on what is in front of it.
    ///
    /// # Errors
    /// [`BearerSettingsError`], naming the setting at fault.
    pub async fn from_vars(
        vars: &Vars<'_>,
        routes: RouteTable,
    ) -> Result<Option<Self>, BearerSettingsError> {
        if vars.optional("JWT_ISSUER")?.is_none() {
            return Ok(None);
        }
        let verifier = JwtVerifier::from_vars(vars).await?;
        let realm = vars.optional("REALM")?.unwrap_or_else(|| "api".to_owned());
        Ok(Some(Self::verifying(verifier, routes, &realm)?))
    }

    /// Verifies a bearer JWT in `Authorization` with `verifier`.
    ///
    /// # Errors
    /// [`BearerConfigError`].
    pub fn verifying(
        verifier: JwtVerifier,
        routes: RouteTable,
        realm: &str,
    ) -> Result<Self, BearerConfigError> {
        Self::new(Source::Verify(verifier), routes, realm)
    }

    /// Trusts the claims of HTTP API's built-in JWT authorizer, for routes
    /// that have it: a request without them (a route without the authorizer)
    /// is refused, never let through.
    ///
    /// # Errors
    /// [`BearerConfigError`].
    pub fn behind_gateway_jwt_authorizer(
        routes: RouteTable,
        realm: &str,
    ) -> Result<Self, BearerConfigError> {
        Self::new(Source::GatewayJwtAuthorizer, routes, realm)
    }

    /// Verifies the `x-amzn-oidc-data` header an Application Load Balancer
    /// adds after OIDC authentication (see [`AlbVerifier`]); scopes come from
    /// the identity provider's `scope` claim, when it sends one.
    ///
    /// # Errors
    /// [`BearerConfigError`].
    pub fn behind_alb(
        alb: AlbVerifier,
        routes: RouteTable,
        realm: &str,
    ) -> Result<Self, BearerConfigError> {
        Self::new(Source::Alb(alb), routes, realm)
    }

    fn new(source: Source, routes: RouteTable, realm: &str) -> Result<Self, BearerConfigError> {
        let ok = (1..=64).contains(&realm.len())
            && realm
                .bytes()
                .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
        if !ok {
            return Err(BearerConfigError::Realm(realm.to_owned()));
        }
        if routes
            .routes()
            .all(|(m, _)| m == crate::authorizer::CONNECT)
        {
            return Err(BearerConfigError::NoRoutes);
        }
        Ok(BearerAuth {
            shared: Arc::new(Shared {
                source,
                routes,
                realm: realm.to_owned(),
            }),
        })
    }

    /// Decides `req`: the caller, or the answer that refuses it.
    pub async fn check(&self, req: &Request) -> Result<Caller, Response<Body>> {
        let shared = &self.shared;
        let caller = match &shared.source {
            Source::Verify(verifier) => verify(verifier, req).await,
            Source::GatewayJwtAuthorizer => gateway_claims(req).ok_or(Refusal::Missing),
            Source::Alb(alb) => alb_claims(alb, req).await,
        };
        let caller = match caller {
            Ok(c) => c,
            Err(refusal) => return Err(shared.refuse(&refusal)),
        };
        let path = req.raw_http_path();
        let path = if path.is_empty() {
            req.uri().path()
        } else {
            path
        };
        // A path a router might read otherwise than the table does (dot or
        // empty segments, percent-encoding) is refused, not guessed at.
        if !plain_path(path) {
            return Err(shared.refuse(&Refusal::Request("the request path is not in plain form")));
        }
        match shared
            .routes
            .scopes_for_request(req.method().as_str(), path)
        {
            Some(needed) if !needed.is_disjoint(&caller.scopes) => {
                count_metric!(DecisionAllow);
                Ok(caller)
            }
            needed => Err(shared.refuse(&Refusal::Scope(needed.cloned().unwrap_or_default()))),
        }
    }
}

/// `path` has no `.`, `..` or empty segment and no `%` escape.
fn plain_path(path: &str) -> bool {
    let inner = path.strip_prefix('/').unwrap_or(path);
    !path.contains('%')
        && (inner.is_empty()
            || inner
                .split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != ".."))
}

/// Why a request is refused.
enum Refusal {
    Request(&'static str),
    Missing,
    Invalid(&'static str),
    Unavailable,
    Scope(BTreeSet<String>),
}

impl Shared {
    fn refuse(&self, refusal: &Refusal) -> Response<Body> {
        let realm = &self.realm;
        let (status, code, detail, challenge) = match refusal {
            Refusal::Request(why) => {
                count_metric!(DecisionUnauthorized);
                (
                    400,
                    "invalid_request",
                    (*why).to_owned(),
                    Some(format!(
                        "Bearer realm=\"{realm}\", error=\"invalid_request\""
                    )),
                )
            }
            Refusal::Missing => {
                count_metric!(DecisionUnauthorized);
                count_metric!(TokenMissing);
                (
                    401,
                    "token_missing",
                    "a bearer token is required".to_owned(),
                    Some(format!("Bearer realm=\"{realm}\"")),
                )
            }
            Refusal::Invalid(reason) => {
                #[cfg(feature = "metrics")]
                {
                    crate::metrics::count(crate::metrics::Metric::DecisionUnauthorized);
                    if let Some(m) = crate::metrics::Metric::token_rejected(reason) {
                        crate::metrics::count(m);
                    }
                }
                (
                    401,
                    "invalid_token",
                    format!("the bearer token is not valid ({reason})"),
                    Some(format!(
                        "Bearer realm=\"{realm}\", error=\"invalid_token\", error_description=\"{reason}\""
                    )),
                )
            }
            Refusal::Scope(needed) => {
                count_metric!(DecisionDeny);
                count_metric!(TokenInsufficientScope);
                // Scope tokens are visible ASCII without quotes (RFC 6749
                // 3.3); anything else is left out of the challenge.
                let scope: Vec<&str> = needed
                    .iter()
                    .map(String::as_str)
                    .filter(|s| {
                        s.bytes()
                            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
                    })
                    .collect();
                (
                    403,
                    "insufficient_scope",
                    "the token does not grant this route".to_owned(),
                    // `scope` lists the scopes any one of which grants the
                    // route; a route the table does not know names none.
                    Some(if scope.is_empty() {
                        format!("Bearer realm=\"{realm}\", error=\"insufficient_scope\"")
                    } else {
                        format!(
                            "Bearer realm=\"{realm}\", error=\"insufficient_scope\", scope=\"{}\"",
                            scope.join(" ")
                        )
                    }),
                )
            }
            Refusal::Unavailable => {
                count_metric!(DecisionError);
                count_metric!(TokenKeysUnavailable);
                (
                    503,
                    "keys_unavailable",
                    "the token issuer's keys cannot be had; retry later".to_owned(),
                    None,
                )
            }
        };
        #[cfg(feature = "tracing")]
        tracing::info!(status, reason = code, "request refused by the bearer check");
        let mut headers = Vec::new();
        if let Some(challenge) = challenge {
            headers.push(("www-authenticate", challenge));
        }
        if status == 503 {
            headers.push(("retry-after", "5".to_owned()));
        }
        crate::http_problem::response(status, code, &detail, None, &headers)
    }
}

async fn verify(verifier: &JwtVerifier, req: &Request) -> Result<Caller, Refusal> {
    let mut values = req.headers().get_all("authorization").iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Err(Refusal::Missing),
        (Some(_), Some(_)) => return Err(Refusal::Request("more than one Authorization header")),
        (Some(v), None) => v,
    };
    let value = value
        .to_str()
        .map_err(|_| Refusal::Request("the Authorization header is not visible ASCII"))?;
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(Refusal::Missing),
    };
    if token.is_empty() {
        return Err(Refusal::Missing);
    }
    match verifier.verify(token).await {
        Ok(claims) => Ok(Caller {
            subject: claims.subject().to_owned(),
            scopes: claims.scopes().clone(),
            claims: claims.claims().clone(),
        }),
        Err(JwtError::KeySetUnavailable(_)) => Err(Refusal::Unavailable),
        Err(e) => Err(Refusal::Invalid(e.reason())),
    }
}

/// The claims of a verified `x-amzn-oidc-data` header.
async fn alb_claims(alb: &AlbVerifier, req: &Request) -> Result<Caller, Refusal> {
    let mut values = req.headers().get_all("x-amzn-oidc-data").iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Err(Refusal::Missing),
        (Some(_), Some(_)) => {
            return Err(Refusal::Request("more than one x-amzn-oidc-data header"));
        }
        (Some(v), None) => v,
    };
    let value = value.to_str().map_err(|_| Refusal::Invalid("malformed"))?;
    match alb.verify(value).await {
        Ok(claims) => Ok(Caller {
            subject: claims.subject().to_owned(),
            scopes: claims
                .claims()
                .get("scope")
                .and_then(Value::as_str)
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            claims: claims.claims().clone(),
        }),
        Err(JwtError::KeySetUnavailable(_)) => Err(Refusal::Unavailable),
        Err(e) => Err(Refusal::Invalid(e.reason())),
    }
}

/// The claims HTTP API's JWT authorizer put in the request context.
fn gateway_claims(req: &Request) -> Option<Caller> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() else {
        return None;
    };
    let jwt = ctx.authorizer.as_ref()?.jwt.as_ref()?;
    let scopes: BTreeSet<String> = match &jwt.scopes {
        Some(s) if !s.is_empty() => s.iter().cloned().collect(),
        _ => jwt
            .claims
            .get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    };
    Some(Caller {
        subject: jwt.claims.get("sub").cloned().unwrap_or_default(),
        scopes,
        claims: jwt
            .claims
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    })
}

impl<S> Layer<S> for BearerAuth {
    type Service = BearerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerService {
            inner,
            auth: self.clone(),
        }
    }
}

/// The service [`BearerAuth`] makes.
#[derive(Debug, Clone)]
pub struct BearerService<S> {
    inner: S,
    auth: BearerAuth,
}

impl<S> Service<Request> for BearerService<S>
where
    S: Service<Request, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        // The service that was polled ready answers this call.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let auth = self.auth.clone();
        Box::pin(async move {
            match auth.check(&req).await {
                Ok(caller) => {
                    req.extensions_mut().insert(caller);
                    inner.call(req).await
                }
                Err(answer) => Ok(answer),
            }
        })
    }
}

#[cfg(test)]
mod tests;
