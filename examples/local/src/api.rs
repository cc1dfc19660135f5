//! The API listener: API Gateway REST semantics in front of the handlers.
//!
//! | situation | answer |
//! |---|---|
//! | no resource/method for the request | 403 `{"message":"Missing Authentication Token"}` (authorizer not called) |
//! | body over 10 MB | 413 `{"message":"Request Too Long"}` |
//! | an identity-source header missing or empty | 401 `{"message":"Unauthorized"}` (authorizer not called) |
//! | authorizer error `Unauthorized` | 401 `{"message":"Unauthorized"}` |
//! | any other authorizer error, or a malformed policy | 500 `{"message":null}` |
//! | policy with a matching explicit `Deny` | 403 `{"Message":"User is not authorized to access this resource with an explicit deny"}` |
//! | no matching `Allow` | 403 `{"Message":"User is not authorized to access this resource"}` |
//! | `Allow` | the integration's answer; `principalId` and the context map reach it as `requestContext.authorizer` |
//! | integration panicked or answered garbage | 502 `{"message":"Internal server error"}` |
//! | integration's proxy response over Lambda's 6 MB synchronous limit | 502 `{"message":"Internal server error"}` |
//! | integration slower than 29 s | 504 `{"message":"Endpoint request timed out"}` |
//!
//! The authorizer is a `REQUEST` authorizer (the origin header and the
//! token as identity sources) or, configured so, a `TOKEN` authorizer (the
//! token only, sent as `authorizationToken` with the method ARN,
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html>).
//! The policy is evaluated with `secure_serverless::policy` against the
//! method ARN. With a cache TTL above zero the policy is cached per
//! identity-source values and reused for every method until the TTL ends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequestContext,
    ApiGatewayCustomAuthorizerRequestTypeRequestIdentity, ApiGatewayProxyRequest,
    ApiGatewayProxyRequestContext, ApiGatewayRequestAuthorizer, ApiGatewayRequestIdentity,
};
use aws_lambda_events::query_map::QueryMap;
use base64::Engine as _;
use bytes::Bytes;
use hyper::Method;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Request, StatusCode};
use secure_serverless::authorizer::RequestEvent;
use secure_serverless::policy::{ContextValue, Decision, Policy};
use serde_json::{Value, json};

use crate::http::{BodyError, HttpResponse, Refused, json, read_body, with_request_id};
use crate::integration::{Integration, Invoked, bad_gateway, invoke_within, to_http};

/// A cache key: the digest of the identity-source values.
pub type CacheKey = [u8; 32];

/// API Gateway's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// API Gateway's integration timeout.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

/// Where the API is "deployed": the parts of its method ARNs.
#[derive(Debug, Clone)]
pub struct ApiIdentity {
    /// Region part of the ARN.
    pub region: String,
    /// Account part of the ARN.
    pub account: String,
    /// API id.
    pub api_id: String,
    /// Stage name.
    pub stage: String,
}

impl ApiIdentity {
    fn method_arn(&self, method: &str, path: &str) -> String {
        format!(
            "arn:aws:execute-api:{}:{}:{}/{}/{method}{path}",
            self.region, self.account, self.api_id, self.stage
        )
    }
}

/// The API listener's state.
#[derive(Debug)]
pub struct Api {
    /// Method ARN parts.
    pub identity: ApiIdentity,
    /// `(method, resource path, integration)`.
    pub routes: Vec<(&'static str, &'static str, Integration)>,
    /// The authorizer (the same code the authorizer Lambda runs).
    pub authorizer: Arc<authorizer::Authorizer>,
    /// A `TOKEN` authorizer (its one identity source, the token, is all it
    /// gets) instead of a `REQUEST` one.
    pub token_authorizer: bool,
    /// Identity-source headers (lower case): all must be present.
    pub identity_sources: Vec<HeaderName>,
    /// Authorizer cache TTL; zero disables the cache.
    pub cache_ttl: Duration,
    /// The authorizer cache.
    pub cache: Mutex<HashMap<CacheKey, (Instant, Arc<Policy>)>>,
}

