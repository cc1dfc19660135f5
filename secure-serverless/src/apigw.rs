//! The HTTP edge of Lambda functions behind any HTTP front door: API
//! Gateway REST (payload 1.0) and HTTP APIs (1.0 or 2.0), Function URLs and
//! ALB targets, one binary for all of them, on `lambda_http`'s `Request`
//! and `Response`.
//!
//! [`run`] starts the Lambda runtime with a handler of `lambda_http::Request`
//! (as `lambda_http::run` does) and adds what a security edge needs and
//! `lambda_http` lacks:
//!
//! * a header sent more than once stays visible: `lambda_http` keeps only
//!   the last value of a REST or ALB event's repeated header; the edge puts
//!   every value back, so [`single_header`], the `bearer` layer and
//!   idempotency keys see the repetition and refuse it. HTTP APIs and
//!   Function URLs join repeated headers with commas before the function
//!   sees them, and an ALB target group without multi-value headers passes
//!   the last value only: turn multi-value headers on for ALB targets;
//! * a body flagged base64 that is not base64 is a 400 answer, not a panic in
//!   the conversion, and an event `lambda_http` cannot turn into a request
//!   is a 400 answer too;
//! * the answer goes back in the shape of the door that asked.
//!
//! Every answer built here carries `X-Content-Type-Options: nosniff` and
//! `Cache-Control: no-store`. Successes are `application/json`; errors are
//! RFC 9457 problem details (`application/problem+json`,
//! <https://www.rfc-editor.org/rfc/rfc9457>) with two extension members, a
//! stable machine-readable `code` and, when one request field is at fault,
//! its name in `field`:
//!
//! ```json
//! {"type": "about:blank", "title": "Bad Request", "status": 400,
//!  "detail": "limit must be an integer from 1 to 100", "code": "invalid_limit", "field": "limit"}
//! ```
//!
//! A handler built on this module always answers: it never returns an error
//! to the runtime, so API Gateway never turns a bad request into a 502. The
//! library's own errors become answers through `From` (so `?` maps them):
//!
//! | status | `code` | `field` | from |
//! |---|---|---|---|
//! | 400 | `duplicate_header`, `invalid_header` | the header | [`single_header`] |
//! | 400 | `unknown_parameter`, `duplicate_parameter` | the parameter | [`query_params`] |
//! | 400 | `invalid_body_encoding`, `malformed_request` | | the edge ([`run`], [`Edge`]) |
//! | 401 | `unauthenticated` | | [`require_vouched`]: nothing vouched for the caller (no authorizer in front, no in-function check) |
//! | 415 | `unsupported_media_type` | `content-type` | [`require_json`] |
//! | 400, 413, 422 | the entry error's code (`malformed_json`, `missing_field`, `payload_too_large`, `control_character`, ...) | the field | `LogEntryError` |
//! | 400 | `invalid_idempotency_key`, `idempotency_key_needs_caller` | `idempotency-key` | `BadIdempotencyKey` |
//! | 409 | `idempotency_conflict` | `idempotency-key` | `IdempotencyError::Conflict` (the key was used with another request) |
//! | 409 (+ `Retry-After`) | `idempotency_in_progress` | `idempotency-key` | `IdempotencyError::InProgress` |
//! | 400 | `invalid_cursor`, `cursor_expired` | `cursor` | `CursorError`, `RepoError::Cursor` |
//! | 413 | `payload_too_large` | `payload` | `RepoError::ItemTooLarge` |
//! | 503 (+ `Retry-After: 1`) | `storage_unavailable` | | a throttled or unavailable store |
//! | 500 | `storage_error`, `internal` | | anything else (never with details: log the error before converting it) |
//!
//! ```no_run
//! use lambda_http::{Body, Request, Response, service_fn};
//! use secure_serverless::apigw::{self, ApiError, json_response};
//!
//! async fn hello(req: Request) -> Result<Response<Body>, ApiError> {
//!     let name = apigw::single_header(&req, "x-name")?.unwrap_or("world");
//!     Ok(json_response(200, &serde_json::json!({ "hello": name })))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_http::Error> {
//!     apigw::run(service_fn(|req| async { Ok::<_, std::convert::Infallible>(apigw::respond(hello(req).await)) })).await
//! }
//! ```

#[cfg(any(feature = "cursor", feature = "log_entry", feature = "idempotency"))]
mod from_errors;

mod caller;
mod edge;

pub use caller::{VouchedBy, caller, require_vouched, vouched_by};
pub use edge::{Edge, HttpAnswer, HttpEvent, run};

