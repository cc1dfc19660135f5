//! RFC 9457 problem answers for `lambda_http` handlers (the `bearer` and
//! idempotency layers answer alike): `application/problem+json` with a stable
//! `code`, `nosniff` and `no-store`, and any extra headers.

use lambda_http::{Body, Response};

/// The answer; `headers` are visible ASCII (the callers' own fixed text).
pub(crate) fn response(
    status: u16,
    code: &str,
    detail: &str,
    headers: &[(&str, String)],
) -> Response<Body> {
    let title = lambda_http::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = serde_json::json!({
        "type": "about:blank", "title": title, "status": status, "detail": detail, "code": code,
    });
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/problem+json")
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store");
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    // Every header value is visible ASCII: building cannot fail.
    builder
        .body(Body::Text(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}
