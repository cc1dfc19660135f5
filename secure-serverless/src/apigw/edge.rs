//! The front door's event in, the front door's answer out: the checks
//! `lambda_http` does not make, then its conversion, then the answer in the
//! shape of the door that asked (the rules `lambda_http` applies, kept
//! here so the answer's shape does not depend on its private types).

use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine as _;
use lambda_http::aws_lambda_events::alb::AlbTargetGroupResponse;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::http::header::SET_COOKIE;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request, RequestExt as _, Response};
use lambda_runtime::{LambdaEvent, Service};
use serde::{Deserialize, Serialize};

use super::ApiError;

/// The event of any HTTP front door, as the Lambda runtime delivers it:
/// API Gateway REST or HTTP API payload 1.0, HTTP API payload 2.0 and
/// Function URLs, ALB.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct HttpEvent(LambdaRequest);

impl HttpEvent {
    /// Reads an event from its JSON text.
    ///
    /// # Errors
    /// The text is not the event of an HTTP front door.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The answer in the shape of the door that asked: what the function
/// returns to the Lambda runtime.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum HttpAnswer {
    /// API Gateway REST, or an HTTP API with payload 1.0.
    Rest(ApiGatewayProxyResponse),
    /// An HTTP API with payload 2.0, or a Function URL.
    Http(ApiGatewayV2httpResponse),
    /// An ALB target group.
    Alb(AlbTargetGroupResponse),
}

impl HttpAnswer {
    /// The status code.
    pub fn status(&self) -> i64 {
        match self {
            HttpAnswer::Rest(r) => r.status_code,
            HttpAnswer::Http(r) => r.status_code,
            HttpAnswer::Alb(r) => r.status_code,
        }
    }

    /// Every header of the answer (cookies of an HTTP API answer are in
    /// its `cookies`).
    pub fn headers(&self) -> &HeaderMap {
        match self {
            HttpAnswer::Rest(r) => &r.multi_value_headers,
            HttpAnswer::Http(r) => &r.headers,
            HttpAnswer::Alb(r) => &r.multi_value_headers,
        }
    }

