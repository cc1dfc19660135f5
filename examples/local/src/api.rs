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
//! The policy is evaluated with `secure_serverless::policy` against the
//! method ARN. With a cache TTL above zero the policy is cached per
//! identity-source values and reused for every method until the TTL ends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Request, Response, StatusCode};
use secure_serverless::apigw::{ProxyRequest, ProxyResponse};
use secure_serverless::authorizer::RequestEvent;
use secure_serverless::policy::{ContextValue, Decision, Policy};
use serde_json::{Map, Value, json};

use crate::http::{BodyError, HttpResponse, json, read_body};

/// API Gateway's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// API Gateway's integration timeout.
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(29);

/// A Lambda proxy integration: one of the example handlers.
#[derive(Debug, Clone)]
pub enum Integration {
    /// `POST /log`.
    Writer(Arc<writer::Writer>),
    /// `GET /stats`.
    Reader(Arc<reader::Reader>),
}

impl Integration {
    async fn call(&self, req: ProxyRequest) -> ProxyResponse {
        match self {
            Integration::Writer(w) => w.handle(&req).await,
            Integration::Reader(r) => r.handle(&req).await,
        }
    }
}

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
    /// The REQUEST authorizer (the same code the authorizer Lambda runs).
    pub authorizer: Arc<authorizer::Authorizer>,
    /// Identity-source headers (lower case): all must be present.
    pub identity_sources: Vec<HeaderName>,
    /// Authorizer cache TTL; zero disables the cache.
    pub cache_ttl: Duration,
    /// The authorizer cache.
    pub cache: Mutex<HashMap<String, (Instant, Arc<Policy>)>>,
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

fn header_maps(headers: &HeaderMap) -> (Map<String, Value>, Map<String, Value>) {
    let (mut single, mut multi) = (Map::new(), Map::new());
    for (name, value) in headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        single.insert(name.as_str().to_owned(), json!(v));
        match multi
            .entry(name.as_str().to_owned())
            .or_insert_with(|| json!([]))
        {
            Value::Array(list) => list.push(json!(v)),
            _ => unreachable!("only arrays are inserted"),
        }
    }
    (single, multi)
}

fn query_maps(query: Option<&str>) -> (Value, Value) {
    let Some(q) = query.filter(|q| !q.is_empty()) else {
        return (Value::Null, Value::Null);
    };
    let (mut single, mut multi) = (Map::new(), Map::new());
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let (k, v) = (decode(k), decode(v));
        single.insert(k.clone(), json!(v));
        match multi.entry(k).or_insert_with(|| json!([])) {
            Value::Array(list) => list.push(json!(v)),
            _ => unreachable!("only arrays are inserted"),
        }
    }
    (Value::Object(single), Value::Object(multi))
}

fn context_value(v: &ContextValue) -> Value {
    // REST APIs hand the context to a Lambda proxy integration as strings.
    match v {
        ContextValue::String(s) => json!(s),
        ContextValue::Number(n) => json!(n.to_string()),
        ContextValue::Bool(b) => json!(b.to_string()),
    }
}

/// What a Lambda proxy integration finds in `requestContext.authorizer`:
/// the `principalId` and the context map, values as strings.
pub fn authorizer_context(policy: &Policy) -> Value {
    let mut authorizer: Map<String, Value> = policy
        .context()
        .iter()
        .map(|(k, v)| (k.clone(), context_value(v)))
        .collect();
    authorizer.insert("principalId".into(), json!(policy.principal_id()));
    Value::Object(authorizer)
}

