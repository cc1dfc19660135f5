//! The HTTP API listener: API Gateway HTTP API semantics (payload format
//! 2.0) in front of the handlers, with either authorizer kind.
//!
//! | situation | answer | source |
//! |---|---|---|
//! | no route for `METHOD /path` | 404 `{"message":"Not Found"}` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html> |
//! | body over 10 MB | 413 `{"message":"Request Entity Too Large"}` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html> |
//! | Lambda authorizer: an identity source missing or empty | 401 `{"message":"Unauthorized"}`, the authorizer not called | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html> |
//! | Lambda authorizer: `isAuthorized: false`, or a policy that does not allow the route | 403 `{"message":"Forbidden"}` | same page |
//! | Lambda authorizer: an error or an answer of neither shape | 500 `{"message":"Internal Server Error"}` | same page |
//! | JWT authorizer: no token | 401 `{"message":"Unauthorized"}` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html> |
//! | JWT authorizer: a token that does not verify | 401 `{"message":"Unauthorized"}` with `www-authenticate: Bearer scope="" error="invalid_token" error_description="…"` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html> |
//! | JWT authorizer: a token with none of the route's scopes | 403 `{"message":"Forbidden"}` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html> |
//! | allowed | the integration's answer; the authorizer's `context` (Lambda) or the token's claims and scopes (JWT) in `requestContext.authorizer` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html> |
//! | integration failed or answered garbage | 500 `{"message":"Internal Server Error"}` | same page |
//! | integration slower than 30 s | 503 `{"message":"Service Unavailable"}` | <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html> |
//!
//! The Lambda authorizer gets payload 2.0 (simple responses or an IAM
//! policy) or 1.0 (the REST `REQUEST` shape, `identitySource` comma-joined;
//! an IAM policy), as configured
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html>).
//! Its answers are cached for the TTL keyed by the
//! identity-source values in their configured order, and by nothing else:
//! with `$context.routeKey` among the identity sources (last), a decision
//! made for one route is never replayed on another; without it, a cached
//! simple response would be (the authorizer refuses that combination).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{HeaderMap, Request, StatusCode};
use secure_serverless::JwtVerifier;
use secure_serverless::RouteTable;
use secure_serverless::policy::{Decision, Policy};
use serde_json::{Map, Value, json};

use crate::http::{BodyError, HttpResponse, Refused, json, read_body, with_request_id};
use crate::integration::{Integration, Invoked, invoke_within, to_http};
use crate::payload;

