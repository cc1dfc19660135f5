//! [`Idempotent`] around a `lambda_http` handler (feature
//! `idempotency_http`): the key from a header, scoped to the caller, the
//! response (status, headers, body) stored and replayed byte for byte.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use base64::Engine as _;
use lambda_http::tower::{Layer, Service};
use lambda_http::{Body, Request, RequestExt as _, Response};
use serde::{Deserialize, Serialize};

use super::key::{BadIdempotencyKey, IdempotencyKey, KeyFrom};
use super::store::IdempotencyStore;
use super::{IdempotencyConfig, Idempotent, IdempotentResponse, RunError};
use crate::apigw::ApiError;

/// A `lambda_http` response as the store keeps it: status, every header and
/// the body, base64 so any bytes survive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    text: bool,
}

impl IdempotentResponse for StoredHttpResponse {
    /// A 5xx is not the request's final answer: the next call runs again.
    fn is_final(&self) -> bool {
        self.status < 500
    }
}

impl From<Response<Body>> for StoredHttpResponse {
    fn from(r: Response<Body>) -> Self {
        let b64 = base64::engine::general_purpose::STANDARD;
        let headers = r
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), b64.encode(v.as_bytes())))
            .collect();
        let body = b64.encode(AsRef::<[u8]>::as_ref(r.body()));
        let text = !matches!(r.body(), Body::Binary(_));
        StoredHttpResponse {
            status: r.status().as_u16(),
            headers,
            body,
            text,
        }
    }
}

impl StoredHttpResponse {
    /// The response again. A stored form that does not decode (never one
    /// this crate wrote) is a 500, not a panic.
    pub fn into_response(self) -> Response<Body> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let rebuilt = (|| {
            let bytes = b64.decode(&self.body).ok()?;
            let body = match (self.text, bytes.is_empty()) {
                (true, true) => Body::Empty,
                (true, false) => Body::Text(String::from_utf8(bytes).ok()?),
                (false, _) => Body::Binary(bytes),
            };
            let mut builder = Response::builder().status(self.status);
            for (name, value) in &self.headers {
                builder = builder.header(name.as_str(), b64.decode(value).ok()?);
            }
            builder.body(body).ok()
        })();
        rebuilt.unwrap_or_else(|| {
            crate::http_problem::response(
                500,
                "internal",
                "the stored response is unreadable",
                None,
                &[],
            )
        })
    }
}

impl KeyFrom<Request> {
    /// The key is header `name` (case-insensitive), scoped to the caller
    /// (the `bearer` layer's caller, or the claims or context an API Gateway
    /// authorizer put in the request), bound to the method, path, query
    /// parameters and body. A request without the header has no key; a key
    /// without a caller, or a repeated header, is refused.
    ///
    /// ```
    /// use lambda_http::Request;
    /// use secure_serverless::idempotency::KeyFrom;
    /// let keys = KeyFrom::<Request>::http_header("idempotency-key");
    /// assert_eq!(keys.key_of(&Request::default()).unwrap(), None);
    /// ```
    pub fn http_header(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        KeyFrom::new(move |req: &Request| {
            let mut values = req.headers().get_all(name.as_str()).iter();
            let key = match (values.next(), values.next()) {
                (None, _) => return Ok(None),
                (Some(_), Some(_)) => return Err(BadIdempotencyKey::Malformed),
                (Some(v), None) => v.to_str().map_err(|_| BadIdempotencyKey::Malformed)?,
            };
            let caller = crate::apigw::caller(req).ok_or(BadIdempotencyKey::NoCaller)?;
            let params = req.query_string_parameters();
            let query = params
                .iter()
                .flat_map(|(k, _)| {
                    params
                        .all(k)
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |v| (k, v))
                })
                .collect();
            IdempotencyKey::for_http_request(
                key,
                &caller,
                req.method().as_str(),
                // The path the door received, without the stage prefix
                // lambda_http adds (and that AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH
                // removes) or anything a Host header could make of the URL.
                raw_path(req),
                req.body().as_ref(),
                query,
            )
            .map(Some)
        })
    }
}

/// [`Idempotent`] around a `lambda_http` service: requests whose key is
/// found run once per key; others run as usual; refusals are problem
/// answers (409 conflict or in progress with `Retry-After`, 400 bad key, 503
/// store unavailable).
pub struct HttpIdempotencyLayer<St> {
    shared: Arc<(Idempotent<St>, KeyFrom<Request>)>,
}

impl<St> Clone for HttpIdempotencyLayer<St> {
    fn clone(&self) -> Self {
        HttpIdempotencyLayer {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<St> std::fmt::Debug for HttpIdempotencyLayer<St> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpIdempotencyLayer(..)")
    }
}

impl<St: IdempotencyStore> HttpIdempotencyLayer<St> {
    /// A layer on `store`, keys from `keys` (e.g.
    /// `KeyFrom::<Request>::http_header("idempotency-key")`).
    pub fn new(store: St, config: IdempotencyConfig, keys: KeyFrom<Request>) -> Self {
        HttpIdempotencyLayer {
            shared: Arc::new((Idempotent::new(store, config), keys)),
        }
    }
}

impl<S, St> Layer<S> for HttpIdempotencyLayer<St> {
    type Service = HttpIdempotentService<S, St>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpIdempotentService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`HttpIdempotencyLayer`] makes.
pub struct HttpIdempotentService<S, St> {
    inner: S,
    shared: Arc<(Idempotent<St>, KeyFrom<Request>)>,
}

impl<S: Clone, St> Clone for HttpIdempotentService<S, St> {
    fn clone(&self) -> Self {
        HttpIdempotentService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S, St> std::fmt::Debug for HttpIdempotentService<S, St> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HttpIdempotentService(..)")
    }
}

impl<S, St> Service<Request> for HttpIdempotentService<S, St>
where
    S: Service<Request, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    St: IdempotencyStore + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The service that was polled ready answers this call.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let shared = Arc::clone(&self.shared);
        Box::pin(async move {
            let (idempotent, keys) = &*shared;
            let key = match keys.key_of(&req) {
                Ok(Some(key)) => key,
                Ok(None) => return inner.call(req).await,
                Err(bad) => return Ok(ApiError::from(bad).into_response()),
            };
            // No context (a test, say): the epoch, i.e. no usable deadline.
            let deadline = req
                .lambda_context_ref()
                .map_or(SystemTime::UNIX_EPOCH, |c| c.deadline());
            let run = idempotent.run(&key, deadline, || async move {
                inner.call(req).await.map(StoredHttpResponse::from)
            });
            match run.await {
                Ok(outcome) => Ok(outcome.into_response().into_response()),
                Err(RunError::Handler(e)) => Err(e),
                Err(RunError::Idempotency(e)) => Ok(ApiError::from(e).into_response()),
            }
        })
    }
}

/// The request's path as the front door received it.
fn raw_path(req: &Request) -> &str {
    match req.raw_http_path() {
        "" => req.uri().path(),
        raw => raw,
    }
}