fn message(status: StatusCode, message: Value) -> HttpResponse {
    let mut r = json(status, &json!({ "message": message }));
    r.headers_mut().insert(
        "x-amzn-errortype",
        HeaderValue::from_static(match status.as_u16() {
            401 => "UnauthorizedException",
            403 => "AccessDeniedException",
            413 => "RequestTooLargeException",
            500 => "AuthorizerConfigurationException",
            504 => "IntegrationTimeout",
            _ => "InternalServerErrorException",
        }),
    );
    r
}

/// [`message`], as a refusal.
fn refuse(status: StatusCode, text: Value) -> Refused {
    Box::new(message(status, text))
}

/// API Gateway's two views of the request headers: the last value of each
/// name, and every value.
fn header_maps(headers: &HeaderMap) -> (HeaderMap, HeaderMap) {
    let mut last = HeaderMap::new();
    for (name, value) in headers {
        last.insert(name.clone(), value.clone());
    }
    (last, headers.clone())
}

/// API Gateway's two views of the query string (percent-decoded): the last
/// value of each name, and every value.
fn query_maps(query: Option<&str>) -> (QueryMap, QueryMap) {
    let mut all: HashMap<String, Vec<String>> = HashMap::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        all.entry(decode(k)).or_default().push(decode(v));
    }
    let last: HashMap<String, String> = all
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.last()?.clone())))
        .collect();
    (QueryMap::from(last), QueryMap::from(all))
}

fn context_value(v: &ContextValue) -> Value {
    // REST APIs hand the context to a Lambda proxy integration as strings.
    match v {
        ContextValue::String(s) => Value::from(s.as_str()),
        ContextValue::Number(n) => Value::from(n.to_string()),
        ContextValue::Bool(b) => Value::from(b.to_string()),
    }
}

/// What a Lambda proxy integration finds in `requestContext.authorizer`:
/// the `principalId` and the context map, values as strings.
pub fn authorizer_context(policy: &Policy) -> HashMap<String, Value> {
    let mut authorizer: HashMap<String, Value> = policy
        .context()
        .iter()
        .map(|(k, v)| (k.clone(), context_value(v)))
        .collect();
    authorizer.insert("principalId".into(), Value::from(policy.principal_id()));
    authorizer
}

/// One request as the API sees it once routed and read.
struct Call<'a> {
    method: Method,
    path: String,
    resource: &'static str,
    integration: &'a Integration,
    headers: HeaderMap,
    multi_headers: HeaderMap,
    query: QueryMap,
    multi_query: QueryMap,
    body: Bytes,
    source_ip: String,
    request_id: &'a str,
}