    /// The body, `None` when empty.
    pub fn body(&self) -> Option<&Body> {
        match self {
            HttpAnswer::Rest(r) => r.body.as_ref(),
            HttpAnswer::Http(r) => r.body.as_ref(),
            HttpAnswer::Alb(r) => r.body.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Door {
    Rest,
    Http,
    Alb,
}

/// Every value of each header the event carried more than once (REST and
/// ALB events list every value in `multiValueHeaders`; `lambda_http` keeps
/// the last), to put back into the request.
fn repeated_in(multi: &HeaderMap) -> Vec<(HeaderName, Vec<HeaderValue>)> {
    multi
        .keys()
        .filter(|k| multi.get_all(*k).iter().nth(1).is_some())
        .map(|k| (k.clone(), multi.get_all(k).iter().cloned().collect()))
        .collect()
}

fn bad_base64(flagged: bool, body: Option<&str>) -> bool {
    flagged && body.is_some_and(|b| base64::engine::general_purpose::STANDARD.decode(b).is_err())
}

/// The request, or the refusal of an event no handler should see.
fn admit(event: LambdaRequest) -> Result<(Door, Request), (Door, ApiError)> {
    let (door, repeated, undecodable) = match &event {
        LambdaRequest::ApiGatewayV1(e) => (
            Door::Rest,
            repeated_in(&e.multi_value_headers),
            bad_base64(e.is_base64_encoded, e.body.as_deref()),
        ),
        LambdaRequest::ApiGatewayV2(e) => (
            Door::Http,
            Vec::new(),
            bad_base64(e.is_base64_encoded, e.body.as_deref()),
        ),
        LambdaRequest::Alb(e) => (
            Door::Alb,
            repeated_in(&e.multi_value_headers),
            bad_base64(e.is_base64_encoded, e.body.as_deref()),
        ),
        // Every kind this crate enables is above; a new one is not an HTTP door of ours.
        _ => {
            return Err((
                Door::Rest,
                ApiError::bad_request("malformed_request", "not an HTTP event"),
            ));
        }
    };
    if undecodable {
        return Err((
            door,
            ApiError::bad_request("invalid_body_encoding", "body is flagged base64 but is not"),
        ));
    }
    // lambda_http builds the URI with `Url::parse(..).unwrap()` from the
    // Host header and the path: an event it cannot parse is refused here
    // instead of panicking in the handler's stead.
    let mut req = catch_unwind(AssertUnwindSafe(|| Request::from(event))).map_err(|_| {
        (
            door,
            ApiError::bad_request(
                "malformed_request",
                "the request's host or path is not a valid URL",
            ),
        )
    })?;
    // Every check that reads a header (`single_header`, the bearer layer,
    // idempotency keys) sees all its values again.
    let headers = req.headers_mut();
    for (name, values) in repeated {
        headers.remove(&name);
        for value in values {
            headers.append(name.clone(), value);
        }
    }
    Ok((door, req))
}

impl Door {
    /// `response` as this door expects it back (the rules of `lambda_http`:
    /// REST gets every header in `multiValueHeaders` only, since API Gateway
    /// merges the two maps; HTTP API and Function URLs get cookies apart;
    /// ALB gets both header maps and a status description).
    fn answer(self, response: Response<Body>) -> HttpAnswer {
        let (parts, body) = response.into_parts();
        let (is_base64_encoded, body) = match body {
            Body::Empty => (false, None),
            b @ Body::Text(_) => (false, Some(b)),
            b @ Body::Binary(_) => (true, Some(b)),
            _ => (false, None),
        };
        let status_code = i64::from(parts.status.as_u16());
        let mut headers = parts.headers;
        match self {
            Door::Rest => {
                let mut r = ApiGatewayProxyResponse::default();
                r.status_code = status_code;
                r.multi_value_headers = headers;
                r.body = body;
                r.is_base64_encoded = is_base64_encoded;
                HttpAnswer::Rest(r)
            }
            Door::Http => {
                let cookies = headers
                    .get_all(SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_owned))
                    .collect();
                headers.remove(SET_COOKIE);
                let mut r = ApiGatewayV2httpResponse::default();
                r.status_code = status_code;
                // One value per name (the response format has no list):
                // repeated values joined with commas, as RFC 9110 allows.
                r.headers = joined(headers);
                r.cookies = cookies;
                r.body = body;
                r.is_base64_encoded = is_base64_encoded;
                HttpAnswer::Http(r)
            }
            Door::Alb => {
                let mut r = AlbTargetGroupResponse::default();
                r.status_code = status_code;
                r.status_description = Some(format!(
                    "{} {}",
                    parts.status.as_u16(),
                    parts.status.canonical_reason().unwrap_or_default()
                ));
                r.headers = headers.clone();
                r.multi_value_headers = headers;
                r.body = body;
                r.is_base64_encoded = is_base64_encoded;
                HttpAnswer::Alb(r)
            }
        }
    }
}

/// `headers` with each repeated header's values joined by `, ` (a value
/// that is not UTF-8 is kept alone).
fn joined(headers: HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.keys_len());
    for name in headers.keys() {
        let values: Vec<&HeaderValue> = headers.get_all(name).iter().collect();
        let value = match values.as_slice() {
            [one] => (*one).clone(),
            many => {
                let texts: Option<Vec<&str>> = many.iter().map(|v| v.to_str().ok()).collect();
                texts
                    .and_then(|t| HeaderValue::from_str(&t.join(", ")).ok())
                    .unwrap_or_else(|| many[many.len() - 1].clone())
            }
        };
        out.insert(name.clone(), value);
    }
    out
}

/// A `lambda_http` handler as a Lambda function for any HTTP front door,
/// with the edge's checks (see the [module docs](super)). [`run`] is this
/// service under the Lambda runtime; use it directly to hand events to a
/// handler yourself (a local emulation, a test).
///
/// ```
/// use lambda_http::{Body, Request, Response, service_fn};
/// use lambda_runtime::{Context, LambdaEvent, Service};
/// use secure_serverless::apigw::{Edge, HttpAnswer, HttpEvent};
///
/// # tokio_test(async {
/// let hello = service_fn(|_req: Request| async {
///     Ok::<_, std::convert::Infallible>(Response::new(Body::from("hi")))
/// });
/// let event = HttpEvent::from_json(r#"{"version": "2.0", "routeKey": "$default", "rawPath": "/",
///     "rawQueryString": "", "headers": {}, "isBase64Encoded": false,
///     "requestContext": {"http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1",
///         "sourceIp": "192.0.2.1", "userAgent": "curl"}, "requestId": "r", "routeKey": "$default",
///         "stage": "$default", "time": "", "timeEpoch": 0, "accountId": "1", "apiId": "a",
///         "domainName": "a", "domainPrefix": "a"}}"#).unwrap();
/// let answer = Edge::new(hello).call(LambdaEvent::new(event, Context::default())).await.unwrap();
/// assert!(matches!(answer, HttpAnswer::Http(r) if r.status_code == 200));
/// # });
/// # fn tokio_test(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct Edge<'a, S> {
    service: S,
    _borrows: PhantomData<&'a ()>,
}

impl<S> Edge<'_, S> {
    /// The edge around `service`.
    pub fn new(service: S) -> Self {
        Edge {
            service,
            _borrows: PhantomData,
        }
    }
}

impl<'a, S> Service<LambdaEvent<HttpEvent>> for Edge<'a, S>
where
    S: Service<Request, Response = Response<Body>>,
    S::Future: Send + 'a,
    S::Error: Into<lambda_runtime::Error> + Send + 'a,
{
    type Response = HttpAnswer;
    type Error = lambda_runtime::Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpAnswer, Self::Error>> + Send + 'a>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, event: LambdaEvent<HttpEvent>) -> Self::Future {
        let LambdaEvent { payload, context } = event;
        match admit(payload.0) {
            Err((door, refusal)) => {
                #[cfg(feature = "tracing")]
                tracing::info!(
                    status = refusal.status(),
                    code = refusal.code(),
                    "event refused at the edge"
                );
                let answer = door.answer(refusal.into_response());
                Box::pin(async move { Ok(answer) })
            }
            Ok((door, req)) => {
                let running = self.service.call(req.with_lambda_context(context));
                Box::pin(async move { running.await.map(|r| door.answer(r)).map_err(Into::into) })
            }
        }
    }
}

/// Runs `service` as a Lambda function for any HTTP front door, until the
/// runtime stops: [`Edge`] under `lambda_runtime::run`.
///
/// # Errors
/// The runtime's (the Runtime API unreachable, ...).
pub async fn run<'a, S>(service: S) -> Result<(), lambda_runtime::Error>
where
    S: Service<Request, Response = Response<Body>>,
    S::Future: Send + 'a,
    S::Error: Into<lambda_runtime::Error> + Send + 'a,
{
    lambda_runtime::run(Edge::new(service)).await
}

#[cfg(test)]
#[path = "edge_tests.rs"]
mod tests;