/// HTTP API's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// HTTP API's integration timeout.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// One identity source of a Lambda authorizer.
#[derive(Debug, Clone)]
pub enum IdentitySource {
    /// `$request.header.NAME` (lower case).
    Header(&'static str),
    /// `$context.routeKey`.
    RouteKey,
}

/// How the API authorizes its routes.
#[derive(Debug)]
pub enum HttpApiAuth {
    /// A Lambda authorizer.
    Lambda {
        /// The authorizer function (the code the authorizer Lambda runs).
        authorizer: Arc<authorizer::Authorizer>,
        /// Its payload format: `"2.0"` (simple responses or a policy) or
        /// `"1.0"` (the REST `REQUEST` shape; a policy).
        payload: &'static str,
        /// Its identity sources, in order.
        identity_sources: Vec<IdentitySource>,
        /// Its cache TTL; zero disables the cache.
        cache_ttl: Duration,
        /// Whether the API expects simple responses (else IAM policies).
        simple: bool,
        /// The cache: digest of the identity-source values -> (until, answer).
        cache: Mutex<HashMap<[u8; 32], (Instant, Value)>>,
    },
    /// HTTP API's built-in JWT authorizer: issuer, audience and keys in the
    /// verifier, authorization scopes per route.
    Jwt {
        /// Checks signature, issuer, audience and lifetime.
        verifier: JwtVerifier,
        /// The authorization scopes of each route (any one grants it).
        scopes: RouteTable,
    },
}

/// The HTTP API listener's state.
#[derive(Debug)]
pub struct HttpApi {
    /// API id (in route ARNs and the request context).
    pub api_id: String,
    /// `(route key, integration)`, e.g. `("POST /log", writer)`.
    pub routes: Vec<(&'static str, Integration)>,
    /// The authorizer of every route.
    pub auth: HttpApiAuth,
}

fn message(status: StatusCode, text: &str) -> HttpResponse {
    json(status, &json!({ "message": text }))
}

fn refuse(status: StatusCode, text: &str) -> Refused {
    Box::new(message(status, text))
}

/// What the authorizer established about the caller.
enum Authorized {
    /// A Lambda authorizer's `context`.
    Lambda(Map<String, Value>),
    /// A JWT authorizer's claims and scopes.
    Jwt(Map<String, Value>, Vec<String>),
}

impl HttpApi {
    /// Answers one request.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        with_request_id("apigw-requestid", |id| async move {
            self.answer(req, peer, &id).await
        })
        .await
    }

    async fn answer(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        request_id: &str,
    ) -> Result<HttpResponse, Refused> {
        let (parts, body) = req.into_parts();
        let route_key = format!("{} {}", parts.method, parts.uri.path());
        let (route_key, integration) = self
            .routes
            .iter()
            .find(|(k, _)| *k == route_key)
            .map(|(k, i)| (*k, i))
            .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "Not Found"))?;
        let body = read_body(body, MAX_BODY_BYTES).await.map_err(|e| match e {
            BodyError::TooLarge => {
                refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large")
            }
            BodyError::Read => refuse(StatusCode::BAD_REQUEST, "Bad Request"),
        })?;
        let domain = format!("{}.execute-api.local", self.api_id);
        let origin = payload::Origin {
            route_key,
            account_id: "000000000000",
            api_id: &self.api_id,
            domain_name: &domain,
            request_id,
            peer,
        };
        let mut event = payload::event(&parts, &body, &origin);
        let authorized = self.authorize(&parts.headers, route_key, &event).await?;
        event["requestContext"]["authorizer"] = match authorized {
            Authorized::Lambda(context) => json!({ "lambda": context }),
            Authorized::Jwt(claims, scopes) => json!({"jwt": {"claims": claims, "scopes": scopes}}),
        };
        let failed = || message(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        Ok(
            match invoke_within(integration, event.to_string(), INTEGRATION_TIMEOUT).await {
                Invoked::Answer(answer) => to_http(&answer).unwrap_or_else(failed),
                Invoked::Failed => failed(),
                Invoked::TimedOut => {
                    message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
                }
            },
        )
    }

    async fn authorize(
        &self,
        headers: &HeaderMap,
        route_key: &str,
        event: &Value,
    ) -> Result<Authorized, Refused> {
        match &self.auth {
            HttpApiAuth::Lambda {
                authorizer,
                payload,
                simple,
                identity_sources,
                cache_ttl,
                cache,
            } => {
                let mut values = Vec::with_capacity(identity_sources.len());
                for source in identity_sources {
                    // The value the authorizer is sent: a repeated header's
                    // values joined with commas, as in the event.
                    let value = match source {
                        IdentitySource::Header(name) => {
                            let all: Vec<String> = headers
                                .get_all(*name)
                                .iter()
                                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                                .collect();
                            (!all.is_empty()).then(|| all.join(","))
                        }
                        IdentitySource::RouteKey => Some(route_key.to_owned()),
                    };
                    match value {
                        Some(v) if !v.is_empty() => values.push(v),
                        _ => return Err(refuse(StatusCode::UNAUTHORIZED, "Unauthorized")),
                    }
                }
                // Keyed by a digest of the values: a cache of huge tokens
                // stays small.
                let key = crate::bounded::digest_key(&values);
                let cached = (!cache_ttl.is_zero())
                    .then(|| {
                        let c = cache.lock().unwrap_or_else(|p| p.into_inner());
                        c.get(&key)
                            .filter(|(until, _)| Instant::now() < *until)
                            .map(|(_, answer)| answer.clone())
                    })
                    .flatten();
                let answer = match cached {
                    Some(answer) => answer,
                    None => {
                        let arn = self.route_arn(route_key);
                        let auth_event = if *payload == "1.0" {
                            // The REST REQUEST shape, version 1.0, the
                            // identity sources comma-joined.
                            let ctx = &event["requestContext"];
                            json!({
                                "version": "1.0",
                                "type": "REQUEST",
                                "methodArn": arn,
                                "identitySource": values.join(","),
                                "authorizationToken": values.join(","),
                                "resource": ctx["http"]["path"],
                                "path": ctx["http"]["path"],
                                "httpMethod": ctx["http"]["method"],
                                "headers": event["headers"],
                                "multiValueHeaders": multi_value(&event["headers"]),
                                "queryStringParameters": event.get("queryStringParameters").cloned().unwrap_or(Value::Null),
                                "requestContext": {"accountId": ctx["accountId"], "apiId": ctx["apiId"],
                                    "httpMethod": ctx["http"]["method"], "requestId": ctx["requestId"],
                                    "resourcePath": ctx["http"]["path"], "stage": ctx["stage"],
                                    "identity": {"sourceIp": ctx["http"]["sourceIp"]}},
                            })
                        } else {
                            let mut e = event.clone();
                            e["type"] = json!("REQUEST");
                            e["routeArn"] = json!(arn);
                            e["identitySource"] = json!(values);
                            e
                        };
                        let answer = authorizer.decide_any(auth_event).await.map_err(|e| {
                            tracing::error!(error = %e, "authorizer failed");
                            refuse(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                        })?;
                        if !cache_ttl.is_zero() {
                            let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
                            let now = Instant::now();
                            crate::bounded::make_room(
                                &mut c,
                                crate::bounded::MAX_ENTRIES,
                                |(until, _)| now < *until,
                                |(until, _)| *until,
                            );
                            c.insert(key, (now + *cache_ttl, answer.clone()));
                        }
                        answer
                    }
                };
                self.lambda_verdict(&answer, route_key, *simple)
            }
            HttpApiAuth::Jwt { verifier, scopes } => {
                let unauthorized = |description: &str| {
                    let mut r = message(StatusCode::UNAUTHORIZED, "Unauthorized");
                    if let Ok(v) = HeaderValue::from_str(&format!(
                        "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{description}\""
                    )) {
                        r.headers_mut().insert("www-authenticate", v);
                    }
                    Box::new(r)
                };
                let token = headers
                    .get(hyper::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| refuse(StatusCode::UNAUTHORIZED, "Unauthorized"))?;
                let verified = verifier
                    .verify(token)
                    .await
                    .map_err(|e| unauthorized(e.reason()))?;
                let (method, path) = route_key.split_once(' ').unwrap_or((route_key, "/"));
                let needed = scopes.scopes_for_request(method, path);
                if needed.is_some_and(|n| n.is_disjoint(verified.scopes())) {
                    return Err(refuse(StatusCode::FORBIDDEN, "Forbidden"));
                }
                // Claims reach the integration as strings.
                let claims = verified
                    .claims()
                    .iter()
                    .map(|(k, v)| {
                        let s = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), Value::String(s))
                    })
                    .collect();
                Ok(Authorized::Jwt(
                    claims,
                    verified.scopes().iter().cloned().collect(),
                ))
            }
        }
    }

    /// A Lambda authorizer's answer for `route_key`: a simple response or
    /// an IAM policy evaluated against the route's ARN, whichever the API
    /// expects (the other shape is a 500).
    fn lambda_verdict(
        &self,
        answer: &Value,
        route_key: &str,
        simple: bool,
    ) -> Result<Authorized, Refused> {
        let forbidden = || refuse(StatusCode::FORBIDDEN, "Forbidden");
        let broken = || refuse(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
        // The shape the API was set up for, and no other.
        if simple != answer.get("isAuthorized").is_some() {
            tracing::error!(simple, "authorizer answered in the other shape");
            return Err(broken());
        }
        if let Some(allowed) = answer.get("isAuthorized") {
            return match allowed.as_bool() {
                Some(true) => Ok(Authorized::Lambda(
                    answer
                        .get("context")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                )),
                Some(false) => Err(forbidden()),
                None => Err(broken()),
            };
        }
        let policy = Policy::from_response_json(answer).map_err(|e| {
            tracing::error!(error = %e, "authorizer returned a malformed policy");
            broken()
        })?;
        match policy.evaluate_str(&self.route_arn(route_key)) {
            Decision::Allow => {
                let mut context: Map<String, Value> = policy
                    .context()
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                context.insert("principalId".into(), json!(policy.principal_id()));
                Ok(Authorized::Lambda(context))
            }
            _ => Err(forbidden()),
        }
    }

    /// The ARN of a route: `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`.
    fn route_arn(&self, route_key: &str) -> String {
        let (method, path) = route_key.split_once(' ').unwrap_or((route_key, "/"));
        format!(
            "arn:aws:execute-api:local:000000000000:{}/$default/{method}{path}",
            self.api_id
        )
    }

    /// How many decisions the Lambda authorizer's cache holds.
    pub fn cache_entries(&self) -> usize {
        match &self.auth {
            HttpApiAuth::Lambda { cache, .. } => {
                cache.lock().unwrap_or_else(|p| p.into_inner()).len()
            }
            HttpApiAuth::Jwt { .. } => 0,
        }
    }
}

/// Payload 1.0's `multiValueHeaders` from payload 2.0's comma-joined map.
fn multi_value(headers: &Value) -> Value {
    let map: Map<String, Value> = headers
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    let values: Vec<&str> = v.as_str().unwrap_or("").split(',').collect();
                    (k.clone(), json!(values))
                })
                .collect()
        })
        .unwrap_or_default();
    Value::Object(map)
}
