//! Lambda proxy integrations: an event goes to a handler as Lambda hands it
//! over (JSON text, through `secure_serverless::apigw::Edge`, the code the
//! deployed functions run), and the function's answer comes back as the
//! front door turns it into HTTP.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, SET_COOKIE};
use hyper::{Response, StatusCode};
use lambda_http::tower::Layer as _;
use lambda_http::{Request, service_fn};
use lambda_runtime::{Context, LambdaEvent, Service as _};
use secure_serverless::BearerAuth;
use secure_serverless::apigw::{Edge, HttpAnswer, HttpEvent};
use serde_json::json;

use crate::http::{HttpResponse, json};

/// One of the example functions.
#[derive(Debug, Clone)]
pub enum Function {
    /// `POST /log`.
    Writer(Arc<writer::Writer>),
    /// `GET /stats`.
    Reader(Arc<reader::Reader>),
}

/// A Lambda proxy integration: a function, with the bearer check its
/// `main.rs` adds when `JWT_ISSUER` is set (a Function URL or ALB
/// deployment, where nothing authorizes in front).
#[derive(Debug, Clone)]
pub struct Integration {
    /// The function.
    pub function: Function,
    /// The in-function bearer check, if configured.
    pub auth: Option<BearerAuth>,
}

impl Integration {
    /// The function alone (an authorizer in front of it).
    pub fn new(function: Function) -> Self {
        Integration {
            function,
            auth: None,
        }
    }

    /// The function verifying bearer tokens itself.
    pub fn with_bearer(function: Function, auth: BearerAuth) -> Self {
        Integration {
            function,
            auth: Some(auth),
        }
    }

    /// Invokes the function with `event` (the event's JSON text), through
    /// the edge its binary runs (`secure_serverless::apigw::run`).
    ///
    /// # Errors
    /// The function failed (what Lambda reports as a function error).
    pub async fn invoke(&self, event: &str) -> Result<HttpAnswer, lambda_runtime::Error> {
        let event = LambdaEvent::new(HttpEvent::from_json(event)?, Context::default());
        match (&self.function, &self.auth) {
            (Function::Writer(w), auth) => {
                let w = Arc::clone(w);
                let handler = service_fn(move |req| {
                    let w = Arc::clone(&w);
                    async move { writer::handler(&w, req).await }
                });
                call(handler, auth.as_ref(), event).await
            }
            (Function::Reader(r), auth) => {
                let r = Arc::clone(r);
                let handler = service_fn(move |req| {
                    let r = Arc::clone(&r);
                    async move { reader::handler(&r, req).await }
                });
                call(handler, auth.as_ref(), event).await
            }
        }
    }
}

async fn call<S>(
    handler: S,
    auth: Option<&BearerAuth>,
    event: LambdaEvent<HttpEvent>,
) -> Result<HttpAnswer, lambda_runtime::Error>
where
    S: lambda_runtime::Service<Request, Response = Response<lambda_http::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<lambda_runtime::Error> + Send + 'static,
{
    match auth {
        Some(auth) => Edge::new(auth.layer(handler)).call(event).await,
        None => Edge::new(handler).call(event).await,
    }
}

/// How an invocation ended, as the front door sees it.
#[derive(Debug)]
pub enum Invoked {
    /// The function answered (boxed: an answer is large, the other
    /// outcomes carry nothing).
    Answer(Box<HttpAnswer>),
    /// The function failed (a function error, a panic, an event it could not read).
    Failed,
    /// The door's timeout came first.
    TimedOut,
}

/// Invokes `integration` with `event` (JSON text), waiting at most `timeout`.
pub async fn invoke_within(integration: &Integration, event: String, timeout: Duration) -> Invoked {
    let integration = integration.clone();
    let run = tokio::spawn(async move { integration.invoke(&event).await });
    match tokio::time::timeout(timeout, run).await {
        Ok(Ok(Ok(answer))) => Invoked::Answer(Box::new(answer)),
        Ok(Ok(Err(e))) => {
            tracing::error!(error = %e, "function error");
            Invoked::Failed
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "function failed");
            Invoked::Failed
        }
        Err(_) => Invoked::TimedOut,
    }
}

/// The front door's 502 for a function answer it cannot use.
pub fn bad_gateway() -> HttpResponse {
    json(
        StatusCode::BAD_GATEWAY,
        &json!({"message": "Internal server error"}),
    )
}

/// Turns a function's answer into HTTP, as API Gateway, Function URLs and
/// ALB do; an answer they would reject is `None` (a 502). That includes a
/// response Lambda itself refuses: over 6 MB as serialised JSON, envelope
/// and escaped body together
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub fn to_http(answer: &HttpAnswer) -> Option<HttpResponse> {
    let wire = serde_json::to_vec(answer).ok()?;
    if wire.len() > secure_serverless::envelope::LAMBDA_SYNC_RESPONSE_LIMIT {
        tracing::error!(
            bytes = wire.len(),
            "Lambda refuses a response payload this large"
        );
        return None;
    }
    let status = u16::try_from(answer.status())
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())?;
    let encoded = match answer {
        HttpAnswer::Rest(r) => r.is_base64_encoded,
        HttpAnswer::Http(r) => r.is_base64_encoded,
        HttpAnswer::Alb(r) => r.is_base64_encoded,
    };
    use aws_lambda_events::encodings::Body;
    let body = match answer.body() {
        None | Some(Body::Empty) => Bytes::new(),
        Some(Body::Text(t)) if encoded => {
            use base64::Engine as _;
            Bytes::from(base64::engine::general_purpose::STANDARD.decode(t).ok()?)
        }
        Some(Body::Text(t)) => Bytes::from(t.clone()),
        Some(Body::Binary(b)) => Bytes::from(b.clone()),
        Some(_) => return None,
    };
    let mut out = Response::new(Full::new(body));
    *out.status_mut() = status;
    let h = out.headers_mut();
    for (name, value) in answer.headers() {
        h.append(name.clone(), value.clone());
    }
    if let HttpAnswer::Rest(r) = answer {
        // API Gateway merges the two maps; a name in both keeps the multi-value list.
        for (name, value) in &r.headers {
            if !r.multi_value_headers.contains_key(name) {
                h.insert(name.clone(), value.clone());
            }
        }
    }
    if let HttpAnswer::Http(r) = answer {
        for cookie in &r.cookies {
            h.append(SET_COOKIE, HeaderValue::from_str(cookie).ok()?);
        }
    }
    Some(out)
}
