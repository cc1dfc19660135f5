//! The HTTP edge of API Gateway proxy handlers: strict request access and
//! uniform answers.
//!
//! Every answer carries `X-Content-Type-Options: nosniff` and
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
//! | 400 | `invalid_body_encoding` | | [`body_bytes`] |
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
//! ```
//! use secure_serverless::apigw::{ApiError, json_response};
//!
//! let ok = json_response(201, &serde_json::json!({"id": "x"}));
//! assert_eq!(ok.status_code, 201);
//! let err = ApiError::bad_request("invalid_limit", "limit must be 1 to 100").field("limit").into_response();
//! assert_eq!(err.status_code, 400);
//! assert_eq!(err.headers["content-type"], "application/problem+json");
//! assert_eq!(err.headers["x-content-type-options"], "nosniff");
//! ```

#[cfg(any(feature = "cursor", feature = "log_entry", feature = "idempotency"))]
mod from_errors;
#[cfg(feature = "idempotency")]
mod idempotency;
#[cfg(feature = "idempotency")]
pub use idempotency::authorizer_caller;

use std::borrow::Cow;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use serde::Serialize;

/// An API Gateway REST proxy request.
pub type ProxyRequest = ApiGatewayProxyRequest;
/// An API Gateway REST proxy response.
pub type ProxyResponse = ApiGatewayProxyResponse;

fn security_headers(content_type: &'static str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static(content_type));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    h
}

/// A JSON answer with the security headers.
pub fn json_response<T: Serialize + ?Sized>(status: u16, body: &T) -> ProxyResponse {
    match serde_json::to_string(body) {
        Ok(text) => response(status, "application/json", text),
        Err(_) => {
            ApiError::new(500, "internal", "the response could not be encoded").into_response()
        }
    }
}

fn response(status: u16, content_type: &'static str, body: String) -> ProxyResponse {
    let mut r = ProxyResponse::default();
    r.status_code = i64::from(status);
    r.headers = security_headers(content_type);
    r.body = Some(Body::Text(body));
    r
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

/// An RFC 9457 problem details object with this crate's two extension
/// members.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
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
    /// The answer: `application/problem+json` with the security headers.
    pub fn into_response(self) -> ProxyResponse {
        let title = aws_lambda_events::http::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let problem = Problem {
            kind: "about:blank",
            title,
            status: self.status,
            detail: &self.message,
            code: self.code,
            field: self.field.as_deref(),
        };
        // Strings and numbers only: serialising cannot fail.
        let body = serde_json::to_string(&problem).unwrap_or_default();
        let mut r = response(self.status, "application/problem+json", body);
        if let Some(s) = self.retry_after {
            r.headers.insert("retry-after", HeaderValue::from(s));
        }
        r
    }
}

/// The answer for a handler's result: the response, or the error's problem
/// details (logged with its status and code when the `tracing` feature is on;
/// the detail is never logged, it may quote the request).
pub fn respond(result: Result<ProxyResponse, ApiError>) -> ProxyResponse {
    result.unwrap_or_else(|e| {
        #[cfg(feature = "tracing")]
        tracing::info!(status = e.status(), code = e.code(), "request refused");
        e.into_response()
    })
}

/// The single value of header `name` (case-insensitive), `None` when absent.
///
/// # Errors
/// 400 when the header is repeated or not visible ASCII.
pub fn single_header<'a>(req: &'a ProxyRequest, name: &str) -> Result<Option<&'a str>, ApiError> {
    let values: Vec<&HeaderValue> =
        crate::headers::all_values(&req.multi_value_headers, &req.headers, name)
            .iter()
            .collect();
    match values.as_slice() {
        [] => Ok(None),
        [one] => one.to_str().map(Some).map_err(|_| {
            ApiError::bad_request(
                "invalid_header",
                format!("header {name} is not visible ASCII"),
            )
            .field(name)
        }),
        _ => Err(ApiError::bad_request(
            "duplicate_header",
            format!("header {name} appears more than once"),
        )
        .field(name)),
    }
}

/// Requires a JSON body: `Content-Type: application/json` (optionally
/// `; charset=utf-8`).
///
/// # Errors
/// 415 otherwise.
pub fn require_json(req: &ProxyRequest) -> Result<(), ApiError> {
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

/// The request body as bytes (decoding base64 when API Gateway encoded it).
///
/// # Errors
/// 400 when the body is flagged base64 but is not.
pub fn body_bytes(req: &ProxyRequest) -> Result<Cow<'_, [u8]>, ApiError> {
    let body = req.body.as_deref().unwrap_or("");
    if req.is_base64_encoded {
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map(Cow::Owned)
            .map_err(|_| {
                ApiError::bad_request("invalid_body_encoding", "body is flagged base64 but is not")
            })
    } else {
        Ok(Cow::Borrowed(body.as_bytes()))
    }
}

/// The query parameters, each at most once and all in `allowed`.
///
/// # Errors
/// 400 naming an unknown or repeated parameter.
pub fn query_params<'a>(
    req: &'a ProxyRequest,
    allowed: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
    let mut out = Vec::new();
    for (name, _) in req.query_string_parameters.iter() {
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
        let all: Vec<&str> = match req.multi_value_query_string_parameters.all(name) {
            Some(v) if !v.is_empty() => v,
            _ => req.query_string_parameters.all(name).unwrap_or_default(),
        };
        match all.as_slice() {
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