use lambda_http::{Body, Request, RequestExt as _, Response};
use serde::Serialize;

/// A JSON answer with the security headers.
///
/// ```
/// let ok = secure_serverless::apigw::json_response(201, &serde_json::json!({"id": "x"}));
/// assert_eq!(ok.status(), 201);
/// assert_eq!(ok.headers()["x-content-type-options"], "nosniff");
/// ```
pub fn json_response<T: Serialize + ?Sized>(status: u16, body: &T) -> Response<Body> {
    let text = match serde_json::to_string(body) {
        Ok(text) => text,
        Err(_) => {
            return ApiError::new(500, "internal", "the response could not be encoded")
                .into_response();
        }
    };
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store")
        .body(Body::Text(text))
        // A status outside 100..=999 is the only way to fail: the caller's own constant.
        .unwrap_or_else(|_| ApiError::new(500, "internal", "invalid status").into_response())
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: u16,
    code: &'static str,
    message: String,
    field: Option<String>,
    retry_after: Option<u32>,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }
    /// 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }
    /// 503 with `Retry-After: seconds`.
    pub fn unavailable(seconds: u32) -> Self {
        let mut e = Self::new(
            503,
            "storage_unavailable",
            "storage is temporarily unavailable; retry later",
        );
        e.retry_after = Some(seconds);
        e
    }
    /// Adds `Retry-After: seconds` to the answer.
    #[must_use]
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }
    /// Names the request field at fault.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.message
    }
    /// The request field at fault, if one is.
    pub fn field_name(&self) -> Option<&str> {
        self.field.as_deref()
    }
    /// The answer: `application/problem+json` with the security headers
    /// (and `Retry-After` when set).
    pub fn into_response(self) -> Response<Body> {
        let retry = self.retry_after.map(|s| ("retry-after", s.to_string()));
        crate::http_problem::response(
            self.status,
            self.code,
            &self.message,
            self.field.as_deref(),
            retry.as_slice(),
        )
    }
}

/// The answer for a handler's result: the response, or the error's problem
/// details (logged with its status and code when the `tracing` feature is on;
/// the detail is never logged, it may quote the request).
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(|e| {
        #[cfg(feature = "tracing")]
        tracing::info!(status = e.status(), code = e.code(), "request refused");
        e.into_response()
    })
}

/// The single value of header `name` (case-insensitive), `None` when absent.
///
/// # Errors
/// 400 when the header was sent more than once (the [`Edge`] keeps every
/// value of a repeated header) or is not visible ASCII.
pub fn single_header<'a>(req: &'a Request, name: &str) -> Result<Option<&'a str>, ApiError> {
    let repeated = || {
        ApiError::bad_request(
            "duplicate_header",
            format!("header {name} appears more than once"),
        )
        .field(name)
    };
    let mut values = req.headers().get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(repeated()),
        (Some(one), None) => one.to_str().map(Some).map_err(|_| {
            ApiError::bad_request(
                "invalid_header",
                format!("header {name} is not visible ASCII"),
            )
            .field(name)
        }),
    }
}

/// Requires a JSON body: `Content-Type: application/json` (optionally
/// `; charset=utf-8`).
///
/// # Errors
/// 415 otherwise.
pub fn require_json(req: &Request) -> Result<(), ApiError> {
    let ct = single_header(req, "content-type")?;
    let ok = ct.is_some_and(|v| {
        let mut parts = v.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        media.eq_ignore_ascii_case("application/json")
            && parts
                .all(|p| p.is_empty() || p.replace(' ', "").eq_ignore_ascii_case("charset=utf-8"))
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            415,
            "unsupported_media_type",
            "Content-Type must be application/json",
        )
        .field("content-type"))
    }
}

/// The query parameters, each at most once and all in `allowed`.
///
/// # Errors
/// 400 naming an unknown or repeated parameter.
pub fn query_params<'a>(
    req: &'a Request,
    allowed: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
    let Some(params) = req.query_string_parameters_ref() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, _) in params.iter() {
        if !allowed.contains(&name) {
            let shown = crate::untrusted::excerpt(name);
            return Err(ApiError::bad_request(
                "unknown_parameter",
                format!(
                    "query parameter {shown:?} is not supported; use {}",
                    allowed.join(", ")
                ),
            )
            .field(shown));
        }
        match params.all(name).unwrap_or_default().as_slice() {
            [one] => out.push((name, *one)),
            _ => {
                return Err(ApiError::bad_request(
                    "duplicate_parameter",
                    format!("query parameter {name} appears more than once"),
                )
                .field(name));
            }
        }
    }
    Ok(out)
}