impl Api {
    /// Answers one request.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        with_request_id("x-amzn-requestid", |id| async move {
            self.answer(req, peer, &id).await
        })
        .await
    }

    /// Route, body, identity sources, authorizer, integration: each step
    /// answers for itself when it refuses the request.
    async fn answer(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        request_id: &str,
    ) -> Result<HttpResponse, Refused> {
        let (parts, body) = req.into_parts();
        let (resource, integration) = self.route(&parts.method, parts.uri.path())?;
        let body = read_request_body(body).await?;
        let identity = self.identity(&parts.headers)?;
        let (headers, multi_headers) = header_maps(&parts.headers);
        let (query, multi_query) = query_maps(parts.uri.query());
        let call = Call {
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            resource,
            integration,
            headers,
            multi_headers,
            query,
            multi_query,
            body,
            source_ip: peer.ip().to_string(),
            request_id,
        };
        let arn = self.identity.method_arn(call.method.as_str(), &call.path);
        let policy = self
            .authorize(&identity, || self.authorizer_event(&call, &arn, &identity))
            .await?;
        match policy.evaluate_str(&arn) {
            Decision::Allow => Ok(self.invoke(call, &policy).await),
            Decision::ExplicitDeny => Err(Box::new(json(
                StatusCode::FORBIDDEN,
                &json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
            ))),
            _ => Err(Box::new(json(
                StatusCode::FORBIDDEN,
                &json!({"Message": "User is not authorized to access this resource"}),
            ))),
        }
    }

    /// The resource and integration for `method path`.
    fn route(&self, method: &Method, path: &str) -> Result<(&'static str, &Integration), Refused> {
        self.routes
            .iter()
            .find(|(m, p, _)| *m == method.as_str() && *p == path)
            .map(|(_, resource, integration)| (*resource, integration))
            .ok_or_else(|| refuse(StatusCode::FORBIDDEN, json!("Missing Authentication Token")))
    }

    /// The identity-source values, all present and non-empty.
    fn identity(&self, headers: &HeaderMap) -> Result<Vec<String>, Refused> {
        self.identity_sources
            .iter()
            .map(|name| match headers.get(name).map(HeaderValue::as_bytes) {
                Some(v) if !v.is_empty() => Ok(String::from_utf8_lossy(v).into_owned()),
                _ => Err(refuse(StatusCode::UNAUTHORIZED, json!("Unauthorized"))),
            })
            .collect()
    }

    /// The authorizer event API Gateway sends for `call`: `TOKEN` (the
    /// token and the method ARN only) or `REQUEST`.
    fn authorizer_event(&self, call: &Call<'_>, arn: &str, identity: &[String]) -> Value {
        if self.token_authorizer {
            return json!({
                "type": "TOKEN",
                "authorizationToken": identity.first().cloned().unwrap_or_default(),
                "methodArn": arn,
            });
        }
        serde_json::to_value(self.request_event(call, arn)).unwrap_or(Value::Null)
    }

    /// The `REQUEST` authorizer event.
    fn request_event(&self, call: &Call<'_>, arn: &str) -> RequestEvent {
        let mut identity = ApiGatewayCustomAuthorizerRequestTypeRequestIdentity::default();
        identity.source_ip = Some(call.source_ip.clone());
        let mut context = ApiGatewayCustomAuthorizerRequestTypeRequestContext::default();
        context.path = Some(format!("/{}{}", self.identity.stage, call.path));
        context.account_id = Some(self.identity.account.clone());
        context.stage = Some(self.identity.stage.clone());
        context.request_id = Some(call.request_id.to_owned());
        context.identity = Some(identity);
        context.resource_path = Some(call.resource.to_owned());
        context.http_method = Some(call.method.clone());
        context.apiid = Some(self.identity.api_id.clone());
        let mut event = RequestEvent::default();
        event.type_ = Some("REQUEST".to_owned());
        event.method_arn = Some(arn.to_owned());
        event.resource = Some(call.resource.to_owned());
        event.path = Some(call.path.clone());
        event.http_method = Some(call.method.clone());
        event.headers = call.headers.clone();
        event.multi_value_headers = call.multi_headers.clone();
        event.query_string_parameters = call.query.clone();
        event.multi_value_query_string_parameters = call.multi_query.clone();
        event.request_context = context;
        event
    }

    /// The proxy event for an allowed `call`, run through its integration
    /// within API Gateway's timeout.
    async fn invoke(&self, call: Call<'_>, policy: &Policy) -> HttpResponse {
        let mut identity = ApiGatewayRequestIdentity::default();
        identity.source_ip = Some(call.source_ip);
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.fields = authorizer_context(policy);
        let mut context = ApiGatewayProxyRequestContext::default();
        context.account_id = Some(self.identity.account.clone());
        context.apiid = Some(self.identity.api_id.clone());
        context.stage = Some(self.identity.stage.clone());
        context.request_id = Some(call.request_id.to_owned());
        context.resource_path = Some(call.resource.to_owned());
        context.http_method = call.method.clone();
        context.path = Some(format!("/{}{}", self.identity.stage, call.path));
        context.protocol = Some("HTTP/1.1".to_owned());
        context.identity = identity;
        context.authorizer = authorizer;
        let mut proxy = ApiGatewayProxyRequest::default();
        proxy.resource = Some(call.resource.to_owned());
        proxy.path = Some(call.path);
        proxy.http_method = call.method;
        proxy.headers = call.headers;
        proxy.multi_value_headers = call.multi_headers;
        proxy.query_string_parameters = call.query;
        proxy.multi_value_query_string_parameters = call.multi_query;
        proxy.request_context = context;
        (proxy.body, proxy.is_base64_encoded) = match std::str::from_utf8(&call.body) {
            _ if call.body.is_empty() => (None, false),
            Ok(s) => (Some(s.to_owned()), false),
            Err(_) => (
                Some(base64::engine::general_purpose::STANDARD.encode(&call.body)),
                true,
            ),
        };
        let event = match serde_json::to_string(&proxy) {
            Ok(event) => event,
            Err(e) => {
                // A header value that is not UTF-8 has no JSON form.
                tracing::warn!(error = %e, "the request cannot be written as a Lambda event");
                return bad_gateway();
            }
        };
        match invoke_within(call.integration, event, INTEGRATION_TIMEOUT).await {
            Invoked::Answer(answer) => to_http(&answer).unwrap_or_else(bad_gateway),
            Invoked::Failed => bad_gateway(),
            Invoked::TimedOut => message(
                StatusCode::GATEWAY_TIMEOUT,
                json!("Endpoint request timed out"),
            ),
        }
    }

    async fn authorize(
        &self,
        identity: &[String],
        event: impl FnOnce() -> Value,
    ) -> Result<Arc<Policy>, Refused> {
        let key = crate::bounded::digest_key(identity);
        if !self.cache_ttl.is_zero() {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((until, policy)) = cache.get(&key)
                && Instant::now() < *until
            {
                return Ok(Arc::clone(policy));
            }
        }
        let answer = match self.authorizer.decide_any(event()).await {
            Ok(v) => v,
            Err(e) if e.to_string() == "Unauthorized" => {
                return Err(refuse(StatusCode::UNAUTHORIZED, json!("Unauthorized")));
            }
            Err(e) => {
                tracing::error!(error = %e, "authorizer failed");
                return Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, Value::Null));
            }
        };
        let policy = Arc::new(Policy::from_response_json(&answer).map_err(|e| {
            tracing::error!(error = %e, "authorizer returned a malformed policy");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, Value::Null)
        })?);
        if !self.cache_ttl.is_zero() {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            crate::bounded::make_room(
                &mut cache,
                crate::bounded::MAX_ENTRIES,
                |(until, _)| now < *until,
                |(until, _)| *until,
            );
            cache.insert(key, (now + self.cache_ttl, Arc::clone(&policy)));
        }
        Ok(policy)
    }
}