impl Api {
    /// Answers one request.
    pub async fn handle(&self, req: Request<Incoming>, peer: SocketAddr) -> HttpResponse {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut resp = self.answer(req, peer, &request_id).await;
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert("x-amzn-requestid", v);
        }
        resp
    }

    async fn answer(
        &self,
        req: Request<Incoming>,
        peer: SocketAddr,
        request_id: &str,
    ) -> HttpResponse {
        let (parts, body) = req.into_parts();
        let method = parts.method.as_str().to_owned();
        let path = parts.uri.path().to_owned();
        let Some((_, resource, integration)) = self
            .routes
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
        else {
            return message(StatusCode::FORBIDDEN, json!("Missing Authentication Token"));
        };
        let body = match read_body(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return message(StatusCode::PAYLOAD_TOO_LARGE, json!("Request Too Long"));
            }
            Err(BodyError::Read) => {
                return message(
                    StatusCode::BAD_REQUEST,
                    json!("Request body could not be read"),
                );
            }
        };
        let mut identity = Vec::with_capacity(self.identity_sources.len());
        for name in &self.identity_sources {
            match parts.headers.get(name).map(HeaderValue::as_bytes) {
                Some(v) if !v.is_empty() => identity.push(String::from_utf8_lossy(v).into_owned()),
                _ => return message(StatusCode::UNAUTHORIZED, json!("Unauthorized")),
            }
        }
        let (headers, multi_headers) = header_maps(&parts.headers);
        let (query, multi_query) = query_maps(parts.uri.query());
        let arn = self.identity.method_arn(&method, &path);
        let request_context = json!({
            "accountId": self.identity.account,
            "apiId": self.identity.api_id,
            "stage": self.identity.stage,
            "requestId": request_id,
            "resourcePath": resource,
            "httpMethod": method,
            "path": format!("/{}{path}", self.identity.stage),
            "protocol": "HTTP/1.1",
            "identity": { "sourceIp": peer.ip().to_string() },
        });

        let policy = match self
            .authorize(&identity, || {
                json!({
                    "type": "REQUEST",
                    "methodArn": arn,
                    "resource": resource,
                    "path": path,
                    "httpMethod": method,
                    "headers": headers,
                    "multiValueHeaders": multi_headers,
                    "queryStringParameters": query,
                    "multiValueQueryStringParameters": multi_query,
                    "pathParameters": {},
                    "stageVariables": {},
                    "requestContext": request_context,
                })
            })
            .await
        {
            Ok(p) => p,
            Err(resp) => return resp,
        };
        match policy.evaluate_str(&arn) {
            Decision::Allow => {}
            Decision::ExplicitDeny => {
                return json(
                    StatusCode::FORBIDDEN,
                    &json!({"Message": "User is not authorized to access this resource with an explicit deny"}),
                );
            }
            _ => {
                return json(
                    StatusCode::FORBIDDEN,
                    &json!({"Message": "User is not authorized to access this resource"}),
                );
            }
        }

        let mut request_context = request_context;
        request_context["authorizer"] = authorizer_context(&policy);
        let (body, base64) = match std::str::from_utf8(&body) {
            _ if body.is_empty() => (Value::Null, false),
            Ok(s) => (json!(s), false),
            Err(_) => (
                json!(base64::engine::general_purpose::STANDARD.encode(&body)),
                true,
            ),
        };
        let event = json!({
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": request_context,
            "body": body,
            "isBase64Encoded": base64,
        });
        let proxy: ProxyRequest = match serde_json::from_value(event) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "could not build the proxy event");
                return message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!("Internal server error"),
                );
            }
        };
        let integration = integration.clone();
        let call = tokio::spawn(async move { integration.call(proxy).await });
        match tokio::time::timeout(INTEGRATION_TIMEOUT, call).await {
            Ok(Ok(r)) => proxy_response(r),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "integration failed");
                message(StatusCode::BAD_GATEWAY, json!("Internal server error"))
            }
            Err(_) => message(
                StatusCode::GATEWAY_TIMEOUT,
                json!("Endpoint request timed out"),
            ),
        }
    }

    async fn authorize(
        &self,
        identity: &[String],
        event: impl FnOnce() -> Value,
    ) -> Result<Arc<Policy>, HttpResponse> {
        let key = serde_json::to_string(identity).expect("strings serialise");
        if !self.cache_ttl.is_zero() {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((until, policy)) = cache.get(&key)
                && Instant::now() < *until
            {
                return Ok(Arc::clone(policy));
            }
        }
        let event: RequestEvent = serde_json::from_value(event()).map_err(|e| {
            tracing::error!(error = %e, "could not build the authorizer event");
            message(StatusCode::INTERNAL_SERVER_ERROR, Value::Null)
        })?;
        let answer = match self.authorizer.decide(&event).await {
            Ok(v) => v,
            Err(e) if e.to_string() == "Unauthorized" => {
                return Err(message(StatusCode::UNAUTHORIZED, json!("Unauthorized")));
            }
            Err(e) => {
                tracing::error!(error = %e, "authorizer failed");
                return Err(message(StatusCode::INTERNAL_SERVER_ERROR, Value::Null));
            }
        };
        let policy = Arc::new(Policy::from_response_json(&answer).map_err(|e| {
            tracing::error!(error = %e, "authorizer returned a malformed policy");
            message(StatusCode::INTERNAL_SERVER_ERROR, Value::Null)
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

/// Turns a Lambda proxy answer into HTTP, as API Gateway does; an answer it
/// would reject is a 502. That includes a response Lambda itself refuses:
/// over 6 MB as serialised JSON, envelope and escaped body together
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
fn proxy_response(r: ProxyResponse) -> HttpResponse {
    let bad = || message(StatusCode::BAD_GATEWAY, json!("Internal server error"));
    match serde_json::to_vec(&r) {
        Ok(wire) if wire.len() <= secure_serverless::envelope::LAMBDA_SYNC_RESPONSE_LIMIT => {}
        Ok(wire) => {
            tracing::error!(
                bytes = wire.len(),
                "Lambda refuses a response payload this large"
            );
            return bad();
        }
        Err(_) => return bad(),
    }
    let Some(status) = u16::try_from(r.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
    else {
        return bad();
    };
    let body = match r.body {
        None => Bytes::new(),
        Some(aws_lambda_events::encodings::Body::Empty) => Bytes::new(),
        Some(aws_lambda_events::encodings::Body::Text(t)) if r.is_base64_encoded => {
            match base64::engine::general_purpose::STANDARD.decode(t) {
                Ok(b) => Bytes::from(b),
                Err(_) => return bad(),
            }
        }
        Some(aws_lambda_events::encodings::Body::Text(t)) => Bytes::from(t),
        Some(aws_lambda_events::encodings::Body::Binary(b)) => Bytes::from(b),
        Some(_) => return bad(),
    };
    let mut out = Response::new(Full::new(body));
    *out.status_mut() = status;
    let h = out.headers_mut();
    for (name, value) in &r.multi_value_headers {
        h.append(name.clone(), value.clone());
    }
    for (name, value) in &r.headers {
        if !r.multi_value_headers.contains_key(name) {
            h.insert(name.clone(), value.clone());
        }
    }
    out
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
            ctx,
            json!({"principalId": "alice", "scope": "logs:read", "level": "3", "admin": "false"})
        );
        // And the handlers' event type reads it back where a Lambda looks.
        let event: ProxyRequest = serde_json::from_value(json!({
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
