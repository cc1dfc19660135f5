//! The small HTTP layer both listeners share: a hyper HTTP/1.1 server with
//! graceful shutdown, bounded body reads, JSON answers.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A response with a fully buffered body.
pub type HttpResponse = Response<Full<Bytes>>;

/// hyper's own read buffer: large enough that oversized header sections reach
/// our handlers, which answer them with a JSON error (hyper itself would
/// answer 431 with an empty body).
const MAX_BUF: usize = 1024 * 1024;
/// hyper's own header-count cap, above the listeners' documented limits.
const MAX_HEADERS: usize = 1000;

/// A gateway's own answer when it refuses a request (boxed: an HTTP
/// response is large, and refusals are the uncommon path).
pub type Refused = Box<HttpResponse>;

/// Runs `answer` with a new request id and returns its response, or its
/// refusal, with the id in header `header` (as API Gateway does).
pub async fn with_request_id<F, Fut>(header: &'static str, answer: F) -> HttpResponse
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<HttpResponse, Refused>>,
{
    let request_id = uuid::Uuid::new_v4().to_string();
    let value = HeaderValue::from_str(&request_id).ok();
    let mut resp = answer(request_id).await.unwrap_or_else(|refused| *refused);
    if let Some(v) = value {
        resp.headers_mut().insert(header, v);
    }
    resp
}

/// A JSON answer.
pub fn json(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed while reading.
    Read,
}

/// Reads a body of at most `limit` bytes.
pub async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Read),
    }
}

/// Serves `handler` on `listener` until `shutdown` changes, then lets the
/// requests in flight finish.
pub async fn serve<H, F>(
    listener: TcpListener,
    handler: Arc<H>,
    mut shutdown: watch::Receiver<bool>,
) where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = HttpResponse> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let handler = Arc::clone(&handler);
                let mut stop = shutdown.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let fut = handler(req, peer);
                        async move { Ok::<_, Infallible>(fut.await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .max_buf_size(MAX_BUF)
                        .max_headers(MAX_HEADERS)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = stop.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    while connections.join_next().await.is_some() {}
}