/// The request body, within API Gateway's payload limit.
async fn read_request_body(body: Incoming) -> Result<Bytes, Refused> {
    read_body(body, MAX_BODY_BYTES).await.map_err(|e| match e {
        BodyError::TooLarge => refuse(StatusCode::PAYLOAD_TOO_LARGE, json!("Request Too Long")),
        BodyError::Read => refuse(
            StatusCode::BAD_REQUEST,
            json!("Request body could not be read"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use secure_serverless::policy::PolicyBuilder;

    #[test]
    fn principal_and_context_reach_the_integration_as_strings() {
        let policy = PolicyBuilder::new("alice")
            .allow("arn:aws:execute-api:local:000000000000:localapi01/prod/GET/stats")
            .context("scope", "logs:read")
            .context("level", 3i64)
            .context("admin", false)
            .build()
            .unwrap();
        let ctx = authorizer_context(&policy);
        assert_eq!(
            serde_json::to_value(&ctx).unwrap(),
            json!({"principalId": "alice", "scope": "logs:read", "level": "3", "admin": "false"})
        );
        // And the handlers' event type reads it back where a Lambda looks.
        let event: ApiGatewayProxyRequest = serde_json::from_value(json!({
            "httpMethod": "GET", "path": "/stats", "resource": "/stats",
            "headers": {}, "multiValueHeaders": {},
            "requestContext": {"httpMethod": "GET", "authorizer": ctx},
        }))
        .unwrap();
        assert_eq!(
            event.request_context.authorizer.fields["principalId"],
            "alice"
        );
        assert_eq!(
            event.request_context.authorizer.fields["scope"],
            "logs:read"
        );
    }
}
